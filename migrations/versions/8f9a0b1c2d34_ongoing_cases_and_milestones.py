"""长期坚持 cases have no deadline but a review rhythm (cases.progress_due_on); any case may carry back-scheduled
milestones (倒排工期, case_milestones)

Revision ID: 8f9a0b1c2d34
Revises: 7e8f9a0b1c23
Create Date: 2026-12-06 08:00:00

"""
from datetime import date, datetime, timedelta

from alembic import op
import sqlalchemy as sa


revision = '8f9a0b1c2d34'
down_revision = '7e8f9a0b1c23'
branch_labels = None
depends_on = None

REVIEW_DAYS = 30  # ONGOING_REVIEW_DAYS's default


def _day(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    return value


def upgrade():
    with op.batch_alter_table('cases') as batch:
        batch.add_column(sa.Column('progress_due_on', sa.Date(), nullable=True))
        batch.alter_column('deadline', existing_type=sa.Date(), nullable=True)
    bind = op.get_bind()
    # An ongoing case was given a deadline it never had: it is reviewed instead, counted from its last progress
    # entry (or its opening).
    rows = bind.execute(sa.text(
        "SELECT c.id, c.created_at, (SELECT max(e.at) FROM case_events e WHERE e.case_id = c.id "
        "AND e.action = 'progress') FROM cases c WHERE c.category = 'ongoing'")).all()
    for case_id, created_at, last_progress in rows:
        due = _day(last_progress or created_at) + timedelta(days=REVIEW_DAYS)
        bind.execute(sa.text("UPDATE cases SET deadline = NULL, progress_due_on = :due WHERE id = :id"),
                     {"due": due, "id": case_id})
    with op.batch_alter_table('cases') as batch:
        batch.create_check_constraint(
            op.f('ck_cases_deadline_by_category'),
            "(category = 'ongoing' AND deadline IS NULL) OR (category <> 'ongoing' AND deadline IS NOT NULL)")
    op.create_table(
        'case_milestones',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('due_on', sa.Date(), nullable=False),
        sa.Column('done_on', sa.Date(), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("done_on IS NULL OR done_on >= '2000-01-01'", name=op.f('ck_case_milestones_done_on_sane')),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_milestones_case_id_cases')),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_case_milestones_created_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_case_milestones')),
    )
    op.create_index(op.f('ix_case_milestones_case_id'), 'case_milestones', ['case_id'])


def downgrade():
    op.drop_index(op.f('ix_case_milestones_case_id'), 'case_milestones')
    op.drop_table('case_milestones')
    bind = op.get_bind()
    bind.execute(sa.text("UPDATE cases SET deadline = progress_due_on WHERE deadline IS NULL"))
    with op.batch_alter_table('cases') as batch:
        batch.drop_constraint(op.f('ck_cases_deadline_by_category'), type_='check')
        batch.alter_column('deadline', existing_type=sa.Date(), nullable=False)
        batch.drop_column('progress_due_on')
