"""hardening: session and token versions, opted-out SMS, scheduler heartbeat

Revision ID: a7c3e9d41b20
Revises: 6bf13faa67f4
Create Date: 2026-11-26 14:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'a7c3e9d41b20'
down_revision = '6bf13faa67f4'
branch_labels = None
depends_on = None

OLD_STATUSES = ("'queued', 'sending', 'unknown', 'sent', 'delivered', 'undelivered', 'failed', 'cancelled', "
                "'received', 'matched', 'opt_out', 'opt_in', 'unmatched'")
NEW_STATUSES = ("'queued', 'sending', 'unknown', 'sent', 'delivered', 'undelivered', 'failed', 'cancelled', "
                "'opted_out', 'received', 'matched', 'opt_out', 'opt_in', 'unmatched'")


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('token_version', sa.Integer(), server_default='1', nullable=False))
    with op.batch_alter_table('sms_messages', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_sms_messages_status_known'), type_='check')
        batch_op.create_check_constraint('status_known', sa.text(f"status IN ({NEW_STATUSES})"))
    op.create_table('scheduler_heartbeats',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('beat_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('holder', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scheduler_heartbeats'))
    )


def downgrade():
    op.drop_table('scheduler_heartbeats')
    with op.batch_alter_table('sms_messages', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_sms_messages_status_known'), type_='check')
        batch_op.create_check_constraint('status_known', sa.text(f"status IN ({OLD_STATUSES})"))
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('token_version')
        batch_op.drop_column('session_version')
