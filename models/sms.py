"""Every SMS in or out (the outbox is the outbound rows), and the numbers that opted out."""
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Timestamps, UTCDateTime, db, utcnow

SMS_DIRECTIONS = ("inbound", "outbound")
# Outbound: queued → sending → sent → delivered | undelivered | failed; `unknown` when a send timed out
# (it may have gone: wait for Twilio's callback before trying again); `cancelled` when it must not go;
# `opted_out` when the number replied TD/退订/STOP (checked when queued and again when sent).
# Inbound: received, then matched (a confirmation), opt_out / opt_in, or unknown (for a person to read).
SMS_STATUSES = ("queued", "sending", "unknown", "sent", "delivered", "undelivered", "failed", "cancelled",
                "opted_out", "received", "matched", "opt_out", "opt_in", "unmatched")


class SmsMessage(Timestamps, db.Model):
    __tablename__ = "sms_messages"
    counted = False  # no figure kept between requests reads its rows (models/revision.py)
    __table_args__ = (
        CheckConstraint(f"direction IN {SMS_DIRECTIONS}", name="direction_known"),
        CheckConstraint(f"status IN {SMS_STATUSES}", name="status_known"),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        Index("ix_sms_messages_due", "status", "next_attempt_at"),
        Index("ix_sms_messages_phone_purpose", "phone", "purpose"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    direction: Mapped[str] = mapped_column(String(10))
    phone: Mapped[str] = mapped_column(String(20))
    body: Mapped[str] = mapped_column(Text)
    purpose: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(20))
    # The reason for an outbound message, unique: the same reason never produces two messages.
    idempotency_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    related_type: Mapped[str | None] = mapped_column(String(30))
    related_id: Mapped[int | None] = mapped_column(Integer)
    township_id: Mapped[int | None] = mapped_column(ForeignKey("townships.id"), index=True)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    provider_sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    error_code: Mapped[str | None] = mapped_column(String(20))
    error_message: Mapped[str | None] = mapped_column(Text)
    handled: Mapped[bool] = mapped_column(Boolean, default=False)


class SmsOptOut(db.Model):
    """A number that replied TD/退订/STOP: no non-essential SMS until it replies START."""

    __tablename__ = "sms_opt_outs"
    counted = False  # no figure kept between requests reads its rows (models/revision.py)

    phone: Mapped[str] = mapped_column(String(20), primary_key=True)
    since: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
