"""Gaps (未签协议): households that need delivery and have no active agreement, except while the only reason is
their source being down and under repair (they get 应急送水 under its repair case)."""
from sqlalchemy import ColumnElement, exists, select

from models import Agreement, Facility, Household

from .needs_delivery import Thresholds, lasting_reasons_clause, needs_delivery_clause, source_failed_clause
from .repairs import under_repair


def has_active_agreement() -> ColumnElement[bool]:
    """SQL: the household (in the enclosing query) has an active agreement."""
    return exists().where(Agreement.household_id == Household.id, Agreement.status == "active")


def emergency_clause(thresholds: Thresholds) -> ColumnElement[bool]:
    """SQL: the household needs delivery only because its source is down and under repair (应急送水)."""
    return source_failed_clause(select(Facility.id).where(under_repair())) & ~lasting_reasons_clause(thresholds)


def gap_clause(thresholds: Thresholds) -> ColumnElement[bool]:
    """SQL: the household needs delivery, has no active agreement (未签协议), and is not an emergency delivery of a
    facility under repair."""
    return needs_delivery_clause(thresholds) & ~has_active_agreement() & ~emergency_clause(thresholds)
