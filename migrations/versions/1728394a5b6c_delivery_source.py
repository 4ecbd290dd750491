"""Where delivered water comes from: an agreement's source facility, and each delivery's (its agreement's by
default), so that water from a facility marked 水质超标 can be refused

Revision ID: 1728394a5b6c
Revises: 061728394a5b
Create Date: 2026-12-06 10:55:00.000000

"""
from alembic import op
import sqlalchemy as sa


revision = '1728394a5b6c'
down_revision = '061728394a5b'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('agreements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source_facility_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_agreements_source_facility_id'), ['source_facility_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_agreements_source_facility_id_facilities'), 'facilities', ['source_facility_id'], ['id'])

    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source_facility_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_deliveries_source_facility_id'), ['source_facility_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_deliveries_source_facility_id_facilities'), 'facilities', ['source_facility_id'], ['id'])



def downgrade():
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_deliveries_source_facility_id_facilities'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_deliveries_source_facility_id'))
        batch_op.drop_column('source_facility_id')

    with op.batch_alter_table('agreements', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_agreements_source_facility_id_facilities'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_agreements_source_facility_id'))
        batch_op.drop_column('source_facility_id')

