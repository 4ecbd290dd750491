"""Needs delivery (需送水): derived from a household's access to water, never typed in (docs/domain.md)."""
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, func, or_, select

from models import FAILED_STATUSES, LEFT_STATUSES, Facility, Household

from .monitored import monitored_clause

REASONS = ("distance", "vertical", "round_trip", "no_self_care", "source_failed")


@dataclass(frozen=True)
class Thresholds:
    """Above these a household needs delivery (T/CHES 18-2018 'basically meets' limits by default)."""

    distance_m: float = 800
    vertical_m: float = 80
    round_trip_min: float = 20


def needs_delivery_reasons(
    thresholds: Thresholds,
    *,
    distance_m: float | None,
    vertical_m: float | None,
    round_trip_min: float | None,
    self_care: bool,
    source_status: str | None,
    piped: bool = False,
) -> list[str]:
    """The reasons, in REASONS order, why a household with these values needs delivery; water `piped` into the home
    (城乡供水一体化) leaves no distance, climb or round trip to fetch it."""
    reasons = []
    if not piped and distance_m is not None and distance_m > thresholds.distance_m:
        reasons.append("distance")
    if not piped and vertical_m is not None and vertical_m > thresholds.vertical_m:
        reasons.append("vertical")
    if not piped and round_trip_min is not None and round_trip_min > thresholds.round_trip_min:
        reasons.append("round_trip")
    if not self_care:
        reasons.append("no_self_care")
    if source_status in FAILED_STATUSES:
        reasons.append("source_failed")
    return reasons


def household_reasons(household: Household, thresholds: Thresholds) -> list[str]:
    """needs_delivery_reasons for a loaded household (load `water_source_facility` with it in lists); none for a
    household no longer monitored (it keeps its records, not our delivery)."""
    if household.monitoring_status in LEFT_STATUSES:
        return []
    source = household.water_source_facility
    return needs_delivery_reasons(
        thresholds,
        distance_m=household.distance_m,
        vertical_m=household.vertical_m,
        round_trip_min=household.round_trip_min,
        self_care=household.self_care,
        source_status=source.status if source is not None else None,
        piped=household.piped_since is not None,
    )


def lasting_reasons_clause(thresholds: Thresholds, on: date | None = None) -> ColumnElement[bool]:
    """SQL: the household needs delivery for a reason other than its source being down (distance, height, the
    round trip, unless its water is piped in (today, or by the day `on`); no self-care)."""
    fetched = Household.piped_since.is_(None)  # water piped into the home is not fetched
    if on is not None:
        fetched = fetched | (Household.piped_since > on)
    return or_(
        fetched & (func.coalesce(Household.distance_m, 0) > thresholds.distance_m),
        fetched & (func.coalesce(Household.vertical_m, 0) > thresholds.vertical_m),
        fetched & (func.coalesce(Household.round_trip_min, 0) > thresholds.round_trip_min),
        Household.self_care.is_(False),
    )


def source_failed_clause(facilities=None) -> ColumnElement[bool]:
    """SQL: the household's water source has failed (among `facilities`, a select of Facility ids, if given)."""
    failed = facilities if facilities is not None else select(Facility.id).where(Facility.status.in_(FAILED_STATUSES))
    return func.coalesce(Household.water_source_id.in_(failed), False)


def needs_delivery_clause(thresholds: Thresholds, on: date | None = None) -> ColumnElement[bool]:
    """The same rule as household_reasons, as one SQL condition on households (never NULL): monitored today (or on
    the day `on`, its access read as it is now) and in need."""
    return monitored_clause(on) & or_(lasting_reasons_clause(thresholds, on), source_failed_clause())
