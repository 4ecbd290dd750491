"""The record of each scheduled job run, for /healthz and for operators."""
from datetime import datetime

from sqlalchemy import Boolean, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import UTCDateTime, db, utcnow


class JobRun(db.Model):
    __tablename__ = "job_runs"
    counted = False  # no figure kept between requests reads its rows (models/revision.py)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ok: Mapped[bool] = mapped_column(Boolean, default=False)
    result: Mapped[str | None] = mapped_column(Text)


class SchedulerHeartbeat(db.Model):
    """The active scheduler's last sign of life (one row), so /healthz can say when no scheduler runs."""

    __tablename__ = "scheduler_heartbeats"
    counted = False  # no figure kept between requests reads its rows (models/revision.py)

    id: Mapped[int] = mapped_column(primary_key=True)
    beat_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    holder: Mapped[str] = mapped_column(String(100))
