"""An overdue case goes to the county after ESCALATE_AFTER_DAYS, once (cases.county_escalated_on)

Revision ID: c2d3e4f50617
Revises: b1c2d3e4f506
Create Date: 2026-12-06 08:08:14.437027

"""
from alembic import op
import sqlalchemy as sa


revision = 'c2d3e4f50617'
down_revision = 'b1c2d3e4f506'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('county_escalated_on', sa.Date(), nullable=True))



def downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('county_escalated_on')

