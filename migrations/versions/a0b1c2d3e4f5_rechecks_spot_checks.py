"""回头查 against a recorded 整改标准 (cases.standard, rechecks, recheck_items), and spot checks whose findings the
service compares with the records (spot_checks, spot_check_households; cases may come from one: source spot_check)

Revision ID: a0b1c2d3e4f5
Revises: 9a0b1c2d3e45
Create Date: 2026-12-06 07:51:56.897534

"""
from alembic import op
import sqlalchemy as sa


revision = 'a0b1c2d3e4f5'
down_revision = '9a0b1c2d3e45'
branch_labels = None
depends_on = None

SOURCES = ("inspection", "assigned", "petition", "hotline", "media", "self_check", "system", "villager")


def upgrade():
    op.create_table('rechecks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('township_id', sa.Integer(), nullable=True),
    sa.Column('region_id', sa.Integer(), nullable=True),
    sa.Column('chosen_by', sa.JSON(), nullable=False),
    sa.Column('started_by_id', sa.Integer(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('township_id IS NOT NULL OR region_id IS NOT NULL', name=op.f('ck_rechecks_has_place')),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_rechecks_region_id_regions')),
    sa.ForeignKeyConstraint(['started_by_id'], ['users.id'], name=op.f('fk_rechecks_started_by_id_users')),
    sa.ForeignKeyConstraint(['township_id'], ['townships.id'], name=op.f('fk_rechecks_township_id_townships')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rechecks'))
    )
    with op.batch_alter_table('rechecks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rechecks_township_id'), ['township_id'], unique=False)

    op.create_table('spot_checks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('township_id', sa.Integer(), nullable=True),
    sa.Column('region_id', sa.Integer(), nullable=True),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('seed', sa.String(length=40), nullable=False),
    sa.Column('drawn_by_id', sa.Integer(), nullable=True),
    sa.Column('drawn_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['drawn_by_id'], ['users.id'], name=op.f('fk_spot_checks_drawn_by_id_users')),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_spot_checks_region_id_regions')),
    sa.ForeignKeyConstraint(['township_id'], ['townships.id'], name=op.f('fk_spot_checks_township_id_townships')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_spot_checks'))
    )
    with op.batch_alter_table('spot_checks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_spot_checks_township_id'), ['township_id'], unique=False)

    op.create_table('recheck_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('recheck_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('township_id', sa.Integer(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('standard', sa.Text(), nullable=True),
    sa.Column('passed', sa.Boolean(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('photo_path', sa.String(length=200), nullable=True),
    sa.Column('photo_type', sa.String(length=50), nullable=True),
    sa.Column('checked_by_id', sa.Integer(), nullable=True),
    sa.Column('checked_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('passed IS NULL OR checked_at IS NOT NULL', name=op.f('ck_recheck_items_result_is_dated')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_recheck_items_case_id_cases')),
    sa.ForeignKeyConstraint(['checked_by_id'], ['users.id'], name=op.f('fk_recheck_items_checked_by_id_users')),
    sa.ForeignKeyConstraint(['recheck_id'], ['rechecks.id'], name=op.f('fk_recheck_items_recheck_id_rechecks')),
    sa.ForeignKeyConstraint(['township_id'], ['townships.id'], name=op.f('fk_recheck_items_township_id_townships')),
    sa.ForeignKeyConstraint(['village_id'], ['villages.id'], name=op.f('fk_recheck_items_village_id_villages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recheck_items')),
    sa.UniqueConstraint('recheck_id', 'case_id', name='uq_recheck_items_recheck_id_case_id')
    )
    with op.batch_alter_table('recheck_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recheck_items_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_recheck_items_recheck_id'), ['recheck_id'], unique=False)

    op.create_table('spot_check_households',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('spot_check_id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('township_id', sa.Integer(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('visited_on', sa.Date(), nullable=True),
    sa.Column('liters_per_person_day', sa.Float(), nullable=True),
    sa.Column('quality', sa.String(length=10), nullable=True),
    sa.Column('piped', sa.Boolean(), nullable=True),
    sa.Column('round_trip_minutes', sa.Float(), nullable=True),
    sa.Column('assurance_percent', sa.Float(), nullable=True),
    sa.Column('receives_delivery', sa.Boolean(), nullable=True),
    sa.Column('deliveries_30d', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('photo_path', sa.String(length=200), nullable=True),
    sa.Column('found', sa.JSON(), nullable=True),
    sa.Column('recorded', sa.JSON(), nullable=True),
    sa.Column('differences', sa.JSON(), nullable=True),
    sa.Column('matches_records', sa.Boolean(), nullable=True),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('checked_by_id', sa.Integer(), nullable=True),
    sa.Column('checked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_spot_check_households_case_id_cases')),
    sa.ForeignKeyConstraint(['checked_by_id'], ['users.id'], name=op.f('fk_spot_check_households_checked_by_id_users')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_spot_check_households_household_id_households')),
    sa.ForeignKeyConstraint(['spot_check_id'], ['spot_checks.id'], name=op.f('fk_spot_check_households_spot_check_id_spot_checks')),
    sa.ForeignKeyConstraint(['township_id'], ['townships.id'], name=op.f('fk_spot_check_households_township_id_townships')),
    sa.ForeignKeyConstraint(['village_id'], ['villages.id'], name=op.f('fk_spot_check_households_village_id_villages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_spot_check_households')),
    sa.UniqueConstraint('spot_check_id', 'household_id', name='uq_spot_check_households_spot_check_id_household_id')
    )
    with op.batch_alter_table('spot_check_households', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_spot_check_households_household_id'), ['household_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_spot_check_households_spot_check_id'), ['spot_check_id'], unique=False)

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('standard', sa.Text(), nullable=True))
        batch_op.drop_constraint(op.f('ck_cases_source_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_cases_source_known'), f"source IN {SOURCES + ('spot_check',)}")



def downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_cases_source_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_cases_source_known'), f"source IN {SOURCES}")
        batch_op.drop_column('standard')

    with op.batch_alter_table('spot_check_households', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_spot_check_households_spot_check_id'))
        batch_op.drop_index(batch_op.f('ix_spot_check_households_household_id'))

    op.drop_table('spot_check_households')
    with op.batch_alter_table('recheck_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recheck_items_recheck_id'))
        batch_op.drop_index(batch_op.f('ix_recheck_items_case_id'))

    op.drop_table('recheck_items')
    with op.batch_alter_table('spot_checks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_spot_checks_township_id'))

    op.drop_table('spot_checks')
    with op.batch_alter_table('rechecks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rechecks_township_id'))

    op.drop_table('rechecks')
