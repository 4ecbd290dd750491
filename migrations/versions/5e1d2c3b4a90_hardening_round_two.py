"""hardening, round two: delivery idempotency keys hold a client's 100 characters after the user's prefix

Revision ID: 5e1d2c3b4a90
Revises: 00805513a578
Create Date: 2026-12-03 11:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '5e1d2c3b4a90'
down_revision = '00805513a578'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.alter_column('idempotency_key', existing_type=sa.String(length=100), type_=sa.String(length=120),
                              existing_nullable=True)


def downgrade():
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.alter_column('idempotency_key', existing_type=sa.String(length=120), type_=sa.String(length=100),
                              existing_nullable=True)
