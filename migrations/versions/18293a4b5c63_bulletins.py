"""A region's printed bulletin (月度通报) belongs to no township: a verification code's township may be empty

Revision ID: 18293a4b5c63
Revises: 071829304b52
Create Date: 2026-12-03 17:45:00

"""
from alembic import op
import sqlalchemy as sa


revision = '18293a4b5c63'
down_revision = '071829304b52'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('report_verifications') as batch:
        batch.alter_column('township_id', existing_type=sa.Integer(), nullable=True)


def downgrade():
    op.execute("DELETE FROM report_verifications WHERE township_id IS NULL")
    with op.batch_alter_table('report_verifications') as batch:
        batch.alter_column('township_id', existing_type=sa.Integer(), nullable=False)
