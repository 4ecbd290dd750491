"""Units (单位): the departments, townships, village committees and companies that lead (牵头) or cooperate (配合)
in a case's rectification."""
from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, Integer, String, Table, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Timestamps, db
from .place import Township

UNIT_KINDS = ("department", "township", "village", "company", "other")


class Unit(Timestamps, db.Model):
    __tablename__ = "units"
    __table_args__ = (
        CheckConstraint(f"kind IN {UNIT_KINDS}", name="kind_known"),
        CheckConstraint("length(trim(name)) > 0", name="name_not_blank"),
        # One unit of a name in a township, and one of a name among the county's own (no township).
        Index("uq_units_township_name", "township_id", "name", unique=True,
              sqlite_where=text("township_id IS NOT NULL"), postgresql_where=text("township_id IS NOT NULL")),
        # Two counties may each have a 水利局: a county department's name is unique within its county.
        Index("uq_units_county_name", "county_id", "name", unique=True,
              sqlite_where=text("township_id IS NULL"), postgresql_where=text("township_id IS NULL")),
        CheckConstraint("township_id IS NULL OR county_id IS NULL", name="township_or_county"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    phone: Mapped[str | None] = mapped_column(String(20))
    contact: Mapped[str | None] = mapped_column(String(50))  # the person to call
    # A township's own unit (its office, a village committee, a local company); none for the county's departments.
    township_id: Mapped[int | None] = mapped_column(ForeignKey("townships.id"), index=True)
    # A county department's county (a region): seen and named only inside that county. None on a township's own
    # unit (its township says where it is), and on a department of a database without regions.
    county_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)

    township: Mapped[Township | None] = relationship()


case_cooperating_units = Table(
    "case_cooperating_units", db.Model.metadata,
    Column("case_id", Integer, ForeignKey("cases.id"), primary_key=True),
    Column("unit_id", Integer, ForeignKey("units.id"), primary_key=True, index=True),
)
