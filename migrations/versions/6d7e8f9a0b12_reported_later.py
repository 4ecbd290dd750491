"""补报: a case event, a facility status change or a visit that a phone queued without signal is dated by its tap,
and keeps when it reached the server (reported_at); a report's distance from what it is about (distance_km)

Revision ID: 6d7e8f9a0b12
Revises: 5c6d7e8f9a01
Create Date: 2026-12-06 06:20:00

"""
from alembic import op
import sqlalchemy as sa


revision = '6d7e8f9a0b12'
down_revision = '5c6d7e8f9a01'
branch_labels = None
depends_on = None

TABLES = ('case_events', 'facility_status_changes', 'visits')


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column('reported_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('field_reports') as batch:
        batch.add_column(sa.Column('distance_km', sa.Float(), nullable=True))


def downgrade():
    with op.batch_alter_table('field_reports') as batch:
        batch.drop_column('distance_km')
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column('reported_at')
