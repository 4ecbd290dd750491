"""Water-quality tests (水质检测): one sample, its results, and how they were judged."""
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import UTCDateTime, db, utcnow
from .facility import Facility
from .household import Household

SAMPLE_POINTS = ("source", "treated", "tap", "household")


class WaterTest(db.Model):
    """A sample from a facility or a household, its measured values by parameter code, and the exceedances
    found against the standard in force when it was recorded (kept as judged: a later standard does not
    rewrite history)."""

    __tablename__ = "water_tests"
    __table_args__ = (
        CheckConstraint(f"sample_point IN {SAMPLE_POINTS}", name="sample_point_known"),
        CheckConstraint("facility_id IS NOT NULL OR household_id IS NOT NULL", name="has_subject"),
        Index("ix_water_tests_facility_point_day", "facility_id", "sample_point", "sampled_on"),
        Index("ix_water_tests_township_day", "township_id", "sampled_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    township_id: Mapped[int] = mapped_column(ForeignKey("townships.id"))
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), index=True)
    facility_id: Mapped[int | None] = mapped_column(ForeignKey("facilities.id"))
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"), index=True)
    sampled_on: Mapped[date] = mapped_column(Date)
    sample_point: Mapped[str] = mapped_column(String(20))
    lab: Mapped[str | None] = mapped_column(String(100))
    results: Mapped[dict] = mapped_column(JSON)
    passed: Mapped[bool] = mapped_column(Boolean)
    exceedances: Mapped[list] = mapped_column(JSON)
    standard: Mapped[str] = mapped_column(String(30))
    relaxed: Mapped[bool] = mapped_column(Boolean)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    facility: Mapped[Facility | None] = relationship()
    household: Mapped[Household | None] = relationship()
