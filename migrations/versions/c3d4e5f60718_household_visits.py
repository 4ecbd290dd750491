"""逐户排查: household visits on the four national indicators (T/CHES 18-2018), with their verdicts

Revision ID: c3d4e5f60718
Revises: b2c3d4e5f607
Create Date: 2026-12-03 15:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'c3d4e5f60718'
down_revision = 'b2c3d4e5f607'
branch_labels = None
depends_on = None

VERDICTS = "('met', 'basic', 'failed')"


def upgrade():
    op.create_table(
        'visits',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('household_id', sa.Integer(), nullable=False),
        sa.Column('township_id', sa.Integer(), nullable=False),
        sa.Column('village_id', sa.Integer(), nullable=False),
        sa.Column('visited_on', sa.Date(), nullable=False),
        sa.Column('surveyor_id', sa.Integer(), nullable=True),
        sa.Column('liters_per_person_day', sa.Float(), nullable=True),
        sa.Column('quality_judged', sa.String(length=10), nullable=True),
        sa.Column('piped', sa.Boolean(), nullable=True),
        sa.Column('round_trip_minutes', sa.Float(), nullable=True),
        sa.Column('assurance_percent', sa.Float(), nullable=True),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('quantity', sa.String(length=10), nullable=False),
        sa.Column('quality', sa.String(length=10), nullable=False),
        sa.Column('convenience', sa.String(length=10), nullable=False),
        sa.Column('assurance', sa.String(length=10), nullable=False),
        sa.Column('result', sa.String(length=10), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        *(sa.CheckConstraint(f"{name} IN {VERDICTS}", name=op.f(f'ck_visits_{name}_known'))
          for name in ('quantity', 'quality', 'convenience', 'assurance')),
        sa.CheckConstraint("result IN ('safe', 'basic', 'unsafe')", name=op.f('ck_visits_result_known')),
        sa.CheckConstraint('liters_per_person_day IS NULL OR liters_per_person_day >= 0',
                           name=op.f('ck_visits_liters_not_negative')),
        sa.CheckConstraint('assurance_percent IS NULL OR (assurance_percent >= 0 AND assurance_percent <= 100)',
                           name=op.f('ck_visits_assurance_is_a_percent')),
        sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_visits_household_id_households')),
        sa.ForeignKeyConstraint(['township_id'], ['townships.id'], name=op.f('fk_visits_township_id_townships')),
        sa.ForeignKeyConstraint(['village_id'], ['villages.id'], name=op.f('fk_visits_village_id_villages')),
        sa.ForeignKeyConstraint(['surveyor_id'], ['users.id'], name=op.f('fk_visits_surveyor_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_visits')),
    )
    op.create_index(op.f('ix_visits_household_id'), 'visits', ['household_id'])
    op.create_index(op.f('ix_visits_township_id'), 'visits', ['township_id'])
    op.create_index('ix_visits_village_visited_on', 'visits', ['village_id', 'visited_on'])


def downgrade():
    op.drop_index('ix_visits_village_visited_on', table_name='visits')
    op.drop_index(op.f('ix_visits_township_id'), table_name='visits')
    op.drop_index(op.f('ix_visits_household_id'), table_name='visits')
    op.drop_table('visits')
