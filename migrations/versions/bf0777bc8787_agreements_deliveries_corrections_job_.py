"""agreements, deliveries, corrections, job runs, scheduler job store

Revision ID: bf0777bc8787
Revises: fac4c2fcc4f7
Create Date: 2026-11-25 15:10:33.605061

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'bf0777bc8787'
down_revision = 'fac4c2fcc4f7'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('job_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ok', sa.Boolean(), nullable=False),
    sa.Column('result', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_runs'))
    )
    with op.batch_alter_table('job_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_job_runs_name'), ['name'], unique=False)

    op.create_table('agreements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('interval_days', sa.Integer(), nullable=True),
    sa.Column('weekday_mask', sa.Integer(), nullable=True),
    sa.Column('liters_per_delivery', sa.Integer(), nullable=False),
    sa.Column('start_on', sa.Date(), nullable=False),
    sa.Column('end_on', sa.Date(), nullable=True),
    sa.Column('signed_on', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('status_note', sa.Text(), nullable=True),
    sa.Column('scan_path', sa.String(length=200), nullable=True),
    sa.Column('scan_content_type', sa.String(length=50), nullable=True),
    sa.Column('scan_uploaded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("reason IN ('distance', 'vertical', 'round_trip', 'no_self_care', 'source_failed', 'other')", name=op.f('ck_agreements_reason_known')),
    sa.CheckConstraint("status <> 'active' OR signed_on IS NOT NULL", name=op.f('ck_agreements_active_is_signed')),
    sa.CheckConstraint("status IN ('draft', 'active', 'expired', 'terminated')", name=op.f('ck_agreements_status_known')),
    sa.CheckConstraint('(interval_days IS NULL) <> (weekday_mask IS NULL)', name=op.f('ck_agreements_one_schedule')),
    sa.CheckConstraint('end_on IS NULL OR end_on >= start_on', name=op.f('ck_agreements_ends_after_start')),
    sa.CheckConstraint('interval_days IS NULL OR (interval_days >= 1 AND interval_days <= 90)', name=op.f('ck_agreements_interval_range')),
    sa.CheckConstraint('liters_per_delivery > 0 AND liters_per_delivery <= 2000', name=op.f('ck_agreements_liters_range')),
    sa.CheckConstraint('weekday_mask IS NULL OR (weekday_mask >= 1 AND weekday_mask <= 127)', name=op.f('ck_agreements_weekday_range')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_agreements_household_id_households')),
    sa.ForeignKeyConstraint(['provider_id'], ['staff.id'], name=op.f('fk_agreements_provider_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agreements'))
    )
    with op.batch_alter_table('agreements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agreements_household_id'), ['household_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agreements_provider_id'), ['provider_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agreements_status'), ['status'], unique=False)
        batch_op.create_index('uq_agreements_active_household', ['household_id'], unique=True, sqlite_where=sa.text("status = 'active'"), postgresql_where=sa.text("status = 'active'"))

    op.create_table('deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=True),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('scheduled_for', sa.Date(), nullable=False),
    sa.Column('unplanned', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('liters', sa.Integer(), nullable=True),
    sa.Column('deliverer_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('photo_path', sa.String(length=200), nullable=True),
    sa.Column('confirmation', sa.String(length=20), nullable=True),
    sa.Column('logged_by_id', sa.Integer(), nullable=True),
    sa.Column('logged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('idempotency_key', sa.String(length=100), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("confirmation IS NULL OR confirmation IN ('pending', 'confirmed', 'disputed', 'no_phone', 'expired')", name=op.f('ck_deliveries_confirmation_known')),
    sa.CheckConstraint("status <> 'delivered' OR (delivered_at IS NOT NULL AND liters IS NOT NULL)", name=op.f('ck_deliveries_delivered_has_time_and_liters')),
    sa.CheckConstraint("status IN ('planned', 'delivered', 'missed', 'cancelled')", name=op.f('ck_deliveries_status_known')),
    sa.CheckConstraint('liters IS NULL OR (liters > 0 AND liters <= 2000)', name=op.f('ck_deliveries_liters_range')),
    sa.CheckConstraint('unplanned OR agreement_id IS NOT NULL', name=op.f('ck_deliveries_planned_has_agreement')),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreements.id'], name=op.f('fk_deliveries_agreement_id_agreements')),
    sa.ForeignKeyConstraint(['deliverer_id'], ['staff.id'], name=op.f('fk_deliveries_deliverer_id_staff')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_deliveries_household_id_households')),
    sa.ForeignKeyConstraint(['logged_by_id'], ['users.id'], name=op.f('fk_deliveries_logged_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deliveries')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_deliveries_idempotency_key'))
    )
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deliveries_agreement_id'), ['agreement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_deliveries_deliverer_id'), ['deliverer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_deliveries_household_id'), ['household_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_deliveries_scheduled_for'), ['scheduled_for'], unique=False)
        batch_op.create_index('ix_deliveries_status_day', ['status', 'scheduled_for'], unique=False)
        batch_op.create_index('uq_deliveries_planned_day', ['agreement_id', 'scheduled_for'], unique=True, sqlite_where=sa.text('NOT unplanned'), postgresql_where=sa.text('NOT unplanned'))

    op.create_table('delivery_corrections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('delivery_id', sa.Integer(), nullable=False),
    sa.Column('corrected_by_id', sa.Integer(), nullable=False),
    sa.Column('corrected_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('liters', sa.Integer(), nullable=True),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('deliverer_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.CheckConstraint('length(trim(reason)) > 0', name=op.f('ck_delivery_corrections_reason_not_blank')),
    sa.CheckConstraint('liters IS NULL OR (liters > 0 AND liters <= 2000)', name=op.f('ck_delivery_corrections_liters_range')),
    sa.ForeignKeyConstraint(['corrected_by_id'], ['users.id'], name=op.f('fk_delivery_corrections_corrected_by_id_users')),
    sa.ForeignKeyConstraint(['deliverer_id'], ['staff.id'], name=op.f('fk_delivery_corrections_deliverer_id_staff')),
    sa.ForeignKeyConstraint(['delivery_id'], ['deliveries.id'], name=op.f('fk_delivery_corrections_delivery_id_deliveries')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delivery_corrections'))
    )
    with op.batch_alter_table('delivery_corrections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delivery_corrections_delivery_id'), ['delivery_id'], unique=False)



    # APScheduler's SQLAlchemyJobStore table, in the shape that library describes, so that the schema
    # still comes from migrations only.
    op.create_table(
        'apscheduler_jobs',
        sa.Column('id', sa.Unicode(191), primary_key=True),
        sa.Column('next_run_time', sa.Float(25), index=True),
        sa.Column('job_state', sa.LargeBinary(), nullable=False),
    )

def downgrade():
    op.drop_table('apscheduler_jobs')
    with op.batch_alter_table('delivery_corrections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_delivery_corrections_delivery_id'))

    op.drop_table('delivery_corrections')
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_index('uq_deliveries_planned_day', sqlite_where=sa.text('NOT unplanned'), postgresql_where=sa.text('NOT unplanned'))
        batch_op.drop_index('ix_deliveries_status_day')
        batch_op.drop_index(batch_op.f('ix_deliveries_scheduled_for'))
        batch_op.drop_index(batch_op.f('ix_deliveries_household_id'))
        batch_op.drop_index(batch_op.f('ix_deliveries_deliverer_id'))
        batch_op.drop_index(batch_op.f('ix_deliveries_agreement_id'))

    op.drop_table('deliveries')
    with op.batch_alter_table('agreements', schema=None) as batch_op:
        batch_op.drop_index('uq_agreements_active_household', sqlite_where=sa.text("status = 'active'"), postgresql_where=sa.text("status = 'active'"))
        batch_op.drop_index(batch_op.f('ix_agreements_status'))
        batch_op.drop_index(batch_op.f('ix_agreements_provider_id'))
        batch_op.drop_index(batch_op.f('ix_agreements_household_id'))

    op.drop_table('agreements')
    with op.batch_alter_table('job_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_job_runs_name'))

    op.drop_table('job_runs')
