"""Each village's dashboard figures kept in the database by the scheduler (village_figures), under the revision, day
and settings they were worked out for: a web process just started reads them instead of working them out again

Revision ID: 4a5b6c7d8e9f
Revises: 394a5b6c7d8e
Create Date: 2026-12-06 12:48:16.703039

"""
from alembic import op
import sqlalchemy as sa


revision = '4a5b6c7d8e9f'
down_revision = '394a5b6c7d8e'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('village_figures',
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('revision', sa.BigInteger(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('settings', sa.String(length=64), nullable=False),
    sa.Column('figures', sa.JSON(), nullable=False),
    sa.Column('worked_out_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['village_id'], ['villages.id'], name=op.f('fk_village_figures_village_id_villages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('village_id', name=op.f('pk_village_figures'))
    )


def downgrade():
    op.drop_table('village_figures')
