"""case ledger: cases, events, evidence, facility status history

Revision ID: 090186845592
Revises: bf0777bc8787
Create Date: 2026-11-25 15:27:26.481907

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '090186845592'
down_revision = 'bf0777bc8787'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('facility_status_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('facility_id', sa.Integer(), nullable=False),
    sa.Column('from_status', sa.String(length=20), nullable=True),
    sa.Column('to_status', sa.String(length=20), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_facility_status_changes_actor_id_users')),
    sa.ForeignKeyConstraint(['facility_id'], ['facilities.id'], name=op.f('fk_facility_status_changes_facility_id_facilities')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_facility_status_changes'))
    )
    with op.batch_alter_table('facility_status_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_facility_status_changes_facility_id'), ['facility_id'], unique=False)

    op.create_table('cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('township_id', sa.Integer(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=True),
    sa.Column('facility_id', sa.Integer(), nullable=True),
    sa.Column('delivery_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('severity', sa.String(length=10), nullable=False),
    sa.Column('lead_unit', sa.String(length=100), nullable=False),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('relapse_count', sa.Integer(), nullable=False),
    sa.Column('resolution_note', sa.Text(), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('verified_by_id', sa.Integer(), nullable=True),
    sa.Column('verified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('recheck_due_on', sa.Date(), nullable=True),
    sa.Column('opened_by_id', sa.Integer(), nullable=True),
    sa.Column('dedupe_key', sa.String(length=100), nullable=True),
    sa.Column('reminded_on', sa.Date(), nullable=True),
    sa.Column('escalated_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('purifier_repair', 'well_low_yield', 'water_quality', 'missing_agreement', 'missed_delivery', 'sanitation', 'other')", name=op.f('ck_cases_kind_known')),
    sa.CheckConstraint("severity IN ('high', 'medium', 'low')", name=op.f('ck_cases_severity_known')),
    sa.CheckConstraint("status IN ('open', 'in_progress', 'resolved', 'verified', 'closed')", name=op.f('ck_cases_status_known')),
    sa.CheckConstraint("status NOT IN ('resolved', 'verified', 'closed') OR resolution_note IS NOT NULL", name=op.f('ck_cases_resolved_has_note')),
    sa.CheckConstraint('relapse_count >= 0', name=op.f('ck_cases_relapses_not_negative')),
    sa.ForeignKeyConstraint(['assignee_id'], ['staff.id'], name=op.f('fk_cases_assignee_id_staff')),
    sa.ForeignKeyConstraint(['delivery_id'], ['deliveries.id'], name=op.f('fk_cases_delivery_id_deliveries')),
    sa.ForeignKeyConstraint(['facility_id'], ['facilities.id'], name=op.f('fk_cases_facility_id_facilities')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_cases_household_id_households')),
    sa.ForeignKeyConstraint(['opened_by_id'], ['users.id'], name=op.f('fk_cases_opened_by_id_users')),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'], name=op.f('fk_cases_resolved_by_id_users')),
    sa.ForeignKeyConstraint(['township_id'], ['townships.id'], name=op.f('fk_cases_township_id_townships')),
    sa.ForeignKeyConstraint(['verified_by_id'], ['users.id'], name=op.f('fk_cases_verified_by_id_users')),
    sa.ForeignKeyConstraint(['village_id'], ['villages.id'], name=op.f('fk_cases_village_id_villages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cases'))
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cases_assignee_id'), ['assignee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_delivery_id'), ['delivery_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_facility_id'), ['facility_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_household_id'), ['household_id'], unique=False)
        batch_op.create_index('ix_cases_township_status', ['township_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_village_id'), ['village_id'], unique=False)
        batch_op.create_index('uq_cases_active_dedupe_key', ['dedupe_key'], unique=True, sqlite_where=sa.text("status IN ('open', 'in_progress', 'resolved')"), postgresql_where=sa.text("status IN ('open', 'in_progress', 'resolved')"))

    op.create_table('case_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=30), nullable=False),
    sa.Column('from_status', sa.String(length=20), nullable=True),
    sa.Column('to_status', sa.String(length=20), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_case_events_actor_id_users')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_events_case_id_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_events'))
    )
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_events_case_id'), ['case_id'], unique=False)

    op.create_table('case_evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('path', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=50), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=True),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_evidence_case_id_cases')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_case_evidence_uploaded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_evidence'))
    )
    with op.batch_alter_table('case_evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_evidence_case_id'), ['case_id'], unique=False)



def downgrade():
    with op.batch_alter_table('case_evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_evidence_case_id'))

    op.drop_table('case_evidence')
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_events_case_id'))

    op.drop_table('case_events')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('uq_cases_active_dedupe_key', sqlite_where=sa.text("status IN ('open', 'in_progress', 'resolved')"), postgresql_where=sa.text("status IN ('open', 'in_progress', 'resolved')"))
        batch_op.drop_index(batch_op.f('ix_cases_village_id'))
        batch_op.drop_index('ix_cases_township_status')
        batch_op.drop_index(batch_op.f('ix_cases_household_id'))
        batch_op.drop_index(batch_op.f('ix_cases_facility_id'))
        batch_op.drop_index(batch_op.f('ix_cases_delivery_id'))
        batch_op.drop_index(batch_op.f('ix_cases_assignee_id'))

    op.drop_table('cases')
    with op.batch_alter_table('facility_status_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_facility_status_changes_facility_id'))

    op.drop_table('facility_status_changes')
