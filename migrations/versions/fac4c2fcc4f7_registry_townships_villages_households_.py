"""registry: townships, villages, households, facilities, staff, users, audit

Revision ID: fac4c2fcc4f7
Revises: 
Create Date: 2026-11-25 14:58:56.726699

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'fac4c2fcc4f7'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('townships',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('length(trim(code)) > 0', name=op.f('ck_townships_code_not_blank')),
    sa.CheckConstraint('length(trim(name)) > 0', name=op.f('ck_townships_name_not_blank')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_townships')),
    sa.UniqueConstraint('code', name=op.f('uq_townships_code'))
    )
    op.create_table('villages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('township_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=True),
    sa.Column('is_key', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('length(trim(name)) > 0', name=op.f('ck_villages_name_not_blank')),
    sa.ForeignKeyConstraint(['township_id'], ['townships.id'], name=op.f('fk_villages_township_id_townships')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_villages')),
    sa.UniqueConstraint('code', name=op.f('uq_villages_code')),
    sa.UniqueConstraint('id', 'township_id', name=op.f('uq_villages_id_township_id')),
    sa.UniqueConstraint('township_id', 'name', name=op.f('uq_villages_township_id_name'))
    )
    with op.batch_alter_table('villages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_villages_township_id'), ['township_id'], unique=False)

    op.create_table('households',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('township_id', sa.Integer(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('head_name', sa.String(length=50), nullable=False),
    sa.Column('id_number_encrypted', sa.Text(), nullable=False),
    sa.Column('id_number_hash', sa.String(length=64), nullable=False),
    sa.Column('id_number_masked', sa.String(length=18), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('members', sa.Integer(), nullable=False),
    sa.Column('self_care', sa.Boolean(), nullable=False),
    sa.Column('monitoring_type', sa.String(length=20), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('distance_m', sa.Float(), nullable=True),
    sa.Column('distance_computed', sa.Boolean(), nullable=False),
    sa.Column('vertical_m', sa.Float(), nullable=True),
    sa.Column('round_trip_min', sa.Float(), nullable=True),
    sa.Column('water_source', sa.String(length=20), nullable=True),
    sa.Column('water_source_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("monitoring_type IS NULL OR monitoring_type IN ('unstable', 'marginal', 'sudden_hardship', 'other')", name=op.f('ck_households_monitoring_type_known')),
    sa.CheckConstraint("water_source IS NULL OR water_source IN ('central_point', 'purifier', 'well', 'spring', 'cistern', 'other')", name=op.f('ck_households_water_source_known')),
    sa.CheckConstraint('distance_m IS NULL OR distance_m >= 0', name=op.f('ck_households_distance_not_negative')),
    sa.CheckConstraint('lat IS NULL OR (lat >= -90 AND lat <= 90)', name=op.f('ck_households_lat_range')),
    sa.CheckConstraint('length(trim(head_name)) > 0', name=op.f('ck_households_head_name_not_blank')),
    sa.CheckConstraint('lon IS NULL OR (lon >= -180 AND lon <= 180)', name=op.f('ck_households_lon_range')),
    sa.CheckConstraint('members >= 1 AND members <= 50', name=op.f('ck_households_members_range')),
    sa.CheckConstraint('round_trip_min IS NULL OR round_trip_min >= 0', name=op.f('ck_households_round_trip_not_negative')),
    sa.CheckConstraint('vertical_m IS NULL OR vertical_m >= 0', name=op.f('ck_households_vertical_not_negative')),
    sa.ForeignKeyConstraint(['township_id'], ['townships.id'], name=op.f('fk_households_township_id_townships')),
    sa.ForeignKeyConstraint(['village_id', 'township_id'], ['villages.id', 'villages.township_id'], name=op.f('fk_households_village_id_township_id_villages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_households')),
    sa.UniqueConstraint('id_number_hash', name=op.f('uq_households_id_number_hash'))
    )
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_households_phone'), ['phone'], unique=False)
        batch_op.create_index(batch_op.f('ix_households_township_id'), ['township_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_households_village_id'), ['village_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_households_water_source_id'), ['water_source_id'], unique=False)

    op.create_table('staff',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('township_id', sa.Integer(), nullable=True),
    sa.Column('village_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("role <> 'village_staff' OR village_id IS NOT NULL", name=op.f('ck_staff_village_staff_has_village')),
    sa.CheckConstraint("role = 'county_admin' OR township_id IS NOT NULL", name=op.f('ck_staff_local_staff_has_township')),
    sa.CheckConstraint("role IN ('village_staff', 'township_lead', 'county_admin')", name=op.f('ck_staff_role_known')),
    sa.CheckConstraint('length(trim(name)) > 0', name=op.f('ck_staff_name_not_blank')),
    sa.ForeignKeyConstraint(['township_id'], ['townships.id'], name=op.f('fk_staff_township_id_townships')),
    sa.ForeignKeyConstraint(['village_id', 'township_id'], ['villages.id', 'villages.township_id'], name=op.f('fk_staff_village_id_township_id_villages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff')),
    sa.UniqueConstraint('phone', name=op.f('uq_staff_phone'))
    )
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_township_id'), ['township_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_staff_village_id'), ['village_id'], unique=False)

    op.create_table('facilities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('township_id', sa.Integer(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('code', sa.String(length=30), nullable=True),
    sa.Column('ownership', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('status_changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=True),
    sa.Column('manager_id', sa.Integer(), nullable=True),
    sa.Column('responsible_unit', sa.String(length=100), nullable=True),
    sa.Column('yield_m3_day', sa.Float(), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('last_cleaned_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('central_point', 'purifier', 'well')", name=op.f('ck_facilities_kind_known')),
    sa.CheckConstraint("ownership <> 'private' OR household_id IS NOT NULL", name=op.f('ck_facilities_private_has_household')),
    sa.CheckConstraint("ownership IN ('private', 'collective', 'public')", name=op.f('ck_facilities_ownership_known')),
    sa.CheckConstraint("status IN ('working', 'broken', 'low_yield', 'retired')", name=op.f('ck_facilities_status_known')),
    sa.CheckConstraint('lat IS NULL OR (lat >= -90 AND lat <= 90)', name=op.f('ck_facilities_lat_range')),
    sa.CheckConstraint('length(trim(name)) > 0', name=op.f('ck_facilities_name_not_blank')),
    sa.CheckConstraint('lon IS NULL OR (lon >= -180 AND lon <= 180)', name=op.f('ck_facilities_lon_range')),
    sa.CheckConstraint('yield_m3_day IS NULL OR yield_m3_day >= 0', name=op.f('ck_facilities_yield_not_negative')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_facilities_household_id_households')),
    sa.ForeignKeyConstraint(['manager_id'], ['staff.id'], name=op.f('fk_facilities_manager_id_staff')),
    sa.ForeignKeyConstraint(['township_id'], ['townships.id'], name=op.f('fk_facilities_township_id_townships')),
    sa.ForeignKeyConstraint(['village_id', 'township_id'], ['villages.id', 'villages.township_id'], name=op.f('fk_facilities_village_id_township_id_villages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_facilities')),
    sa.UniqueConstraint('code', name=op.f('uq_facilities_code')),
    sa.UniqueConstraint('village_id', 'name', name=op.f('uq_facilities_village_id_name'))
    )
    with op.batch_alter_table('facilities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_facilities_household_id'), ['household_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_facilities_manager_id'), ['manager_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_facilities_township_id'), ['township_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_facilities_village_id'), ['village_id'], unique=False)

    # households <-> facilities refer to each other: the second key is added once both tables exist.
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f('fk_households_water_source_id_facilities'), 'facilities', ['water_source_id'], ['id']
        )

    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=50), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('township_id', sa.Integer(), nullable=True),
    sa.Column('village_id', sa.Integer(), nullable=True),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("role <> 'village_staff' OR village_id IS NOT NULL", name=op.f('ck_users_village_user_has_village')),
    sa.CheckConstraint("role = 'county_admin' OR township_id IS NOT NULL", name=op.f('ck_users_local_user_has_township')),
    sa.CheckConstraint("role IN ('county_admin', 'township_lead', 'township_worker', 'village_staff')", name=op.f('ck_users_role_known')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_users_staff_id_staff')),
    sa.ForeignKeyConstraint(['township_id'], ['townships.id'], name=op.f('fk_users_township_id_townships')),
    sa.ForeignKeyConstraint(['village_id', 'township_id'], ['villages.id', 'villages.township_id'], name=op.f('fk_users_village_id_township_id_villages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('username', name=op.f('uq_users_username'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_users_township_id'), ['township_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_users_village_id'), ['village_id'], unique=False)

    op.create_table('audit_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=30), nullable=False),
    sa.Column('entity', sa.String(length=30), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=False),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_audit_events_actor_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_events_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_events_at'), ['at'], unique=False)



def downgrade():
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_events_at'))
        batch_op.drop_index(batch_op.f('ix_audit_events_actor_id'))

    op.drop_table('audit_events')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_village_id'))
        batch_op.drop_index(batch_op.f('ix_users_township_id'))

    op.drop_table('users')
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_households_water_source_id_facilities'), type_='foreignkey')

    with op.batch_alter_table('facilities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_facilities_village_id'))
        batch_op.drop_index(batch_op.f('ix_facilities_township_id'))
        batch_op.drop_index(batch_op.f('ix_facilities_manager_id'))
        batch_op.drop_index(batch_op.f('ix_facilities_household_id'))

    op.drop_table('facilities')
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_village_id'))
        batch_op.drop_index(batch_op.f('ix_staff_township_id'))

    op.drop_table('staff')
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_households_water_source_id'))
        batch_op.drop_index(batch_op.f('ix_households_village_id'))
        batch_op.drop_index(batch_op.f('ix_households_township_id'))
        batch_op.drop_index(batch_op.f('ix_households_phone'))

    op.drop_table('households')
    with op.batch_alter_table('villages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_villages_township_id'))

    op.drop_table('villages')
    op.drop_table('townships')
