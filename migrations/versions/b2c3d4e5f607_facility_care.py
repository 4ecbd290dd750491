"""管护: each cleaning or source-protection check done at a facility (date, note, photo)

Revision ID: b2c3d4e5f607
Revises: a1b7c8d9e0f1
Create Date: 2026-12-03 15:15:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'b2c3d4e5f607'
down_revision = 'a1b7c8d9e0f1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'facility_care',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('facility_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('done_on', sa.Date(), nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('photo_path', sa.String(length=200), nullable=True),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('cleaning', 'protection')", name=op.f('ck_facility_care_kind_known')),
        sa.ForeignKeyConstraint(['facility_id'], ['facilities.id'], name=op.f('fk_facility_care_facility_id_facilities')),
        sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_facility_care_actor_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_facility_care')),
    )
    op.create_index(op.f('ix_facility_care_facility_id'), 'facility_care', ['facility_id'])


def downgrade():
    op.drop_index(op.f('ix_facility_care_facility_id'), table_name='facility_care')
    op.drop_table('facility_care')
