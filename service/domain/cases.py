"""The problem ledger (问题台账): every problem driven to zero (动态清零) and kept there (docs/domain.md, "Cases").

open → in_progress → resolved (a note and evidence) → verified (销号, by a township lead or the county,
not by who resolved it) → re-check (回头看) after some weeks: passed → closed, failed → open again, counted
as a relapse (反弹). The system opens the cases it can see (broken facilities, gaps, missed deliveries) once
each, and resolves the ones that fix themselves.
"""
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Callable

from sqlalchemy import String, bindparam, cast, func, insert, literal, or_, select, update
from sqlalchemy.orm import aliased

from models import (UNRESOLVED_CASE_STATUSES, ACTIVE_CASE_STATUSES, FAILED_STATUSES, Agreement, Case, CaseEvent, CaseEvidence, Delivery, Facility,
                    Household, Staff, Township, User, Village, Visit, latest_visit_ids)

from . import catalogue
from .catalogue import Message, label_of
from .errors import Conflict, FieldErrors, Forbidden
from .gaps import gap_clause
from .geo import recompute_distances
from .outbox import enqueue
from .audit import record_write, snapshot
from .repairs import record_status_change
from .needs_delivery import Thresholds
from .permissions import REGIONAL, require_capability
from .scope import get_for_write, require_write
from .sql import insert_ignoring_duplicates
from .text import drop_invisible
from .care import care_missing_clause, cleaning_overdue_clause, record_care
from .units import case_units, township_unit

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
class CasePolicy:
    """Deadlines by severity, and when a verified case is re-checked."""

    deadline_days: dict
    recheck_after_days: int = 28
    relapse_window_days: int = 90  # a case of the same subject and kind this soon after 销号 is a relapse
    cleaning_every_days: int = 90  # a facility last cleaned longer ago has a sanitation case

    def deadline(self, severity: str, today: date) -> date:
        return today + timedelta(days=self.deadline_days[severity])


UPDATABLE = ("title", "description", "severity", "lead_unit", "assignee_id", "deadline", "source", "source_ref",
             "category", "measures", "lead_unit_id", "cooperating_unit_ids")


def is_overdue(case: Case, today: date) -> bool:
    return case.status in UNRESOLVED_CASE_STATUSES and case.deadline < today


def overdue_clause(today: date):
    """SQL: an open or in-progress case past its deadline."""
    return Case.status.in_(UNRESOLVED_CASE_STATUSES) & (Case.deadline < today)


def recheck_due_clause(today: date):
    """SQL: a verified case whose re-check (回头看) is due."""
    return (Case.status == "verified") & (Case.recheck_due_on <= today)


def _event(case_id: int, action: str, actor: User | None, from_status=None, to_status=None, note=None, at=None):
    return CaseEvent(case_id=case_id, action=action, actor_id=actor.id if actor else None,
                     from_status=from_status, to_status=to_status, note=note, **({"at": at} if at else {}))


# People open and work cases ------------------------------------------------------------------------


def _subject_place(session, data: dict) -> tuple[Village, dict]:
    """The village a case belongs to, from its most specific subject; checks the subjects agree."""
    errors: dict = {}
    household = session.get(Household, data["household_id"]) if data.get("household_id") else None
    facility = session.get(Facility, data["facility_id"]) if data.get("facility_id") else None
    if data.get("household_id") and household is None:
        errors["household_id"] = [Message("household.unknown", id=data["household_id"])]
    if data.get("facility_id") and facility is None:
        errors["facility_id"] = [Message("facility.unknown", id=data["facility_id"])]
    village_ids = {x.village_id for x in (household, facility) if x is not None}
    if data.get("village_id"):
        village_ids.add(data["village_id"])
    if not errors and not village_ids:
        errors["village_id"] = [Message("case.subject_needed")]
    if len(village_ids) > 1:
        errors["village_id"] = [Message("case.subject_mismatch")]
    if errors:
        raise FieldErrors(errors)
    village = session.get(Village, village_ids.pop())
    if village is None:
        raise FieldErrors.one("village_id", "village.unknown", id=data["village_id"])
    return village, {"village_id": village.id, "township_id": village.township_id}


def _check_assignee(session, assignee_id: int | None, township_id: int) -> None:
    if assignee_id is None:
        return
    assignee = session.get(Staff, assignee_id)
    if assignee is None or assignee.township_id not in (None, township_id):
        raise FieldErrors.one("assignee_id", "case.assignee_elsewhere")


def open_case(session, actor: User, data: dict, today: date, policy: CasePolicy, now: datetime | None = None) -> Case:
    """A case a person opens; severity sets the default deadline, which may not be in the past. A city's or
    province's administrator opens only the tasks it hands down (交办: `source` assigned) in its region. `now`: when
    it was reported (a tap queued on a phone), the moment of writing when not given."""
    village, place = _subject_place(session, data)
    if actor.role in REGIONAL:
        if data.get("source") != "assigned":
            raise Forbidden("case.hand_down_only")
        require_write(actor, "hand_down_case", village.township_id, village.id)
    else:
        require_write(actor, "work_case", village.township_id, village.id)
    data = {**data, **place}
    data["severity"] = data.get("severity") or DEFAULT_SEVERITY[data["kind"]]
    if data.get("deadline") is not None and data["deadline"] < today:
        raise FieldErrors.one("deadline", "date.in_past")
    data["deadline"] = data.get("deadline") or policy.deadline(data["severity"], today)
    _check_assignee(session, data.get("assignee_id"), village.township_id)
    lead, cooperating = case_units(session, village.township_id, data.pop("lead_unit_id", None),
                                   data.pop("cooperating_unit_ids", None))
    if lead is None and not data.get("lead_unit"):  # the township leads unless the case says otherwise
        lead = township_unit(session, session.get(Township, village.township_id))
    if lead is not None:
        data["lead_unit"], data["lead_unit_id"] = lead.name, lead.id
    data["source"] = data.get("source") or "self_check"
    case = Case(**data, status="open", opened_by_id=actor.id, cooperating_units=cooperating or [],
                **({"created_at": now} if now else {}))
    session.add(case)
    session.flush()
    session.add(_event(case.id, "opened", actor, None, "open", data.get("description"), at=now))
    mark_relapses(session, [case.id], case.created_at, policy)
    record_write(session, actor, "create", case, None)
    return case


def add_progress(session, actor: User, case_id: int, note: str | None, now: datetime) -> CaseEvent:
    """整改进展: a dated entry by someone working the case, until it is closed."""
    case = get_for_write(session, Case, case_id, actor, "work_case")
    if not note:
        raise FieldErrors.one("note", "case.progress_note")
    if case.status == "closed":
        raise Conflict("case.closed_progress")
    event = _event(case.id, "progress", actor, None, None, note, at=now)
    session.add(event)
    case.updated_at = now
    return event


REPORTED_KINDS = ("water_quality", "purifier_repair", "well_low_yield", "sanitation", "other")


def report_problem(session, actor: User, household_id: int, kind: str, note: str | None, rules,
                   evidence: Callable[[int], None] | None = None) -> Case:
    """报告问题 from a household's page: a case about the household, with the note and (through
    `evidence(case_id)`) a photo."""
    if kind not in REPORTED_KINDS:
        raise FieldErrors.one("kind", "case.kind_needed")
    if not note:
        raise FieldErrors.one("note", "case.note_needed")
    case = open_case(session, actor, {"kind": kind, "household_id": household_id, "description": note},
                     rules.today, rules.cases, rules.now)
    if evidence is not None:
        evidence(case.id)
    return case


def assign_case(session, actor: User, case_id: int, assignee_id: int | None, today: date) -> Case:
    """Name (or clear) the person who works a case: township staff assign; the assignee must be staff of its
    township. The assignee is reminded before the deadline."""
    require_capability(actor, "assign_case")
    return update_case(session, actor, case_id, {"assignee_id": assignee_id}, today)


def assignable_staff(session, case: Case) -> list[Staff]:
    """Who a case may be assigned to: the staff of its township (its own village's first), and the county's."""
    staff = session.scalars(select(Staff).where((Staff.township_id == case.township_id) | Staff.township_id.is_(None))
                            .order_by(Staff.name, Staff.id)).all()
    return sorted(staff, key=lambda person: (person.village_id != case.village_id, person.township_id is None))


def assigned_to(session, actor: User, limit: int = 100) -> list[Case]:
    """The cases still to be worked (not yet 销号) assigned to the person this login is (none without one)."""
    if actor.staff_id is None:
        return []
    return session.scalars(select(Case).where(Case.assignee_id == actor.staff_id,
                                              Case.status.in_(("open", "in_progress", "resolved")))
                           .order_by(Case.deadline, Case.id).limit(limit)).all()


def update_case(session, actor: User, case_id: int, data: dict, today: date) -> Case:
    """Change a case's details (not its status: that moves only through transitions)."""
    case = get_for_write(session, Case, case_id, actor, "work_case")
    if "status" in data:
        raise Conflict("case.status_by_transition")
    fixed = sorted(set(data) - set(UPDATABLE))
    if fixed:
        raise FieldErrors({key: [Message("case.fixed_once_open")] for key in fixed})
    if data.get("deadline") is not None and data["deadline"] < today and data["deadline"] != case.deadline:
        raise FieldErrors.one("deadline", "date.in_past")
    _check_assignee(session, data.get("assignee_id"), case.township_id)
    data = {**data}
    lead, cooperating = case_units(session, case.township_id, data.pop("lead_unit_id", None),
                                   data.pop("cooperating_unit_ids", None))
    before = snapshot(case)
    if data.get("deadline", case.deadline) != case.deadline:
        case.reminded_on = case.escalated_on = None  # a new deadline gets its own reminder and escalation
    for key, value in data.items():
        setattr(case, key, value)
    if lead is not None:
        case.lead_unit, case.lead_unit_id = lead.name, lead.id
    elif "lead_unit" in data:
        case.lead_unit_id = None  # named in words only
    if cooperating is not None:
        case.cooperating_units = cooperating
    session.add(_event(case.id, "updated", actor, note=", ".join(sorted(data))))
    record_write(session, actor, "update", case, before)
    return case


def _evidence_since(case: Case) -> int:
    """Evidence added since the case was last (re)opened: a relapse needs fresh proof."""
    reopened = max((e.at for e in case.events if e.to_status == "open"), default=None)
    return sum(1 for item in case.evidence if reopened is None or item.uploaded_at >= reopened)


def transition(session, actor: User, case_id: int, to: str, note: str | None, rules) -> Case:
    """Move a case along its lifecycle; any move the lifecycle does not allow is a Conflict. Verifying (销号) a
    repair case puts its facility back to working if nobody has said so yet: the page then tells the truth."""
    now, today, policy = rules.now, rules.today, rules.cases
    case = get_for_write(session, Case, case_id, actor, "work_case")
    frm = case.status
    if (frm, to) not in TRANSITIONS:
        raise Conflict("case.cannot_move", frm=label_of("case_status", frm), to=label_of("case_status", to))
    before = snapshot(case)
    if to == "resolved":
        if not note:
            raise FieldErrors.one("note", "case.resolution_note")
        if not _evidence_since(case):
            raise FieldErrors.one("evidence", "case.evidence_needed")
        case.resolution_note, case.resolved_by_id, case.resolved_at = note, actor.id, now
    elif to == "verified":
        require_capability(actor, "verify_case")
        if case.resolved_by_id == actor.id:
            raise Forbidden("case.verify_own")
        if not note:  # 销号 says how the rectification was checked: on site, by photo, by a call
            raise FieldErrors.one("note", "case.verification_note")
        case.verified_by_id, case.verified_at = actor.id, now
        case.recheck_due_on = today + timedelta(days=policy.recheck_after_days)
    elif frm == "verified":
        require_capability(actor, "verify_case")
        if to == "closed" and case.recheck_due_on and today < case.recheck_due_on:
            raise Conflict("case.recheck_not_due", day=case.recheck_due_on.isoformat())
    if frm == "verified" and to == "open":
        case.relapse_count += 1
        case.deadline = policy.deadline(case.severity, today)
        case.resolved_by_id = case.resolved_at = case.verified_by_id = case.verified_at = None
        case.recheck_due_on = case.reminded_on = case.escalated_on = None
    case.status = to
    if to == "verified" and case.facility_id and case.dedupe_key == f"facility:{case.facility_id}":
        _repaired(session, actor, case.facility, rules)
    if to == "verified" and case.source in CALLBACK_SOURCES:
        _ask_callback(session, case, now)
    action = {"closed": "recheck_passed", "open": "recheck_failed"}.get(to, "transition") \
        if frm == "verified" else "transition"
    session.add(_event(case.id, action, actor, frm, to, note, at=now))
    record_write(session, actor, "transition", case, before)
    return case


# What the people raised (群众反映, hotlines, petitions) is followed by a 回访 once it is 销号.
CALLBACK_SOURCES = ("villager", "hotline", "petition")


def _ask_callback(session, case: Case, now: datetime) -> None:
    """回访: the household that raised it is asked by SMS whether it is satisfied (through the outbox: opt-out and
    quiet hours hold as for every SMS); a case without a household phone is not asked."""
    phone = case.household.phone if case.household else None
    if phone is None:
        return
    case.callback_asked_at, case.callback_answer = now, None
    enqueue(session, [{"phone": phone, "household_id": case.household_id, "township_id": case.township_id,
                       "purpose": "callback", "related_type": "case", "related_id": case.id,
                       "idempotency_key": f"callback:{case.id}:{now.isoformat()}",
                       "body": catalogue.say("sms.callback", case_id=case.id)}], now)


def answer_callback(session, case: Case, satisfied: bool, now: datetime, today: date, policy: CasePolicy) -> None:
    """The household's answer to a 回访: kept on the case; not satisfied (0) opens the case again, with that event."""
    case.callback_answer = "satisfied" if satisfied else "unsatisfied"
    session.add(_event(case.id, "callback_satisfied" if satisfied else "callback_unsatisfied", None, at=now))
    if not satisfied and case.status in ("verified", "closed"):
        frm = case.status
        case.status, case.deadline = "open", policy.deadline(case.severity, today)
        case.resolved_by_id = case.resolved_at = case.verified_by_id = case.verified_at = None
        case.recheck_due_on = case.reminded_on = case.escalated_on = None
        session.add(_event(case.id, "transition", None, frm, "open", "callback_unsatisfied", at=now))
    case.updated_at = now


def _repaired(session, actor: User, facility: Facility, rules) -> None:
    if facility.status not in FAILED_STATUSES:
        return
    before = facility.status
    facility.status = "working"
    record_status_change(session, actor, facility, before, rules.now)
    if facility.kind == "central_point":
        recompute_distances(session, {facility.village_id})
    sync_gap_cases(session, rules.today, rules.now, rules.thresholds, rules.cases, {facility.village_id})


def add_evidence(session, actor: User, case_id: int, save: Callable[[], tuple[str, str]], filename: str | None,
                 now: datetime) -> CaseEvidence:
    """Attach a photo or document; `save` stores the file once the actor may (so nothing is kept otherwise)."""
    case = get_for_write(session, Case, case_id, actor, "work_case")
    if case.status == "closed":
        raise Conflict("case.closed_evidence")
    path, content_type = save()
    name = "".join(c for c in drop_invisible(filename or "") if ord(c) >= 32)[:200] or None  # shown, never trusted
    evidence = CaseEvidence(case_id=case.id, path=path, content_type=content_type, filename=name,
                            uploaded_by_id=actor.id, uploaded_at=now)
    session.add(evidence)
    session.add(_event(case.id, "evidence", actor, note=name, at=now))
    record_write(session, actor, "create", evidence, None)
    return evidence


# The system opens and resolves cases --------------------------------------------------------------


def _reopen_resolved(session, condition, now: datetime, note: str | None = None) -> list[int]:
    """Resolved system cases whose problem is back (the fix did not hold) open again, each with its event."""
    reopened = session.scalars(
        update(Case).where(Case.status == "resolved", condition)
        .values(status="open", resolution_note=None, resolved_by_id=None, resolved_at=None, updated_at=now)
        .returning(Case.id).execution_options(synchronize_session=False)).all()
    if reopened:
        session.execute(insert(CaseEvent), [{"case_id": i, "action": "auto_reopened", "from_status": "resolved",
                                             "to_status": "open", "note": note, "at": now} for i in reopened])
    return reopened


def _relapse_verified(session, condition, now: datetime, note: str | None = None) -> list[int]:
    """Verified system cases (销号, waiting for 回头看) whose problem the system sees again: a relapse, open again."""
    relapsed = session.scalars(
        update(Case).where(Case.status == "verified", condition)
        .values(status="open", relapse_count=Case.relapse_count + 1, recheck_due_on=None, updated_at=now)
        .returning(Case.id).execution_options(synchronize_session=False)).all()
    if relapsed:
        session.execute(insert(CaseEvent), [{"case_id": i, "action": "auto_reopened", "from_status": "verified",
                                             "to_status": "open", "note": note, "at": now} for i in relapsed])
    return relapsed


def _opened_events(session, case_ids, now: datetime, policy: "CasePolicy") -> None:
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


def open_facility_case(session, facility: Facility, today: date, now: datetime, policy: CasePolicy) -> int | None:
    """A facility became broken or low-yield: its repair case, opened once (the active one is kept)."""
    kind = REPAIR_KIND[facility.kind, facility.status]
    severity = DEFAULT_SEVERITY[kind]
    township = session.get(Township, facility.township_id)
    row = {"kind": kind, "township_id": facility.township_id, "village_id": facility.village_id,
           "facility_id": facility.id, "household_id": facility.household_id, "severity": severity,
           "lead_unit": facility.responsible_unit or township.name, "assignee_id": facility.manager_id,
           "deadline": policy.deadline(severity, today), "status": "open", "relapse_count": 0,
           "dedupe_key": f"facility:{facility.id}", "description": facility.status, "created_at": now,
           "updated_at": now}
    ids = session.scalars(insert_ignoring_duplicates(session, Case).returning(Case.id), [row]).all()
    _opened_events(session, ids, now, policy)
    if ids:
        return ids[0]
    # Its case is still active: if it was marked fixed, the fix did not hold, and the case opens again.
    _reopen_resolved(session, Case.dedupe_key == row["dedupe_key"], now, note=facility.status)
    return None


def resolve_system_cases(session, dedupe_keys: list[str], note: str, now: datetime, kinds=None) -> list[int]:
    """Cases whose problem the system saw go away become resolved (still to be verified by a lead)."""
    if not dedupe_keys:
        return []
    stmt = (update(Case).where(Case.dedupe_key.in_(dedupe_keys), Case.status.in_(UNRESOLVED_CASE_STATUSES))
            .values(status="resolved", resolution_note=note, resolved_at=now, updated_at=now)
            .returning(Case.id, Case.status).execution_options(synchronize_session=False))
    if kinds:
        stmt = stmt.where(Case.kind.in_(kinds))
    ids = [row.id for row in session.execute(stmt)]
    if ids:
        session.execute(insert(CaseEvent), [{"case_id": i, "action": "auto_resolved", "to_status": "resolved",
                                             "note": note, "at": now} for i in ids])
    return ids


def sync_gap_cases(session, today: date, now: datetime, thresholds: Thresholds, policy: CasePolicy,
                   village_ids=None) -> tuple[int, int]:
    """Open a missing_agreement case for each gap (未签协议) and resolve those no longer gaps.

    Set-based: one INSERT … SELECT and one UPDATE whatever the number of households; returns (opened, resolved).
    """
    in_place = Household.village_id.in_(village_ids) if village_ids is not None else literal(True)
    gaps = (select(literal("missing_agreement"), Household.township_id, Household.village_id, Household.id,
                   literal("medium"), Township.name, literal(policy.deadline("medium", today)), literal("open"),
                   literal(0), literal("household:") + cast(Household.id, String), literal(now), literal(now))
            .join(Township, Township.id == Household.township_id)
            .where(gap_clause(thresholds), in_place))
    columns = ["kind", "township_id", "village_id", "household_id", "severity", "lead_unit", "deadline", "status",
               "relapse_count", "dedupe_key", "created_at", "updated_at"]
    opened = session.scalars(insert_ignoring_duplicates(session, Case).from_select(columns, gaps)
                             .returning(Case.id)).all()
    _opened_events(session, opened, now, policy)
    # A gap that was marked fixed (an agreement came) but is back (it ended): its case opens again.
    gap_keys = select(literal("household:") + cast(Household.id, String)).where(gap_clause(thresholds), in_place)
    _reopen_resolved(session, (Case.kind == "missing_agreement") & Case.dedupe_key.in_(gap_keys), now)
    still_gaps = select(Household.id).where(gap_clause(thresholds))
    fixed = session.scalars(
        select(Case.dedupe_key).join(Household, Household.id == Case.household_id)
        .where(Case.kind == "missing_agreement", Case.status.in_(UNRESOLVED_CASE_STATUSES), in_place,
               Case.household_id.not_in(still_gaps))).all()
    resolved = resolve_system_cases(session, fixed, "agreement_active", now, kinds=("missing_agreement",))
    return len(opened), len(resolved)


def open_missed_delivery_cases(session, delivery_ids: list[int], today: date, now: datetime,
                               policy: CasePolicy) -> int:
    """Each missed delivery opens its missed_delivery case, assigned to the agreement's provider."""
    if not delivery_ids:
        return 0
    rows = (select(literal("missed_delivery"), Household.township_id, Household.village_id, Household.id, Delivery.id,
                   literal("high"), Township.name, Agreement.provider_id, literal(policy.deadline("high", today)),
                   literal("open"), literal(0), literal("delivery:") + cast(Delivery.id, String),
                   literal(now), literal(now))
            .join(Household, Household.id == Delivery.household_id)
            .join(Township, Township.id == Household.township_id)
            .outerjoin(Agreement, Agreement.id == Delivery.agreement_id)
            .where(Delivery.id.in_(delivery_ids)))
    columns = ["kind", "township_id", "village_id", "household_id", "delivery_id", "severity", "lead_unit",
               "assignee_id", "deadline", "status", "relapse_count", "dedupe_key", "created_at", "updated_at"]
    opened = session.scalars(insert_ignoring_duplicates(session, Case).from_select(columns, rows)
                             .returning(Case.id)).all()
    _opened_events(session, opened, now, policy)
    return len(opened)


def _notify(session, reminded: list[int], escalated: list[int], now: datetime) -> None:
    """SMS for the deadline pass: the assignee the day before, the township leads once a case is overdue."""
    messages = []
    for case_id, kind, deadline, phone, staff_id, township_id in session.execute(
            select(Case.id, Case.kind, Case.deadline, Staff.phone, Staff.id, Case.township_id)
            .join(Staff, Staff.id == Case.assignee_id).where(Case.id.in_(reminded))):
        messages.append({"phone": phone, "staff_id": staff_id, "township_id": township_id, "purpose": "case_reminder",
                         "related_type": "case", "related_id": case_id, "idempotency_key": f"case:remind:{case_id}:{deadline}",
                         "body": catalogue.say("sms.case_reminder", case_id=case_id, kind=catalogue.say(f"sms.kind.{kind}"))})
    for case_id, kind, deadline, village, phone, staff_id, township_id in session.execute(
            select(Case.id, Case.kind, Case.deadline, Village.name, Staff.phone, Staff.id, Case.township_id)
            .join(Village, Village.id == Case.village_id)
            .join(Staff, (Staff.township_id == Case.township_id) & (Staff.role == "township_lead"))
            .where(Case.id.in_(escalated))):
        messages.append({"phone": phone, "staff_id": staff_id, "township_id": township_id,
                         "purpose": "case_escalation", "related_type": "case", "related_id": case_id,
                         "idempotency_key": f"case:escalate:{case_id}:{deadline}:{staff_id}",
                         "body": catalogue.say("sms.case_escalation", village=village, case_id=case_id,
                                                 kind=catalogue.say(f"sms.kind.{kind}"))})
    enqueue(session, messages, now)


def case_deadlines(session, today: date, now: datetime) -> dict:
    """The daily deadline pass: remind assignees the day before, escalate overdue cases, count re-checks due.

    Each case is reminded once and escalated once (the day is stored), whatever the number of runs.
    """
    active = Case.status.in_(UNRESOLVED_CASE_STATUSES)
    reminded = session.scalars(
        update(Case).where(active, Case.deadline == today + timedelta(days=1), Case.reminded_on.is_(None))
        .values(reminded_on=today).returning(Case.id).execution_options(synchronize_session=False)).all()
    escalated = session.scalars(
        update(Case).where(overdue_clause(today), Case.escalated_on.is_(None))
        .values(escalated_on=today).returning(Case.id).execution_options(synchronize_session=False)).all()
    events = [{"case_id": i, "action": "reminded", "at": now} for i in reminded] + \
             [{"case_id": i, "action": "escalated", "at": now} for i in escalated]
    if events:
        session.execute(insert(CaseEvent), events)
    _notify(session, reminded, escalated, now)
    rechecks = session.scalar(select(func.count()).select_from(Case).where(recheck_due_clause(today)))
    return {"reminded": len(reminded), "escalated": len(escalated), "rechecks_due": rechecks}


def sync_care_cases(session, today: date, now: datetime, policy: CasePolicy, village_ids=None) -> tuple[int, int]:
    """管护: a case for each facility without a responsible unit or a manager (管护责任未落实), and a sanitation case
    for each last cleaned more than `policy.cleaning_every_days` ago; each resolved once put right. Set-based;
    returns (opened, resolved)."""
    in_place = Facility.village_id.in_(village_ids) if village_ids is not None else literal(True)
    rules = (("other", "care:facility:", care_missing_clause(), "care_missing", "care_named"),
             ("sanitation", "cleaning:facility:", cleaning_overdue_clause(today, policy.cleaning_every_days),
              "cleaning_due", "cleaned"))
    opened, resolved = [], []
    for kind, prefix, clause, why, fixed_note in rules:
        title = catalogue.say(f"care.{why}")
        rows = (select(literal(kind), Facility.township_id, Facility.village_id, Facility.id, Facility.household_id,
                       literal(DEFAULT_SEVERITY[kind]), Township.name, Facility.manager_id,
                       literal(policy.deadline(DEFAULT_SEVERITY[kind], today)), literal("open"), literal(0),
                       literal(prefix) + cast(Facility.id, String), literal(title), literal(why), literal(now),
                       literal(now))
                .join(Township, Township.id == Facility.township_id).where(clause, in_place))
        columns = ["kind", "township_id", "village_id", "facility_id", "household_id", "severity", "lead_unit",
                   "assignee_id", "deadline", "status", "relapse_count", "dedupe_key", "title", "description",
                   "created_at", "updated_at"]
        new = session.scalars(insert_ignoring_duplicates(session, Case).from_select(columns, rows)
                              .returning(Case.id)).all()
        _opened_events(session, new, now, policy)
        opened += new
        still = select(literal(prefix) + cast(Facility.id, String)).where(clause)
        fixed = session.scalars(select(Case.dedupe_key).join(Facility, Facility.id == Case.facility_id).where(
            Case.dedupe_key.like(prefix + "%"), Case.status.in_(UNRESOLVED_CASE_STATUSES), in_place,
            Case.dedupe_key.not_in(still))).all()
        resolved += resolve_system_cases(session, fixed, fixed_note, now)
    return len(opened), len(resolved)


def sync_survey_cases(session, household_ids, today: date, now: datetime, policy: CasePolicy,
                      just_recorded=frozenset()) -> None:
    """Each household by its latest visit: an unsafe one (不安全) opens the household's survey case naming the failed
    indicators, or, when it was `just_recorded`, tells the open case of it; one that is not unsafe resolves the case.
    A fixed number of statements for any number of households."""
    latest = session.scalars(select(Visit).where(Visit.id.in_(latest_visit_ids(Visit.household_id.in_(
        list(household_ids)))))).all()
    resolve_system_cases(session, [f"survey:household:{v.household_id}" for v in latest if v.result != "unsafe"],
                         "survey_passed", now)
    unsafe = [v for v in latest if v.result == "unsafe"]
    if not unsafe:
        return
    townships = dict(session.execute(select(Township.id, Township.name).where(
        Township.id.in_({v.township_id for v in unsafe}))).all())
    notes = {v.household_id: catalogue.say("survey.case", day=v.visited_on.isoformat(), failed="、".join(
        catalogue.label("indicator", name) for name, verdict in v.indicators.items() if verdict == "failed"))
        for v in unsafe}
    rows = [{"kind": "other", "township_id": v.township_id, "village_id": v.village_id, "household_id": v.household_id,
             "severity": "high", "lead_unit": townships[v.township_id], "deadline": policy.deadline("high", today),
             "status": "open", "relapse_count": 0, "dedupe_key": f"survey:household:{v.household_id}",
             "title": catalogue.say("survey.case_title"), "description": notes[v.household_id], "created_at": now,
             "updated_at": now} for v in unsafe]
    opened = session.execute(insert_ignoring_duplicates(session, Case).returning(Case.id, Case.household_id),
                             rows).all()
    _opened_events(session, [row.id for row in opened], now, policy)
    told = {v.household_id for v in unsafe if v.id in just_recorded} - {row.household_id for row in opened}
    if told:
        active = session.execute(select(Case.id, Case.household_id).where(
            Case.dedupe_key.in_([f"survey:household:{i}" for i in told]),
            Case.status.in_(ACTIVE_CASE_STATUSES))).all()
        session.add_all([_event(row.id, "progress", None, note=notes[row.household_id], at=now) for row in active])


def record_facility_care(session, actor: User, facility_id: int, kind: str, done_on: date | None, note: str | None,
                         rules, photo=None):
    """A cleaning or a source-protection check recorded at a facility; its cleaning case resolves at once."""
    care = record_care(session, actor, facility_id, kind, done_on, note, rules.today, rules.now, photo)
    session.flush()
    village_id = session.get(Facility, facility_id).village_id
    sync_care_cases(session, rules.today, rules.now, rules.cases, {village_id})
    return care


def daily_case_pass(session, rules) -> dict:
    """The daily job: remind, escalate and count re-checks; then, with the repairs now past their deadline no longer
    covering their households (their distances measured without them), open and resolve gap cases everywhere."""
    deadlines = case_deadlines(session, rules.today, rules.now)
    lapsed = session.scalars(select(Case.village_id).where(
        Case.escalated_on == rules.today, Case.facility_id.is_not(None),
        Case.kind.in_(("facility_repair", "purifier_repair", "well_low_yield")))).all()
    recompute_distances(session, set(lapsed))
    opened, resolved = sync_gap_cases(session, rules.today, rules.now, rules.thresholds, rules.cases)
    care_opened, care_resolved = sync_care_cases(session, rules.today, rules.now, rules.cases)
    return {"gaps_opened": opened, "gaps_resolved": resolved, "care_opened": care_opened,
            "care_resolved": care_resolved, **deadlines}


def record_complaint(session, household: Household, text: str, today: date, now: datetime,
                     policy: CasePolicy) -> int:
    """群众反映 by SMS: the household's open complaint case gathers the message as a progress entry; without one, a
    case is opened (source villager) with the message as its description. Returns the case's id."""
    open_id = session.scalar(select(Case.id).where(Case.household_id == household.id, Case.source == "villager",
                                                   Case.status.in_(UNRESOLVED_CASE_STATUSES)).order_by(Case.id).limit(1))
    if open_id is not None:
        session.add(_event(open_id, "progress", None, note=text, at=now))
        return open_id
    township = session.get(Township, household.township_id)
    case = Case(kind="other", source="villager", township_id=household.township_id, village_id=household.village_id,
                household_id=household.id, title=catalogue.say("case.complaint_title"), description=text,
                severity="medium", lead_unit=township.name, deadline=policy.deadline("medium", today), status="open",
                relapse_count=0, created_at=now, updated_at=now)
    session.add(case)
    session.flush()
    _opened_events(session, [case.id], now, policy)
    return case.id


def open_dispute_case(session, delivery: Delivery, today: date, now: datetime, policy: CasePolicy) -> int | None:
    """A household replied that a logged delivery never came: a missed_delivery case to check, once."""
    household = delivery.household
    township = session.get(Township, household.township_id)
    row = {"kind": "missed_delivery", "township_id": household.township_id, "village_id": household.village_id,
           "household_id": household.id, "delivery_id": delivery.id, "severity": "high", "lead_unit": township.name,
           "assignee_id": delivery.agreement.provider_id if delivery.agreement else delivery.deliverer_id,
           "deadline": policy.deadline("high", today), "status": "open", "relapse_count": 0,
           "dedupe_key": f"dispute:delivery:{delivery.id}", "description": "disputed", "created_at": now,
           "updated_at": now}
    ids = session.scalars(insert_ignoring_duplicates(session, Case).returning(Case.id), [row]).all()
    _opened_events(session, ids, now, policy)
    return ids[0] if ids else None


def open_water_quality_case(session, place: dict, dedupe_key: str, note: str, today: date, now: datetime,
                            policy: CasePolicy) -> int:
    """A water test found an exceedance: the subject's water_quality case, opened once, reopened if it was marked
    fixed or verified (the fix did not hold: a relapse), or, while it is being worked, told of the new result.
    Returns its id."""
    severity = DEFAULT_SEVERITY["water_quality"]
    relapsed = _relapse_verified(session, Case.dedupe_key == dedupe_key, now, note)
    if relapsed:
        return relapsed[0]
    township = session.get(Township, place["township_id"])
    row = {"kind": "water_quality", **place, "severity": severity, "lead_unit": township.name,
           "deadline": policy.deadline(severity, today), "status": "open", "relapse_count": 0,
           "dedupe_key": dedupe_key, "description": note, "created_at": now, "updated_at": now}
    ids = session.scalars(insert_ignoring_duplicates(session, Case).returning(Case.id), [row]).all()
    _opened_events(session, ids, now, policy)
    if ids:
        return ids[0]
    case_id = session.scalar(select(Case.id).where(Case.dedupe_key == dedupe_key,
                                                   Case.status.in_(ACTIVE_CASE_STATUSES)))
    if not _reopen_resolved(session, Case.id == case_id, now, note=note):
        session.add(_event(case_id, "retested", None, note=note, at=now))
    return case_id


def note_passing_retest(session, dedupe_key: str, note: str, now: datetime) -> None:
    """A later test passed: the subject's active water_quality case (if any) is told, for whoever resolves it."""
    case_id = session.scalar(select(Case.id).where(Case.dedupe_key == dedupe_key,
                                                   Case.status.in_(ACTIVE_CASE_STATUSES)))
    if case_id is not None:
        session.add(_event(case_id, "retested", None, note=note, at=now))


def open_supply_cases(session, under: dict, standard, today: date, now: datetime, policy: CasePolicy) -> int:
    """Each household under the supply standard for days on end (`under`: household id → its last 30 days'
    figures) gets a case saying which figure and by how much, opened once (reopened if marked fixed)."""
    if not under:
        return 0
    households = {h.id: h for h in session.scalars(select(Household).where(Household.id.in_(list(under))))}
    townships = dict(session.execute(select(Township.id, Township.name)).all())
    rows = []
    for household_id, supply in under.items():
        household = households[household_id]
        rows.append({"kind": "other", "township_id": household.township_id, "village_id": household.village_id,
                     "household_id": household_id, "severity": "medium", "lead_unit": townships[household.township_id],
                     "deadline": policy.deadline("medium", today), "status": "open", "relapse_count": 0,
                     "title": catalogue.say("supply.case_title"),
                     "description": catalogue.say("supply.case", assurance=f"{supply.assurance:g}",
                                                  covered=supply.covered_days, counted=supply.counted_days,
                                                  liters=f"{supply.liters_per_person_day or 0:g}",
                                                  assurance_min=f"{standard.assurance_min:g}",
                                                  liters_min=f"{standard.liters_per_person_day:g}"),
                     "dedupe_key": f"supply:household:{household_id}", "created_at": now, "updated_at": now})
    keys = [row["dedupe_key"] for row in rows]
    relapsed = _relapse_verified(session, Case.dedupe_key.in_(keys), now)
    opened = session.scalars(insert_ignoring_duplicates(session, Case).returning(Case.id), rows).all()
    _opened_events(session, opened, now, policy)
    reopened = _reopen_resolved(session, (Case.kind == "other") & Case.dedupe_key.in_(keys), now)
    return len(opened) + len(reopened) + len(relapsed)
