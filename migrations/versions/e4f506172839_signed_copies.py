"""Signed paper back into the record (signed_copies): a printout signed and photographed is attached to its 核验码

Revision ID: e4f506172839
Revises: d3e4f5061728
Create Date: 2026-12-06 08:55:32.180481

"""
from alembic import op
import sqlalchemy as sa


revision = 'e4f506172839'
down_revision = 'd3e4f5061728'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('signed_copies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('path', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=50), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['code'], ['report_verifications.code'], name=op.f('fk_signed_copies_code_report_verifications')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_signed_copies_uploaded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signed_copies'))
    )
    with op.batch_alter_table('signed_copies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signed_copies_code'), ['code'], unique=False)



def downgrade():
    with op.batch_alter_table('signed_copies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_signed_copies_code'))

    op.drop_table('signed_copies')
