"""A delivery keeps its household's township (deliveries.township_id), held equal to it by a key on households (id,
township_id) that a household's move carries along (ON UPDATE CASCADE): a township's list reads its deliveries in
order through one index instead of walking a province's

Revision ID: 6c7d8e9f0a12
Revises: 5b6c7d8e9f01
Create Date: 2026-12-06 13:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


revision = '6c7d8e9f0a12'
down_revision = '5b6c7d8e9f01'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f('uq_households_id_township_id'), ['id', 'township_id'])
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('township_id', sa.Integer(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":  # one join, not a lookup per row of a province's 1.6 million
        op.execute("UPDATE deliveries SET township_id = households.township_id FROM households "
                   "WHERE households.id = deliveries.household_id")
    else:
        op.execute("UPDATE deliveries SET township_id = (SELECT households.township_id FROM households "
                   "WHERE households.id = deliveries.household_id)")
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.alter_column('township_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_index('ix_deliveries_township_id', ['township_id', 'id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_deliveries_household_id_township_id_households'), 'households',
                                    ['household_id', 'township_id'], ['id', 'township_id'], onupdate='CASCADE')


def downgrade():
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_deliveries_household_id_township_id_households'), type_='foreignkey')
        batch_op.drop_index('ix_deliveries_township_id')
        batch_op.drop_column('township_id')
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_households_id_township_id'), type_='unique')
