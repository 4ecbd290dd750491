"""Each minute a verification code was printed in (report_printings): /verify shows the printing time of the paper
in hand, which its QR code names

Revision ID: 7e8f9a0b1c23
Revises: 6d7e8f9a0b12
Create Date: 2026-12-06 06:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '7e8f9a0b1c23'
down_revision = '6d7e8f9a0b12'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'report_printings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=20), nullable=False),
        sa.Column('printed_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['code'], ['report_verifications.code'],
                                name=op.f('fk_report_printings_code_report_verifications')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_report_printings')),
        sa.UniqueConstraint('code', 'printed_at', name='uq_report_printings_code_printed_at'),
    )
    op.create_index(op.f('ix_report_printings_code'), 'report_printings', ['code'])


def downgrade():
    op.drop_index(op.f('ix_report_printings_code'), 'report_printings')
    op.drop_table('report_printings')
