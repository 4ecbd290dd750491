"""回访: when a case a villager, a hotline or a petition raised was 销号, the household is asked whether it is
satisfied; its answer is kept on the case

Revision ID: a1b7c8d9e0f1
Revises: 9e6a3c4d5f70
Create Date: 2026-12-03 15:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'a1b7c8d9e0f1'
down_revision = '9e6a3c4d5f70'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cases') as batch:
        batch.add_column(sa.Column('callback_asked_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('callback_answer', sa.String(20), nullable=True))
        batch.create_check_constraint(op.f('ck_cases_callback_answer_known'),
                                      "callback_answer IN ('satisfied', 'unsatisfied')")


def downgrade():
    with op.batch_alter_table('cases') as batch:
        batch.drop_constraint(op.f('ck_cases_callback_answer_known'), type_='check')
        batch.drop_column('callback_answer')
        batch.drop_column('callback_asked_at')
