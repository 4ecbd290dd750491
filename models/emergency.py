"""应急送水: a drought, a contamination or an outage declared for townships or villages puts every monitored household
there on daily delivery, by a named team, from a named source, until it is ended."""
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Column, Date, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Timestamps, UTCDateTime, db
from .facility import Facility
from .place import Village
from .staff import Staff

EMERGENCY_KINDS = ("drought", "contamination", "outage")

emergency_villages = Table(
    "emergency_villages", db.metadata,
    Column("emergency_id", ForeignKey("emergencies.id"), primary_key=True),
    Column("village_id", ForeignKey("villages.id"), primary_key=True, index=True),
)
emergency_team = Table(
    "emergency_team", db.metadata,
    Column("emergency_id", ForeignKey("emergencies.id"), primary_key=True),
    Column("staff_id", ForeignKey("staff.id"), primary_key=True, index=True),
)


class Emergency(Timestamps, db.Model):
    __tablename__ = "emergencies"
    counted = False  # its deliveries count through their households
    __table_args__ = (
        CheckConstraint(f"kind IN {EMERGENCY_KINDS}", name="kind_known"),
        CheckConstraint("ended_on IS NULL OR ended_on >= started_on", name="ends_after_start"),
        CheckConstraint("liters_per_person > 0 AND liters_per_person <= 200", name="liters_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    started_on: Mapped[date] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    source_facility_id: Mapped[int | None] = mapped_column(ForeignKey("facilities.id"))
    liters_per_person: Mapped[int] = mapped_column(Integer)  # a day, from the quantity setting when declared
    note: Mapped[str | None] = mapped_column(Text)
    declared_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    villages: Mapped[list[Village]] = relationship(secondary=emergency_villages, order_by="Village.id")
    team: Mapped[list[Staff]] = relationship(secondary=emergency_team, order_by="Staff.id")
    source_facility: Mapped[Facility | None] = relationship()

    @property
    def team_ids(self) -> list[int]:
        return [staff.id for staff in self.team]
