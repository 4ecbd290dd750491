"""sms: messages (outbox and inbox), opt-outs, delivery confirmation time

Revision ID: d34a9cfa2108
Revises: 090186845592
Create Date: 2026-11-25 15:39:08.325363

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd34a9cfa2108'
down_revision = '090186845592'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sms_opt_outs',
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('since', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('phone', name=op.f('pk_sms_opt_outs'))
    )
    op.create_table('sms_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('direction', sa.String(length=10), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('purpose', sa.String(length=30), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('idempotency_key', sa.String(length=120), nullable=True),
    sa.Column('urgent', sa.Boolean(), nullable=False),
    sa.Column('related_type', sa.String(length=30), nullable=True),
    sa.Column('related_id', sa.Integer(), nullable=True),
    sa.Column('township_id', sa.Integer(), nullable=True),
    sa.Column('household_id', sa.Integer(), nullable=True),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('provider_sid', sa.String(length=64), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('error_code', sa.String(length=20), nullable=True),
    sa.Column('error_message', sa.Text(), nullable=True),
    sa.Column('handled', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("direction IN ('inbound', 'outbound')", name=op.f('ck_sms_messages_direction_known')),
    sa.CheckConstraint("status IN ('queued', 'sending', 'unknown', 'sent', 'delivered', 'undelivered', 'failed', 'cancelled', 'received', 'matched', 'opt_out', 'opt_in', 'unmatched')", name=op.f('ck_sms_messages_status_known')),
    sa.CheckConstraint('attempts >= 0', name=op.f('ck_sms_messages_attempts_not_negative')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_sms_messages_household_id_households')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_sms_messages_staff_id_staff')),
    sa.ForeignKeyConstraint(['township_id'], ['townships.id'], name=op.f('fk_sms_messages_township_id_townships')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sms_messages')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_sms_messages_idempotency_key')),
    sa.UniqueConstraint('provider_sid', name=op.f('uq_sms_messages_provider_sid'))
    )
    with op.batch_alter_table('sms_messages', schema=None) as batch_op:
        batch_op.create_index('ix_sms_messages_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_sms_messages_household_id'), ['household_id'], unique=False)
        batch_op.create_index('ix_sms_messages_phone_purpose', ['phone', 'purpose'], unique=False)
        batch_op.create_index(batch_op.f('ix_sms_messages_staff_id'), ['staff_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sms_messages_township_id'), ['township_id'], unique=False)

    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True))



def downgrade():
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_column('confirmed_at')

    with op.batch_alter_table('sms_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sms_messages_township_id'))
        batch_op.drop_index(batch_op.f('ix_sms_messages_staff_id'))
        batch_op.drop_index('ix_sms_messages_phone_purpose')
        batch_op.drop_index(batch_op.f('ix_sms_messages_household_id'))
        batch_op.drop_index('ix_sms_messages_due')

    op.drop_table('sms_messages')
    op.drop_table('sms_opt_outs')
