"""回头查: a re-check, whenever a county or township calls it, of a set of finished cases, each against the 整改标准
its rectification was reported against."""
from datetime import datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import UTCDateTime, db, utcnow
from .case import Case
from .user import User


class Recheck(db.Model):
    """One 回头查: its place (a township, or a region's townships), what chose its cases, who started it."""

    __tablename__ = "rechecks"
    counted = False  # its results move their cases, which count; its own rows no figure reads
    __table_args__ = (CheckConstraint("township_id IS NOT NULL OR region_id IS NOT NULL", name="has_place"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    township_id: Mapped[int | None] = mapped_column(ForeignKey("townships.id"), index=True)
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"))
    chosen_by: Mapped[dict] = mapped_column(JSON)  # the case ids or filters it was started with
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    started_by: Mapped[User | None] = relationship()
    items: Mapped[list["RecheckItem"]] = relationship(back_populates="recheck", order_by="RecheckItem.id")


class RecheckItem(db.Model):
    """A case in a 回头查: the standard it is checked against (as recorded when the check began) and, once checked,
    the result, a note, a photo, who and when."""

    __tablename__ = "recheck_items"
    counted = False  # a failed result reopens its case, which counts
    __table_args__ = (UniqueConstraint("recheck_id", "case_id", name="uq_recheck_items_recheck_id_case_id"),
                      CheckConstraint("passed IS NULL OR checked_at IS NOT NULL", name="result_is_dated"))

    id: Mapped[int] = mapped_column(primary_key=True)
    recheck_id: Mapped[int] = mapped_column(ForeignKey("rechecks.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    township_id: Mapped[int] = mapped_column(ForeignKey("townships.id"))
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"))
    standard: Mapped[str | None] = mapped_column(Text)
    passed: Mapped[bool | None] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(Text)
    photo_path: Mapped[str | None] = mapped_column(String(200))
    photo_type: Mapped[str | None] = mapped_column(String(50))
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    recheck: Mapped[Recheck] = relationship(back_populates="items")
    case: Mapped[Case] = relationship()
    checked_by: Mapped[User | None] = relationship()
