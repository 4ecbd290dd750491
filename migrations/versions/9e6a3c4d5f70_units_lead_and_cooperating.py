"""units (单位) that lead (牵头) and cooperate (配合) in a case; each free-text lead unit becomes a unit, nothing lost

Revision ID: 9e6a3c4d5f70
Revises: 8d5f2b3c4e69
Create Date: 2026-12-03 14:45:00

"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


revision = '9e6a3c4d5f70'
down_revision = '8d5f2b3c4e69'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'units',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('phone', sa.String(length=20), nullable=True),
        sa.Column('contact', sa.String(length=50), nullable=True),
        sa.Column('township_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('department', 'township', 'village', 'company', 'other')",
                           name=op.f('ck_units_kind_known')),
        sa.CheckConstraint('length(trim(name)) > 0', name=op.f('ck_units_name_not_blank')),
        sa.ForeignKeyConstraint(['township_id'], ['townships.id'], name=op.f('fk_units_township_id_townships')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_units')),
    )
    op.create_index(op.f('ix_units_township_id'), 'units', ['township_id'])
    op.create_index('uq_units_township_name', 'units', ['township_id', 'name'], unique=True,
                    sqlite_where=sa.text('township_id IS NOT NULL'), postgresql_where=sa.text('township_id IS NOT NULL'))
    op.create_index('uq_units_county_name', 'units', ['name'], unique=True,
                    sqlite_where=sa.text('township_id IS NULL'), postgresql_where=sa.text('township_id IS NULL'))
    op.create_table(
        'case_cooperating_units',
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_cooperating_units_case_id_cases')),
        sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_case_cooperating_units_unit_id_units')),
        sa.PrimaryKeyConstraint('case_id', 'unit_id', name=op.f('pk_case_cooperating_units')),
    )
    op.create_index(op.f('ix_case_cooperating_units_unit_id'), 'case_cooperating_units', ['unit_id'])
    with op.batch_alter_table('cases') as batch:
        batch.add_column(sa.Column('lead_unit_id', sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f('fk_cases_lead_unit_id_units'), 'units', ['lead_unit_id'], ['id'])
        batch.create_index(op.f('ix_cases_lead_unit_id'), ['lead_unit_id'])
    _units_from_lead_units()


def _units_from_lead_units():
    """Each case's free-text lead unit becomes a unit: its township's own when it names the township (or is only
    used in one township), else a county department; the case keeps its text and points at the unit."""
    bind = op.get_bind()
    # Stored as the models store it: naive UTC on SQLite, aware on PostgreSQL.
    now = datetime.now(timezone.utc)
    if bind.dialect.name == "sqlite":
        now = now.replace(tzinfo=None)
    townships = dict(bind.execute(sa.text("SELECT name, id FROM townships")).all())
    used = bind.execute(sa.text("SELECT DISTINCT lead_unit, township_id FROM cases")).all()
    places: dict[str, set] = {}
    for name, township_id in used:
        places.setdefault(name, set()).add(township_id)
    for name, township_ids in places.items():
        if name in townships:
            kind, township_id = "township", townships[name]
        elif len(township_ids) == 1:
            kind, township_id = "other", next(iter(township_ids))
        else:
            kind, township_id = "department", None
        unit_id = bind.execute(sa.text(
            "INSERT INTO units (name, kind, township_id, created_at, updated_at) "
            "VALUES (:name, :kind, :township_id, :now, :now) RETURNING id"),
            {"name": name, "kind": kind, "township_id": township_id, "now": now}).scalar_one()
        bind.execute(sa.text("UPDATE cases SET lead_unit_id = :unit WHERE lead_unit = :name"),
                     {"unit": unit_id, "name": name})


def downgrade():
    with op.batch_alter_table('cases') as batch:
        batch.drop_index(op.f('ix_cases_lead_unit_id'))
        batch.drop_constraint(op.f('fk_cases_lead_unit_id_units'), type_='foreignkey')
        batch.drop_column('lead_unit_id')
    op.drop_index(op.f('ix_case_cooperating_units_unit_id'), table_name='case_cooperating_units')
    op.drop_table('case_cooperating_units')
    op.drop_index('uq_units_county_name', table_name='units')
    op.drop_index('uq_units_township_name', table_name='units')
    op.drop_index(op.f('ix_units_township_id'), table_name='units')
    op.drop_table('units')
