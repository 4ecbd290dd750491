"""a failed central point (or a broken well) is a case of its own kind, 设施维修 (facility_repair), not 其他问题

Revision ID: 7c4e1a2b3d58
Revises: 6b2f0c1d9e47
Create Date: 2026-12-03 14:10:00

"""
from alembic import op


revision = '7c4e1a2b3d58'
down_revision = '6b2f0c1d9e47'
branch_labels = None
depends_on = None

BEFORE = ('purifier_repair', 'well_low_yield', 'water_quality', 'missing_agreement', 'missed_delivery', 'sanitation',
          'other')
AFTER = ('purifier_repair', 'well_low_yield', 'facility_repair', 'water_quality', 'missing_agreement',
         'missed_delivery', 'sanitation', 'other')


def _kinds(kinds):
    with op.batch_alter_table('cases') as batch:
        batch.drop_constraint(op.f('ck_cases_kind_known'), type_='check')
        batch.create_check_constraint(op.f('ck_cases_kind_known'), f"kind IN {kinds}")


def upgrade():
    _kinds(AFTER)
    # The repair cases of central points were typed 其他问题: they are the facility's repair case.
    op.execute("UPDATE cases SET kind = 'facility_repair' WHERE kind = 'other' AND dedupe_key LIKE 'facility:%'")


def downgrade():
    op.execute("UPDATE cases SET kind = 'other' WHERE kind = 'facility_repair'")
    _kinds(BEFORE)
