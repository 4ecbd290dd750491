"""Households enter and leave monitoring (monitoring_status, monitored_since, left_on, 帮扶责任人), earlier periods of
a household that entered again, and why the service ended an agreement

Revision ID: f5061728394a
Revises: e4f506172839
Create Date: 2026-12-06 10:21:04.030884

"""
from alembic import op
import sqlalchemy as sa


revision = 'f5061728394a'
down_revision = 'e4f506172839'
branch_labels = None
depends_on = None

ACCESS = ['township_id', 'village_id', 'distance_m', 'vertical_m', 'round_trip_min', 'self_care', 'water_source_id']


def upgrade():
    op.create_table('monitoring_periods',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('entered_on', sa.Date(), nullable=True),
    sa.Column('left_on', sa.Date(), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.CheckConstraint("reason IN ('risk_eliminated', 'moved_out', 'deceased')", name=op.f('ck_monitoring_periods_reason_known')),
    sa.CheckConstraint('entered_on IS NULL OR left_on > entered_on', name=op.f('ck_monitoring_periods_leaves_after_entering')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_monitoring_periods_household_id_households')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_monitoring_periods'))
    )
    with op.batch_alter_table('monitoring_periods', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_monitoring_periods_household_id'), ['household_id'], unique=False)

    with op.batch_alter_table('agreements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('end_reason', sa.String(length=20), nullable=True))
        batch_op.create_check_constraint(op.f('ck_agreements_end_reason_known'), "end_reason IS NULL OR end_reason IN "
                                         "('risk_eliminated', 'moved_out', 'deceased', 'piped_supply')")

    # Every household registered so far is monitored, since before the service's records (monitored_since NULL).
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.add_column(sa.Column('monitoring_status', sa.String(length=20), server_default='monitored', nullable=False))
        batch_op.add_column(sa.Column('monitored_since', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('left_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('support_person_name', sa.String(length=50), nullable=True))
        batch_op.add_column(sa.Column('support_person_phone', sa.String(length=20), nullable=True))
        batch_op.create_check_constraint(op.f('ck_households_monitoring_status_known'), "monitoring_status IN "
                                         "('monitored', 'risk_eliminated', 'moved_out', 'deceased')")
        batch_op.create_check_constraint(op.f('ck_households_left_on_iff_left'),
                                         "(monitoring_status = 'monitored') = (left_on IS NULL)")
        batch_op.create_check_constraint(op.f('ck_households_leaves_after_entering'),
                                         "left_on IS NULL OR monitored_since IS NULL OR left_on > monitored_since")
        batch_op.drop_index('ix_households_access')
        batch_op.create_index('ix_households_access', ACCESS + ['monitoring_status'], unique=False)


def downgrade():
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.drop_index('ix_households_access')
        batch_op.create_index('ix_households_access', ACCESS, unique=False)
        batch_op.drop_constraint(op.f('ck_households_leaves_after_entering'), type_='check')
        batch_op.drop_constraint(op.f('ck_households_left_on_iff_left'), type_='check')
        batch_op.drop_constraint(op.f('ck_households_monitoring_status_known'), type_='check')
        batch_op.drop_column('support_person_phone')
        batch_op.drop_column('support_person_name')
        batch_op.drop_column('left_on')
        batch_op.drop_column('monitored_since')
        batch_op.drop_column('monitoring_status')

    with op.batch_alter_table('agreements', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_agreements_end_reason_known'), type_='check')
        batch_op.drop_column('end_reason')

    with op.batch_alter_table('monitoring_periods', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_monitoring_periods_household_id'))

    op.drop_table('monitoring_periods')
