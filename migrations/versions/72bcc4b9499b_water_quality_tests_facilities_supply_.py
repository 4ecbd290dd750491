"""water-quality tests; facilities' supply class, chlorination and 水质超标

Revision ID: 72bcc4b9499b
Revises: a7c3e9d41b20
Create Date: 2026-11-28 05:30:46.237184

"""
from alembic import op
import sqlalchemy as sa

revision = '72bcc4b9499b'
down_revision = 'a7c3e9d41b20'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('water_tests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('township_id', sa.Integer(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('facility_id', sa.Integer(), nullable=True),
    sa.Column('household_id', sa.Integer(), nullable=True),
    sa.Column('sampled_on', sa.Date(), nullable=False),
    sa.Column('sample_point', sa.String(length=20), nullable=False),
    sa.Column('lab', sa.String(length=100), nullable=True),
    sa.Column('results', sa.JSON(), nullable=False),
    sa.Column('passed', sa.Boolean(), nullable=False),
    sa.Column('exceedances', sa.JSON(), nullable=False),
    sa.Column('standard', sa.String(length=30), nullable=False),
    sa.Column('relaxed', sa.Boolean(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("sample_point IN ('source', 'treated', 'tap', 'household')", name=op.f('ck_water_tests_sample_point_known')),
    sa.CheckConstraint('facility_id IS NOT NULL OR household_id IS NOT NULL', name=op.f('ck_water_tests_has_subject')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_water_tests_case_id_cases')),
    sa.ForeignKeyConstraint(['facility_id'], ['facilities.id'], name=op.f('fk_water_tests_facility_id_facilities')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_water_tests_household_id_households')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_water_tests_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['township_id'], ['townships.id'], name=op.f('fk_water_tests_township_id_townships')),
    sa.ForeignKeyConstraint(['village_id'], ['villages.id'], name=op.f('fk_water_tests_village_id_villages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_water_tests'))
    )
    with op.batch_alter_table('water_tests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_water_tests_case_id'), ['case_id'], unique=False)
        batch_op.create_index('ix_water_tests_facility_point_day', ['facility_id', 'sample_point', 'sampled_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_water_tests_household_id'), ['household_id'], unique=False)
        batch_op.create_index('ix_water_tests_township_day', ['township_id', 'sampled_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_water_tests_village_id'), ['village_id'], unique=False)

    with op.batch_alter_table('facilities', schema=None) as batch_op:
        batch_op.add_column(sa.Column('supply_class', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('chlorinated', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('quality_exceeded', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_check_constraint(
            'supply_class_known',
            sa.text("supply_class IS NULL OR supply_class IN ('large_central', 'small_central', 'dispersed')"))



def downgrade():
    with op.batch_alter_table('facilities', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_facilities_supply_class_known'), type_='check')
        batch_op.drop_column('quality_exceeded')
        batch_op.drop_column('chlorinated')
        batch_op.drop_column('supply_class')

    with op.batch_alter_table('water_tests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_water_tests_village_id'))
        batch_op.drop_index('ix_water_tests_township_day')
        batch_op.drop_index(batch_op.f('ix_water_tests_household_id'))
        batch_op.drop_index('ix_water_tests_facility_point_day')
        batch_op.drop_index(batch_op.f('ix_water_tests_case_id'))

    op.drop_table('water_tests')
