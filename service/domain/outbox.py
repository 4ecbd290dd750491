"""The outbox: outbound SMS queued in the same transaction as their cause, once per reason, and sent.

`enqueue` writes rows under an idempotency key the database keeps unique, so one reason gives one message.
`drain_outbox` sends due rows outside any transaction, with bounded concurrency, a rate limit and retries with
backoff; a send that may have gone waits for Twilio's report before it is tried again.
"""
import random
import threading
import time as clock
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Callable, ContextManager
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, select, update

from models import SmsMessage, SmsOptOut

from .gateway import SendError, SmsGateway
from .sql import insert_ignoring_duplicates


@dataclass(frozen=True)
class SmsSettings:
    zone: ZoneInfo
    quiet_start: time
    quiet_end: time
    max_in_flight: int = 4
    rate_per_second: float = 0
    max_attempts: int = 6
    retry_base_seconds: float = 30
    ambiguous_wait: timedelta = timedelta(minutes=15)
    public_base_url: str | None = None
    confirmation_expire: timedelta = timedelta(hours=72)

    def quiet(self, now: datetime) -> bool:
        """Whether `now` falls in quiet hours (local time; the window may cross midnight)."""
        local = now.astimezone(self.zone).time()
        if self.quiet_start <= self.quiet_end:
            return self.quiet_start <= local < self.quiet_end
        return local >= self.quiet_start or local < self.quiet_end




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


# Sending ------------------------------------------------------------------------------------------------


class RateLimiter:
    """At most `rate` sends a second on average, across threads (0: unlimited).

    A token bucket that starts empty and holds up to one second of sends, so that the pauses between
    batches (database work) are made up without ever exceeding the rate over a window.
    """

    def __init__(self, rate: float, burst_seconds: float = 1.0):
        self.rate = rate
        self.capacity = max(1.0, rate * burst_seconds)
        self.tokens = 0.0
        self.updated = clock.monotonic()
        self.lock = threading.Lock()

    def acquire(self) -> None:
        if self.rate <= 0:
            return
        with self.lock:
            now = clock.monotonic()
            self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate) - 1
            self.updated = now
            wait = -self.tokens / self.rate if self.tokens < 0 else 0
        if wait > 0:
            clock.sleep(wait)


def _backoff(settings: SmsSettings, attempts: int) -> timedelta:
    base = settings.retry_base_seconds * 2 ** (attempts - 1)
    return timedelta(seconds=min(base, 3600) * random.uniform(0.5, 1.5))


STUCK_SENDING = timedelta(minutes=10)
OUTCOME_COLUMNS = ("status", "provider_sid", "sent_at", "next_attempt_at", "error_code", "error_message",
                   "updated_at")


def _outcome(row, result, error: SendError | None, settings: SmsSettings, now: datetime) -> dict:
    """The new column values of one claimed row after its send (as bind parameters), and its tally."""
    values = dict.fromkeys(OUTCOME_COLUMNS)
    values.update(updated_at=now, next_attempt_at=now)
    if result is not None:
        values.update(status="sent" if result.status != "failed" else "failed", provider_sid=result.sid, sent_at=now)
        tally = "sent"
    else:
        values.update(error_code=error.code, error_message=error.message[:500])
        if error.ambiguous:
            values.update(status="unknown", next_attempt_at=now + settings.ambiguous_wait)
            tally = "unknown"
        elif error.retryable and row.attempts < settings.max_attempts:
            values.update(status="queued", next_attempt_at=now + _backoff(settings, row.attempts))
            tally = "retry"
        else:
            values.update(status="failed")
            tally = "failed"
    return {"row_id": row.id, "tally": tally, **{f"new_{name}": value for name, value in values.items()}}


def drain_outbox(transaction: Callable[[], ContextManager], gateway: SmsGateway, settings: SmsSettings, now_fn,
                 batch: int = 500, max_batches: int = 100) -> dict:
    """Send every due outbox row once, in short transactions of its own (never one across a send):
    `transaction()` opens one and yields its session, committed when the block ends.

    Due: queued, past its next attempt, and urgent or outside quiet hours. Failed sends retry with
    exponential backoff and jitter up to the attempt limit (429, 5xx, no connection), or fail at once
    (invalid number, unsubscribed). A send that timed out may have gone: it waits for Twilio's report, and
    only when none comes is it sent again.
    """
    totals = {"sent": 0, "retry": 0, "failed": 0, "unknown": 0}
    limiter = RateLimiter(settings.rate_per_second)
    with ThreadPoolExecutor(max_workers=max(1, settings.max_in_flight)) as pool:
        for _ in range(max_batches):
            with transaction() as session:
                claimed = _claim_due(session, settings, now_fn(), batch)
            if not claimed:
                break

            def send(row):
                limiter.acquire()
                callback = f"{settings.public_base_url.rstrip('/')}/sms/status?outbox={row.id}" \
                    if settings.public_base_url else None
                try:
                    return row, gateway.send(row.phone, row.body, callback), None
                except SendError as exc:
                    return row, None, exc

            outcomes = [_outcome(row, result, error, settings, now_fn()) for row, result, error
                        in pool.map(send, claimed)]
            for outcome in outcomes:
                totals[outcome.pop("tally")] += 1
            # One executemany; only a row still "sending" takes its outcome (a report may have come meanwhile).
            table = SmsMessage.__table__
            with transaction() as session:
                session.execute(
                    update(table).where(table.c.id == bindparam("row_id"), table.c.status == "sending")
                    .values({name: bindparam(f"new_{name}") for name in OUTCOME_COLUMNS}),
                    outcomes)
    return totals


def _claim_due(session, settings: SmsSettings, now: datetime, batch: int) -> list:
    """Mark up to `batch` due rows as sending (one attempt more) and return them: first the rows a dead sender
    left behind wait like a timed-out send, waits that are over queue again, and opted-out numbers drop out."""
    # Claimed by a process that died mid-send: they may have gone, so they wait like a timed-out send.
    session.execute(update(SmsMessage).where(SmsMessage.status == "sending",
                                             SmsMessage.updated_at < now - STUCK_SENDING)
                    .values(status="unknown", next_attempt_at=now + settings.ambiguous_wait, updated_at=now))
    session.execute(update(SmsMessage).where(SmsMessage.status == "unknown",
                                             SmsMessage.next_attempt_at <= now)
                    .values(status="queued", updated_at=now))
    # Checked again at send: a number may have opted out after its message was queued.
    session.execute(update(SmsMessage).where(SmsMessage.status == "queued",
                                             SmsMessage.phone.in_(select(SmsOptOut.phone)))
                    .values(status="opted_out", updated_at=now).execution_options(synchronize_session=False))
    due = select(SmsMessage.id).where(SmsMessage.status == "queued", SmsMessage.direction == "outbound",
                                      SmsMessage.next_attempt_at <= now)
    if settings.quiet(now):
        due = due.where(SmsMessage.urgent.is_(True))
    return session.execute(
        update(SmsMessage).where(SmsMessage.id.in_(due.order_by(SmsMessage.id).limit(batch)),
                                 SmsMessage.status == "queued")
        .values(status="sending", attempts=SmsMessage.attempts + 1, updated_at=now)
        .returning(SmsMessage.id, SmsMessage.phone, SmsMessage.body, SmsMessage.attempts)
        .execution_options(synchronize_session=False)).all()
