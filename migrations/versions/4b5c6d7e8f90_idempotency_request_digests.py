"""What a request with an Idempotency-Key asked (its digest), kept beside the key on deliveries and field reports:
the same key with another body is refused (422) rather than answered as the first request was

Rows from before keep no digest and are replayed as before.

Revision ID: 4b5c6d7e8f90
Revises: 3a4b5c6d7e8f
Create Date: 2026-12-06 05:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '4b5c6d7e8f90'
down_revision = '3a4b5c6d7e8f'
branch_labels = None
depends_on = None


def upgrade():
    for table in ('deliveries', 'field_reports'):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column('request_digest', sa.String(length=64), nullable=True))


def downgrade():
    for table in ('deliveries', 'field_reports'):
        with op.batch_alter_table(table) as batch:
            batch.drop_column('request_digest')
