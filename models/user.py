"""Logins and the audit trail of who changed what."""
from datetime import datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, ForeignKeyConstraint, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Timestamps, UTCDateTime, db, utcnow
from .place import Township, Village
from .region import Region
from .staff import Staff
from .unit import Unit

USER_ROLES = ("county_admin", "township_lead", "township_worker", "village_staff", "city_admin", "province_admin",
              "unit_staff")


class User(Timestamps, db.Model):
    __tablename__ = "users"
    counted = False  # no figure kept between requests reads its rows (models/revision.py)
    __table_args__ = (
        CheckConstraint(f"role IN {USER_ROLES}", name="role_known"),
        CheckConstraint("role IN ('county_admin', 'city_admin', 'province_admin', 'unit_staff') OR township_id IS NOT NULL",
                        name="local_user_has_township"),
        # A unit's staff (a 牵头 or 配合 unit's) work their unit's cases.
        CheckConstraint("role <> 'unit_staff' OR unit_id IS NOT NULL", name="unit_user_has_unit"),
        CheckConstraint("role NOT IN ('city_admin', 'province_admin') OR region_id IS NOT NULL",
                        name="regional_user_has_region"),
        CheckConstraint("role <> 'village_staff' OR village_id IS NOT NULL", name="village_user_has_village"),
        ForeignKeyConstraint(["village_id", "township_id"], ["villages.id", "villages.township_id"]),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(50), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    township_id: Mapped[int | None] = mapped_column(ForeignKey("townships.id"), index=True)
    # A city's or province's administrator reads its region; a county administrator with one, only its county.
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"))
    village_id: Mapped[int | None] = mapped_column(index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Bumped to end sessions (logout) or tokens (revocation) on the server side; both on a password
    # change or a deactivation. A cookie or token carries the version it was issued under.
    session_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    token_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    township: Mapped[Township | None] = relationship(foreign_keys=[township_id])
    village: Mapped[Village | None] = relationship(
        primaryjoin="User.village_id == Village.id", foreign_keys=[village_id], viewonly=True
    )
    staff: Mapped[Staff | None] = relationship()
    region: Mapped[Region | None] = relationship()
    unit: Mapped[Unit | None] = relationship()


class AuditEvent(db.Model):
    """An append-only record of one write: who, what, and the record before and after."""

    __tablename__ = "audit_events"
    counted = False  # no figure kept between requests reads its rows (models/revision.py)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(30))
    entity: Mapped[str] = mapped_column(String(30))
    entity_id: Mapped[int] = mapped_column(Integer)
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)

    actor: Mapped[User | None] = relationship()
