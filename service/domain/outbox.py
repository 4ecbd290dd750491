"""The outbox: outbound SMS queued in the same transaction as their cause, once per reason."""
from datetime import datetime

from sqlalchemy import select

from models import SmsMessage, SmsOptOut

from .sql import insert_ignoring_duplicates


def enqueue(session, rows: list[dict], now: datetime) -> int:
    """Queue outbound messages; a row whose idempotency key exists already is dropped. Returns how many new.

    A message to a number that opted out is kept, whatever its purpose, as `opted_out` (已退订), never queued.
    """
    if not rows:
        return 0
    opted_out = set(session.scalars(select(SmsOptOut.phone).where(SmsOptOut.phone.in_({r["phone"] for r in rows}))))
    values = [{"direction": "outbound", "status": "opted_out" if row["phone"] in opted_out else "queued",
               "attempts": 0, "next_attempt_at": now, "urgent": False, "handled": True, "created_at": now,
               "updated_at": now, **row} for row in rows]
    return len(session.execute(insert_ignoring_duplicates(session, SmsMessage).returning(SmsMessage.id), values).all())


def is_opted_out(session, phone: str) -> bool:
    """Whether the number replied TD/退订/STOP (and not START since)."""
    return session.get(SmsOptOut, phone) is not None
