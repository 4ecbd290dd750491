"""The problem ledger (问题台账): cases driven to zero, verified (销号) and re-checked (回头看)."""
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Timestamps, UTCDateTime, db, utcnow
from .facility import Facility
from .household import Household
from .place import Village
from .staff import Staff
from .unit import Unit, case_cooperating_units
from .user import User

CASE_KINDS = ("purifier_repair", "well_low_yield", "facility_repair", "water_quality", "missing_agreement",
              "missed_delivery", "sanitation", "other")
CASE_STATUSES = ("open", "in_progress", "resolved", "verified", "closed")
# Where a problem came from (问题来源): handed down, reported, or found by the service itself.
CASE_SOURCES = ("inspection", "assigned", "petition", "hotline", "media", "self_check", "system", "villager",
                "spot_check")
# 限期整改 (fixed by a deadline) or 长期坚持 (kept up for good).
CASE_CATEGORIES = ("deadline", "ongoing")
SEVERITIES = ("high", "medium", "low")
UNRESOLVED_CASE_STATUSES = ("open", "in_progress")  # 未整改: its rectification is not yet reported done
ACTIVE_CASE_STATUSES = UNRESOLVED_CASE_STATUSES + ("resolved",)


class Case(Timestamps, db.Model):
    __tablename__ = "cases"
    __table_args__ = (
        CheckConstraint(f"kind IN {CASE_KINDS}", name="kind_known"),
        CheckConstraint(f"status IN {CASE_STATUSES}", name="status_known"),
        CheckConstraint(f"severity IN {SEVERITIES}", name="severity_known"),
        CheckConstraint("relapse_count >= 0", name="relapses_not_negative"),
        CheckConstraint(f"source IN {CASE_SOURCES}", name="source_known"),
        CheckConstraint(f"category IN {CASE_CATEGORIES}", name="category_known"),
        CheckConstraint("callback_answer IN ('satisfied', 'unsatisfied')", name="callback_answer_known"),
        CheckConstraint("status NOT IN ('resolved', 'verified', 'closed') OR resolution_note IS NOT NULL",
                        name="resolved_has_note"),
        # 限期整改 has its deadline; 长期坚持 has none, and is reviewed instead (a progress entry due every so often).
        CheckConstraint("(category = 'ongoing' AND deadline IS NULL) OR (category <> 'ongoing' AND deadline IS NOT NULL)",
                        name="deadline_by_category"),
        # A problem the system opens is open once: no second case with the same key while one is active.
        Index("uq_cases_active_dedupe_key", "dedupe_key", unique=True,
              sqlite_where=text("status IN ('open', 'in_progress', 'resolved')"),
              postgresql_where=text("status IN ('open', 'in_progress', 'resolved')")),
        Index("ix_cases_township_status", "township_id", "status"),
        # The overdue and 进展逾期 lists: the few late among a province's unresolved cases, without reading the rest.
        Index("ix_cases_unresolved_deadline", "deadline", sqlite_where=text("status IN ('open', 'in_progress')"),
              postgresql_where=text("status IN ('open', 'in_progress')")),
        Index("ix_cases_unresolved_progress_due", "progress_due_on",
              sqlite_where=text("status IN ('open', 'in_progress')"),
              postgresql_where=text("status IN ('open', 'in_progress')")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    # The place every case belongs to (for scope and the dashboard), and its subject when narrower.
    township_id: Mapped[int] = mapped_column(ForeignKey("townships.id"))
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), index=True)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"), index=True)
    facility_id: Mapped[int | None] = mapped_column(ForeignKey("facilities.id"), index=True)
    delivery_id: Mapped[int | None] = mapped_column(ForeignKey("deliveries.id"), index=True)
    title: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    severity: Mapped[str] = mapped_column(String(10))
    lead_unit: Mapped[str] = mapped_column(String(100))  # the 牵头单位's name, as printed
    lead_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    deadline: Mapped[date | None] = mapped_column(Date)  # None for 长期坚持
    # 长期坚持: the day its next progress entry is due (ONGOING_REVIEW_DAYS after the last); past it, 进展逾期.
    progress_due_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="open")
    relapse_count: Mapped[int] = mapped_column(Integer, default=0)
    resolution_note: Mapped[str | None] = mapped_column(Text)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    recheck_due_on: Mapped[date | None] = mapped_column(Date)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    dedupe_key: Mapped[str | None] = mapped_column(String(100))
    # A case the service opens is 系统发现 unless it says otherwise; a person's says where it came from.
    source: Mapped[str] = mapped_column(String(20), server_default="system")
    source_ref: Mapped[str | None] = mapped_column(String(60))  # 交办编号
    category: Mapped[str] = mapped_column(String(10), server_default="deadline")
    measures: Mapped[str | None] = mapped_column(Text)  # 整改措施
    # 整改标准: what its rectification is reported against, and what a 回头查 checks it against (required for 销号).
    standard: Mapped[str | None] = mapped_column(Text)
    relapse_of_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    # 回访: after 销号 of what a villager, a hotline or a petition raised, the household is asked if it is satisfied.
    callback_asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    callback_answer: Mapped[str | None] = mapped_column(String(20))  # satisfied / unsatisfied
    reminded_on: Mapped[date | None] = mapped_column(Date)
    escalated_on: Mapped[date | None] = mapped_column(Date)  # told to the township's leads
    county_escalated_on: Mapped[date | None] = mapped_column(Date)  # still overdue ESCALATE_AFTER_DAYS on: the county

    village: Mapped[Village] = relationship()
    household: Mapped[Household | None] = relationship()
    facility: Mapped[Facility | None] = relationship()
    assignee: Mapped[Staff | None] = relationship()
    cooperating_units: Mapped[list[Unit]] = relationship(secondary=case_cooperating_units, order_by=Unit.name)
    @property
    def cooperating_unit_ids(self) -> list[int]:
        return [unit.id for unit in self.cooperating_units]

    @property
    def callback(self) -> dict | None:
        """回访, once asked: when, and the household's answer (None until it replies)."""
        if self.callback_asked_at is None:
            return None
        return {"asked_at": self.callback_asked_at, "answer": self.callback_answer}

    events: Mapped[list["CaseEvent"]] = relationship(back_populates="case", order_by="CaseEvent.id")
    milestones: Mapped[list["CaseMilestone"]] = relationship(back_populates="case",
                                                             order_by="(CaseMilestone.due_on, CaseMilestone.id)")
    evidence: Mapped[list["CaseEvidence"]] = relationship(back_populates="case", order_by="CaseEvidence.id")


class CaseEvent(db.Model):
    """One step in a case's history: who (None: the system), when, what and why. Never changed."""

    __tablename__ = "case_events"
    counted = False  # no figure kept between requests reads its rows (models/revision.py)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(30))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
    # When a tap queued on a phone reached the server, if well after `at` (the tap): the history marks it 补报.
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    case: Mapped[Case] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


class CaseEvidence(db.Model):
    """A photo or document that shows a problem fixed; stored outside the web root."""

    __tablename__ = "case_evidence"
    counted = False  # no figure kept between requests reads its rows (models/revision.py)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    path: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(50))
    filename: Mapped[str | None] = mapped_column(String(200))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    case: Mapped[Case] = relationship(back_populates="evidence")



class CaseMilestone(db.Model):
    """A back-scheduled step (倒排工期) of a case: due on a day, done on a day; one past due and not done makes
    its case overdue."""

    __tablename__ = "case_milestones"
    # Overdue figures read milestones, but every milestone write also touches its case, whose village it counts in.
    counted = False
    __table_args__ = (CheckConstraint("done_on IS NULL OR done_on >= '2000-01-01'", name="done_on_sane"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[date] = mapped_column(Date, index=True)
    done_on: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    case: Mapped[Case] = relationship(back_populates="milestones")
