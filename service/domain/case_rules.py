"""The ledger's rules that both a person's work on a case and the cases the service opens follow: the lifecycle's
moves, default severities, a facility's repair kind, deadlines and re-checks (CasePolicy), overdue and due re-checks
as SQL, a case's events, and relapses (反弹) found and marked (docs/domain.md, "Cases")."""
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Select, bindparam, exists, func, insert, or_, select, union, update
from sqlalchemy.orm import aliased

from models import UNRESOLVED_CASE_STATUSES, Case, CaseEvent, CaseMilestone, User


TRANSITIONS = {("open", "in_progress"), ("in_progress", "resolved"), ("resolved", "verified"),
               ("verified", "closed"), ("verified", "open")}
DEFAULT_SEVERITY = {"purifier_repair": "high", "well_low_yield": "medium", "facility_repair": "high",
                    "water_quality": "high",
                    "missing_agreement": "medium", "missed_delivery": "high", "sanitation": "low", "other": "medium"}
# A facility's repair case by its kind and failure: a well that gives too little is 出水不足, one that is broken
# (like a central point) is 设施维修.
REPAIR_KIND = {("purifier", "broken"): "purifier_repair", ("purifier", "low_yield"): "purifier_repair",
               ("well", "low_yield"): "well_low_yield", ("well", "broken"): "facility_repair",
               ("central_point", "broken"): "facility_repair", ("central_point", "low_yield"): "facility_repair"}


@dataclass(frozen=True)
class Upkeep:
    """How often a facility is looked after, each counted from the last time or, without one, from its registration
    (docs/operations.md gives each setting and where its default comes from)."""

    cleaning_every_days: int = 90  # 清洗消毒 (CLEANING_EVERY_DAYS)
    source_check_every_days: int = 30  # 水源保护检查 of wells and central points (SOURCE_CHECK_EVERY_DAYS)
    filter_change_every_days: int = 180  # a purifier's 滤芯更换 (FILTER_CHANGE_EVERY_DAYS)
    # A water test of a well or a central point, by supply class; TEST_EVERY_DAYS where nothing says otherwise.
    test_every_days_by_class: tuple = (("large_central", 30), ("small_central", 180), ("dispersed", 365))
    test_every_days: int = 90
    intensive_test_every_days: int = 7  # 加密监测 after an exceedance, until two passes in a row

    def test_interval(self, supply_class: str | None, own: int | None, intensive: bool) -> int:
        """A facility's days between tests: intensive, its own, its class's, or the default."""
        if intensive:
            return self.intensive_test_every_days
        return own or dict(self.test_every_days_by_class).get(supply_class, self.test_every_days)


@dataclass(frozen=True)
class CasePolicy:
    """Deadlines by severity, and when a verified case is re-checked."""

    deadline_days: dict
    recheck_after_days: int = 28
    relapse_window_days: int = 90  # a case of the same subject and kind this soon after 销号 is a relapse
    upkeep: Upkeep = Upkeep()  # when a facility is due to be cleaned, checked, tested
    review_every_days: int = 30  # 长期坚持: a progress entry is due this often (ONGOING_REVIEW_DAYS)
    escalate_after_days: int = 3  # overdue this long, a case goes to the county (ESCALATE_AFTER_DAYS)

    def deadline(self, severity: str, today: date) -> date:
        return today + timedelta(days=self.deadline_days[severity])

    def next_review(self, today: date) -> date:
        return today + timedelta(days=self.review_every_days)


def is_overdue(case: Case, today: date) -> bool:
    """Open or in progress, and past its deadline or one of its milestones (倒排工期); 长期坚持 has no deadline."""
    return case.status in UNRESOLVED_CASE_STATUSES and (
        (case.deadline is not None and case.deadline < today) or
        any(m.done_on is None and m.due_on < today for m in case.milestones))


def overdue_clause(today: date, case=Case):
    """SQL: an open or in-progress case past its deadline, or past a milestone not yet done (`case`: the entity,
    or an alias of it)."""
    # Not done by that day (one done later was still late then: a past day's count reads it so).
    late_milestone = exists().where(CaseMilestone.case_id == case.id, CaseMilestone.due_on < today,
                                    CaseMilestone.done_on.is_(None) | (CaseMilestone.done_on > today))
    # NULL-safe, so that its negation (overdue=false) keeps 长期坚持 without a deadline
    past_deadline = case.deadline.is_not(None) & (case.deadline < today)
    return case.status.in_(UNRESOLVED_CASE_STATUSES) & (past_deadline | late_milestone)


def overdue_cases(today: date) -> Select:
    """SQL: the ids of the cases overdue_clause(today) holds for, found through the index of the unresolved cases'
    deadlines and the milestones' due days, so that a list filtered on it does not test every case of a province
    when few are late."""
    unresolved = Case.status.in_(UNRESOLVED_CASE_STATUSES)
    past_deadline = select(Case.id).where(unresolved, Case.deadline.is_not(None), Case.deadline < today)
    late_milestone = select(CaseMilestone.case_id).join(Case, Case.id == CaseMilestone.case_id).where(
        unresolved, CaseMilestone.due_on < today, CaseMilestone.done_on.is_(None) | (CaseMilestone.done_on > today))
    return union(past_deadline, late_milestone)


def is_progress_overdue(case: Case, today: date) -> bool:
    """进展逾期: 长期坚持 work, still being worked, whose progress entry is past due."""
    return case.status in UNRESOLVED_CASE_STATUSES and case.progress_due_on is not None and case.progress_due_on < today


def progress_overdue_clause(today: date, case=Case):
    """SQL: 进展逾期 (see is_progress_overdue)."""
    return case.status.in_(UNRESOLVED_CASE_STATUSES) & case.progress_due_on.is_not(None) & (case.progress_due_on < today)


def recheck_due_clause(today: date):
    """SQL: a verified case whose re-check (回头看) is due."""
    return (Case.status == "verified") & (Case.recheck_due_on <= today)


def case_event(case_id: int, action: str, actor: User | None, from_status=None, to_status=None, note=None, at=None):
    """One event of a case's history (its time: now, unless `at` says when it happened)."""
    return CaseEvent(case_id=case_id, action=action, actor_id=actor.id if actor else None,
                     from_status=from_status, to_status=to_status, note=note, **({"at": at} if at else {}))



def reopen_resolved(session, condition, now: datetime, note: str | None = None) -> list[int]:
    """Resolved system cases whose problem is back (the fix did not hold) open again, each with its event."""
    reopened = session.scalars(
        update(Case).where(Case.status == "resolved", condition)
        .values(status="open", resolution_note=None, resolved_by_id=None, resolved_at=None, updated_at=now)
        .returning(Case.id).execution_options(synchronize_session=False)).all()
    if reopened:
        session.execute(insert(CaseEvent), [{"case_id": i, "action": "auto_reopened", "from_status": "resolved",
                                             "to_status": "open", "note": note, "at": now} for i in reopened])
    return reopened


def relapse_verified(session, condition, now: datetime, note: str | None = None) -> list[int]:
    """Verified system cases (销号, waiting for 回头看) whose problem the system sees again: a relapse, open again."""
    relapsed = session.scalars(
        update(Case).where(Case.status == "verified", condition)
        .values(status="open", relapse_count=Case.relapse_count + 1, recheck_due_on=None, updated_at=now)
        .returning(Case.id).execution_options(synchronize_session=False)).all()
    if relapsed:
        session.execute(insert(CaseEvent), [{"case_id": i, "action": "auto_reopened", "from_status": "verified",
                                             "to_status": "open", "note": note, "at": now} for i in relapsed])
    return relapsed


def opened_events(session, case_ids, now: datetime, policy: "CasePolicy") -> None:
    """The 立案 events of cases the service opened, and their links to the cases they are relapses of."""
    if case_ids:
        session.execute(insert(CaseEvent), [{"case_id": i, "action": "opened", "to_status": "open", "at": now,
                                             "note": "system"} for i in case_ids])
        mark_relapses(session, case_ids, now, policy)


def mark_relapses(session, case_ids, now: datetime, policy: "CasePolicy") -> int:
    """New cases about the same facility (or, without one, the same household) and of the same kind as a case
    verified (销号) within the relapse window before are relapses (反弹): each carries `relapse_of` the latest
    such case, whose relapse count rises. Two statements whatever the number of cases; returns how many."""
    earlier = aliased(Case)
    same_subject = or_((Case.facility_id.is_not(None)) & (earlier.facility_id == Case.facility_id),
                       Case.facility_id.is_(None) & Case.household_id.is_not(None) &
                       earlier.facility_id.is_(None) & (earlier.household_id == Case.household_id))
    links = session.execute(
        select(Case.id, func.max(earlier.id)).join(earlier, same_subject & (earlier.kind == Case.kind) &
                                                   (earlier.id != Case.id))
        .where(Case.id.in_(list(case_ids)), Case.relapse_of_id.is_(None), earlier.verified_at.is_not(None),
               earlier.status.in_(("verified", "closed")),
               earlier.verified_at >= now - timedelta(days=policy.relapse_window_days))
        .group_by(Case.id)).all()
    if links:
        cases = Case.__table__
        session.execute(update(cases).where(cases.c.id == bindparam("new_id"))
                        .values(relapse_of_id=bindparam("old_id")), [{"new_id": new, "old_id": old} for new, old in links])
        counts = Counter(old for _, old in links)
        session.execute(update(cases).where(cases.c.id == bindparam("old_id"))
                        .values(relapse_count=cases.c.relapse_count + bindparam("more")),
                        [{"old_id": old, "more": more} for old, more in counts.items()])
    return len(links)


def reopen_case(session, case: Case, today: date, policy: CasePolicy, now: datetime) -> None:
    """A case open again (a failed 回头看 or 回访): its 销号 undone. The deadline set stays while it is still ahead;
    only one already past gives way to a new one by severity, and the history says so. 长期坚持 is reviewed again."""
    case.resolved_by_id = case.resolved_at = case.verified_by_id = case.verified_at = None
    case.recheck_due_on = case.reminded_on = case.escalated_on = case.county_escalated_on = None
    if case.category == "ongoing":
        case.progress_due_on = policy.next_review(today)
    elif case.deadline < today:
        new = policy.deadline(case.severity, today)
        session.add(case_event(case.id, "deadline_changed", None,
                               note=f"{case.deadline.isoformat()} → {new.isoformat()}", at=now))
        case.deadline = new
