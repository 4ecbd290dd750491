"""The monthly bulletin as issued (kept_bulletins): kept on the 1st for the month before, with its 文号, so that it
prints the same whatever happens after the month

Revision ID: 9a0b1c2d3e45
Revises: 8f9a0b1c2d34
Create Date: 2026-12-06 08:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '9a0b1c2d3e45'
down_revision = '8f9a0b1c2d34'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'kept_bulletins',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('region_id', sa.Integer(), nullable=False),
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('bulletin_no', sa.String(length=60), nullable=False),
        sa.Column('issued_on', sa.Date(), nullable=False),
        sa.Column('record', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_kept_bulletins_region_id_regions')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_kept_bulletins')),
        sa.UniqueConstraint('region_id', 'month', name='uq_kept_bulletins_region_id_month'),
    )


def downgrade():
    op.drop_table('kept_bulletins')
