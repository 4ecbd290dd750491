"""The monthly bulletin (一月一通报) of a region: its children ranked on the dashboard's score, the worst of each
scored figure named, the ledger's statistics, the cases opened and verified (销号) in the month, and the cases
overdue, all as of the month's last day; with its 文号, issuing body and date. A past month's bulletin is kept as
issued (on the 1st, by the `keep_bulletins` job, or when first printed), and prints the same ever after."""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Select, case, exists, func, select
from sqlalchemy.orm import aliased, selectinload

from models import UNRESOLVED_CASE_STATUSES, Case, CaseEvent, KeptBulletin, Region, Village

from . import catalogue
from .case_rules import Upkeep, overdue_clause
from .ledger import case_statistics, time_limit
from .dashboard import dashboard, totals_of
from .periods import month_period
from .regions import SCORED, children_of
from .errors import NotFound
from .scope import Scope, get_visible, townships_under

OVERDUE_LISTED = 30  # the oldest overdue cases a bulletin names; the count says how many there are in all


@dataclass(frozen=True)
class BulletinStyle:
    """How a county writes its bulletin's issuing body and 文号 (BULLETIN_ISSUER, BULLETIN_NO): `{region}` is the
    region's name, `{year}` and `{number}` the month's year and number."""

    issuer: str = "{region}农村供水保障工作领导小组办公室"
    number: str = "{region}饮水通〔{year}〕{number}号"


BULLETIN_LEVELS = ("province", "city", "county")


def bulletin(session, scope: Scope, region_id: int, month: str, today: date, thresholds, zone,
             upkeep: Upkeep = Upkeep(), style: BulletinStyle = BulletinStyle()) -> dict:
    """The bulletin of `region_id` for `month` (YYYY-MM) printed on `today`: a past month's as kept (kept now if it
    was not yet), counted as of its last day; this month's so far, as of `today`, not kept."""
    last = month_period(month)[1]
    if last >= today:
        return bulletin_record(session, scope, region_id, month, today, today, thresholds, zone, upkeep,
                               style)
    _region_in_scope(session, scope, region_id)  # a kept bulletin is read only where it could be printed
    kept = kept_bulletin(session, region_id, month)
    if kept is None and last < today.replace(day=1) - timedelta(days=1):
        # Older than last month and never issued: counted as of its last day, but not kept as if issued today.
        return bulletin_record(session, scope, region_id, month, last, today, thresholds, zone, upkeep,
                               style)
    if kept is None:
        kept = bulletin_record(session, scope, region_id, month, last, today, thresholds, zone, upkeep,
                               style)
        session.add(KeptBulletin(region_id=region_id, month=month, bulletin_no=kept["bulletin_no"], issued_on=today,
                                 record=kept))
        session.flush()
    return kept


def _region_in_scope(session, scope: Scope, region_id: int) -> tuple[Region, list[int]]:
    """The region and its townships, when every one of them is inside the scope (NotFound otherwise: another
    region's bulletin is not this login's to read)."""
    region = get_visible(session, Region, region_id, scope)
    townships = townships_under(session, region.id)
    if not all(scope.covers(township_id) for township_id in townships):
        raise NotFound("record.not_found", kind="region", id=region_id)
    return region, townships


def kept_bulletin(session, region_id: int, month: str) -> dict | None:
    """The bulletin of a past month as it was issued, if it was."""
    return session.scalar(select(KeptBulletin.record).where(KeptBulletin.region_id == region_id,
                                                            KeptBulletin.month == month))


def keep_bulletins(session, scope: Scope, today: date, thresholds, zone, upkeep: Upkeep,
                   style: BulletinStyle) -> int:
    """Issue and keep last month's bulletin of every county, city and province not yet kept (the job runs daily, so
    a day missed on the 1st is made up); returns how many were kept."""
    month = (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    regions = session.scalars(select(Region.id).where(Region.level.in_(BULLETIN_LEVELS)).where(
        ~Region.id.in_(select(KeptBulletin.region_id).where(KeptBulletin.month == month)))).all()
    for region_id in regions:
        bulletin(session, scope, region_id, month, today, thresholds, zone, upkeep, style)
    return len(regions)


def cases_as_of(townships: list[int], until: datetime) -> Select:
    """The cases of `townships` opened before `until`, each with the status it had then (the last move of its history
    before it; open when its moves all came after), as rows of the cases' columns: what a count of cases at a past
    moment reads."""
    move = aliased(CaseEvent)
    last_move = (select(func.max(move.id)).where(move.case_id == Case.id, move.to_status.is_not(None), move.at < until)
                 .correlate(Case).scalar_subquery())
    # A case without any recorded move (written in by an import or a migration) is taken as it stands.
    moved = exists().where(CaseEvent.case_id == Case.id, CaseEvent.to_status.is_not(None)).correlate(Case)
    status_then = func.coalesce(
        select(CaseEvent.to_status).where(CaseEvent.id == last_move).correlate(Case).scalar_subquery(),
        case((moved, "open"), else_=Case.status))
    columns = [status_then.label("status") if column.name == "status" else column for column in Case.__table__.c]
    return select(*columns).where(Case.township_id.in_(townships), Case.created_at < until)


def _cases_then(session, figures: dict, then: Select, as_of: date) -> None:
    """The dashboard's case figures of each township (and all of them) replaced by those of the cases as they were
    (a case opened after is not in them; a status is the one it had then)."""
    case_then = then.subquery().c  # by column: an aliased entity would not map the status worked out
    counts = {row[0]: row[1:] for row in session.execute(
        select(case_then.township_id, func.count().filter(case_then.status.in_(UNRESOLVED_CASE_STATUSES)),
               func.count().filter(overdue_clause(as_of, case_then))).group_by(case_then.township_id))}
    for township in figures["townships"]:
        township["open_cases"], township["overdue_cases"] = counts.get(township["township_id"], (0, 0))
    figures["overall"]["open_cases"] = sum(t["open_cases"] for t in figures["townships"])
    figures["overall"]["overdue_cases"] = sum(t["overdue_cases"] for t in figures["townships"])


def bulletin_record(session, scope: Scope, region_id: int, month: str, as_of: date, issued_on: date, thresholds,
                    zone, upkeep: Upkeep = Upkeep(), style: BulletinStyle = BulletinStyle()) -> dict:
    """The bulletin's record counted as of `as_of` and issued on `issued_on`, without keeping it."""
    region, townships = _region_in_scope(session, scope, region_id)
    first, last = month_period(month)
    until = datetime.combine(as_of + timedelta(days=1), time(), zone)
    figures = dashboard(session, scope, as_of, thresholds, None, None, zone, upkeep, townships,
                        dated=True)
    then = cases_as_of(townships, until)
    _cases_then(session, figures, then, as_of)
    children = children_of(session, region, figures["townships"], totals_of)
    starts, ends = (datetime.combine(day, time(), zone) for day in (first, last + timedelta(days=1)))
    in_month = lambda column: (column >= starts) & (column < ends)  # noqa: E731
    opened, verified = session.execute(select(func.count(case((in_month(Case.created_at), 1))),
                                              func.count(case((in_month(Case.verified_at), 1))))
                                       .where(Case.township_id.in_(townships))).one()
    late = then.subquery()
    overdue = session.scalars(select(Case).join(late, late.c.id == Case.id).where(overdue_clause(as_of, late.c))
                              .options(selectinload(Case.village).selectinload(Village.township))
                              .order_by(Case.deadline, Case.id).limit(OVERDUE_LISTED)).all()
    if len(children) < 2:  # one county (or township) is not ranked, nor named the lowest of itself
        for child in children:
            child["rank"] = None
    worst = {}
    for name in SCORED if len(children) >= 2 else ():
        rated = [child for child in children if child.get(name) is not None]
        if rated:
            low = min(rated, key=lambda child: child[name])
            worst[name] = {"name": low["name"], "value": low[name]}
    keep = ("households", "open_cases", "overdue_cases", "gaps", "survey_coverage", "supply_assurance",
            "water_quality_pass_rate")
    statistics = case_statistics(session, then, "source", as_of, catalogue.RECORD_LOCALE)
    year, number = month.split("-")
    names = {"region": region.name, "year": year, "number": int(number)}
    return {"kind": "bulletin", "subject_id": region.id, "township_id": None,
            "params": {"month": month, "as_of": as_of.isoformat(), "issued_on": issued_on.isoformat(),
                       "issuer": style.issuer, "number": style.number},
            "bulletin_no": style.number.format(**names), "issuer": style.issuer.format(**names),
            "region": {"id": region.id, "name": region.name, "code": region.code, "level": region.level},
            "children": [{"name": c["name"], "kind": c["kind"], "rank": c["rank"], "score": c["score"],
                          **{key: c[key] for key in keep}} for c in children],
            "totals": {**{key: figures["overall"][key] for key in keep}, "opened": opened, "verified": verified,
                       "statistics": {"rows": statistics["rows"], "sentence": statistics["sentence"]}},
            "worst": worst,
            "overdue": [{"id": c.id, "township": c.village.township.name, "village": c.village.name,
                         "title": c.title, "kind": c.kind, "deadline": time_limit(c),
                         "lead_unit": c.lead_unit} for c in overdue]}
