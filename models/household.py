"""Monitored households (监测户)."""
from datetime import date

from sqlalchemy import (Boolean, CheckConstraint, Date, Float, ForeignKey, ForeignKeyConstraint, Index, Integer, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Timestamps, db
from .place import Township, Village

MONITORING_TYPES = ("unstable", "marginal", "sudden_hardship", "other")
WATER_SOURCES = ("central_point", "purifier", "well", "spring", "cistern", "other")
# 监测状态: still monitored, or left the 防返贫 monitoring list (风险消除, 迁出, 死亡).
MONITORING_STATUSES = ("monitored", "risk_eliminated", "moved_out", "deceased")
LEFT_STATUSES = MONITORING_STATUSES[1:]


class Household(Timestamps, db.Model):
    __tablename__ = "households"
    __table_args__ = (
        ForeignKeyConstraint(["village_id", "township_id"], ["villages.id", "villages.township_id"]),
        # Target of the key that keeps a delivery's township equal to its household's.
        UniqueConstraint("id", "township_id"),
        # Everything the needs-delivery condition reads, by place: counting a county's or a township's households
        # that need delivery reads this narrow index instead of the wide rows.
        Index("ix_households_access", "township_id", "village_id", "distance_m", "vertical_m", "round_trip_min",
              "self_care", "water_source_id", "monitoring_status", "piped_since"),
        CheckConstraint("members >= 1 AND members <= 50", name="members_range"),
        CheckConstraint("lat IS NULL OR (lat >= -90 AND lat <= 90)", name="lat_range"),
        CheckConstraint("lon IS NULL OR (lon >= -180 AND lon <= 180)", name="lon_range"),
        CheckConstraint("distance_m IS NULL OR distance_m >= 0", name="distance_not_negative"),
        CheckConstraint("vertical_m IS NULL OR vertical_m >= 0", name="vertical_not_negative"),
        CheckConstraint("round_trip_min IS NULL OR round_trip_min >= 0", name="round_trip_not_negative"),
        CheckConstraint(f"monitoring_type IS NULL OR monitoring_type IN {MONITORING_TYPES}", name="monitoring_type_known"),
        CheckConstraint(f"water_source IS NULL OR water_source IN {WATER_SOURCES}", name="water_source_known"),
        CheckConstraint("length(trim(head_name)) > 0", name="head_name_not_blank"),
        CheckConstraint(f"monitoring_status IN {MONITORING_STATUSES}", name="monitoring_status_known"),
        # A household that left has the day it left; one still monitored has none.
        CheckConstraint("(monitoring_status = 'monitored') = (left_on IS NULL)", name="left_on_iff_left"),
        CheckConstraint("left_on IS NULL OR monitored_since IS NULL OR left_on > monitored_since",
                        name="leaves_after_entering"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    township_id: Mapped[int] = mapped_column(ForeignKey("townships.id"), index=True)
    village_id: Mapped[int] = mapped_column(index=True, active_history=True)  # a move raises both villages
    head_name: Mapped[str] = mapped_column(String(50))
    # The resident ID is never stored in clear: Fernet ciphertext, a keyed hash for uniqueness and
    # look-ups, and the masked form that every read shows.
    id_number_encrypted: Mapped[str] = mapped_column(Text)
    id_number_hash: Mapped[str] = mapped_column(String(64), unique=True)
    id_number_masked: Mapped[str] = mapped_column(String(18))
    phone: Mapped[str | None] = mapped_column(String(20), index=True)
    members: Mapped[int] = mapped_column(Integer, default=1)
    self_care: Mapped[bool] = mapped_column(Boolean, default=True)
    monitoring_type: Mapped[str | None] = mapped_column(String(20))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    distance_m: Mapped[float | None] = mapped_column(Float)
    distance_computed: Mapped[bool] = mapped_column(Boolean, default=False)
    vertical_m: Mapped[float | None] = mapped_column(Float)
    round_trip_min: Mapped[float | None] = mapped_column(Float)
    water_source: Mapped[str | None] = mapped_column(String(20))
    water_source_id: Mapped[int | None] = mapped_column(
        ForeignKey("facilities.id", use_alter=True), index=True
    )
    # The current period on the monitoring list: monitored from `monitored_since` (NULL: since before the
    # service's records) until the day before `left_on`. Earlier periods of a household that entered again are
    # kept as MonitoringPeriod rows.
    monitoring_status: Mapped[str] = mapped_column(String(20), default="monitored", server_default="monitored")
    monitored_since: Mapped[date | None] = mapped_column(Date)
    left_on: Mapped[date | None] = mapped_column(Date)
    # On the integrated network (城乡供水一体化) since this day: water piped into the home, so distance, climb and the
    # round trip no longer make it need delivery.
    piped_since: Mapped[date | None] = mapped_column(Date)
    # 帮扶责任人: the cadre who answers for the household.
    support_person_name: Mapped[str | None] = mapped_column(String(50))
    support_person_phone: Mapped[str | None] = mapped_column(String(20))

    @property
    def support_person(self) -> dict | None:
        """帮扶责任人 {name, phone}, or None."""
        if not self.support_person_name:
            return None
        return {"name": self.support_person_name, "phone": self.support_person_phone}

    @support_person.setter
    def support_person(self, person: dict | None) -> None:
        person = person or {}
        self.support_person_name, self.support_person_phone = person.get("name"), person.get("phone")

    township: Mapped[Township] = relationship(foreign_keys=[township_id])
    village: Mapped[Village] = relationship(
        primaryjoin="Household.village_id == Village.id", foreign_keys=[village_id], viewonly=True
    )
    water_source_facility: Mapped["Facility | None"] = relationship(  # noqa: F821
        foreign_keys=[water_source_id]
    )


class MonitoringPeriod(db.Model):
    """An earlier, closed period on the monitoring list of a household that has since entered it again, kept so that
    figures for a past day count the household as it was then."""

    __tablename__ = "monitoring_periods"
    __table_args__ = (
        CheckConstraint(f"reason IN {LEFT_STATUSES}", name="reason_known"),
        CheckConstraint("entered_on IS NULL OR left_on > entered_on", name="leaves_after_entering"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    entered_on: Mapped[date | None] = mapped_column(Date)
    left_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(20))
