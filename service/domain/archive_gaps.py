"""What a township's archive (档案资料) still lacks for a period: every paper that should exist and does not, each
saying what to do and where ("需要进一步完善补充的档案资料…务必收集整理到位…以备上级调阅检查")."""
from datetime import date, datetime, time, timedelta

from sqlalchemy import exists, select
from sqlalchemy.orm import selectinload

from models import Agreement, Case, CaseEvidence, Facility, FacilityCare, Household, Township, Village

from . import catalogue
from .agreements import agreement_overlaps
from .periods import check_period
from .scope import Scope, get_visible

# The kinds of missing paper, in the order an inspector reads them, each with what to do about it.
GAP_KINDS = ("agreement_scan", "case_evidence", "case_standard", "facility_care")
TO_DO = {"agreement_scan": "archive_gap.agreement_scan", "case_evidence": "archive_gap.case_evidence",
         "case_standard": "archive_gap.case_standard", "facility_care": "archive_gap.facility_care"}


def archive_gaps(session, scope: Scope, township_id: int, date_from: date, date_to: date, zone) -> dict:
    """Each paper the township's archive for the period should hold and does not: an agreement in force without its
    signed scan, a case 销号 in the period without evidence or without its 整改标准, a facility in service without a
    管护 record (a cleaning or a source check) in the period. Each item: kind, label (what to do), subject (whose),
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


def _case_subject(case: Case) -> str:
    head = case.title or catalogue.label("case_kind", case.kind)
    subject = case.household.head_name if case.household else case.facility.name if case.facility else None
    return f"{case.village.name} · {head}" + (f"（{subject}）" if subject else "") + f" #{case.id}"


def _item(kind: str, subject: str, link: str, village: str) -> dict:
    return {"kind": kind, "label": catalogue.say(TO_DO[kind]), "subject": subject, "link": link,
            "village": village}
