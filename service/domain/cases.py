"""The problem ledger's lifecycle (问题台账): people open and work every problem to zero (动态清零) and keep it there
(docs/domain.md, "Cases").

open → in_progress → resolved (a note and evidence) → verified (销号, by a township lead or the county,
not by who resolved it) → re-check (回头看) after some weeks: passed → closed, failed → open again, counted
as a relapse (反弹); a 回访 asks the household that raised it. The cases the service opens itself are
`system_cases`'; the rules both follow are `case_rules`'.
"""
from datetime import date, datetime, timedelta
from typing import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from models import (FAILED_STATUSES, Case, CaseEvent, CaseEvidence, CaseMilestone, Facility, Household, Staff, Township,
                    User, Village)

from . import catalogue
from .catalogue import Message, label_of
from .errors import Conflict, FieldErrors, Forbidden, NotFound
from .geo import recompute_distances
from .outbox import enqueue
from .audit import record_write, snapshot
from .repairs import record_status_change
from .permissions import REGIONAL, require_capability
from .scope import get_for_write, require_write
from .text import drop_invisible
from .units import case_units, township_unit
from .system_cases import sync_gap_cases
from .case_rules import TRANSITIONS, DEFAULT_SEVERITY, CasePolicy, case_event, mark_relapses, reopen_case


UPDATABLE = ("title", "description", "severity", "lead_unit", "assignee_id", "deadline", "deadline_reason", "source",
             "source_ref", "category", "measures", "standard", "lead_unit_id", "cooperating_unit_ids")



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
    data.update(_schedule(data.get("category"), data.get("deadline"), data["severity"], today, policy))
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
    session.add(case_event(case.id, "opened", actor, None, "open", data.get("description"), at=now))
    mark_relapses(session, [case.id], case.created_at, policy)
    record_write(session, actor, "create", case, None)
    return case


def _schedule(category: str | None, deadline: date | None, severity: str, today: date, policy: CasePolicy) -> dict:
    """A new case's deadline (given, or by severity; never in the past) or, for 长期坚持, its first review instead."""
    if category == "ongoing":
        if deadline is not None:
            raise FieldErrors.one("deadline", "case.ongoing_no_deadline")
        return {"deadline": None, "progress_due_on": policy.next_review(today)}
    if deadline is not None and deadline < today:
        raise FieldErrors.one("deadline", "date.in_past")
    return {"deadline": deadline or policy.deadline(severity, today), "progress_due_on": None}


def add_progress(session, actor: User, case_id: int, note: str | None, rules) -> CaseEvent:
    """整改进展: a dated entry by someone working the case, until it is closed; 长期坚持 work's next entry is then
    due ONGOING_REVIEW_DAYS later."""
    now = rules.now
    case = get_for_write(session, Case, case_id, actor, "report_progress")
    if not note:
        raise FieldErrors.one("note", "case.progress_note")
    if case.status == "closed":
        raise Conflict("case.closed_progress")
    event = case_event(case.id, "progress", actor, None, None, note, at=now)
    session.add(event)
    if case.category == "ongoing":
        case.progress_due_on, case.reminded_on = rules.cases.next_review(rules.today), None
    case.updated_at = now
    return event


def add_milestone(session, actor: User, case_id: int, title: str | None, due_on: date, rules) -> CaseMilestone:
    """倒排工期: a step of the case due on a day (not in the past); past it and not done, the case is overdue."""
    case = get_for_write(session, Case, case_id, actor, "report_progress")
    if not title:
        raise FieldErrors.one("title", "case.milestone_title")
    if due_on < rules.today:
        raise FieldErrors.one("due_on", "date.in_past")
    if case.status == "closed":
        raise Conflict("case.closed_progress")
    milestone = CaseMilestone(case_id=case.id, title=title, due_on=due_on, created_by_id=actor.id,
                              created_at=rules.now)
    session.add(milestone)
    session.add(case_event(case.id, "milestone", actor, note=f"{title} {due_on.isoformat()}", at=rules.now))
    case.updated_at = rules.now  # the case's village counts it (models/revision.py)
    session.flush()
    record_write(session, actor, "create", milestone, None)
    return milestone


def complete_milestone(session, actor: User, case_id: int, milestone_id: int, done_on: date | None,
                       rules) -> CaseMilestone:
    """A milestone done on a day (not in the future), or not done after all (None), with its event."""
    case = get_for_write(session, Case, case_id, actor, "report_progress")
    milestone = next((m for m in case.milestones if m.id == milestone_id), None)
    if milestone is None:
        raise NotFound("record.not_found", kind="milestone", id=milestone_id)
    if done_on is not None and done_on > rules.today:
        raise FieldErrors.one("done_on", "date.in_future")
    before = snapshot(milestone)
    milestone.done_on = done_on
    session.add(case_event(case.id, "milestone_done" if done_on else "milestone_undone", actor,
                           note=milestone.title, at=rules.now))
    case.updated_at = rules.now
    record_write(session, actor, "update", milestone, before)
    return milestone


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


def assign_case(session, actor: User, case_id: int, assignee_id: int | None, rules) -> Case:
    """Name (or clear) the person who works a case: township staff assign; the assignee must be staff of its
    township. The assignee is reminded before the deadline."""
    require_capability(actor, "assign_case")
    return update_case(session, actor, case_id, {"assignee_id": assignee_id}, rules)


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
                           .options(selectinload(Case.milestones))
                           .order_by(func.coalesce(Case.deadline, Case.progress_due_on), Case.id).limit(limit)).all()


def _reschedule(case: Case, data: dict, reason: str | None, today: date, policy: CasePolicy) -> str | None:
    """Fills `data` with the deadline and review day a change of category or deadline gives; a person who moves a
    deadline says why. Returns the history's note of a moved deadline (old → new: why), or None."""
    category = data.get("category", case.category)
    if category == "ongoing":
        if data.get("deadline") is not None:
            raise FieldErrors.one("deadline", "case.ongoing_no_deadline")
        data["deadline"] = None
        data.setdefault("progress_due_on", case.progress_due_on or policy.next_review(today))
    else:
        data["progress_due_on"] = None
        if data.get("deadline") is None:
            data["deadline"] = case.deadline or policy.deadline(case.severity, today)
    new = data["deadline"]
    if new == case.deadline:
        return None
    if new is not None and new < today:
        raise FieldErrors.one("deadline", "date.in_past")
    if case.deadline is not None and not reason:  # a deadline set is moved (or dropped) only with a reason
        raise FieldErrors.one("deadline_reason", "case.deadline_reason_needed")
    old = case.deadline.isoformat() if case.deadline else "—"
    return f"{old} → {new.isoformat() if new else '—'}" + (f": {reason}" if reason else "")


def update_case(session, actor: User, case_id: int, data: dict, rules) -> Case:
    """Change a case's details (not its status: that moves only through transitions); a moved deadline is an event
    naming who moved it and why."""
    case = get_for_write(session, Case, case_id, actor, "work_case")
    if "status" in data:
        raise Conflict("case.status_by_transition")
    fixed = sorted(set(data) - set(UPDATABLE))
    if fixed:
        raise FieldErrors({key: [Message("case.fixed_once_open")] for key in fixed})
    data = {**data}
    reason = data.pop("deadline_reason", None)
    asked = ", ".join(sorted(data))
    _check_assignee(session, data.get("assignee_id"), case.township_id)
    changed_deadline = _reschedule(case, data, reason, rules.today, rules.cases)
    lead, cooperating = case_units(session, case.township_id, data.pop("lead_unit_id", None),
                                   data.pop("cooperating_unit_ids", None))
    before = snapshot(case)
    if changed_deadline:
        # a new deadline gets its own reminder and escalations
        case.reminded_on = case.escalated_on = case.county_escalated_on = None
        session.add(case_event(case.id, "deadline_changed", actor, note=changed_deadline))
    for key, value in data.items():
        setattr(case, key, value)
    if lead is not None:
        case.lead_unit, case.lead_unit_id = lead.name, lead.id
    elif "lead_unit" in data:
        case.lead_unit_id = None  # named in words only
    if cooperating is not None:
        case.cooperating_units = cooperating
    session.add(case_event(case.id, "updated", actor, note=asked))
    record_write(session, actor, "update", case, before)
    return case


def _evidence_since(case: Case) -> int:
    """Evidence added since the case was last (re)opened: a relapse needs fresh proof."""
    reopened = max((e.at for e in case.events if e.to_status == "open"), default=None)
    return sum(1 for item in case.evidence if reopened is None or item.uploaded_at >= reopened)


def transition(session, actor: User, case_id: int, to: str, note: str | None, rules,
               standard: str | None = None) -> Case:
    """Move a case along its lifecycle; any move the lifecycle does not allow is a Conflict. `standard` records the
    整改标准 (required by 销号, unless already recorded). Verifying (销号) a repair case puts its facility back to
    working if nobody has said so yet: the page then tells the truth."""
    now, today, policy = rules.now, rules.today, rules.cases
    case = get_for_write(session, Case, case_id, actor, "work_case")
    frm = case.status
    if (frm, to) not in TRANSITIONS:
        raise Conflict("case.cannot_move", frm=label_of("case_status", frm), to=label_of("case_status", to))
    before = snapshot(case)
    if standard:
        case.standard = standard
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
        if not (standard or case.standard):  # what a 回头查 will check it against
            raise FieldErrors.one("standard", "case.standard_needed")
        case.verified_by_id, case.verified_at = actor.id, now
        case.recheck_due_on = today + timedelta(days=policy.recheck_after_days)
    elif frm == "verified":  # 回头看 whenever it is called, not only once it is due
        require_capability(actor, "verify_case")
        if not note:  # what the re-check found
            raise FieldErrors.one("note", "case.recheck_note")
    if frm == "verified" and to == "open":
        case.relapse_count += 1
        reopen_case(session, case, today, policy, now)
    case.status = to
    if to == "verified" and case.facility_id and case.dedupe_key == f"facility:{case.facility_id}":
        _repaired(session, actor, case.facility, rules)
    if to == "verified" and case.source in CALLBACK_SOURCES:
        _ask_callback(session, case, now)
    action = {"closed": "recheck_passed", "open": "recheck_failed"}.get(to, "transition") \
        if frm == "verified" else "transition"
    session.add(case_event(case.id, action, actor, frm, to, note, at=now))
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
    session.add(case_event(case.id, "callback_satisfied" if satisfied else "callback_unsatisfied", None, at=now))
    if not satisfied and case.status in ("verified", "closed"):
        frm = case.status
        case.status = "open"
        reopen_case(session, case, today, policy, now)
        session.add(case_event(case.id, "transition", None, frm, "open", "callback_unsatisfied", at=now))
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
    """Attach a photo or document; `save` stores the file once the actor may (so nothing is kept otherwise). A closed
    case takes it too: the archive asks for the proof of every case 销号."""
    case = get_for_write(session, Case, case_id, actor, "report_progress")
    path, content_type = save()
    name = "".join(c for c in drop_invisible(filename or "") if ord(c) >= 32)[:200] or None  # shown, never trusted
    evidence = CaseEvidence(case_id=case.id, path=path, content_type=content_type, filename=name,
                            uploaded_by_id=actor.id, uploaded_at=now)
    session.add(evidence)
    session.add(case_event(case.id, "evidence", actor, note=name, at=now))
    record_write(session, actor, "create", evidence, None)
    return evidence
