"""A county's departments belong to that county (units.county_id): two counties may each have a 水利局, and one
county's departments are neither seen nor named by another's users

The departments of a database with one county are put under it; without a county they stay without one.

Revision ID: 3a4b5c6d7e8f
Revises: 293a4b5c6d7e
Create Date: 2026-12-06 05:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = '3a4b5c6d7e8f'
down_revision = '293a4b5c6d7e'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('units') as batch:
        batch.add_column(sa.Column('county_id', sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f('fk_units_county_id_regions'), 'regions', ['county_id'], ['id'])
        batch.create_index(op.f('ix_units_county_id'), ['county_id'])
        batch.create_check_constraint('township_or_county', 'township_id IS NULL OR county_id IS NULL')
        batch.drop_index('uq_units_county_name')
    op.create_index('uq_units_county_name', 'units', ['county_id', 'name'], unique=True,
                    sqlite_where=sa.text('township_id IS NULL'), postgresql_where=sa.text('township_id IS NULL'))
    bind = op.get_bind()
    counties = bind.execute(sa.text("SELECT id FROM regions WHERE level = 'county' LIMIT 2")).scalars().all()
    if len(counties) == 1:
        bind.execute(sa.text("UPDATE units SET county_id = :county WHERE township_id IS NULL"),
                     {"county": counties[0]})


def downgrade():
    op.drop_index('uq_units_county_name', 'units')
    with op.batch_alter_table('units') as batch:
        batch.drop_constraint(op.f('ck_units_township_or_county'), type_='check')
        batch.drop_index(op.f('ix_units_county_id'))
        batch.drop_constraint(op.f('fk_units_county_id_regions'), type_='foreignkey')
        batch.drop_column('county_id')
    op.create_index('uq_units_county_name', 'units', ['name'], unique=True,
                    sqlite_where=sa.text('township_id IS NULL'), postgresql_where=sa.text('township_id IS NULL'))
