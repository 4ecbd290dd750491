"""hardening, round two: delivery idempotency keys hold a client's 100 characters after the user's prefix;
format characters (Unicode Cf) dropped from stored names and evidence file names

Revision ID: 5e1d2c3b4a90
Revises: 00805513a578
Create Date: 2026-12-03 11:30:00

"""
import unicodedata

from alembic import op
import sqlalchemy as sa


revision = '5e1d2c3b4a90'
down_revision = '00805513a578'
branch_labels = None
depends_on = None


# Names people read, and evidence file names (and the evidence events that quote them): typed before format
# characters were dropped on input, they may hold bidi overrides, tag characters or U+061C.
NAMED = [("townships", "name", None), ("villages", "name", None), ("households", "head_name", None),
         ("staff", "name", None), ("facilities", "name", None), ("case_evidence", "filename", None),
         ("case_events", "note", "action = 'evidence'")]


def _visible(text):
    return "".join(c for c in text if unicodedata.category(c) != "Cf")


def upgrade():
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.alter_column('idempotency_key', existing_type=sa.String(length=100), type_=sa.String(length=120),
                              existing_nullable=True)
    connection = op.get_bind()
    for table, column, where in NAMED:
        rows = connection.execute(sa.text(f"SELECT id, {column} FROM {table} WHERE {column} IS NOT NULL"
                                          + (f" AND {where}" if where else ""))).all()
        changed = [{"id": row[0], "value": _visible(row[1])} for row in rows if _visible(row[1]) != row[1]]
        if changed:
            connection.execute(sa.text(f"UPDATE {table} SET {column} = :value WHERE id = :id"), changed)


def downgrade():
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.alter_column('idempotency_key', existing_type=sa.String(length=120), type_=sa.String(length=100),
                              existing_nullable=True)
