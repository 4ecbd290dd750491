"""The cases the service opens and resolves itself (系统发现): broken facilities, households without an agreement,
missed deliveries, disputes and complaints by SMS, water-quality exceedances, supply short of the standard, the
survey's unsafe households and overdue upkeep, each once; and the notices of deadlines (docs/domain.md, "Cases")."""
from datetime import date, datetime, timedelta

from sqlalchemy import String, cast, func, insert, literal, select, update

from models import (UNRESOLVED_CASE_STATUSES, ACTIVE_CASE_STATUSES, Agreement, Case, CaseEvent, Delivery, Facility, Household, Staff, Township, User, Visit, latest_visit_ids)

from . import catalogue
from .gaps import gap_clause
from .geo import recompute_distances
from .outbox import enqueue
from .needs_delivery import Thresholds
from .sql import insert_ignoring_duplicates
from .care import (care_missing_clause, cleaning_overdue_clause, filter_change_overdue_clause, record_care,
                   schedule_tests, source_check_overdue_clause, test_overdue_clause)
from .case_rules import (DEFAULT_SEVERITY, REPAIR_KIND, CasePolicy, overdue_clause, recheck_due_clause, case_event,
                         reopen_resolved, relapse_verified, opened_events)


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
    opened_events(session, ids, now, policy)
    if ids:
        return ids[0]
    # Its case is still active: if it was marked fixed, the fix did not hold, and the case opens again.
    reopen_resolved(session, Case.dedupe_key == row["dedupe_key"], now, note=facility.status)
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
    opened_events(session, opened, now, policy)
    # A gap that was marked fixed (an agreement came) but is back (it ended): its case opens again.
    gap_keys = select(literal("household:") + cast(Household.id, String)).where(gap_clause(thresholds), in_place)
    reopen_resolved(session, (Case.kind == "missing_agreement") & Case.dedupe_key.in_(gap_keys), now)
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
    opened_events(session, opened, now, policy)
    return len(opened)


def _notify(session, reminded: list[int], escalated: list[int], to_county: list[int], today: date,
            now: datetime) -> None:
    """SMS of the deadline pass: each assignee the day before; and digests, at most one a day per person, of what
    newly went overdue (to the township's leads) and of what stayed overdue ESCALATE_AFTER_DAYS (to the county's
    staff), each naming how many and which (the first few)."""
    messages = []
    for case_id, kind, deadline, review, phone, staff_id, township_id in session.execute(
            select(Case.id, Case.kind, Case.deadline, Case.progress_due_on, Staff.phone, Staff.id, Case.township_id)
            .join(Staff, Staff.id == Case.assignee_id).where(Case.id.in_(reminded))):
        # 长期坚持 is reminded of its progress entry, each review once (its day is in the key).
        kind_text = catalogue.say(f"sms.kind.{kind}")
        body = catalogue.say("sms.case_reminder", case_id=case_id, kind=kind_text) if deadline else \
            catalogue.say("sms.progress_reminder", case_id=case_id, kind=kind_text)
        messages.append({"phone": phone, "staff_id": staff_id, "township_id": township_id, "purpose": "case_reminder",
                         "related_type": "case", "related_id": case_id,
                         "idempotency_key": f"case:remind:{case_id}:{deadline or review}",
                         "body": body})
    leads: dict[tuple, list] = {}
    for case_id, township, phone, staff_id, township_id in session.execute(
            select(Case.id, Township.name, Staff.phone, Staff.id, Case.township_id)
            .join(Township, Township.id == Case.township_id)
            .join(Staff, (Staff.township_id == Case.township_id) & (Staff.role == "township_lead"))
            .where(Case.id.in_(escalated)).order_by(Case.id)):
        leads.setdefault((staff_id, phone, township_id, township), []).append(case_id)
    for (staff_id, phone, township_id, township), ids in leads.items():
        messages.append({"phone": phone, "staff_id": staff_id, "township_id": township_id,
                         "purpose": "case_escalation", "related_type": "case", "related_id": ids[0],
                         "idempotency_key": f"case:escalate:{staff_id}:{today.isoformat()}",
                         "body": catalogue.say("sms.case_escalation_digest", township=township, count=len(ids),
                                               ids=_first_ids(ids))})
    if to_county:
        messages += _county_digests(session, to_county, today)
    enqueue(session, messages, now)


def _county_digests(session, to_county: list[int], today: date) -> list[dict]:
    """One digest a day to each county-level staff member of the county the cases are in: a person whose login is a
    county's administrator is that county's; one without, of a database with a single county (or none), hears of
    all of them."""
    rows = session.execute(select(Township.county_id, Township.name, func.count(), func.min(Case.id))
                           .join(Case, Case.township_id == Township.id).where(Case.id.in_(to_county))
                           .group_by(Township.county_id, Township.name)
                           .order_by(func.count().desc(), Township.name)).all()
    counties: dict = {}
    for county, township, count, first in rows:
        counties.setdefault(county, []).append((township, count, first))
    county_of = dict(session.execute(select(User.staff_id, User.region_id).where(
        User.role == "county_admin", User.staff_id.is_not(None), User.region_id.is_not(None))).all())
    single = session.scalar(select(func.count(func.distinct(Township.county_id)))) <= 1
    people = session.execute(select(Staff.id, Staff.phone).where(Staff.role == "county_admin",
                                                                 Staff.township_id.is_(None))).all()
    messages = []
    for county, townships in counties.items():
        places = "、".join(catalogue.say("sms.count_in", place=name, count=count) for name, count, _ in townships)
        total = sum(count for _, count, _ in townships)
        for staff_id, phone in people:
            if county_of.get(staff_id, county if single else None) != county:
                continue
            messages.append({"phone": phone, "staff_id": staff_id, "township_id": None,
                             "purpose": "case_escalation", "related_type": "case",
                             "related_id": min(first for _, _, first in townships),
                             "idempotency_key": f"case:escalate_county:{staff_id}:{today.isoformat()}",
                             "body": catalogue.say("sms.county_escalation_digest", count=total, places=places)})
    return messages


def _first_ids(ids: list[int], shown: int = 5) -> str:
    return "、".join(map(str, ids[:shown])) + ("…" if len(ids) > shown else "")


def case_deadlines(session, today: date, now: datetime, escalate_after_days: int = 3) -> dict:
    """The daily deadline pass: remind assignees the day before a deadline or a 长期坚持 case's progress entry,
    tell the township's leads what newly went overdue, send to the county what is still overdue
    `escalate_after_days` after its deadline, count re-checks due.

    Each case is reminded once and escalated once to each level (the day is stored), each with its event, whatever
    the number of runs; a person gets at most one digest a day.
    """
    active = Case.status.in_(UNRESOLVED_CASE_STATUSES)
    reminded = session.scalars(
        update(Case).where(active, func.coalesce(Case.deadline, Case.progress_due_on) == today + timedelta(days=1),
                           Case.reminded_on.is_(None))
        .values(reminded_on=today).returning(Case.id).execution_options(synchronize_session=False)).all()
    escalated = session.scalars(
        update(Case).where(overdue_clause(today), Case.escalated_on.is_(None))
        .values(escalated_on=today).returning(Case.id).execution_options(synchronize_session=False)).all()
    # Overdue on the day `escalate_after_days` ago too: late that long (by its deadline or a milestone).
    to_county = session.scalars(
        update(Case).where(overdue_clause(today - timedelta(days=escalate_after_days)), Case.county_escalated_on.is_(None))
        .values(county_escalated_on=today).returning(Case.id).execution_options(synchronize_session=False)).all()
    events = [{"case_id": i, "action": "reminded", "at": now} for i in reminded] + \
             [{"case_id": i, "action": "escalated", "at": now} for i in escalated] + \
             [{"case_id": i, "action": "escalated_county", "at": now} for i in to_county]
    if events:
        session.execute(insert(CaseEvent), events)
    _notify(session, reminded, escalated, to_county, today, now)
    rechecks = session.scalar(select(func.count()).select_from(Case).where(recheck_due_clause(today)))
    return {"reminded": len(reminded), "escalated": len(escalated), "escalated_to_county": len(to_county),
            "rechecks_due": rechecks}


def sync_care_cases(session, today: date, now: datetime, policy: CasePolicy, village_ids=None,
                    only: tuple[str, ...] | None = None) -> tuple[int, int]:
    """管护: a case for each facility without a responsible unit or a manager (管护责任未落实), and one per facility
    and kind of upkeep overdue (cleaning, 水源保护检查, 滤芯更换, a water test: care.py); each resolved once put
    right; `only` the reasons named (e.g. `test_due`). Set-based; returns (opened, resolved)."""
    in_place = Facility.village_id.in_(village_ids) if village_ids is not None else literal(True)
    upkeep = policy.upkeep
    rules = (("other", "care:facility:", care_missing_clause(), "care_missing", "care_named"),
             ("sanitation", "cleaning:facility:", cleaning_overdue_clause(today, upkeep), "cleaning_due", "cleaned"),
             ("sanitation", "source_check:facility:", source_check_overdue_clause(today, upkeep), "source_check_due",
              "source_checked"),
             ("sanitation", "filter:facility:", filter_change_overdue_clause(today, upkeep), "filter_change_due",
              "filter_changed"),
             ("other", "test_due:facility:", test_overdue_clause(today), "test_due", "tested"))
    opened, resolved = [], []
    for kind, prefix, clause, why, fixed_note in rules:
        if only is not None and why not in only:
            continue
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
        opened_events(session, new, now, policy)
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
    opened_events(session, [row.id for row in opened], now, policy)
    told = {v.household_id for v in unsafe if v.id in just_recorded} - {row.household_id for row in opened}
    if told:
        active = session.execute(select(Case.id, Case.household_id).where(
            Case.dedupe_key.in_([f"survey:household:{i}" for i in told]),
            Case.status.in_(ACTIVE_CASE_STATUSES))).all()
        session.add_all([case_event(row.id, "progress", None, note=notes[row.household_id], at=now) for row in active])


def record_facility_care(session, actor: User, facility_id: int, kind: str, done_on: date | None, note: str | None,
                         rules, photo=None):
    """Upkeep recorded at a facility (a cleaning, a source check, a filter change); its case resolves at once."""
    care = record_care(session, actor, facility_id, kind, done_on, note, rules.today, rules.now, photo)
    session.flush()
    village_id = session.get(Facility, facility_id).village_id
    sync_care_cases(session, rules.today, rules.now, rules.cases, {village_id})
    return care


def daily_case_pass(session, rules) -> dict:
    """The daily job: remind, escalate and count re-checks; then, with the repairs now past their deadline no longer
    covering their households (their distances measured without them), open and resolve gap cases everywhere."""
    deadlines = case_deadlines(session, rules.today, rules.now, rules.cases.escalate_after_days)
    lapsed = session.scalars(select(Case.village_id).where(
        Case.escalated_on == rules.today, Case.facility_id.is_not(None),
        Case.kind.in_(("facility_repair", "purifier_repair", "well_low_yield")))).all()
    recompute_distances(session, set(lapsed))
    opened, resolved = sync_gap_cases(session, rules.today, rules.now, rules.thresholds, rules.cases)
    schedule_tests(session, rules.cases.upkeep, rules.zone)  # the settings may have changed since yesterday
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
        session.add(case_event(open_id, "progress", None, note=text, at=now))
        return open_id
    township = session.get(Township, household.township_id)
    case = Case(kind="other", source="villager", township_id=household.township_id, village_id=household.village_id,
                household_id=household.id, title=catalogue.say("case.complaint_title"), description=text,
                severity="medium", lead_unit=township.name, deadline=policy.deadline("medium", today), status="open",
                relapse_count=0, created_at=now, updated_at=now)
    session.add(case)
    session.flush()
    opened_events(session, [case.id], now, policy)
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
    opened_events(session, ids, now, policy)
    return ids[0] if ids else None


def open_water_quality_case(session, place: dict, dedupe_key: str, note: str, today: date, now: datetime,
                            policy: CasePolicy) -> int:
    """A water test found an exceedance: the subject's water_quality case, opened once, reopened if it was marked
    fixed or verified (the fix did not hold: a relapse), or, while it is being worked, told of the new result.
    Returns its id."""
    severity = DEFAULT_SEVERITY["water_quality"]
    relapsed = relapse_verified(session, Case.dedupe_key == dedupe_key, now, note)
    if relapsed:
        return relapsed[0]
    township = session.get(Township, place["township_id"])
    row = {"kind": "water_quality", **place, "severity": severity, "lead_unit": township.name,
           "deadline": policy.deadline(severity, today), "status": "open", "relapse_count": 0,
           "dedupe_key": dedupe_key, "description": note, "created_at": now, "updated_at": now}
    ids = session.scalars(insert_ignoring_duplicates(session, Case).returning(Case.id), [row]).all()
    opened_events(session, ids, now, policy)
    if ids:
        return ids[0]
    case_id = session.scalar(select(Case.id).where(Case.dedupe_key == dedupe_key,
                                                   Case.status.in_(ACTIVE_CASE_STATUSES)))
    if not reopen_resolved(session, Case.id == case_id, now, note=note):
        session.add(case_event(case_id, "retested", None, note=note, at=now))
    return case_id


def note_passing_retest(session, dedupe_key: str, note: str, now: datetime) -> None:
    """A later test passed: the subject's active water_quality case (if any) is told, for whoever resolves it."""
    case_id = session.scalar(select(Case.id).where(Case.dedupe_key == dedupe_key,
                                                   Case.status.in_(ACTIVE_CASE_STATUSES)))
    if case_id is not None:
        session.add(case_event(case_id, "retested", None, note=note, at=now))


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
    relapsed = relapse_verified(session, Case.dedupe_key.in_(keys), now)
    opened = session.scalars(insert_ignoring_duplicates(session, Case).returning(Case.id), rows).all()
    opened_events(session, opened, now, policy)
    reopened = reopen_resolved(session, (Case.kind == "other") & Case.dedupe_key.in_(keys), now)
    return len(opened) + len(reopened) + len(relapsed)
