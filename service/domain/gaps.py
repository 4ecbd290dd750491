"""Gaps (未签协议): households that need delivery and have no active agreement."""
from sqlalchemy import ColumnElement, exists

from models import Agreement, Household

from .needs_delivery import Thresholds, needs_delivery_clause


def has_active_agreement() -> ColumnElement[bool]:
    """SQL: the household (in the enclosing query) has an active agreement."""
    return exists().where(Agreement.household_id == Household.id, Agreement.status == "active")


def gap_clause(thresholds: Thresholds) -> ColumnElement[bool]:
    """SQL: the household needs delivery and has no active agreement (未签协议)."""
    return needs_delivery_clause(thresholds) & ~has_active_agreement()
