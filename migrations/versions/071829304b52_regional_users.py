"""Logins above the county: city and province administrators (city_admin, province_admin) with their region, and a
county administrator's own county

Revision ID: 071829304b52
Revises: f60718293a41
Create Date: 2026-12-03 17:35:00

"""
from alembic import op
import sqlalchemy as sa


revision = '071829304b52'
down_revision = 'f60718293a41'
branch_labels = None
depends_on = None

OLD_ROLES = "('county_admin', 'township_lead', 'township_worker', 'village_staff')"
NEW_ROLES = "('county_admin', 'township_lead', 'township_worker', 'village_staff', 'city_admin', 'province_admin')"


def upgrade():
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('region_id', sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f('fk_users_region_id_regions'), 'regions', ['region_id'], ['id'])
        batch.drop_constraint(op.f('ck_users_role_known'), type_='check')
        batch.drop_constraint(op.f('ck_users_local_user_has_township'), type_='check')
        batch.create_check_constraint(op.f('ck_users_role_known'), f"role IN {NEW_ROLES}")
        batch.create_check_constraint(
            op.f('ck_users_local_user_has_township'),
            "role IN ('county_admin', 'city_admin', 'province_admin') OR township_id IS NOT NULL")
        batch.create_check_constraint(op.f('ck_users_regional_user_has_region'),
                                      "role NOT IN ('city_admin', 'province_admin') OR region_id IS NOT NULL")


def downgrade():
    with op.batch_alter_table('users') as batch:
        batch.drop_constraint(op.f('ck_users_regional_user_has_region'), type_='check')
        batch.drop_constraint(op.f('ck_users_local_user_has_township'), type_='check')
        batch.drop_constraint(op.f('ck_users_role_known'), type_='check')
        batch.create_check_constraint(op.f('ck_users_role_known'), f"role IN {OLD_ROLES}")
        batch.create_check_constraint(op.f('ck_users_local_user_has_township'),
                                      "role = 'county_admin' OR township_id IS NOT NULL")
        batch.drop_constraint(op.f('fk_users_region_id_regions'), type_='foreignkey')
        batch.drop_column('region_id')
