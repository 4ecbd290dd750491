"""应急送水: emergencies (drought, contamination, outage) over villages, their team, and the deliveries they plan

Revision ID: 394a5b6c7d8e
Revises: 28394a5b6c7d
Create Date: 2026-12-06 11:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


revision = '394a5b6c7d8e'
down_revision = '28394a5b6c7d'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('emergencies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('started_on', sa.Date(), nullable=False),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('source_facility_id', sa.Integer(), nullable=True),
    sa.Column('liters_per_person', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('declared_by_id', sa.Integer(), nullable=True),
    sa.Column('ended_by_id', sa.Integer(), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('drought', 'contamination', 'outage')", name=op.f('ck_emergencies_kind_known')),
    sa.CheckConstraint('ended_on IS NULL OR ended_on >= started_on', name=op.f('ck_emergencies_ends_after_start')),
    sa.CheckConstraint('liters_per_person > 0 AND liters_per_person <= 200', name=op.f('ck_emergencies_liters_range')),
    sa.ForeignKeyConstraint(['declared_by_id'], ['users.id'], name=op.f('fk_emergencies_declared_by_id_users')),
    sa.ForeignKeyConstraint(['ended_by_id'], ['users.id'], name=op.f('fk_emergencies_ended_by_id_users')),
    sa.ForeignKeyConstraint(['source_facility_id'], ['facilities.id'], name=op.f('fk_emergencies_source_facility_id_facilities')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_emergencies'))
    )
    op.create_table('emergency_team',
    sa.Column('emergency_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['emergency_id'], ['emergencies.id'], name=op.f('fk_emergency_team_emergency_id_emergencies')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_emergency_team_staff_id_staff')),
    sa.PrimaryKeyConstraint('emergency_id', 'staff_id', name=op.f('pk_emergency_team'))
    )
    with op.batch_alter_table('emergency_team', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_emergency_team_staff_id'), ['staff_id'], unique=False)

    op.create_table('emergency_villages',
    sa.Column('emergency_id', sa.Integer(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['emergency_id'], ['emergencies.id'], name=op.f('fk_emergency_villages_emergency_id_emergencies')),
    sa.ForeignKeyConstraint(['village_id'], ['villages.id'], name=op.f('fk_emergency_villages_village_id_villages')),
    sa.PrimaryKeyConstraint('emergency_id', 'village_id', name=op.f('pk_emergency_villages'))
    )
    with op.batch_alter_table('emergency_villages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_emergency_villages_village_id'), ['village_id'], unique=False)

    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('emergency_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_deliveries_emergency_id'), ['emergency_id'], unique=False)
        batch_op.create_index('uq_deliveries_emergency_day', ['emergency_id', 'household_id', 'scheduled_for'], unique=True, sqlite_where=sa.text('emergency_id IS NOT NULL'), postgresql_where=sa.text('emergency_id IS NOT NULL'))
        batch_op.create_foreign_key(batch_op.f('fk_deliveries_emergency_id_emergencies'), 'emergencies', ['emergency_id'], ['id'])
        # A planned delivery is an agreement's or an emergency's.
        batch_op.drop_constraint(op.f('ck_deliveries_planned_has_agreement'), type_='check')
        batch_op.create_check_constraint(op.f('ck_deliveries_planned_has_agreement'),
                                         "unplanned OR agreement_id IS NOT NULL OR emergency_id IS NOT NULL")



def downgrade():
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_deliveries_planned_has_agreement'), type_='check')
        batch_op.create_check_constraint(op.f('ck_deliveries_planned_has_agreement'), "unplanned OR agreement_id IS NOT NULL")
        batch_op.drop_constraint(batch_op.f('fk_deliveries_emergency_id_emergencies'), type_='foreignkey')
        batch_op.drop_index('uq_deliveries_emergency_day', sqlite_where=sa.text('emergency_id IS NOT NULL'), postgresql_where=sa.text('emergency_id IS NOT NULL'))
        batch_op.drop_index(batch_op.f('ix_deliveries_emergency_id'))
        batch_op.drop_column('emergency_id')

    with op.batch_alter_table('emergency_villages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_emergency_villages_village_id'))

    op.drop_table('emergency_villages')
    with op.batch_alter_table('emergency_team', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_emergency_team_staff_id'))

    op.drop_table('emergency_team')
    op.drop_table('emergencies')
