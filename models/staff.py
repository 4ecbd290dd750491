"""Named responsible people (责任人): village staff, township leads, county administrators."""
from sqlalchemy import CheckConstraint, ForeignKey, ForeignKeyConstraint, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Timestamps, db
from .place import Township, Village

STAFF_ROLES = ("village_staff", "township_lead", "county_admin")


class Staff(Timestamps, db.Model):
    __tablename__ = "staff"
    counted = False  # no figure kept between requests reads its rows (models/revision.py)
    __table_args__ = (
        CheckConstraint(f"role IN {STAFF_ROLES}", name="role_known"),
        CheckConstraint("role <> 'village_staff' OR village_id IS NOT NULL", name="village_staff_has_village"),
        CheckConstraint("role = 'county_admin' OR township_id IS NOT NULL", name="local_staff_has_township"),
        CheckConstraint("length(trim(name)) > 0", name="name_not_blank"),
        ForeignKeyConstraint(["village_id", "township_id"], ["villages.id", "villages.township_id"]),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    phone: Mapped[str] = mapped_column(String(20), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    township_id: Mapped[int | None] = mapped_column(ForeignKey("townships.id"), index=True)
    village_id: Mapped[int | None] = mapped_column(index=True)

    township: Mapped[Township | None] = relationship(foreign_keys=[township_id])
    village: Mapped[Village | None] = relationship(
        primaryjoin="Staff.village_id == Village.id", foreign_keys=[village_id], viewonly=True
    )
