"""The monthly bulletin (月度通报) of a region: its children ranked on the dashboard's score as of the day it is
printed, the worst of each scored figure named, the cases opened and verified (销号) in the month, and the cases
overdue on the day it is printed."""
from datetime import date, datetime, time, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import selectinload

from models import Case, Region, Village

from .case_rules import overdue_clause
from .ledger import time_limit
from .dashboard import dashboard, totals_of
from .periods import month_period
from .regions import SCORED, children_of
from .errors import NotFound
from .scope import Scope, get_visible, townships_under

OVERDUE_LISTED = 30  # the oldest overdue cases a bulletin names; the count says how many there are in all


def bulletin(session, scope: Scope, region_id: int, month: str, today: date, thresholds, zone,
             cleaning_every_days: int = 90) -> dict:
    """The bulletin of `region_id` for `month` (YYYY-MM), as of `today`."""
    first, last = month_period(month)
    region = get_visible(session, Region, region_id, scope)
    townships = townships_under(session, region.id)
    if not all(scope.covers(township_id) for township_id in townships):  # another region's: not this login's to rank
        raise NotFound("record.not_found", kind="region", id=region_id)
    figures = dashboard(session, scope, today, thresholds, None, None, zone, cleaning_every_days, townships)
    children = children_of(session, region, figures["townships"], totals_of)
    starts, ends = (datetime.combine(day, time(), zone) for day in (first, last + timedelta(days=1)))
    in_month = lambda column: (column >= starts) & (column < ends)  # noqa: E731
    opened, verified = session.execute(select(func.count(case((in_month(Case.created_at), 1))),
                                              func.count(case((in_month(Case.verified_at), 1))))
                                       .where(Case.township_id.in_(townships))).one()
    overdue = session.scalars(select(Case).where(Case.township_id.in_(townships), overdue_clause(today))
                              .options(selectinload(Case.village).selectinload(Village.township))
                              .order_by(Case.deadline, Case.id).limit(OVERDUE_LISTED)).all()
    worst = {}
    for name in SCORED:
        rated = [child for child in children if child.get(name) is not None]
        if rated:
            low = min(rated, key=lambda child: child[name])
            worst[name] = {"name": low["name"], "value": low[name]}
    keep = ("households", "open_cases", "overdue_cases", "gaps", "survey_coverage", "supply_assurance",
            "water_quality_pass_rate")
    return {"kind": "bulletin", "subject_id": region.id, "township_id": None,
            "params": {"month": month, "as_of": today.isoformat()},
            "region": {"id": region.id, "name": region.name, "code": region.code, "level": region.level},
            "children": [{"name": c["name"], "kind": c["kind"], "rank": c["rank"], "score": c["score"],
                          **{key: c[key] for key in keep}} for c in children],
            "totals": {**{key: figures["overall"][key] for key in keep}, "opened": opened, "verified": verified},
            "worst": worst,
            "overdue": [{"id": c.id, "township": c.village.township.name, "village": c.village.name,
                         "title": c.title, "kind": c.kind, "deadline": time_limit(c),
                         "lead_unit": c.lead_unit} for c in overdue]}
