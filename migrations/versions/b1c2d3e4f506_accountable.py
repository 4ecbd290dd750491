"""包保责任人: each township and village names the person who answers for it (name, title, phone), printed on the
ledger

Revision ID: b1c2d3e4f506
Revises: a0b1c2d3e4f5
Create Date: 2026-12-06 08:06:45.577157

"""
from alembic import op
import sqlalchemy as sa


revision = 'b1c2d3e4f506'
down_revision = 'a0b1c2d3e4f5'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('townships', schema=None) as batch_op:
        batch_op.add_column(sa.Column('accountable_name', sa.String(length=50), nullable=True))
        batch_op.add_column(sa.Column('accountable_title', sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column('accountable_phone', sa.String(length=20), nullable=True))

    with op.batch_alter_table('villages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('accountable_name', sa.String(length=50), nullable=True))
        batch_op.add_column(sa.Column('accountable_title', sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column('accountable_phone', sa.String(length=20), nullable=True))



def downgrade():
    with op.batch_alter_table('villages', schema=None) as batch_op:
        batch_op.drop_column('accountable_phone')
        batch_op.drop_column('accountable_title')
        batch_op.drop_column('accountable_name')

    with op.batch_alter_table('townships', schema=None) as batch_op:
        batch_op.drop_column('accountable_phone')
        batch_op.drop_column('accountable_title')
        batch_op.drop_column('accountable_name')

