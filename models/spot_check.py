"""明察暗访 / 随机抽查: a random sample of monitored households, visited by a checker whose findings the service
compares with the records."""
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import UTCDateTime, db, utcnow
from .household import Household
from .user import User


class SpotCheck(db.Model):
    """One draw: its place (a township, or a region's townships), its size and the seed it was drawn with."""

    __tablename__ = "spot_checks"
    counted = False  # its findings open cases, which count; its own rows are counted where they are read

    id: Mapped[int] = mapped_column(primary_key=True)
    township_id: Mapped[int | None] = mapped_column(ForeignKey("townships.id"), index=True)
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"))
    size: Mapped[int] = mapped_column(Integer)
    seed: Mapped[str] = mapped_column(String(40))
    drawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    drawn_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    households: Mapped[list["SpotCheckHousehold"]] = relationship(back_populates="spot_check",
                                                                  order_by="SpotCheckHousehold.id")


class SpotCheckHousehold(db.Model):
    """A household drawn, and once visited what the checker found, what the records said, and where they differ."""

    __tablename__ = "spot_check_households"  # counted in its village's 核实相符率 (models/revision.py)
    __table_args__ = (UniqueConstraint("spot_check_id", "household_id",
                                       name="uq_spot_check_households_spot_check_id_household_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    spot_check_id: Mapped[int] = mapped_column(ForeignKey("spot_checks.id"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    township_id: Mapped[int] = mapped_column(ForeignKey("townships.id"))
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"))
    visited_on: Mapped[date | None] = mapped_column(Date)
    liters_per_person_day: Mapped[float | None] = mapped_column(Float)
    quality: Mapped[str | None] = mapped_column(String(10))
    piped: Mapped[bool | None] = mapped_column(Boolean)
    round_trip_minutes: Mapped[float | None] = mapped_column(Float)
    assurance_percent: Mapped[float | None] = mapped_column(Float)
    receives_delivery: Mapped[bool | None] = mapped_column(Boolean)
    deliveries_30d: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)
    photo_path: Mapped[str | None] = mapped_column(String(200))
    found: Mapped[dict | None] = mapped_column(JSON)  # the verdicts judged from the finding
    recorded: Mapped[dict | None] = mapped_column(JSON)  # what the records said that day
    differences: Mapped[list | None] = mapped_column(JSON)
    matches_records: Mapped[bool | None] = mapped_column(Boolean)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    spot_check: Mapped[SpotCheck] = relationship(back_populates="households")
    household: Mapped[Household] = relationship()
    checked_by: Mapped[User | None] = relationship()
