"""Resident IDs already registered outside the caller's scope (existence probing, docs/domain.md, "Resident IDs").

The caller learns only that the ID cannot be registered here; the county administrator is told which
household and who tried. Answers of this kind are limited per user, so that nobody can test IDs one by one.
"""
from datetime import datetime, timedelta

from sqlalchemy import func, select

from models import AuditEvent, User

from . import catalogue
from .errors import FieldErrors

ACTION = "id_conflict"


class IdNumberConflict(FieldErrors):
    """An ID number registered outside the actor's scope; `household_ids` are the households it belongs to."""

    def __init__(self, household_ids: list[int]):
        super().__init__({"id_number": [catalogue.say("id_conflict")]})
        self.household_ids = household_ids


def record_id_conflicts(session, actor: User, household_ids: list[int], source: str, now: datetime,
                        per_hour: int) -> bool:
    """Record each conflict for the county (an AuditEvent the county's user page lists); True when the actor
    has had more than `per_hour` such answers in the last hour, so that the caller refuses to answer (the
    conflicts are recorded all the same: the county sees the probing)."""
    before = session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.actor_id == actor.id, AuditEvent.action == ACTION, AuditEvent.at >= now - timedelta(hours=1)))
    session.add_all(AuditEvent(actor_id=actor.id, action=ACTION, entity="households", entity_id=household_id,
                               before=None, after={"source": source, "township_id": actor.township_id}, at=now)
                    for household_id in household_ids)
    return before + len(household_ids) > per_hour


def recent_conflicts(session, limit: int = 100) -> list[AuditEvent]:
    """The latest conflicts, newest first, for the county administrator."""
    return session.scalars(select(AuditEvent).where(AuditEvent.action == ACTION)
                           .order_by(AuditEvent.id.desc()).limit(limit)).all()
