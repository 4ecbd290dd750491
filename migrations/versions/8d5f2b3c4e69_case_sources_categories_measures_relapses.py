"""the ledger's columns on every case: where it came from (问题来源, 交办编号), 限期整改 or 长期坚持, 整改措施, and
the earlier case a relapse (反弹) follows

Revision ID: 8d5f2b3c4e69
Revises: 7c4e1a2b3d58
Create Date: 2026-12-03 14:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '8d5f2b3c4e69'
down_revision = '7c4e1a2b3d58'
branch_labels = None
depends_on = None

SOURCES = ('inspection', 'assigned', 'petition', 'hotline', 'media', 'self_check', 'system', 'villager')


def upgrade():
    with op.batch_alter_table('cases') as batch:
        batch.add_column(sa.Column('source', sa.String(20), server_default='system', nullable=False))
        batch.add_column(sa.Column('source_ref', sa.String(60), nullable=True))
        batch.add_column(sa.Column('category', sa.String(10), server_default='deadline', nullable=False))
        batch.add_column(sa.Column('measures', sa.Text(), nullable=True))
        batch.add_column(sa.Column('relapse_of_id', sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f('fk_cases_relapse_of_id_cases'), 'cases', ['relapse_of_id'], ['id'])
        batch.create_check_constraint(op.f('ck_cases_source_known'), f"source IN {SOURCES}")
        batch.create_check_constraint(op.f('ck_cases_category_known'), "category IN ('deadline', 'ongoing')")
    # The cases people opened (the service's carry a dedupe key) came from their own checks.
    op.execute("UPDATE cases SET source = 'self_check' WHERE dedupe_key IS NULL")


def downgrade():
    with op.batch_alter_table('cases') as batch:
        batch.drop_constraint(op.f('ck_cases_category_known'), type_='check')
        batch.drop_constraint(op.f('ck_cases_source_known'), type_='check')
        batch.drop_constraint(op.f('fk_cases_relapse_of_id_cases'), type_='foreignkey')
        for column in ('relapse_of_id', 'measures', 'category', 'source_ref', 'source'):
            batch.drop_column(column)
