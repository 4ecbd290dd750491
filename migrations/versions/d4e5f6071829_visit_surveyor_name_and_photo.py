"""逐户排查: the surveyor's name as the paper survey wrote it (imported visits have no login), and a photo

Revision ID: d4e5f6071829
Revises: c3d4e5f60718
Create Date: 2026-12-03 16:05:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'd4e5f6071829'
down_revision = 'c3d4e5f60718'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('visits', sa.Column('surveyor_name', sa.String(length=50), nullable=True))
    op.add_column('visits', sa.Column('photo_path', sa.String(length=200), nullable=True))


def downgrade():
    with op.batch_alter_table('visits') as batch:
        batch.drop_column('photo_path')
        batch.drop_column('surveyor_name')
