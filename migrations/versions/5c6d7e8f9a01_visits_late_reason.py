"""补录原因: a visit dated before the backdating window keeps why it was entered late

Revision ID: 5c6d7e8f9a01
Revises: 4b5c6d7e8f90
Create Date: 2026-12-06 06:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '5c6d7e8f9a01'
down_revision = '4b5c6d7e8f90'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('visits') as batch:
        batch.add_column(sa.Column('late_reason', sa.String(length=200), nullable=True))


def downgrade():
    with op.batch_alter_table('visits') as batch:
        batch.drop_column('late_reason')
