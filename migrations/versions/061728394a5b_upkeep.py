"""Upkeep and water-quality monitoring on a rhythm: a facility's last source check, filter change and test, its own
test interval, 加密监测 since an exceedance, and the day its next test is due; 水源保护检查 is `source_protection` and
a purifier's 滤芯更换 is recorded as `filter_change`

Revision ID: 061728394a5b
Revises: f5061728394a
Create Date: 2026-12-06 10:45:12.114022

"""
from alembic import op
import sqlalchemy as sa


revision = '061728394a5b'
down_revision = 'f5061728394a'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('facilities', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_source_check_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('last_filter_change_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('test_every_days', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('last_tested_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('intensive_since', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('next_test_due', sa.Date(), nullable=True))
        batch_op.create_index(batch_op.f('ix_facilities_next_test_due'), ['next_test_due'], unique=False)
        batch_op.create_check_constraint(op.f('ck_facilities_test_every_days_range'),
                                         "test_every_days IS NULL OR (test_every_days >= 1 AND test_every_days <= 730)")
    with op.batch_alter_table('facility_care', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_facility_care_kind_known'), type_='check')
    op.execute("UPDATE facility_care SET kind = 'source_protection' WHERE kind = 'protection'")
    with op.batch_alter_table('facility_care', schema=None) as batch_op:
        batch_op.create_check_constraint(op.f('ck_facility_care_kind_known'),
                                         "kind IN ('cleaning', 'source_protection', 'filter_change')")
    # What is already on record: the last test of each facility and its last source check. The day the next test is
    # due is worked out by the service's daily case pass (it depends on the settings).
    op.execute("UPDATE facilities SET last_tested_on = (SELECT max(sampled_on) FROM water_tests "
               "WHERE water_tests.facility_id = facilities.id)")
    op.execute("UPDATE facilities SET last_source_check_on = (SELECT max(done_on) FROM facility_care "
               "WHERE facility_care.facility_id = facilities.id AND facility_care.kind = 'source_protection')")


def downgrade():
    op.execute("DELETE FROM facility_care WHERE kind = 'filter_change'")
    with op.batch_alter_table('facility_care', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_facility_care_kind_known'), type_='check')
    op.execute("UPDATE facility_care SET kind = 'protection' WHERE kind = 'source_protection'")
    with op.batch_alter_table('facility_care', schema=None) as batch_op:
        batch_op.create_check_constraint(op.f('ck_facility_care_kind_known'), "kind IN ('cleaning', 'protection')")
    with op.batch_alter_table('facilities', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_facilities_test_every_days_range'), type_='check')
        batch_op.drop_index(batch_op.f('ix_facilities_next_test_due'))
        batch_op.drop_column('next_test_due')
        batch_op.drop_column('intensive_since')
        batch_op.drop_column('last_tested_on')
        batch_op.drop_column('test_every_days')
        batch_op.drop_column('last_filter_change_on')
        batch_op.drop_column('last_source_check_on')
