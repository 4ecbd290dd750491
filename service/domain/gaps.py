"""Gaps (未签协议): households that need delivery and have no active agreement, except while the only reason is
their source being down and under repair (they get 应急送水 under its repair case)."""
from datetime import date

from sqlalchemy import ColumnElement, exists, or_, select

from models import Agreement, Facility, Household

from .needs_delivery import Thresholds, lasting_reasons_clause, needs_delivery_clause, source_failed_clause
from .repairs import under_repair


def in_force_on(day: date) -> ColumnElement[bool]:
    """SQL: the agreement was signed and in force on `day` (one ended early carries its last day in `end_on`)."""
    return Agreement.status.in_(("active", "expired", "terminated")) & Agreement.signed_on.is_not(None) & \
        (Agreement.start_on <= day) & or_(Agreement.end_on >= day,
                                          Agreement.end_on.is_(None) & (Agreement.status == "active"))


def has_active_agreement(on: date | None = None) -> ColumnElement[bool]:
    """SQL: the household (in the enclosing query) has an active agreement (today), or one in force on `on`."""
    return exists().where(Agreement.household_id == Household.id,
                          Agreement.status == "active" if on is None else in_force_on(on))


def emergency_clause(thresholds: Thresholds, on: date | None = None) -> ColumnElement[bool]:
    """SQL: the household needs delivery only because its source is down and under repair (应急送水)."""
    return source_failed_clause(select(Facility.id).where(under_repair())) & ~lasting_reasons_clause(thresholds, on)


def gap_clause(thresholds: Thresholds, on: date | None = None) -> ColumnElement[bool]:
    """SQL: the household needs delivery, has no active agreement (未签协议), and is not an emergency delivery of a
    facility under repair; today, or on the day `on` (monitoring and agreements as they were, access as it is)."""
    return needs_delivery_clause(thresholds, on) & ~has_active_agreement(on) & ~emergency_clause(thresholds, on)
