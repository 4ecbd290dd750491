"""城乡供水一体化 projects: the villages a project will connect to the integrated network, its back-scheduled
milestones (倒排工期), the funds it received, and each connection (通水验收) that puts households on piped supply."""
from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Timestamps, UTCDateTime, db, utcnow
from .place import Township, Village
from .region import Region
from .unit import Unit


class Project(Timestamps, db.Model):
    __tablename__ = "projects"
    counted = False  # no kept figure reads it: connections count through the households they reach
    __table_args__ = (
        CheckConstraint("(township_id IS NULL) <> (region_id IS NULL)", name="one_place"),
        CheckConstraint("budget_wan IS NULL OR budget_wan >= 0", name="budget_not_negative"),
        CheckConstraint("length(trim(name)) > 0", name="name_not_blank"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    # A township's project, or one above the townships (a county's, a city's): exactly one of them.
    township_id: Mapped[int | None] = mapped_column(ForeignKey("townships.id"), index=True)
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)
    lead_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    target_on: Mapped[date] = mapped_column(Date)
    budget_wan: Mapped[float | None] = mapped_column(Float)  # 万元
    note: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    township: Mapped[Township | None] = relationship()
    region: Mapped[Region | None] = relationship()
    lead_unit: Mapped[Unit] = relationship()
    villages: Mapped[list["ProjectVillage"]] = relationship(back_populates="project", cascade="all, delete-orphan",
                                                            order_by="ProjectVillage.village_id")
    milestones: Mapped[list["ProjectMilestone"]] = relationship(
        back_populates="project", order_by="(ProjectMilestone.due_on, ProjectMilestone.id)")
    funds: Mapped[list["ProjectFund"]] = relationship(back_populates="project",
                                                      order_by="(ProjectFund.received_on, ProjectFund.id)")
    connections: Mapped[list["ProjectConnection"]] = relationship(
        back_populates="project", order_by="(ProjectConnection.connected_on, ProjectConnection.id)")


class ProjectVillage(db.Model):
    """A village the project will connect."""

    __tablename__ = "project_villages"
    counted = False
    __table_args__ = (UniqueConstraint("project_id", "village_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), index=True)

    project: Mapped[Project] = relationship(back_populates="villages")
    village: Mapped[Village] = relationship()


class ProjectMilestone(db.Model):
    """A step of the 进度表, due on a day and done on a day; one past due and not done is overdue work of the
    project's lead unit."""

    __tablename__ = "project_milestones"
    counted = False
    __table_args__ = (CheckConstraint("done_on IS NULL OR done_on >= '2000-01-01'", name="done_on_sane"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[date] = mapped_column(Date, index=True)
    done_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    project: Mapped[Project] = relationship(back_populates="milestones")


class ProjectFund(db.Model):
    """Money received for the project (到位资金): when, how much, from where."""

    __tablename__ = "project_funds"
    counted = False
    __table_args__ = (CheckConstraint("amount_wan > 0", name="amount_positive"),
                      CheckConstraint("length(trim(source)) > 0", name="source_not_blank"))

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    received_on: Mapped[date] = mapped_column(Date)
    amount_wan: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(100))  # 中央、省级、市县配套、专项债、社会资本…
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    project: Mapped[Project] = relationship(back_populates="funds")


class ProjectConnection(db.Model):
    """通水验收 of a village (or of the households named, when only part of it was reached)."""

    __tablename__ = "project_connections"
    counted = False
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), index=True)
    connected_on: Mapped[date] = mapped_column(Date)
    partial: Mapped[bool] = mapped_column(Boolean, default=False)  # only the households named were reached
    households: Mapped[int] = mapped_column(default=0)  # how many it put on piped supply
    agreements_ended: Mapped[int] = mapped_column(default=0)
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    project: Mapped[Project] = relationship(back_populates="connections")
    village: Mapped[Village] = relationship()
