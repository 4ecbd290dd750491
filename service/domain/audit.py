"""The audit trail: every write leaves an AuditEvent with the record before and after."""
from datetime import date, datetime

from sqlalchemy import inspect

from models import AuditEvent, User

# Columns that hold protected or derived-only values never go into the trail.
_HIDDEN = {"id_number_encrypted", "id_number_hash", "password_hash", "created_at", "updated_at"}


def visible(values: dict) -> dict:
    """`values` without the protected columns, as the trail keeps them."""
    return {key: value for key, value in values.items() if key not in _HIDDEN}


def audit_row(actor: User | None, action: str, entity: str, entity_id: int, before: dict | None, after: dict,
              at: datetime) -> dict:
    """The values of one AuditEvent, for writes made in bulk (INSERT … VALUES of many); days and times as ISO text,
    as `snapshot` keeps them."""
    after = {key: value.isoformat() if isinstance(value, (date, datetime)) else value
             for key, value in visible(after).items()}
    return {"actor_id": actor.id if actor else None, "action": action, "entity": entity, "entity_id": entity_id,
            "before": before, "after": after, "at": at}


def snapshot(record) -> dict:
    """A JSON-ready dict of the record's column values, without protected ones."""
    values = {}
    for attr in inspect(record).mapper.column_attrs:
        if attr.key in _HIDDEN:
            continue
        value = getattr(record, attr.key)
        values[attr.key] = value.isoformat() if isinstance(value, (date, datetime)) else value
    return values


def record_write(session, actor: User | None, action: str, record, before: dict | None) -> AuditEvent:
    """Add the AuditEvent of one write to the session (flushes so that a new record has its id)."""
    session.flush()
    after = snapshot(record)
    event = AuditEvent(
        actor_id=actor.id if actor else None,
        action=action,
        entity=record.__tablename__,
        entity_id=record.id,
        before=before,
        after=after,
    )
    session.add(event)
    return event
