"""管护: every facility has a responsible unit and a manager, and is cleaned (and its source checked) in time.

"每一个工程都要落实责任单位和管理人员 … 做好水源保护，清理水井、净水机周边环境卫生": a facility that lacks either
has a case for its township until both are named (管护责任未落实); one last cleaned more than CLEANING_EVERY_DAYS
ago has a sanitation case until a cleaning is recorded.
"""
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, func, or_

from models import CARE_KINDS, Facility, FacilityCare, User

from .catalogue import Message
from .errors import FieldErrors
from .scope import get_for_write

EARLIEST = date(2000, 1, 1)


def care_missing_clause() -> ColumnElement[bool]:
    """SQL: a facility in service without a responsible unit or without a manager."""
    return (Facility.status != "retired") & or_(
        Facility.manager_id.is_(None), func.coalesce(func.trim(Facility.responsible_unit), "") == "")


def cleaning_overdue_clause(today: date, every_days: int) -> ColumnElement[bool]:
    """SQL: a facility in service last cleaned more than `every_days` before today (one never recorded as
    cleaned is not judged: nobody knows when it was)."""
    return (Facility.status != "retired") & (Facility.last_cleaned_on < today - timedelta(days=every_days))


def record_care(session, actor: User, facility_id: int, kind: str, done_on: date | None, note: str | None,
                today: date, now: datetime, photo=None) -> FacilityCare:
    """A cleaning (清洗消毒) or a source-protection check (水源保护检查) done at a facility, by anyone who works in its
    village; a cleaning moves the facility's last-cleaned day (the case pass then resolves its cleaning case).
    `photo()` stores the photo and gives its path."""
    facility = get_for_write(session, Facility, facility_id, actor, "report_facility")
    errors = {}
    if kind not in CARE_KINDS:
        errors["kind"] = [Message("value.one_of", choices=", ".join(CARE_KINDS))]
    if done_on is None:
        errors["done_on"] = [Message("value.required")]
    elif done_on > today:
        errors["done_on"] = [Message("date.in_future")]
    elif done_on < EARLIEST:
        errors["done_on"] = [Message("water.before_2000")]
    if errors:
        raise FieldErrors(errors)
    care = FacilityCare(facility_id=facility.id, kind=kind, done_on=done_on, note=note, actor_id=actor.id,
                        created_at=now, photo_path=photo()[0] if photo is not None else None)
    session.add(care)
    if kind == "cleaning" and (facility.last_cleaned_on is None or done_on > facility.last_cleaned_on):
        facility.last_cleaned_on = done_on
    return care
