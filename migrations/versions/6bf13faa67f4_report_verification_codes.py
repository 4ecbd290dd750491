"""report verification codes

Revision ID: 6bf13faa67f4
Revises: d34a9cfa2108
Create Date: 2026-11-25 15:50:09.119666

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6bf13faa67f4'
down_revision = 'd34a9cfa2108'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('report_verifications',
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('township_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_report_verifications'))
    )
    with op.batch_alter_table('report_verifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_verifications_township_id'), ['township_id'], unique=False)



def downgrade():
    with op.batch_alter_table('report_verifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_verifications_township_id'))

    op.drop_table('report_verifications')
