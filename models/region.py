"""Regions above the township (GB/T 2260): province (省), city (市), county (县); a township belongs to a county."""
from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Timestamps, db

REGION_LEVELS = ("province", "city", "county")


class Region(Timestamps, db.Model):
    __tablename__ = "regions"
    __table_args__ = (
        CheckConstraint(f"level IN {REGION_LEVELS}", name="level_known"),
        CheckConstraint("length(code) = 6", name="code_six_digits"),
        CheckConstraint("(level = 'province') = (parent_id IS NULL)", name="only_a_province_has_no_parent"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    code: Mapped[str] = mapped_column(String(6), unique=True)
    level: Mapped[str] = mapped_column(String(10))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)
