"""Regions above the township (GB/T 2260: province, city, county), and the county a township is in

Revision ID: f60718293a41
Revises: e5f607182930
Create Date: 2026-12-03 17:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'f60718293a41'
down_revision = 'e5f607182930'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'regions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=60), nullable=False),
        sa.Column('code', sa.String(length=6), nullable=False),
        sa.Column('level', sa.String(length=10), nullable=False),
        sa.Column('parent_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("level IN ('province', 'city', 'county')", name=op.f('ck_regions_level_known')),
        sa.CheckConstraint('length(code) = 6', name=op.f('ck_regions_code_six_digits')),
        sa.CheckConstraint("(level = 'province') = (parent_id IS NULL)",
                           name=op.f('ck_regions_only_a_province_has_no_parent')),
        sa.ForeignKeyConstraint(['parent_id'], ['regions.id'], name=op.f('fk_regions_parent_id_regions')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_regions')),
        sa.UniqueConstraint('code', name=op.f('uq_regions_code')),
    )
    op.create_index(op.f('ix_regions_parent_id'), 'regions', ['parent_id'])
    with op.batch_alter_table('townships') as batch:
        batch.add_column(sa.Column('county_id', sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f('fk_townships_county_id_regions'), 'regions', ['county_id'], ['id'])
        batch.create_index(op.f('ix_townships_county_id'), ['county_id'])


def downgrade():
    with op.batch_alter_table('townships') as batch:
        batch.drop_index(op.f('ix_townships_county_id'))
        batch.drop_constraint(op.f('fk_townships_county_id_regions'), type_='foreignkey')
        batch.drop_column('county_id')
    op.drop_table('regions')
