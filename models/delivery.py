"""Deliveries (送水记录): planned by the schedule or logged unplanned; corrected, never edited in place."""
from datetime import date, datetime

from sqlalchemy import (CheckConstraint, Date, ForeignKey, ForeignKeyConstraint, Index, Integer, String, Text, event,
                        select, text)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .agreement import Agreement
from .base import UTCDateTime, db, utcnow
from .household import Household
from .staff import Staff
from .user import User

DELIVERY_STATUSES = ("planned", "delivered", "missed", "cancelled")
CONFIRMATIONS = ("pending", "confirmed", "disputed", "no_phone", "expired")


class Delivery(db.Model):
    __tablename__ = "deliveries"
    __table_args__ = (
        CheckConstraint(f"status IN {DELIVERY_STATUSES}", name="status_known"),
        CheckConstraint(f"confirmation IS NULL OR confirmation IN {CONFIRMATIONS}", name="confirmation_known"),
        CheckConstraint("liters IS NULL OR (liters > 0 AND liters <= 2000)", name="liters_range"),
        CheckConstraint("status <> 'delivered' OR (delivered_at IS NOT NULL AND liters IS NOT NULL)",
                        name="delivered_has_time_and_liters"),
        # Planned by an agreement or by an emergency (应急送水); an unplanned one by neither.
        CheckConstraint("unplanned OR agreement_id IS NOT NULL OR emergency_id IS NOT NULL",
                        name="planned_has_agreement"),
        # One emergency delivery a household a day.
        Index("uq_deliveries_emergency_day", "emergency_id", "household_id", "scheduled_for", unique=True,
              sqlite_where=text("emergency_id IS NOT NULL"), postgresql_where=text("emergency_id IS NOT NULL")),
        # Planning twice plans nothing twice.
        Index("uq_deliveries_planned_day", "agreement_id", "scheduled_for", unique=True,
              sqlite_where=text("NOT unplanned"), postgresql_where=text("NOT unplanned")),
        Index("ix_deliveries_status_day", "status", "scheduled_for"),
        # The household's township, kept equal to it by the database (a household moved takes its deliveries
        # along), so that a township's list reads its own deliveries in order through one index instead of walking
        # a province's (a county that joined last has the newest ids).
        ForeignKeyConstraint(["household_id", "township_id"], ["households.id", "households.township_id"],
                             onupdate="CASCADE"),
        Index("ix_deliveries_township_id", "township_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int | None] = mapped_column(ForeignKey("agreements.id"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    township_id: Mapped[int] = mapped_column()  # its household's (see above); filled in when not given
    scheduled_for: Mapped[date] = mapped_column(Date, index=True)
    unplanned: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(20), default="planned")
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    liters: Mapped[int | None] = mapped_column(Integer)
    deliverer_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    # The facility the water came from (its agreement's by default): the household's water is that water.
    source_facility_id: Mapped[int | None] = mapped_column(ForeignKey("facilities.id"), index=True)
    emergency_id: Mapped[int | None] = mapped_column(ForeignKey("emergencies.id"), index=True)  # 应急送水
    note: Mapped[str | None] = mapped_column(Text)
    photo_path: Mapped[str | None] = mapped_column(String(200))
    confirmation: Mapped[str | None] = mapped_column(String(20))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # when the SMS reply came
    logged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    logged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # A retried or double-tapped log carries the same key and acts once.
    idempotency_key: Mapped[str | None] = mapped_column(String(120), unique=True)  # "u<user id>:" + ≤ 100
    # SHA-256 of what the request with that key asked: the same key with another body is refused, not replayed.
    request_digest: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    agreement: Mapped[Agreement | None] = relationship()
    household: Mapped[Household] = relationship(foreign_keys=[household_id])
    deliverer: Mapped[Staff | None] = relationship()
    source_facility: Mapped["Facility | None"] = relationship()  # noqa: F821
    emergency: Mapped["Emergency | None"] = relationship()  # noqa: F821
    logged_by: Mapped[User | None] = relationship()
    corrections: Mapped[list["DeliveryCorrection"]] = relationship(
        back_populates="delivery", order_by="DeliveryCorrection.id"
    )


class DeliveryCorrection(db.Model):
    """A correction of a logged delivery: the new values (None = unchanged), who made it and why."""

    __tablename__ = "delivery_corrections"
    __table_args__ = (
        CheckConstraint("liters IS NULL OR (liters > 0 AND liters <= 2000)", name="liters_range"),
        CheckConstraint("length(trim(reason)) > 0", name="reason_not_blank"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("deliveries.id"), index=True)
    corrected_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    corrected_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    reason: Mapped[str] = mapped_column(Text)
    liters: Mapped[int | None] = mapped_column(Integer)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    deliverer_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    note: Mapped[str | None] = mapped_column(Text)

    delivery: Mapped[Delivery] = relationship(back_populates="corrections")
    corrected_by: Mapped[User] = relationship()


@event.listens_for(Delivery, "before_insert")
def _household_township(mapper, connection, delivery: Delivery) -> None:
    # Read in the INSERT itself: a delivery made as an object names its household, not the township. Bulk inserts
    # (planning, emergencies) give it in their rows.
    if delivery.township_id is None:
        delivery.township_id = select(Household.township_id).where(
            Household.id == delivery.household_id).scalar_subquery()
