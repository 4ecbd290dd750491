"""Household visits (逐户排查): each monitored household checked in person on the four national indicators."""
from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, Float, ForeignKey, Index, String, Text, func, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import UTCDateTime, db, utcnow
from .household import Household
from .user import User

VERDICTS = ("met", "basic", "failed")  # 达标, 基本达标, 不达标
RESULTS = ("safe", "basic", "unsafe")  # 安全, 基本安全, 不安全
INDICATORS = ("quantity", "quality", "convenience", "assurance")


class Visit(db.Model):
    """One visit: what was measured (or taken from the household's records) and the verdicts judged from it."""

    __tablename__ = "visits"
    __table_args__ = (
        *(CheckConstraint(f"{name} IN {VERDICTS}", name=f"{name}_known") for name in INDICATORS),
        CheckConstraint(f"result IN {RESULTS}", name="result_known"),
        CheckConstraint("liters_per_person_day IS NULL OR liters_per_person_day >= 0", name="liters_not_negative"),
        CheckConstraint("assurance_percent IS NULL OR (assurance_percent >= 0 AND assurance_percent <= 100)",
                        name="assurance_is_a_percent"),
        Index("ix_visits_village_visited_on", "village_id", "visited_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    township_id: Mapped[int] = mapped_column(ForeignKey("townships.id"), index=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"))
    visited_on: Mapped[date] = mapped_column(Date)
    surveyor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    surveyor_name: Mapped[str | None] = mapped_column(String(50))  # as a paper survey wrote it (imported visits)
    liters_per_person_day: Mapped[float | None] = mapped_column(Float)
    quality_judged: Mapped[str | None] = mapped_column(String(10))  # as the surveyor judged it, when they did
    piped: Mapped[bool | None] = mapped_column(Boolean)
    round_trip_minutes: Mapped[float | None] = mapped_column(Float)
    assurance_percent: Mapped[float | None] = mapped_column(Float)
    note: Mapped[str | None] = mapped_column(Text)
    # 补录原因: why a visit dated before the backdating window (DELIVERY_BACKDATE_DAYS) is entered only now.
    late_reason: Mapped[str | None] = mapped_column(String(200))
    # When a tap queued on a phone reached the server, if well after `created_at` (the tap): marked 补报.
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    photo_path: Mapped[str | None] = mapped_column(String(200))
    quantity: Mapped[str] = mapped_column(String(10))
    quality: Mapped[str] = mapped_column(String(10))
    convenience: Mapped[str] = mapped_column(String(10))
    assurance: Mapped[str] = mapped_column(String(10))
    result: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    household: Mapped[Household] = relationship()
    surveyor: Mapped[User | None] = relationship()

    @property
    def indicators(self) -> dict:
        return {name: getattr(self, name) for name in INDICATORS}


def latest_visit_ids(*where):
    """The id of each household's latest visit among those `where` picks: by the day it was made, then as recorded
    (a paper survey imported later does not overtake a later visit)."""
    ranked = select(Visit.id, func.row_number().over(
        partition_by=Visit.household_id, order_by=(Visit.visited_on.desc(), Visit.id.desc())).label("n")
    ).where(*where).subquery()
    return select(ranked.c.id).where(ranked.c.n == 1)
