"""The last year, week by week and month by month: what the dashboard's and the township summary's pictures show."""
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, func, or_, select

from models import ACTIVE_CASE_STATUSES, Case, Delivery, Facility, Household
from models.base import as_utc

from .gaps import has_active_agreement
from .geo import local_m
from .needs_delivery import Thresholds, needs_delivery_clause
from .scope import Scope
from .sql import count_if
from .monitored import monitored_clause


def week_ends(today: date, weeks: int) -> list[date]:
    """The last `weeks` Sundays up to today (today counts as the end of the week it is in)."""
    this_sunday = today + timedelta(days=7 - today.isoweekday())
    return [min(this_sunday - timedelta(weeks=n), today) for n in reversed(range(weeks))]


def case_backlog(session, scope: Scope, today: date, zone, weeks: int = 52) -> list[tuple[date, int]]:
    """How many cases were still open (opened, not yet verified 销号) at the end of each of the last `weeks`
    weeks: (last day of the week, count). Counted by the database in one pass over the cases (a province's tens of
    thousands are not read here)."""
    ends = week_ends(today, weeks)
    end_of = [datetime.combine(end + timedelta(days=1), time(), zone) for end in ends]
    # A case still active ends after any week; one verified (or closed) ends when it was verified, and never before
    # it was opened (so that no week counts below zero, whatever the records say).
    done = Case.status.not_in(ACTIVE_CASE_STATUSES) & Case.verified_at.is_not(None)
    counts = session.execute(scope.restrict(select(*(
        count_if((Case.created_at < at) & ~(done & (Case.verified_at < at))) for at in end_of)), Case)
        .where(Case.created_at < end_of[-1])).one()
    return list(zip(ends, counts))


def month_starts(today: date, months: int) -> list[date]:
    """The first days of the last `months` months, oldest first, this month last."""
    starts, first = [], today.replace(day=1)
    for _ in range(months):
        starts.append(first)
        first = (first - timedelta(days=1)).replace(day=1)
    return list(reversed(starts))


def deliveries_on_time(session, scope: Scope, today: date, zone, months: int = 12) -> list[dict]:
    """Per month (up to yesterday): planned deliveries delivered on their day, delivered on a later day (logged
    late, 补登), and missed; and the percent on time of those due.

    Counted per day in the database; only the days whose latest delivery came after the day ended (late logs are
    the exception) have their late deliveries read one by one."""
    starts = month_starts(today, months)
    due = (~Delivery.unplanned, Delivery.scheduled_for >= starts[0], Delivery.scheduled_for < today)
    figures = {start: {"month": start, "on_time": 0, "late": 0, "missed": 0} for start in starts}
    day_end = lambda day: datetime.combine(day + timedelta(days=1), time(), zone)  # noqa: E731
    late_days = {}
    for day, status, count, latest in session.execute(
            scope.restrict(select(Delivery.scheduled_for, Delivery.status, func.count(),
                                  func.max(Delivery.delivered_at)), Delivery)
            .where(*due, Delivery.status.in_(("delivered", "missed"))).group_by(Delivery.scheduled_for,
                                                                                Delivery.status)):
        month = figures[day.replace(day=1)]
        if status == "missed":
            month["missed"] += count
            continue
        month["on_time"] += count
        if latest is not None and as_utc(latest) >= day_end(day):
            late_days[day] = day_end(day)
    if late_days:
        late = or_(*(and_(Delivery.scheduled_for == day, Delivery.delivered_at >= end)
                     for day, end in late_days.items()))
        for day, count in session.execute(
                scope.restrict(select(Delivery.scheduled_for, func.count()), Delivery)
                .where(*due, Delivery.status == "delivered", late).group_by(Delivery.scheduled_for)):
            month = figures[day.replace(day=1)]
            month["on_time"] -= count
            month["late"] += count
    for month in figures.values():
        counted = month["on_time"] + month["late"] + month["missed"]
        month["percent_on_time"] = round(100 * month["on_time"] / counted, 1) if counted else None
    return list(figures.values())


def village_map(session, village_id: int, thresholds: Thresholds) -> dict:
    """The village's working central water points and its households with coordinates, in meters east and north of
    the points' middle (of the households' when it has none): households grouped into `gap` (needs delivery, no
    active agreement), `served` (needs delivery, agreement active) and `fine` (needs none)."""
    points = session.execute(select(Facility.name, Facility.lat, Facility.lon).where(
        Facility.village_id == village_id, Facility.kind == "central_point", Facility.status == "working",
        Facility.lat.is_not(None), Facility.lon.is_not(None)).order_by(Facility.id)).all()
    homes = session.execute(select(Household.head_name, Household.lat, Household.lon,
                                   needs_delivery_clause(thresholds), has_active_agreement())
                            .where(Household.village_id == village_id, monitored_clause(), Household.lat.is_not(None),
                                   Household.lon.is_not(None)).order_by(Household.id)).all()
    anchors = points or homes
    if not anchors:
        return {"points": [], "groups": {"gap": [], "served": [], "fine": []}}
    origin = (sum(row.lat for row in anchors) / len(anchors), sum(row.lon for row in anchors) / len(anchors))
    groups: dict[str, list] = {"gap": [], "served": [], "fine": []}
    for name, lat, lon, needs, served in homes:
        groups["fine" if not needs else "served" if served else "gap"].append((name, *local_m(lat, lon, *origin)))
    return {"points": [(name, *local_m(lat, lon, *origin)) for name, lat, lon in points], "groups": groups}
