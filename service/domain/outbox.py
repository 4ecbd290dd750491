"""The outbox: outbound SMS queued in the same transaction as their cause, once per reason."""
from datetime import datetime

from sqlalchemy.dialects import postgresql, sqlite

from models import SmsMessage


def _insert_once(session):
    dialect = {"postgresql": postgresql, "sqlite": sqlite}[session.get_bind().dialect.name]
    return dialect.insert(SmsMessage).on_conflict_do_nothing()


def enqueue(session, rows: list[dict], now: datetime) -> int:
    """Queue outbound messages; a row whose idempotency key exists already is dropped. Returns how many new."""
    if not rows:
        return 0
    values = [{"direction": "outbound", "status": "queued", "attempts": 0, "next_attempt_at": now, "urgent": False,
               "handled": True, "created_at": now, "updated_at": now, **row} for row in rows]
    return len(session.execute(_insert_once(session).returning(SmsMessage.id), values).all())
