"""Townships (镇街) and their villages (村), and each village's dashboard figures as the scheduler last kept them."""
from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Boolean, CheckConstraint, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Timestamps, UTCDateTime, db, utcnow


class Accountable:
    """包保责任人: the person who answers for a township or a village (name, title, phone), printed on the ledger."""

    accountable_name: Mapped[str | None] = mapped_column(String(50))
    accountable_title: Mapped[str | None] = mapped_column(String(60))
    accountable_phone: Mapped[str | None] = mapped_column(String(20))

    @property
    def accountable(self) -> dict | None:
        if not self.accountable_name:
            return None
        return {"name": self.accountable_name, "title": self.accountable_title, "phone": self.accountable_phone}

    @accountable.setter
    def accountable(self, person: dict | None) -> None:
        person = person or {}
        self.accountable_name, self.accountable_title, self.accountable_phone = (
            person.get("name"), person.get("title"), person.get("phone"))


class Township(Accountable, Timestamps, db.Model):
    __tablename__ = "townships"
    __table_args__ = (
        CheckConstraint("length(trim(name)) > 0", name="name_not_blank"),
        CheckConstraint("length(trim(code)) > 0", name="code_not_blank"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    code: Mapped[str] = mapped_column(String(20), unique=True)
    county_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)  # the county it is in

    villages: Mapped[list["Village"]] = relationship(back_populates="township")


class Village(Accountable, Timestamps, db.Model):
    __tablename__ = "villages"
    __table_args__ = (
        UniqueConstraint("township_id", "name"),
        # Target of the composite keys that keep a record's township equal to its village's.
        UniqueConstraint("id", "township_id"),
        CheckConstraint("length(trim(name)) > 0", name="name_not_blank"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    township_id: Mapped[int] = mapped_column(ForeignKey("townships.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    code: Mapped[str | None] = mapped_column(String(20), unique=True)
    is_key: Mapped[bool] = mapped_column(Boolean, default=False)
    # Raised by every committed write that can change the village's figures (models/revision.py).
    revision: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")

    township: Mapped[Township] = relationship(back_populates="villages")


class VillageFigures(db.Model):
    """A village's dashboard figures as worked out at its `revision`, for the local day `day` under the settings
    whose digest is `settings` (thresholds, zone, upkeep intervals): kept by the scheduler so that a web process
    just started reads them instead of working out a province's villages again (docs/operations.md, "Figures kept
    between requests"). Current only while all three still hold."""

    __tablename__ = "village_figures"
    counted = False  # a copy of figures, not something they are worked out from (models/revision.py)

    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id", ondelete="CASCADE"), primary_key=True)
    revision: Mapped[int] = mapped_column(BigInteger)
    day: Mapped[date] = mapped_column(Date)
    settings: Mapped[str] = mapped_column(String(64))
    figures: Mapped[dict] = mapped_column(JSON)
    worked_out_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
