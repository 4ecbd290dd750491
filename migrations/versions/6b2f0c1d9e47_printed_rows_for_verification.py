"""what a printed record said row by row, so that /verify tells entries logged after printing (核验一致，打印后新增
N 条记录) from changes to what was printed

Revision ID: 6b2f0c1d9e47
Revises: 5e1d2c3b4a90
Create Date: 2026-12-03 14:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '6b2f0c1d9e47'
down_revision = '5e1d2c3b4a90'
branch_labels = None
depends_on = None


def upgrade():
    # Records printed before this keep no rows: they verify as before (unchanged or not).
    with op.batch_alter_table('report_verifications') as batch:
        batch.add_column(sa.Column('printed', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('report_verifications') as batch:
        batch.drop_column('printed')
