"""Lead units that log in: role unit_staff with its unit (users.unit_id), who works the cases its unit leads or
cooperates on

Revision ID: d3e4f5061728
Revises: c2d3e4f50617
Create Date: 2026-12-06 08:14:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'd3e4f5061728'
down_revision = 'c2d3e4f50617'
branch_labels = None
depends_on = None

OLD_ROLES = ("county_admin", "township_lead", "township_worker", "village_staff", "city_admin", "province_admin")
NEW_ROLES = OLD_ROLES + ("unit_staff",)


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch:
        batch.add_column(sa.Column('unit_id', sa.Integer(), nullable=True))
        batch.create_foreign_key(batch.f('fk_users_unit_id_units'), 'units', ['unit_id'], ['id'])
        batch.drop_constraint(op.f('ck_users_role_known'), type_='check')
        batch.drop_constraint(op.f('ck_users_local_user_has_township'), type_='check')
        batch.create_check_constraint(op.f('ck_users_role_known'), f"role IN {NEW_ROLES}")
        batch.create_check_constraint(
            op.f('ck_users_local_user_has_township'),
            "role IN ('county_admin', 'city_admin', 'province_admin', 'unit_staff') OR township_id IS NOT NULL")
        batch.create_check_constraint(op.f('ck_users_unit_user_has_unit'), "role <> 'unit_staff' OR unit_id IS NOT NULL")


def downgrade():
    op.execute("DELETE FROM users WHERE role = 'unit_staff'")
    with op.batch_alter_table('users', schema=None) as batch:
        batch.drop_constraint(op.f('ck_users_unit_user_has_unit'), type_='check')
        batch.drop_constraint(op.f('ck_users_local_user_has_township'), type_='check')
        batch.drop_constraint(op.f('ck_users_role_known'), type_='check')
        batch.create_check_constraint(op.f('ck_users_role_known'), f"role IN {OLD_ROLES}")
        batch.create_check_constraint(
            op.f('ck_users_local_user_has_township'),
            "role IN ('county_admin', 'city_admin', 'province_admin') OR township_id IS NOT NULL")
        batch.drop_constraint(batch.f('fk_users_unit_id_units'), type_='foreignkey')
        batch.drop_column('unit_id')
