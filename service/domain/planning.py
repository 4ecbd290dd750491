"""Planning deliveries from active agreements, and marking the ones not logged as missed.

See docs/domain.md, "Agreements and deliveries".
"""
from datetime import date, timedelta

from sqlalchemy import delete, exists, or_, select, true, update
from sqlalchemy.orm import aliased

from models import Agreement, Delivery, Household

from .system_cases import open_missed_delivery_cases
from .rules import Rules
from .sms import alert_missed
from .sql import insert_ignoring_duplicates


def cancel_planned(session, agreement_ids, from_day: date) -> int:
    """Cancel the planned deliveries of those agreements on and after `from_day`."""
    result = session.execute(
        update(Delivery)
        .where(Delivery.agreement_id.in_(agreement_ids), Delivery.status == "planned",
               Delivery.scheduled_for >= from_day)
        .values(status="cancelled")
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def expire_agreements(session, today: date) -> int:
    """Active agreements past their end become expired; their planned days after the end are cancelled."""
    ended = session.scalars(
        update(Agreement)
        .where(Agreement.status == "active", Agreement.end_on < today)
        .values(status="expired")
        .returning(Agreement.id)
    ).all()
    if ended:
        end_on = select(Agreement.end_on).where(Agreement.id == Delivery.agreement_id).scalar_subquery()
        session.execute(
            update(Delivery)
            .where(Delivery.agreement_id.in_(ended), Delivery.status == "planned", Delivery.scheduled_for > end_on)
            .values(status="cancelled")
            .execution_options(synchronize_session=False)
        )
    return len(ended)


def scheduled_days(start_on: date, end_on: date | None, interval_days: int | None, weekday_mask: int | None,
                   first: date, last: date) -> list[date]:
    """The days from `first` to `last` (inclusive) on which an agreement with this schedule delivers."""
    first, last = max(first, start_on), min(last, end_on) if end_on else last
    days = []
    day = first
    while day <= last:
        if interval_days is not None:
            if (day - start_on).days % interval_days == 0:
                days.append(day)
        elif weekday_mask & (1 << (day.isoweekday() - 1)):
            days.append(day)
        day += timedelta(days=1)
    return days


def plan_deliveries(session, today: date, horizon_days: int, agreement_ids: list[int] | None = None) -> int:
    """Plan every active agreement's deliveries from today for `horizon_days` days; returns how many are new.

    Idempotent: the database's unique (agreement, day) index drops a day planned before, so running it
    twice, or from two processes, plans nothing twice. A fixed number of statements, whatever the count
    of agreements: one read, one bulk insert (and the expiry of ended agreements before).
    """
    expire_agreements(session, today)
    last = today + timedelta(days=horizon_days - 1)
    agreements = session.execute(
        select(Agreement.id, Agreement.household_id, Household.township_id, Agreement.start_on, Agreement.end_on,
               Agreement.interval_days, Agreement.weekday_mask, Agreement.provider_id, Agreement.source_facility_id)
        .join(Household, Household.id == Agreement.household_id)
        .where(Agreement.status == "active", Agreement.start_on <= last,
               or_(Agreement.end_on.is_(None), Agreement.end_on >= today),
               Agreement.id.in_(agreement_ids) if agreement_ids is not None else true())
    ).all()
    rows = [
        {"agreement_id": a.id, "household_id": a.household_id, "township_id": a.township_id, "scheduled_for": day,
         "status": "planned", "unplanned": False, "deliverer_id": a.provider_id,
         "source_facility_id": a.source_facility_id}
        for a in agreements
        for day in scheduled_days(a.start_on, a.end_on, a.interval_days, a.weekday_mask, today, last)
    ]
    if not rows:
        return 0
    inserted = session.execute(insert_ignoring_duplicates(session, Delivery).returning(Delivery.id), rows).all()
    withdraw_doubles(session, today)
    return len(inserted)


def withdraw_doubles(session, today: date) -> int:
    """An emergency delivery planned (not yet made) on a day its household also has an agreement's is withdrawn: one
    delivery and one confirmation a day (an agreement signed during an emergency plans over it). Withdrawn, not
    cancelled: should the agreement end, the emergency plans that day again."""
    other = aliased(Delivery)
    double = exists().where(other.household_id == Delivery.household_id, other.scheduled_for == Delivery.scheduled_for,
                            other.emergency_id.is_(None), other.status != "cancelled", other.id != Delivery.id)
    return session.execute(delete(Delivery).where(
        Delivery.emergency_id.is_not(None), Delivery.status == "planned", Delivery.scheduled_for >= today, double)
        .execution_options(synchronize_session=False)).rowcount



def mark_missed(session, rules: Rules) -> list[int]:
    """Planned deliveries of days before today that nobody logged become missed, each opening its
    missed_delivery case, and each township lead gets one SMS about them; returns their ids."""
    missed = session.scalars(
        update(Delivery)
        .where(Delivery.status == "planned", Delivery.scheduled_for < rules.today)
        .values(status="missed")
        .returning(Delivery.id)
        .execution_options(synchronize_session=False)
    ).all()
    open_missed_delivery_cases(session, missed, rules.today, rules.now, rules.cases)
    alert_missed(session, missed, rules.now, rules.zone)
    return missed
