"""Which households a figure counts: those on the monitoring list today, or on a given day (domain/monitoring.py
keeps the list)."""
from datetime import date

from sqlalchemy import ColumnElement, or_, select

from models import Household, MonitoringPeriod


def monitored_clause(on: date | None = None) -> ColumnElement[bool]:
    """SQL: the household is on the monitoring list today (`on` None) or was on the day `on`."""
    if on is None:
        return Household.monitoring_status == "monitored"
    return monitored_during(on, on)


def monitored_during(first: date, last: date) -> ColumnElement[bool]:
    """SQL: the household was on the monitoring list on some day from `first` to `last`."""
    current = or_(Household.monitored_since.is_(None), Household.monitored_since <= last) & \
        or_(Household.left_on.is_(None), Household.left_on > first)
    earlier = Household.id.in_(select(MonitoringPeriod.household_id).where(
        or_(MonitoringPeriod.entered_on.is_(None), MonitoringPeriod.entered_on <= last),
        MonitoringPeriod.left_on > first))
    return current | earlier
