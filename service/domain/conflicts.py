"""Resident IDs already registered outside the caller's scope (existence probing, SPEC §2 protection).

The caller learns only that the ID cannot be registered here; the county administrator is told which
household and who tried. Answers of this kind are limited per user, so that nobody can test IDs one by one.
"""
from datetime import datetime, timedelta

from sqlalchemy import func, select

from models import AuditEvent, User

from ..errors import FieldErrors, TooManyRequests

ACTION = "id_conflict"
MESSAGE = "该身份证号不能在此登记，已通知县级管理员"


class IdNumberConflict(FieldErrors):
    """An ID number registered outside the actor's scope; `household_ids` are the households it belongs to."""

    def __init__(self, household_ids: list[int]):
        super().__init__({"id_number": [MESSAGE]})
        self.household_ids = household_ids


def record_id_conflicts(session, actor: User, household_ids: list[int], source: str, now: datetime,
                        per_hour: int) -> None:
    """Record each conflict for the county (an AuditEvent the county's user page lists); TooManyRequests
    when the actor has had more than `per_hour` such answers in the last hour (the conflicts are still
    recorded: the county sees the probing)."""
    before = session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.actor_id == actor.id, AuditEvent.action == ACTION, AuditEvent.at >= now - timedelta(hours=1)))
    session.add_all(AuditEvent(actor_id=actor.id, action=ACTION, entity="households", entity_id=household_id,
                               before=None, after={"source": source, "township_id": actor.township_id}, at=now)
                    for household_id in household_ids)
    if before + len(household_ids) > per_hour:
        session.commit()
        raise TooManyRequests("查询过于频繁，请一小时后再试", retry_after=3600)


def recent_conflicts(session, limit: int = 100) -> list[AuditEvent]:
    """The latest conflicts, newest first, for the county administrator."""
    return session.scalars(select(AuditEvent).where(AuditEvent.action == ACTION)
                           .order_by(AuditEvent.id.desc()).limit(limit)).all()
