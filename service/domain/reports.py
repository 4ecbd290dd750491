"""What the printed records say (docs/domain.md, "Printed records"): plain data, hashed for verification
(`verification`), rendered elsewhere.

Each function returns a JSON-ready dict; `verification.verification_code` hashes it, so that /verify/<code> can
rebuild the same record from today's data and tell whether the paper still matches.
"""
from types import SimpleNamespace
from datetime import date, datetime, time, timedelta

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import selectinload

from models import (UNRESOLVED_CASE_STATUSES, ACTIVE_CASE_STATUSES, Agreement, Case, CaseEvent, Delivery,
                    DeliveryCorrection, Facility, Household, Region, Staff, Township, Unit, Village, Visit, WaterTest,
                    latest_visit_ids)

from . import catalogue
from .agreements import agreement_overlaps
from .care import (cleaning_overdue_clause, filter_change_overdue_clause, source_check_overdue_clause,
                   test_overdue_clause)
from .case_rules import Upkeep, is_overdue
from .deliveries import CORRECTABLE, effective_values
from .gaps import gap_clause, in_force_on
from .monitored import monitored_clause
from .ledger import LEDGER_HEADERS, case_statistics, ledger_rows
from .needs_delivery import Thresholds, needs_delivery_clause
from .errors import NotFound
from .periods import check_period, month_period
from .projects import overdue_milestones
from .scope import Scope, get_visible
from .supply import Gaps, Supply, supply_of
from .water_quality import describe, for_reference_clause
from .sql import count_if



def _schedule(agreement: Agreement) -> dict:
    return {"interval_days": agreement.interval_days, "weekdays": agreement.weekdays,
            "liters": agreement.liters_per_delivery}


def _delivery_row(delivery, names: dict[int, str], zone) -> dict:
    """A delivery (or a printed row of one) as a record prints it."""
    values = effective_values(delivery)
    return {"id": delivery.id, "day": delivery.scheduled_for.isoformat(), "status": delivery.status,
            "unplanned": delivery.unplanned, "liters": values["liters"],
            "time": values["delivered_at"].astimezone(zone).strftime("%H:%M") if values["delivered_at"] else None,
            "deliverer": names.get(values["deliverer_id"]), "confirmation": delivery.confirmation,
            "confirmed_at": delivery.confirmed_at.astimezone(zone).strftime("%m-%d %H:%M")
            if delivery.confirmed_at else None,
            "corrected": len(delivery.corrections), "note": values["note"],
            # 应急送水 (a key only when so, so that the records printed before emergencies rebuild as they were)
            **({"emergency": True} if delivery.emergency_id is not None else {})}


def _totals(rows: list[dict], as_of: date) -> dict:
    """The figures under a table; a day after `as_of` (the printing date) is not yet due, so not counted as 应送."""
    done = [r for r in rows if r["status"] == "delivered"]
    due = as_of.isoformat()
    return {"planned": sum(1 for r in rows if not r["unplanned"] and r["status"] != "cancelled" and r["day"] <= due),
            "delivered": len(done), "missed": sum(1 for r in rows if r["status"] == "missed"),
            "liters": sum(r["liters"] or 0 for r in done),
            "confirmed": sum(1 for r in done if r["confirmation"] == "confirmed"),
            "disputed": sum(1 for r in done if r["confirmation"] == "disputed")}


def _staff_names(session, ids) -> dict[int, str]:
    ids = {i for i in ids if i is not None}
    return {i: name for i, name in session.execute(select(Staff.id, Staff.name).where(Staff.id.in_(ids)))} if ids else {}


def household_record(session, scope: Scope, household_id: int, date_from: date, date_to: date, zone,
                     as_of: date) -> dict:
    """送水记录表: one household's planned and done deliveries in a period, missed ones shown as such, counted
    as of `as_of` (the day it is printed)."""
    check_period(date_from, date_to)
    household = get_visible(session, Household, household_id, scope)
    return household_records(session, [household], date_from, date_to, zone, as_of)[0]


PRINTED = ("id", "household_id", "scheduled_for", "status", "unplanned", "confirmation", "confirmed_at",
           "emergency_id", *CORRECTABLE)


def _printed_deliveries(session, where) -> list[SimpleNamespace]:
    """The deliveries matching `where` as plain rows with their corrections (oldest first), in scheduled order:
    what a record prints of each, without an ORM object apiece (an archive prints tens of thousands)."""
    corrections: dict[int, list] = {}
    for correction in session.execute(
            select(DeliveryCorrection.delivery_id, *(getattr(DeliveryCorrection, key) for key in CORRECTABLE))
            .join(Delivery, Delivery.id == DeliveryCorrection.delivery_id).where(*where)
            .order_by(DeliveryCorrection.id)):
        corrections.setdefault(correction.delivery_id, []).append(correction)
    return [SimpleNamespace(**row._asdict(), corrections=corrections.get(row.id, [])) for row in session.execute(
        select(*(getattr(Delivery, key) for key in PRINTED)).where(*where)
        .order_by(Delivery.scheduled_for, Delivery.id))]


def household_records(session, households: list[Household], date_from: date, date_to: date, zone,
                      as_of: date) -> list[dict]:
    """household_record for many households in a fixed number of queries (the archive prints hundreds)."""
    ids = [h.id for h in households]
    deliveries = _printed_deliveries(session, (Delivery.household_id.in_(ids), Delivery.scheduled_for >= date_from,
                                               Delivery.scheduled_for <= date_to))
    agreements = session.scalars(
        select(Agreement).where(Agreement.household_id.in_(ids), agreement_overlaps(date_from, date_to))
        .order_by(Agreement.start_on)).all()
    staff_ids = {d.deliverer_id for d in deliveries} | {a.provider_id for a in agreements}
    staff_ids |= {c.deliverer_id for d in deliveries for c in d.corrections}
    names = _staff_names(session, staff_ids)
    places = {v.id: (v.name, t) for v, t in session.execute(
        select(Village, Township.name).join(Township, Township.id == Village.township_id)
        .where(Village.id.in_({h.village_id for h in households})))}
    # Grouped once: a township's archive prints hundreds of households, and tens of thousands of deliveries.
    deliveries_of: dict[int, list[Delivery]] = {}
    for delivery in deliveries:
        deliveries_of.setdefault(delivery.household_id, []).append(delivery)
    agreements_of: dict[int, list[Agreement]] = {}
    for agreement in agreements:
        agreements_of.setdefault(agreement.household_id, []).append(agreement)
    records = []
    for household in households:
        rows = [_delivery_row(d, names, zone) for d in deliveries_of.get(household.id, [])]
        mine = agreements_of.get(household.id, [])
        village, township = places[household.village_id]
        records.append({
            "kind": "household_deliveries", "subject_id": household.id, "township_id": household.township_id,
            "params": _period_params({"from": date_from.isoformat(), "to": date_to.isoformat()}, as_of, date_to),
            "household": {"id": household.id, "head_name": household.head_name,
                          "id_number_masked": household.id_number_masked, "phone": household.phone,
                          "members": household.members, "village": village, "township": township},
            "agreements": [{"id": a.id, "provider": names.get(a.provider_id), "start_on": a.start_on.isoformat(),
                            "end_on": a.end_on.isoformat() if a.end_on else None, "status": a.status,
                            **_schedule(a)} for a in mine],
            "rows": rows, "totals": _totals(rows, as_of)})
    return records


def village_month(session, scope: Scope, village_id: int, month: str, zone, as_of: date) -> dict:
    """A village's monthly record: one table of all its households' deliveries, counted as of `as_of`."""
    date_from, date_to = month_period(month)
    village = get_visible(session, Village, village_id, scope)
    township = session.get(Township, village.township_id)
    deliveries = session.scalars(
        select(Delivery).join(Household, Household.id == Delivery.household_id)
        .where(Household.village_id == village.id, Delivery.scheduled_for >= date_from,
               Delivery.scheduled_for <= date_to)
        .options(selectinload(Delivery.corrections), selectinload(Delivery.household))
        .order_by(Delivery.scheduled_for, Household.head_name, Delivery.id)).all()
    names = _staff_names(session, {d.deliverer_id for d in deliveries} |
                         {c.deliverer_id for d in deliveries for c in d.corrections})
    rows = [{**_delivery_row(d, names, zone), "household": d.household.head_name,
             "id_number_masked": d.household.id_number_masked} for d in deliveries]
    return {"kind": "village_month", "subject_id": village.id, "township_id": village.township_id,
            "params": _period_params({"month": month}, as_of, date_to), "village": {"id": village.id, "name": village.name, "township": township.name,
                                                     "is_key": village.is_key},
            "rows": rows, "totals": _totals(rows, as_of), "households": len({d.household_id for d in deliveries})}


def agreement_sheet(session, scope: Scope, agreement_id: int) -> dict:
    """送水服务协议书: both parties, the schedule and the signature lines, ready to sign."""
    return agreement_sheets(session, [get_visible(session, Agreement, agreement_id, scope)])[0]


def agreement_sheets(session, agreements: list[Agreement]) -> list[dict]:
    """agreement_sheet for many agreements (an archive prints hundreds) in a fixed number of queries."""
    households = {h.id: h for h in session.scalars(select(Household).where(
        Household.id.in_({a.household_id for a in agreements})))}
    providers = {s.id: s for s in session.scalars(select(Staff).where(Staff.id.in_({a.provider_id for a in agreements})))}
    places = {v.id: (v.name, t) for v, t in session.execute(
        select(Village, Township.name).join(Township, Township.id == Village.township_id)
        .where(Village.id.in_({h.village_id for h in households.values()})))}
    sheets = []
    for agreement in agreements:
        household, provider = households[agreement.household_id], providers[agreement.provider_id]
        village, township = places[household.village_id]
        sheets.append({
            "kind": "agreement", "subject_id": agreement.id, "township_id": household.township_id, "params": {},
            "agreement": {"id": agreement.id, "reason": agreement.reason, "status": agreement.status,
                          "start_on": agreement.start_on.isoformat(),
                          "end_on": agreement.end_on.isoformat() if agreement.end_on else None,
                          "signed_on": agreement.signed_on.isoformat() if agreement.signed_on else None,
                          **_schedule(agreement)},
            "household": {"head_name": household.head_name, "id_number_masked": household.id_number_masked,
                          "phone": household.phone, "members": household.members, "village": village,
                          "township": township},
            "provider": {"name": provider.name, "phone": provider.phone}})
    return sheets


SUMMARY_FIGURES = ("households", "needs_delivery", "gaps", "active_agreements", "planned", "delivered", "missed",
                   "supply_counted_days", "supply_covered_days", "supply_liters", "supply_person_days", "water_tests",
                   "water_tests_failed", "exceedances", "cases_opened", "cases_verified", "cases_rechecked")


SURVEY_FIGURES = ("survey_visited", "survey_unsafe")  # households visited in the period; their latest visit unsafe


def _summary_rates(figures: dict) -> dict:
    supply = Supply(figures["supply_counted_days"], figures["supply_covered_days"], figures["supply_liters"],
                    figures["supply_person_days"])
    rates = {"supply_assurance": supply.assurance, "liters_per_person_day": supply.liters_per_person_day}
    if "survey_visited" in figures:
        rates["survey_coverage"] = round(100 * figures["survey_visited"] / figures["households"], 1) \
            if figures["households"] else None
    return {**figures, **rates}


# 3: supply assurance counts the days of households needing delivery without an agreement; 4: 逐户排查 coverage, key
# villages (重点村) first with their subtotal
SUMMARY_VERSION = 4
# The versions `township_summary` rebuilds (every one since it went village by village; raising SUMMARY_VERSION
# adds the new one); a paper without a version is `township_summary_v1`'s.
SUMMARY_VERSIONS = range(2, SUMMARY_VERSION + 1)


def township_summary(session, scope: Scope, township_id: int, date_from: date, date_to: date,
                     thresholds: Thresholds, zone, version: int = SUMMARY_VERSION) -> dict:
    """The document a township hands over for the period, village by village and in total: households, needs and
    gaps, agreements, deliveries planned, done and missed, supply assurance (a day a household needed delivery
    without an agreement in force is a short day) and liters per person per day, water tests and their
    exceedances, cases opened, verified (销号) and re-checked (回头看), households visited (逐户排查) and found unsafe.
    A fixed number of queries. `version` 2 and 3 rebuild papers printed before gaps counted in supply, and before
    the survey."""
    check_period(date_from, date_to)
    township = get_visible(session, Township, township_id, scope)
    villages = session.execute(select(Village.id, Village.name, Village.is_key)
                               .where(Village.township_id == township.id).order_by(Village.code, Village.id)).all()
    figures = SUMMARY_FIGURES + (SURVEY_FIGURES if version >= 4 else ())
    rows = {v.id: dict.fromkeys(figures, 0) for v in villages}
    in_township = Household.township_id == township.id
    starts, ends = datetime.combine(date_from, time(), zone), datetime.combine(date_to + timedelta(days=1), time(), zone)

    def add(village_id, **values):
        for key, value in values.items():
            rows[village_id][key] += int(value or 0)

    # Households as monitored on the period's last day, and the agreements in force then: a paper printed for a
    # past month stays what it said when a household leaves later.
    for village_id, count, needs, gaps in session.execute(
            select(Household.village_id, func.count(),
                   func.sum(case((needs_delivery_clause(thresholds, date_to), 1), else_=0)),
                   func.sum(case((gap_clause(thresholds, date_to), 1), else_=0)))
            .where(in_township, monitored_clause(date_to)).group_by(Household.village_id)):
        add(village_id, households=count, needs_delivery=needs, gaps=gaps)
    for village_id, count in session.execute(
            select(Household.village_id, func.count()).join(Agreement, Agreement.household_id == Household.id)
            .where(in_township, in_force_on(date_to)).group_by(Household.village_id)):
        add(village_id, active_agreements=count)
    for village_id, status, count in session.execute(
            select(Household.village_id, Delivery.status, func.count())
            .join(Household, Household.id == Delivery.household_id)
            .where(in_township, ~Delivery.unplanned, Delivery.scheduled_for >= date_from,
                   Delivery.scheduled_for <= date_to)
            .group_by(Household.village_id, Delivery.status)):
        if status != "cancelled":
            add(village_id, planned=count)
        if status in ("delivered", "missed"):
            add(village_id, **{status: count})
    served = dict(session.execute(
        select(Household.id, Household.village_id).join(Agreement, Agreement.household_id == Household.id)
        .where(in_township, agreement_overlaps(date_from, date_to)).distinct()).all())
    gaps = Gaps(thresholds, zone) if version >= 3 else None
    if gaps:
        served.update(session.execute(select(Household.id, Household.village_id)
                                      .where(in_township, needs_delivery_clause(thresholds, date_to))).all())
    for household_id, supply in supply_of(session, served, date_from, date_to, gaps).items():
        add(served[household_id], supply_counted_days=supply.counted_days, supply_covered_days=supply.covered_days,
            supply_liters=round(supply.liters), supply_person_days=supply.person_days)
    for village_id, passed, exceedances in session.execute(
            select(WaterTest.village_id, WaterTest.passed, WaterTest.exceedances).where(
                WaterTest.township_id == township.id, WaterTest.sampled_on >= date_from,
                WaterTest.sampled_on <= date_to)):
        add(village_id, water_tests=1, water_tests_failed=not passed, exceedances=len(exceedances))
    in_period = lambda column: (column >= starts) & (column < ends)  # noqa: E731
    for village_id, opened, verified in session.execute(
            select(Case.village_id, func.sum(case((in_period(Case.created_at), 1), else_=0)),
                   func.sum(case((in_period(Case.verified_at), 1), else_=0)))
            .where(Case.township_id == township.id).group_by(Case.village_id)):
        add(village_id, cases_opened=opened, cases_verified=verified)
    for village_id, count in session.execute(
            select(Case.village_id, func.count()).join(CaseEvent, CaseEvent.case_id == Case.id)
            .where(Case.township_id == township.id, CaseEvent.action.in_(("recheck_passed", "recheck_failed")),
                   in_period(CaseEvent.at)).group_by(Case.village_id)):
        add(village_id, cases_rechecked=count)
    if version >= 4:
        for village_id, visited, unsafe in session.execute(
                select(Visit.village_id, func.count(), func.sum(case((Visit.result == "unsafe", 1), else_=0)))
                .where(Visit.id.in_(latest_visit_ids(Visit.township_id == township.id, Visit.visited_on >= date_from,
                                                     Visit.visited_on <= date_to)),
                       Visit.household_id.in_(select(Household.id).where(in_township, monitored_clause(date_to))))
                .group_by(Visit.village_id)):
            add(village_id, survey_visited=visited, survey_unsafe=unsafe)
    open_cases = session.scalar(select(func.count()).select_from(Case).where(
        Case.township_id == township.id, Case.status.in_(UNRESOLVED_CASE_STATUSES)))
    totals = {key: sum(row[key] for row in rows.values()) for key in figures}
    record = {"kind": "township_summary", "subject_id": township.id, "township_id": township.id,
              "params": {"from": date_from.isoformat(), "to": date_to.isoformat(), "version": version},
              "township": {"id": township.id, "name": township.name, "code": township.code},
              "figures": {**_summary_rates(totals), "open_cases": open_cases},
              "villages": [{"id": v.id, "name": v.name, **_summary_rates(rows[v.id])} for v in villages]}
    if version >= 4:
        record["figures"]["key_villages"] = _summary_rates({key: sum(rows[v.id][key] for v in villages if v.is_key)
                                                            for key in figures})
        record["villages"] = [{"id": v.id, "name": v.name, "is_key": v.is_key, **_summary_rates(rows[v.id])}
                              for v in sorted(villages, key=lambda v: not v.is_key)]
    return record


def township_summary_v1(session, scope: Scope, township_id: int, date_from: date, date_to: date,
                        thresholds: Thresholds) -> dict:
    """The summary as printed before it went village by village (its papers carry no `version`): kept so that
    /verify still rebuilds them exactly and says whether they match."""
    check_period(date_from, date_to)
    township = get_visible(session, Township, township_id, scope)
    in_township = Household.township_id == township.id
    households, needs, gaps = session.execute(
        select(func.count(), count_if(needs_delivery_clause(thresholds)), count_if(gap_clause(thresholds)))
        .where(in_township)).one()
    agreements = session.scalar(select(func.count()).select_from(Agreement).join(Household).where(
        in_township, Agreement.status == "active"))
    by_status = dict(session.execute(
        select(Delivery.status, func.count()).join(Household, Household.id == Delivery.household_id)
        .where(in_township, Delivery.scheduled_for >= date_from, Delivery.scheduled_for <= date_to)
        .group_by(Delivery.status)).all())
    confirmations = dict(session.execute(
        select(Delivery.confirmation, func.count()).join(Household, Household.id == Delivery.household_id)
        .where(in_township, Delivery.status == "delivered", Delivery.scheduled_for >= date_from,
               Delivery.scheduled_for <= date_to).group_by(Delivery.confirmation)).all())
    asked = sum(n for key, n in confirmations.items() if key in ("pending", "confirmed", "disputed", "expired"))
    open_cases = session.scalar(select(func.count()).select_from(Case).where(
        Case.township_id == township.id, Case.status.in_(UNRESOLVED_CASE_STATUSES)))
    return {"kind": "township_summary", "subject_id": township.id, "township_id": township.id,
            "params": {"from": date_from.isoformat(), "to": date_to.isoformat()},
            "township": {"id": township.id, "name": township.name, "code": township.code},
            "figures": {"households": households, "needs_delivery": int(needs), "gaps": int(gaps),
                        "active_agreements": agreements, "delivered": by_status.get("delivered", 0),
                        "missed": by_status.get("missed", 0), "confirmations_asked": asked,
                        "confirmed": confirmations.get("confirmed", 0), "open_cases": open_cases,
                        "confirmation_rate": round(100 * confirmations.get("confirmed", 0) / asked, 1) if asked else None}}


def water_test_report(session, scope: Scope, township_id: int, date_from: date, date_to: date) -> dict:
    """The township's water tests of the period (水质检测报告), oldest first, each with its exceedances in words."""
    check_period(date_from, date_to)
    township = get_visible(session, Township, township_id, scope)
    tests = session.execute(
        select(WaterTest, Village.name, Facility.name, Household.head_name)
        .join(Village, Village.id == WaterTest.village_id)
        .outerjoin(Facility, Facility.id == WaterTest.facility_id)
        .outerjoin(Household, Household.id == WaterTest.household_id)
        .where(WaterTest.township_id == township.id, WaterTest.sampled_on >= date_from,
               WaterTest.sampled_on <= date_to).order_by(WaterTest.sampled_on, WaterTest.id)).all()
    return {"kind": "water_tests", "subject_id": township.id, "township_id": township.id,
            "params": {"from": date_from.isoformat(), "to": date_to.isoformat()},
            "township": {"id": township.id, "name": township.name},
            "tests": [{"id": t.id, "sampled_on": t.sampled_on.isoformat(), "village": village,
                       "subject": facility or household, "sample_point": t.sample_point, "lab": t.lab,
                       "standard": t.standard, "relaxed": t.relaxed, "passed": t.passed,
                       "exceedances": describe(t.exceedances)} for t, village, facility, household in tests]}


def facility_register(session, scope: Scope, township_id: int, as_of: date, upkeep: Upkeep) -> dict:
    """The 工程管护台账 of a township as of a day: every facility with its responsible unit and manager (by name), its
    last cleaning, source check, filter change and test (with its result), the next test due, its status, and what
    is overdue. Three queries whatever the number of facilities."""
    township = get_visible(session, Township, township_id, scope)
    facilities = session.scalars(select(Facility).where(Facility.township_id == township.id)
                                 .options(selectinload(Facility.village), selectinload(Facility.manager))
                                 .order_by(Facility.village_id, Facility.kind, Facility.name)).all()
    latest = {}
    for facility_id, passed in session.execute(
            select(WaterTest.facility_id, WaterTest.passed)
            .where(WaterTest.facility_id.in_([f.id for f in facilities]), ~for_reference_clause())
            .order_by(WaterTest.sampled_on, WaterTest.id)):
        latest[facility_id] = passed
    overdue = {kind: set(session.scalars(select(Facility.id).where(Facility.township_id == township.id, clause)))
               for kind, clause in (("cleaning", cleaning_overdue_clause(as_of, upkeep)),
                                    ("source_protection", source_check_overdue_clause(as_of, upkeep)),
                                    ("filter_change", filter_change_overdue_clause(as_of, upkeep)),
                                    ("test", test_overdue_clause(as_of)))}
    day = lambda value: value.isoformat() if value else None  # noqa: E731
    rows = [{"id": f.id, "village": f.village.name, "name": f.name, "kind": f.kind, "status": f.status,
             "quality_exceeded": f.quality_exceeded, "unit": f.responsible_unit,
             "manager": f.manager.name if f.manager else None, "manager_phone": f.manager.phone if f.manager else None,
             "last_cleaned_on": day(f.last_cleaned_on), "last_source_check_on": day(f.last_source_check_on),
             "last_filter_change_on": day(f.last_filter_change_on), "last_tested_on": day(f.last_tested_on),
             "last_test_passed": latest.get(f.id), "next_test_due": day(f.next_test_due),
             "intensive": f.intensive_since is not None and f.status != "retired",
             "overdue": [kind for kind in ("cleaning", "source_protection", "filter_change", "test")
                         if f.id in overdue[kind]]} for f in facilities]
    return {"kind": "facility_register", "subject_id": township.id, "township_id": township.id,
            "params": {"as_of": as_of.isoformat(), "every": {
                "cleaning_every_days": upkeep.cleaning_every_days,
                "source_check_every_days": upkeep.source_check_every_days,
                "filter_change_every_days": upkeep.filter_change_every_days}},
            "township": {"id": township.id, "name": township.name},
            "rows": rows, "totals": {"facilities": len(rows), "overdue": sum(1 for r in rows if r["overdue"]),
                                     "unassigned": sum(1 for r in rows if not r["unit"] or not r["manager"])}}


def ledger_record(session, scope: Scope, township_id: int, date_from: date, date_to: date, zone, as_of: date,
                  lead_unit_id: int | None = None) -> dict:
    """The printed ledger (问题台账) of a township for a period: the cases opened in it and those opened before that
    are not yet 销号, in the ledger's columns; with `lead_unit_id`, only the cases that unit leads (the weekly
    report a 牵头单位 sends up), each marked when overdue or still without evidence."""
    check_period(date_from, date_to)
    township = get_visible(session, Township, township_id, scope)
    unit = get_visible(session, Unit, lead_unit_id, scope) if lead_unit_id is not None else None
    params = {"from": date_from.isoformat(), "to": date_to.isoformat()}
    if unit is not None:
        params["lead_unit_id"] = unit.id
    return {"kind": "ledger", "subject_id": township.id, "township_id": township.id,
            "params": _period_params(params, as_of, date_to),
            **_ledger(session, scope, [township.id], township, unit, date_from, date_to, zone, as_of)}


def unit_ledger_record(session, scope: Scope, unit_id: int, date_from: date, date_to: date, zone, as_of: date) -> dict:
    """The county-wide ledger of one 牵头单位: the cases it leads in every township of its county (of the reader's
    scope), for a period as the township's ledger takes it."""
    check_period(date_from, date_to)
    unit = get_visible(session, Unit, unit_id, scope)
    townships = select(Township.id)
    if unit.township_id is not None:
        townships = townships.where(Township.id == unit.township_id)
    elif unit.county_id is not None:
        townships = townships.where(Township.county_id == unit.county_id)
    townships = session.scalars(townships).all()
    # All of it or none: a township's user does not print the county's ledger of a county department.
    if scope.village_id is not None or not all(scope.covers(t) for t in townships):
        raise NotFound("record.not_found", kind="unit", id=unit_id)
    place = session.get(Township, unit.township_id).name if unit.township_id else \
        session.get(Region, unit.county_id).name if unit.county_id else ""
    # The unit's overdue work includes the 城乡供水一体化 steps it leads that are past due.
    late_steps = [{"project": m.project.name, "title": m.title, "due_on": m.due_on.isoformat()}
                  for m in overdue_milestones(session, scope, as_of, [unit.id])]
    return {"kind": "unit_ledger", "subject_id": unit.id, "township_id": None,
            "params": _period_params({"from": date_from.isoformat(), "to": date_to.isoformat()}, as_of, date_to),
            **_ledger(session, scope, townships, None, unit, date_from, date_to, zone, as_of, place),
            **({"overdue_milestones": late_steps} if late_steps else {})}


def _ledger(session, scope: Scope, townships: list[int], township: Township | None, unit: Unit | None,
            date_from: date, date_to: date, zone, as_of: date, place: str | None = None) -> dict:
    """The ledger's rows and counts: the cases of `townships` (that `unit` leads, given one) opened in the period, and
    those opened before that are not yet 销号; of them, those the reader sees (a unit's staff: its unit's)."""
    starts, ends = (datetime.combine(day, time(), zone) for day in (date_from, date_to + timedelta(days=1)))
    stmt = (select(Case).where(Case.township_id.in_(townships), Case.created_at < ends,
                               or_(Case.created_at >= starts, Case.status.in_(ACTIVE_CASE_STATUSES)))
            .options(selectinload(Case.village).selectinload(Village.township), selectinload(Case.household),
                     selectinload(Case.facility), selectinload(Case.events), selectinload(Case.evidence),
                     selectinload(Case.cooperating_units), selectinload(Case.milestones))
            .order_by(Case.created_at, Case.id))
    if unit is not None:
        stmt = stmt.where(Case.lead_unit_id == unit.id)
    stmt = scope.restrict(stmt, Case)  # the reader's: a unit's staff see their unit's, a village's its own
    cases = session.scalars(stmt).all()
    # The counts the report opens with, by source, as GET /api/v1/cases/stats counts them.
    statistics = case_statistics(session, stmt.options(), "source", as_of, catalogue.RECORD_LOCALE)
    rows = [{"id": item.id, "status": item.status, "cells": cells, "overdue": is_overdue(item, as_of),
             "evidence": len(item.evidence)} for item, cells in zip(cases, ledger_rows(cases, zone))]
    return {"township": {"id": township.id, "name": township.name} if township else {"id": None, "name": place},
            "unit": unit.name if unit else None,
            **_accountable(township, cases), "headers": list(LEDGER_HEADERS), "rows": rows,
            "totals": {"cases": len(rows), "overdue": sum(r["overdue"] for r in rows),
                       "verified": sum(r["status"] in ("verified", "closed") for r in rows),
                       "without_evidence": sum(not r["evidence"] and r["status"] in UNRESOLVED_CASE_STATUSES
                                               for r in rows),
                       # counts, not the frame: a case added since printing is 打印后新增, not a changed paper
                       "statistics": {"rows": statistics["rows"], "sentence": statistics["sentence"]}}}


def _accountable(township: Township | None, cases: list[Case]) -> dict:
    """包保责任人 of the township and of each village the cases are in, when any is named (a ledger without one
    reads, and verifies, as before)."""
    villages = [{"village": village.name, **village.accountable}
                for village in sorted({case.village for case in cases}, key=lambda v: v.id) if village.accountable]
    person = township.accountable if township is not None else None
    if person is None and not villages:
        return {}
    return {"accountable": {"township": person, "villages": villages}}


def _period_params(params: dict, as_of: date, period_end: date) -> dict:
    """A record's params, with the printing date when it cuts the period short (only then do the totals depend
    on it: a record of a finished period prints, and verifies, the same whenever it is printed)."""
    return {**params, "as_of": as_of.isoformat()} if as_of < period_end else params


def printed_on(params: dict, period_end: date) -> date:
    """The day a record was printed (records printed before it was kept were counted to the period's end)."""
    return date.fromisoformat(params["as_of"]) if "as_of" in params else period_end
