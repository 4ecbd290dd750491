"""Indexes for the lists of late cases: the deadlines and review days of unresolved cases (partial indexes), and the
days milestones are due, so that a province's overdue list reads the few late cases, not all of them

Revision ID: 5b6c7d8e9f01
Revises: 4a5b6c7d8e9f
Create Date: 2026-12-06 13:02:15.278292

"""
from alembic import op
import sqlalchemy as sa


revision = '5b6c7d8e9f01'
down_revision = '4a5b6c7d8e9f'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('case_milestones', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_milestones_due_on'), ['due_on'], unique=False)

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index('ix_cases_unresolved_deadline', ['deadline'], unique=False, sqlite_where=sa.text("status IN ('open', 'in_progress')"), postgresql_where=sa.text("status IN ('open', 'in_progress')"))
        batch_op.create_index('ix_cases_unresolved_progress_due', ['progress_due_on'], unique=False, sqlite_where=sa.text("status IN ('open', 'in_progress')"), postgresql_where=sa.text("status IN ('open', 'in_progress')"))


def downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_unresolved_progress_due', sqlite_where=sa.text("status IN ('open', 'in_progress')"), postgresql_where=sa.text("status IN ('open', 'in_progress')"))
        batch_op.drop_index('ix_cases_unresolved_deadline', sqlite_where=sa.text("status IN ('open', 'in_progress')"), postgresql_where=sa.text("status IN ('open', 'in_progress')"))

    with op.batch_alter_table('case_milestones', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_milestones_due_on'))
