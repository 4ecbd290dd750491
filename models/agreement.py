"""Water-delivery service agreements (送水服务协议)."""
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Timestamps, UTCDateTime, db
from .household import Household
from .staff import Staff

AGREEMENT_STATUSES = ("draft", "active", "expired", "terminated")
AGREEMENT_REASONS = ("distance", "vertical", "round_trip", "no_self_care", "source_failed", "other")
# Why the service itself ended an agreement: its household left monitoring, or was connected to piped supply.
AGREEMENT_END_REASONS = ("risk_eliminated", "moved_out", "deceased", "piped_supply")


class Agreement(Timestamps, db.Model):
    __tablename__ = "agreements"
    __table_args__ = (
        CheckConstraint(f"status IN {AGREEMENT_STATUSES}", name="status_known"),
        CheckConstraint(f"reason IN {AGREEMENT_REASONS}", name="reason_known"),
        # Exactly one schedule: every N days, or a set of ISO weekdays (bit 0 = Monday).
        CheckConstraint("(interval_days IS NULL) <> (weekday_mask IS NULL)", name="one_schedule"),
        CheckConstraint("interval_days IS NULL OR (interval_days >= 1 AND interval_days <= 90)", name="interval_range"),
        CheckConstraint("weekday_mask IS NULL OR (weekday_mask >= 1 AND weekday_mask <= 127)", name="weekday_range"),
        CheckConstraint("liters_per_delivery > 0 AND liters_per_delivery <= 2000", name="liters_range"),
        CheckConstraint("end_on IS NULL OR end_on >= start_on", name="ends_after_start"),
        CheckConstraint("status <> 'active' OR signed_on IS NOT NULL", name="active_is_signed"),
        CheckConstraint(f"end_reason IS NULL OR end_reason IN {AGREEMENT_END_REASONS}", name="end_reason_known"),
        # One active agreement per household at a time.
        Index("uq_agreements_active_household", "household_id", unique=True,
              sqlite_where=text("status = 'active'"), postgresql_where=text("status = 'active'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    reason: Mapped[str] = mapped_column(String(20))
    interval_days: Mapped[int | None] = mapped_column(Integer)
    weekday_mask: Mapped[int | None] = mapped_column(Integer)
    liters_per_delivery: Mapped[int] = mapped_column(Integer)
    start_on: Mapped[date] = mapped_column(Date)
    end_on: Mapped[date | None] = mapped_column(Date)
    signed_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    status_note: Mapped[str | None] = mapped_column(Text)
    end_reason: Mapped[str | None] = mapped_column(String(20))
    # Where the delivered water comes from (a central point or a well): its deliveries' source by default.
    source_facility_id: Mapped[int | None] = mapped_column(ForeignKey("facilities.id"), index=True)
    scan_path: Mapped[str | None] = mapped_column(String(200))
    scan_content_type: Mapped[str | None] = mapped_column(String(50))
    scan_uploaded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    household: Mapped[Household] = relationship()
    provider: Mapped[Staff] = relationship()
    source_facility: Mapped["Facility | None"] = relationship()  # noqa: F821

    @property
    def weekdays(self) -> list[int] | None:
        """The ISO weekdays (1 = Monday) of a weekday schedule."""
        if self.weekday_mask is None:
            return None
        return [day for day in range(1, 8) if self.weekday_mask & (1 << (day - 1))]
