"""Water facilities: central water points (集中供水点), purifiers (净水机) and wells (水井)."""
from datetime import date, datetime

from sqlalchemy import (Boolean, CheckConstraint, Date, Float, ForeignKey, ForeignKeyConstraint, Integer, String,
                        Text, UniqueConstraint, false)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Timestamps, UTCDateTime, db, utcnow
from .household import Household
from .place import Township, Village
from .staff import Staff

FACILITY_KINDS = ("central_point", "purifier", "well")
OWNERSHIPS = ("private", "collective", "public")
FACILITY_STATUSES = ("working", "broken", "low_yield", "retired")
FAILED_STATUSES = ("broken", "low_yield")
# GB 5749-2022 relaxes a few limits for small central (< 1,000 m³/day or < 10,000 people) and dispersed supplies.
SUPPLY_CLASSES = ("large_central", "small_central", "dispersed")


class Facility(Timestamps, db.Model):
    __tablename__ = "facilities"
    __table_args__ = (
        ForeignKeyConstraint(["village_id", "township_id"], ["villages.id", "villages.township_id"]),
        UniqueConstraint("village_id", "name"),
        CheckConstraint(f"kind IN {FACILITY_KINDS}", name="kind_known"),
        CheckConstraint(f"ownership IN {OWNERSHIPS}", name="ownership_known"),
        CheckConstraint(f"status IN {FACILITY_STATUSES}", name="status_known"),
        CheckConstraint("ownership <> 'private' OR household_id IS NOT NULL", name="private_has_household"),
        CheckConstraint("yield_m3_day IS NULL OR yield_m3_day >= 0", name="yield_not_negative"),
        CheckConstraint("lat IS NULL OR (lat >= -90 AND lat <= 90)", name="lat_range"),
        CheckConstraint("lon IS NULL OR (lon >= -180 AND lon <= 180)", name="lon_range"),
        CheckConstraint("length(trim(name)) > 0", name="name_not_blank"),
        CheckConstraint(f"supply_class IS NULL OR supply_class IN {SUPPLY_CLASSES}", name="supply_class_known"),
        CheckConstraint("test_every_days IS NULL OR (test_every_days >= 1 AND test_every_days <= 730)",
                        name="test_every_days_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    township_id: Mapped[int] = mapped_column(ForeignKey("townships.id"), index=True)
    village_id: Mapped[int] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(60))
    code: Mapped[str | None] = mapped_column(String(30), unique=True)
    ownership: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="working")
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"), index=True)
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    responsible_unit: Mapped[str | None] = mapped_column(String(100))
    yield_m3_day: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    last_cleaned_on: Mapped[date | None] = mapped_column(Date)
    last_source_check_on: Mapped[date | None] = mapped_column(Date)  # 水源保护检查
    last_filter_change_on: Mapped[date | None] = mapped_column(Date)  # 滤芯更换 (purifiers)
    # Water-quality monitoring of wells and central points: every `test_every_days` (NULL: the supply class's
    # setting), every INTENSIVE_TEST_EVERY_DAYS from an exceedance (`intensive_since`) until two passes in a row.
    test_every_days: Mapped[int | None] = mapped_column(Integer)
    last_tested_on: Mapped[date | None] = mapped_column(Date)
    intensive_since: Mapped[date | None] = mapped_column(Date)
    next_test_due: Mapped[date | None] = mapped_column(Date, index=True)
    supply_class: Mapped[str | None] = mapped_column(String(20))
    chlorinated: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # 水质超标: the latest test of some sample point exceeded a limit (until a later test of that point passes).
    quality_exceeded: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    township: Mapped[Township] = relationship(foreign_keys=[township_id])
    village: Mapped[Village] = relationship(
        primaryjoin="Facility.village_id == Village.id", foreign_keys=[village_id], viewonly=True
    )
    household: Mapped[Household | None] = relationship(foreign_keys=[household_id])
    manager: Mapped[Staff | None] = relationship()


class FacilityStatusChange(db.Model):
    """Each change of a facility's status, with its time: the source of repair-time figures."""

    __tablename__ = "facility_status_changes"
    counted = False  # no figure kept between requests reads its rows (models/revision.py)

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facilities.id"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # When a tap queued on a phone reached the server, if well after `at` (the tap): the history marks it 补报.
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


CARE_KINDS = ("cleaning", "source_protection", "filter_change")  # 清洗消毒, 水源保护检查, 滤芯更换


class FacilityCare(db.Model):
    """A cleaning or a source-protection check done at a facility (管护记录): when, by whom, what, a photo."""

    __tablename__ = "facility_care"
    __table_args__ = (CheckConstraint(f"kind IN {CARE_KINDS}", name="kind_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facilities.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    done_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    photo_path: Mapped[str | None] = mapped_column(String(200))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
