"""Resident IDs and phone numbers looked up outside the caller's scope (existence probing, docs/domain.md,
"Resident IDs").

Whether a number is registered in another township ("elsewhere") or nowhere, the caller is answered the same; the
county administrator is told which record and who tried (a number found nowhere is recorded too, as probing). Each
such answer counts toward an hourly limit per user, and past it every look-up of a number by that user is refused
(429) before it is made, so that not even the limit tells "elsewhere" from "nowhere".
"""
from datetime import datetime, timedelta

from sqlalchemy import func, select

from models import AuditEvent, User

from .catalogue import Message
from .errors import FieldErrors, TooManyRequests

ACTION = "id_conflict"
NOWHERE = 0  # the entity id recorded for a number registered nowhere


class RegisteredElsewhere(FieldErrors):
    """A number (resident ID, phone) registered outside the actor's scope: `found` are (entity, id) pairs."""

    def __init__(self, field: str, message: Message, found: list[tuple[str, int]]):
        super().__init__({field: [message]})
        self.found = found


class IdNumberConflict(RegisteredElsewhere):
    """A resident ID registered outside the actor's scope, in `household_ids`."""

    def __init__(self, household_ids: list[int]):
        super().__init__("id_number", Message("id_conflict"), [("households", i) for i in household_ids])


class PhoneConflict(RegisteredElsewhere):
    """A staff phone registered outside the actor's scope, by `staff_ids`."""

    def __init__(self, staff_ids: list[int]):
        super().__init__("phone", Message("phone_conflict"), [("staff", i) for i in staff_ids])


def _answers_this_hour(session, actor: User, now: datetime) -> int:
    return session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.actor_id == actor.id, AuditEvent.action == ACTION, AuditEvent.at >= now - timedelta(hours=1)))


def refuse_while_probing(session, actor: User, now: datetime, per_hour: int) -> None:
    """TooManyRequests when the actor has had `per_hour` such answers in the last hour: called before any look-up
    of a number outside the caller's scope, so that a number registered elsewhere and one registered nowhere are
    refused alike."""
    if _answers_this_hour(session, actor, now) >= per_hour:
        raise TooManyRequests("id_conflict.throttled", retry_after=3600)


def record_id_conflicts(session, actor: User, found: list[tuple[str, int]], source: str, now: datetime,
                        per_hour: int) -> bool:
    """Record each look-up that found a number outside the actor's scope, or nowhere (`(entity, NOWHERE)`), for the
    county (an AuditEvent the county's user page lists); True when the actor has had more than `per_hour` such
    answers in the last hour, so that the caller refuses to answer (recorded all the same)."""
    before = _answers_this_hour(session, actor, now)
    session.add_all(AuditEvent(actor_id=actor.id, action=ACTION, entity=entity, entity_id=record_id,
                               before=None, after={"source": source, "township_id": actor.township_id}, at=now)
                    for entity, record_id in found)
    return before + len(found) > per_hour


def recent_conflicts(session, limit: int = 100) -> list[AuditEvent]:
    """The latest conflicts, newest first, for the county administrator."""
    return session.scalars(select(AuditEvent).where(AuditEvent.action == ACTION)
                           .order_by(AuditEvent.id.desc()).limit(limit)).all()
