"""Repair times of purifiers and wells: days from broken (or low-yield) back to working, per township."""
import math
from statistics import median

from sqlalchemy import ColumnElement, exists, literal, select

from models import ACTIVE_CASE_STATUSES, FAILED_STATUSES, Case, Facility, FacilityStatusChange

from .scope import Scope


def under_repair() -> ColumnElement[bool]:
    """SQL, of the Facility in the enclosing query: it has failed and its repair case is active and not past its
    deadline (not yet escalated). Until then its households get 应急送水 under that case; after it, each one
    that needs delivery without an agreement is a gap of its own (docs/domain.md, "A facility fails")."""
    return Facility.status.in_(FAILED_STATUSES) & exists().where(
        Case.dedupe_key == literal("facility:") + Facility.id.cast(Case.dedupe_key.type),
        Case.status.in_(ACTIVE_CASE_STATUSES), Case.escalated_on.is_(None))


def record_status_change(session, actor, facility: Facility, old_status: str | None, now) -> None:
    """One FacilityStatusChange (the source of repair times), stamping the facility with the moment."""
    facility.status_changed_at = now
    session.add(FacilityStatusChange(facility_id=facility.id, from_status=old_status, to_status=facility.status,
                                     at=now, actor_id=actor.id if actor else None))


def nearest_rank(values: list[float], percentile: float) -> float:
    """The nearest-rank percentile (defined for any non-empty list, unlike interpolating quantiles)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(percentile / 100 * len(ordered)) - 1)]


def repair_times(session, scope: Scope) -> list[dict]:
    """Per township: how many repairs finished, and the median and 90th-percentile days they took."""
    rows = session.execute(
        scope.restrict(select(Facility.township_id, FacilityStatusChange.facility_id, FacilityStatusChange.to_status,
                              FacilityStatusChange.at), Facility)
        .join(Facility, Facility.id == FacilityStatusChange.facility_id)
        .where(Facility.kind.in_(("purifier", "well")))
        .order_by(FacilityStatusChange.facility_id, FacilityStatusChange.at, FacilityStatusChange.id)
    ).all()
    durations: dict[int, list[float]] = {}
    broken_since, township_of = {}, {}
    for township_id, facility_id, status, at in rows:
        township_of[facility_id] = township_id
        durations.setdefault(township_id, [])
        if status in FAILED_STATUSES:
            broken_since.setdefault(facility_id, at)
        elif facility_id in broken_since:  # back to working, or retired: the episode ends either way
            started = broken_since.pop(facility_id)
            if status == "working":
                durations[township_id].append((at - started).total_seconds() / 86400)
    still_broken: dict[int, int] = {}
    for facility_id in broken_since:
        still_broken[township_of[facility_id]] = still_broken.get(township_of[facility_id], 0) + 1
    return [{"township_id": township_id, "repairs": len(days), "still_broken": still_broken.get(township_id, 0),
             "median_days": round(median(days), 1) if days else None,
             "p90_days": round(nearest_rank(days, 90), 1) if days else None}
            for township_id, days in sorted(durations.items())]
