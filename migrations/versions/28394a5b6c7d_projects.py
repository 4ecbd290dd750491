"""城乡供水一体化 projects (villages, milestones, funds, connections) and the day a household went on piped supply

Revision ID: 28394a5b6c7d
Revises: 1728394a5b6c
Create Date: 2026-12-06 11:05:00.000000

"""
from alembic import op
import sqlalchemy as sa


revision = '28394a5b6c7d'
down_revision = '1728394a5b6c'
branch_labels = None
depends_on = None

ACCESS = ['township_id', 'village_id', 'distance_m', 'vertical_m', 'round_trip_min', 'self_care', 'water_source_id',
          'monitoring_status']


def upgrade():
    op.create_table('projects',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('township_id', sa.Integer(), nullable=True),
    sa.Column('region_id', sa.Integer(), nullable=True),
    sa.Column('lead_unit_id', sa.Integer(), nullable=False),
    sa.Column('target_on', sa.Date(), nullable=False),
    sa.Column('budget_wan', sa.Float(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(township_id IS NULL) <> (region_id IS NULL)', name=op.f('ck_projects_one_place')),
    sa.CheckConstraint('budget_wan IS NULL OR budget_wan >= 0', name=op.f('ck_projects_budget_not_negative')),
    sa.CheckConstraint('length(trim(name)) > 0', name=op.f('ck_projects_name_not_blank')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_projects_created_by_id_users')),
    sa.ForeignKeyConstraint(['lead_unit_id'], ['units.id'], name=op.f('fk_projects_lead_unit_id_units')),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_projects_region_id_regions')),
    sa.ForeignKeyConstraint(['township_id'], ['townships.id'], name=op.f('fk_projects_township_id_townships')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_projects'))
    )
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_projects_lead_unit_id'), ['lead_unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_projects_region_id'), ['region_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_projects_township_id'), ['township_id'], unique=False)

    op.create_table('project_connections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('connected_on', sa.Date(), nullable=False),
    sa.Column('partial', sa.Boolean(), nullable=False),
    sa.Column('households', sa.Integer(), nullable=False),
    sa.Column('agreements_ended', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_project_connections_project_id_projects')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_project_connections_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['village_id'], ['villages.id'], name=op.f('fk_project_connections_village_id_villages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_connections'))
    )
    with op.batch_alter_table('project_connections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_connections_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_project_connections_village_id'), ['village_id'], unique=False)

    op.create_table('project_funds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('amount_wan', sa.Float(), nullable=False),
    sa.Column('source', sa.String(length=100), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount_wan > 0', name=op.f('ck_project_funds_amount_positive')),
    sa.CheckConstraint('length(trim(source)) > 0', name=op.f('ck_project_funds_source_not_blank')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_project_funds_project_id_projects')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_project_funds_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_funds'))
    )
    with op.batch_alter_table('project_funds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_funds_project_id'), ['project_id'], unique=False)

    op.create_table('project_milestones',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('done_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("done_on IS NULL OR done_on >= '2000-01-01'", name=op.f('ck_project_milestones_done_on_sane')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_project_milestones_project_id_projects')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_milestones'))
    )
    with op.batch_alter_table('project_milestones', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_milestones_due_on'), ['due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_project_milestones_project_id'), ['project_id'], unique=False)

    op.create_table('project_villages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_project_villages_project_id_projects')),
    sa.ForeignKeyConstraint(['village_id'], ['villages.id'], name=op.f('fk_project_villages_village_id_villages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_villages')),
    sa.UniqueConstraint('project_id', 'village_id', name=op.f('uq_project_villages_project_id_village_id'))
    )
    with op.batch_alter_table('project_villages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_villages_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_project_villages_village_id'), ['village_id'], unique=False)

    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.add_column(sa.Column('piped_since', sa.Date(), nullable=True))
        batch_op.drop_index('ix_households_access')
        batch_op.create_index('ix_households_access', ACCESS + ['piped_since'], unique=False)


def downgrade():
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.drop_index('ix_households_access')
        batch_op.create_index('ix_households_access', ACCESS, unique=False)
        batch_op.drop_column('piped_since')

    with op.batch_alter_table('project_villages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_villages_village_id'))
        batch_op.drop_index(batch_op.f('ix_project_villages_project_id'))

    op.drop_table('project_villages')
    with op.batch_alter_table('project_milestones', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_milestones_project_id'))
        batch_op.drop_index(batch_op.f('ix_project_milestones_due_on'))

    op.drop_table('project_milestones')
    with op.batch_alter_table('project_funds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_funds_project_id'))

    op.drop_table('project_funds')
    with op.batch_alter_table('project_connections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_connections_village_id'))
        batch_op.drop_index(batch_op.f('ix_project_connections_project_id'))

    op.drop_table('project_connections')
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_projects_township_id'))
        batch_op.drop_index(batch_op.f('ix_projects_region_id'))
        batch_op.drop_index(batch_op.f('ix_projects_lead_unit_id'))

    op.drop_table('projects')
