"""What a township's archive (档案资料) still lacks for a period: every paper that should exist and does not, each
saying what to do and where ("需要进一步完善补充的档案资料…务必收集整理到位…以备上级调阅检查")."""
from datetime import date, datetime, time, timedelta

from sqlalchemy import exists, extract, func, select
from sqlalchemy.orm import selectinload

from models import (Agreement, Case, CaseEvidence, Delivery, Facility, FacilityCare, Household, ReportVerification,
                    SignedCopy, Township, Village, Visit)

from . import catalogue
from .agreements import agreement_overlaps
from .periods import check_period
from .scope import Scope, get_visible

# The kinds of missing paper, in the order an inspector reads them, each with what to do about it.
GAP_KINDS = ("agreement_scan", "signed_record", "visit_signature", "case_evidence", "case_standard", "facility_care")
TO_DO = {"agreement_scan": lambda: catalogue.say("archive_gap.agreement_scan"),
         "signed_record": lambda: catalogue.say("archive_gap.signed_record"),
         "visit_signature": lambda: catalogue.say("archive_gap.visit_signature"),
         "case_evidence": lambda: catalogue.say("archive_gap.case_evidence"),
         "case_standard": lambda: catalogue.say("archive_gap.case_standard"),
         "facility_care": lambda: catalogue.say("archive_gap.facility_care")}


def archive_gaps(session, scope: Scope, township_id: int, date_from: date, date_to: date, zone) -> dict:
    """Each paper the township's archive for the period should hold and does not: an agreement in force without its
    signed scan, a month's record of a household without a phone and a village's 排查表 not come back signed, a case
    销号 in the period without evidence or without its 整改标准, a facility in service without a 管护 record (a
    cleaning or a source check) in the period. Each item: kind, label (what to do), subject (whose),
    link (the page to do it on), village."""
    check_period(date_from, date_to)
    township = get_visible(session, Township, township_id, scope)
    starts, ends = (datetime.combine(day, time(), zone) for day in (date_from, date_to + timedelta(days=1)))
    items = []
    for agreement, head, village in session.execute(
            select(Agreement, Household.head_name, Village.name).join(Household, Household.id == Agreement.household_id)
            .join(Village, Village.id == Household.village_id)
            .where(Household.township_id == township.id, Agreement.status != "draft",
                   agreement_overlaps(date_from, date_to), Agreement.scan_path.is_(None))
            .order_by(Village.id, Agreement.id)):
        items.append(_item("agreement_scan", f"{village} · {head}", f"/agreements/{agreement.id}", village))
    items += _unsigned(session, township.id, date_from, date_to)
    verified = select(Case).where(Case.township_id == township.id, Case.verified_at >= starts,
                                  Case.verified_at < ends, Case.status.in_(("verified", "closed"))) \
        .options(selectinload(Case.village), selectinload(Case.household), selectinload(Case.facility)) \
        .order_by(Case.village_id, Case.id)
    no_evidence = ~exists().where(CaseEvidence.case_id == Case.id)
    for kind, condition in (("case_evidence", no_evidence), ("case_standard", Case.standard.is_(None))):
        for case in session.scalars(verified.where(condition)):
            items.append(_item(kind, _case_subject(case), f"/cases/{case.id}", case.village.name))
    cared = select(FacilityCare.facility_id).where(FacilityCare.done_on >= date_from, FacilityCare.done_on <= date_to)
    for facility, village in session.execute(
            select(Facility, Village.name).join(Village, Village.id == Facility.village_id)
            .where(Village.township_id == township.id, Facility.status != "retired", Facility.kind != "purifier",
                   Facility.id.not_in(cared)).order_by(Village.id, Facility.id)):
        items.append(_item("facility_care", f"{village} · {facility.name}", f"/facilities/{facility.id}", village))
    order = {kind: n for n, kind in enumerate(GAP_KINDS)}
    items.sort(key=lambda item: order[item["kind"]])
    return {"township_id": township.id, "from": date_from.isoformat(), "to": date_to.isoformat(), "items": items,
            "total": len(items), "by_kind": {kind: sum(1 for i in items if i["kind"] == kind) for kind in GAP_KINDS}}


def _signed(session, township_id: int, kinds: tuple[str, ...]) -> list[tuple[str, int, dict]]:
    """(kind, subject id, params) of the township's printouts of these kinds that have a signed copy on file."""
    return session.execute(select(ReportVerification.kind, ReportVerification.subject_id, ReportVerification.params)
                           .where(ReportVerification.township_id == township_id,
                                  ReportVerification.kind.in_(kinds),
                                  ReportVerification.code.in_(select(SignedCopy.code)))).all()


def _months(date_from: date, date_to: date) -> list[tuple[date, date]]:
    """Each calendar month the period touches, cut to the period."""
    months, start = [], date_from
    while start <= date_to:
        following = (start.replace(day=1) + timedelta(days=32)).replace(day=1)
        months.append((start, min(following - timedelta(days=1), date_to)))
        start = following
    return months


def _unsigned(session, township_id: int, date_from: date, date_to: date) -> list[dict]:
    """The papers a person signs that have not come back signed: each month's delivery record of a household
    without a phone (its deliveries are confirmed on paper; its own record or its village's month, signed), and each
    village's 排查表 of a year with visits (the households sign it)."""
    signed = _signed(session, township_id, ("household_deliveries", "village_month", "survey_sheet"))
    covered_households = [(subject, date.fromisoformat(p["from"]), date.fromisoformat(p["to"]))
                          for kind, subject, p in signed if kind == "household_deliveries"]
    covered_villages = {(subject, p["month"]) for kind, subject, p in signed if kind == "village_month"}
    sheets = {(subject, p["year"]) for kind, subject, p in signed if kind == "survey_sheet"}
    items = []
    delivered = session.execute(
        select(Household.id, Household.head_name, Household.village_id, Village.name, Delivery.scheduled_for)
        .join(Delivery, Delivery.household_id == Household.id).join(Village, Village.id == Household.village_id)
        # The status through coalesce(): without statistics SQLite would read the county's year of deliveries
        # through the index of statuses and days (240 ms at county scale) instead of starting from the township's
        # households without a phone (7 ms).
        .where(Household.township_id == township_id, Household.phone.is_(None),
               func.coalesce(Delivery.status, "") == "delivered",
               Delivery.scheduled_for >= date_from, Delivery.scheduled_for <= date_to)
        .distinct().order_by(Household.village_id, Household.id, Delivery.scheduled_for)).all()
    # Each month's households with a delivery, in the rows' order (village, household): one pass over the rows.
    served_in: dict[str, dict] = {}
    for household, head, village_id, village, day in delivered:
        served_in.setdefault(day.strftime("%Y-%m"), {}).setdefault(household, (head, village_id, village))
    covered_by: dict[int, list] = {}
    for household, start, end in covered_households:
        covered_by.setdefault(household, []).append((start, end))
    for first, last in _months(date_from, date_to):
        month = first.strftime("%Y-%m")
        for household, (head, village_id, village) in served_in.get(month, {}).items():
            if (village_id, month) in covered_villages or any(
                    start <= first and end >= last for start, end in covered_by.get(household, ())):
                continue
            items.append(_item("signed_record", f"{village} · {head} · {month}",
                               f"/reports/households/{household}/deliveries.pdf?from={first}&to={last}", village))
    visited = session.execute(
        select(Village.id, Village.name, extract("year", Visit.visited_on).label("year"))
        .join(Visit, Visit.village_id == Village.id)
        .where(Village.township_id == township_id, Visit.visited_on >= date_from, Visit.visited_on <= date_to)
        .distinct().order_by(Village.id)).all()
    for village_id, village, year in visited:
        if (village_id, int(year)) not in sheets:
            items.append(_item("visit_signature", f"{village} · {int(year)}",
                               f"/reports/villages/{village_id}/visits.pdf?year={int(year)}", village))
    return items


def _case_subject(case: Case) -> str:
    head = case.title or catalogue.label("case_kind", case.kind)
    subject = case.household.head_name if case.household else case.facility.name if case.facility else None
    return f"{case.village.name} · {head}" + (f"（{subject}）" if subject else "") + f" #{case.id}"


def _item(kind: str, subject: str, link: str, village: str) -> dict:
    return {"kind": kind, "label": TO_DO[kind](), "subject": subject, "link": link,
            "village": village}
