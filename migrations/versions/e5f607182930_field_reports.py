"""Reports from the phone in the field (报修, 恢复正常, 报告问题, 入户排查, 整改进展): kept once by their key, with the
phone's position and clock

Revision ID: e5f607182930
Revises: d4e5f6071829
Create Date: 2026-12-03 16:40:00

"""
from alembic import op
import sqlalchemy as sa



revision = 'e5f607182930'
down_revision = 'd4e5f6071829'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'field_reports',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('idempotency_key', sa.String(length=100), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('answer_url', sa.String(length=200), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=True),
        sa.Column('visit_id', sa.Integer(), nullable=True),
        sa.Column('tapped_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('clock_offset_s', sa.Integer(), nullable=True),
        sa.Column('sent_later', sa.Boolean(), nullable=False),
        sa.Column('lat', sa.Float(), nullable=True),
        sa.Column('lon', sa.Float(), nullable=True),
        sa.Column('accuracy_m', sa.Float(), nullable=True),
        sa.CheckConstraint("kind IN ('facility_status', 'problem', 'visit', 'progress')", name=op.f('ck_field_reports_kind_known')),
        sa.CheckConstraint('lat IS NULL OR (lat BETWEEN -90 AND 90 AND lon BETWEEN -180 AND 180)', name=op.f('ck_field_reports_position_known')),
        sa.CheckConstraint('accuracy_m IS NULL OR accuracy_m >= 0', name=op.f('ck_field_reports_accuracy_not_negative')),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_field_reports_case_id_cases')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_field_reports_user_id_users')),
        sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], name=op.f('fk_field_reports_visit_id_visits')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_field_reports')),
        sa.UniqueConstraint('user_id', 'idempotency_key', name='uq_field_reports_user_key'),
    )
    op.create_index(op.f('ix_field_reports_case_id'), 'field_reports', ['case_id'])
    op.create_index(op.f('ix_field_reports_visit_id'), 'field_reports', ['visit_id'])


def downgrade():
    op.drop_table('field_reports')
