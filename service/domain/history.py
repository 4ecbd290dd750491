"""A household's history as its page lists it: its cases, its deliveries and its survey visits, newest first, each
with what a person needs to recognise it."""
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from models import Case, Delivery, User, Visit

from .deliveries import effective_values


@dataclass(frozen=True)
class Entry:
    """One line of the history: a case (`case`), a delivery (`delivery`) or a visit (`visit`) on a day."""

    kind: str
    day: date
    at: datetime | None
    record: Case | Delivery | Visit
    liters: int | None = None


def household_history(session, household_id: int, today: date, zone, limit: int = 30) -> list[Entry]:
    """The household's `limit` latest cases and deliveries up to today (planned ones ahead are not history), by
    the local day (`zone`) each happened on."""
    cases = session.scalars(select(Case).where(Case.household_id == household_id)
                            .order_by(Case.created_at.desc()).limit(limit)).all()
    deliveries = session.scalars(
        select(Delivery).where(Delivery.household_id == household_id, Delivery.scheduled_for <= today)
        .options(selectinload(Delivery.corrections))
        .order_by(Delivery.scheduled_for.desc(), Delivery.id.desc()).limit(limit)).all()
    entries = [Entry("case", case.created_at.astimezone(zone).date(), case.created_at, case) for case in cases]
    for delivery in deliveries:
        values = effective_values(delivery)
        entries.append(Entry("delivery", delivery.scheduled_for, values["delivered_at"], delivery,
                             values["liters"] if delivery.status == "delivered" else None))
    visits = session.scalars(select(Visit).where(Visit.household_id == household_id)
                             .options(selectinload(Visit.surveyor).selectinload(User.staff))
                             .order_by(Visit.visited_on.desc(), Visit.id.desc()).limit(limit)).all()
    entries += [Entry("visit", visit.visited_on, visit.created_at, visit) for visit in visits]
    entries.sort(key=lambda entry: (entry.day, entry.kind != "delivery"), reverse=True)
    return entries[:limit]
