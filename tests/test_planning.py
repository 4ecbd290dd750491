"""Planning, expiry and missed marking as plain functions on the database."""
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import IntegrityError

from models import Agreement, Delivery, db
from service.domain.agreements import liters_per_person_day, quantity_below_standard
from service.domain.case_rules import CasePolicy
from service.domain.needs_delivery import Thresholds
from service.domain.rules import Rules
from service.domain.planning import expire_agreements, mark_missed, plan_deliveries, scheduled_days

from .conftest import make_agreement, make_household

MON = date(2026, 11, 2)  # a Monday


def rules_on(day):
    return Rules(Thresholds(), CasePolicy({"high": 3, "medium": 7, "low": 14}), day,
                 datetime.combine(day, datetime.min.time(), timezone.utc))


def days_of(agreement_id):
    return db.session.scalars(select(Delivery.scheduled_for).where(Delivery.agreement_id == agreement_id)
                              .order_by(Delivery.scheduled_for)).all()


def test_every_n_days_counts_from_the_start():
    assert scheduled_days(MON, None, 3, None, MON + timedelta(days=1), MON + timedelta(days=9)) == [
        MON + timedelta(days=3), MON + timedelta(days=6), MON + timedelta(days=9)]


def test_weekdays_schedule():
    mon_thu = (1 << 0) | (1 << 3)
    assert scheduled_days(MON, None, None, mon_thu, MON, MON + timedelta(days=13)) == [
        MON, MON + timedelta(days=3), MON + timedelta(days=7), MON + timedelta(days=10)]
    sunday = 1 << 6
    assert scheduled_days(MON, None, None, sunday, MON, MON + timedelta(days=6)) == [MON + timedelta(days=6)]


def test_start_and_end_dates_bound_the_days():
    assert scheduled_days(MON + timedelta(days=5), MON + timedelta(days=8), 1, None, MON, MON + timedelta(days=13)) == [
        MON + timedelta(days=5), MON + timedelta(days=6), MON + timedelta(days=7), MON + timedelta(days=8)]
    assert scheduled_days(MON, MON - timedelta(days=1), 1, None, MON, MON + timedelta(days=3)) == []


def test_month_ends_and_leap_days():
    assert scheduled_days(date(2028, 1, 31), None, 29, None, date(2028, 1, 31), date(2028, 3, 31)) == [
        date(2028, 1, 31), date(2028, 2, 29), date(2028, 3, 29)]
    assert scheduled_days(date(2026, 12, 30), None, 2, None, date(2026, 12, 30), date(2027, 1, 3)) == [
        date(2026, 12, 30), date(2027, 1, 1), date(2027, 1, 3)]


def test_planning_twice_plans_nothing_twice(world):
    household = make_household(world)
    agreement = make_agreement(world, household, interval_days=None, weekday_mask=(1 << 0) | (1 << 3))
    db.session.commit()
    assert plan_deliveries(db.session, MON, 14) == 4
    assert plan_deliveries(db.session, MON, 14) == 0
    assert plan_deliveries(db.session, MON + timedelta(days=1), 14) == 1  # the next Monday comes into view
    assert days_of(agreement.id) == [MON, MON + timedelta(days=3), MON + timedelta(days=7), MON + timedelta(days=10),
                                     MON + timedelta(days=14)]
    planned = db.session.scalars(select(Delivery).where(Delivery.agreement_id == agreement.id)).all()
    assert {(d.status, d.household_id, d.deliverer_id) for d in planned} == {
        ("planned", household.id, world.staff_a.id)}


def test_only_active_agreements_plan(world):
    draft = make_agreement(world, make_household(world, 1), status="draft")
    ended = make_agreement(world, make_household(world, 2), start_on=MON - timedelta(days=60),
                           end_on=MON - timedelta(days=1))
    future = make_agreement(world, make_household(world, 3), start_on=MON + timedelta(days=30))
    db.session.commit()
    assert plan_deliveries(db.session, MON, 14) == 0
    assert days_of(draft.id) == days_of(ended.id) == days_of(future.id) == []
    assert db.session.get(Agreement, ended.id).status == "expired"


def test_expiry_cancels_the_days_after_the_end(world):
    agreement = make_agreement(world, make_household(world), interval_days=1, end_on=MON + timedelta(days=3))
    db.session.commit()
    assert plan_deliveries(db.session, MON, 14) == 4
    agreement.end_on = MON + timedelta(days=1)  # shortened after planning
    db.session.commit()
    assert expire_agreements(db.session, MON + timedelta(days=2)) == 1
    statuses = dict(db.session.execute(select(Delivery.scheduled_for, Delivery.status)
                                       .where(Delivery.agreement_id == agreement.id)).all())
    assert statuses == {MON: "planned", MON + timedelta(days=1): "planned",
                        MON + timedelta(days=2): "cancelled", MON + timedelta(days=3): "cancelled"}


def test_mark_missed_only_past_planned_days(world):
    agreement = make_agreement(world, make_household(world), interval_days=1)
    db.session.commit()
    plan_deliveries(db.session, MON, 5)
    first = db.session.scalar(select(Delivery).where(Delivery.scheduled_for == MON))
    first.status, first.liters, first.delivered_at = "delivered", 100, datetime(2026, 11, 2, 3, tzinfo=timezone.utc)
    db.session.commit()
    missed = mark_missed(db.session, rules_on(MON + timedelta(days=3)))
    assert len(missed) == 2
    assert mark_missed(db.session, rules_on(MON + timedelta(days=3))) == []
    statuses = dict(db.session.execute(select(Delivery.scheduled_for, Delivery.status)
                                       .where(Delivery.agreement_id == agreement.id)).all())
    assert [statuses[MON + timedelta(days=i)] for i in range(5)] == [
        "delivered", "missed", "missed", "planned", "planned"]


def test_planning_uses_a_fixed_number_of_statements(world):
    for serial in range(30):
        make_agreement(world, make_household(world, serial), interval_days=1 + serial % 3)
    db.session.commit()
    statements = []

    def count(*args):
        statements.append(args[2])

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        planned = plan_deliveries(db.session, MON, 14)
        missed = mark_missed(db.session, rules_on(MON + timedelta(days=20)))
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert planned > 100 and len(missed) == planned
    # plan: expire, read, insert, withdraw an emergency's doubles; missed: update, cases insert…select, their events,
    # their relapses (plus BEGIN)
    assert len(statements) <= 10, statements


def test_the_unique_index_refuses_a_second_plan_of_a_day(world):
    agreement = make_agreement(world, make_household(world))
    db.session.add(Delivery(agreement_id=agreement.id, household_id=agreement.household_id, scheduled_for=MON))
    db.session.commit()
    db.session.add(Delivery(agreement_id=agreement.id, household_id=agreement.household_id, scheduled_for=MON))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Delivery)) == 1


def test_quantity_standard(world):
    household = make_household(world, members=3)
    weekly = make_agreement(world, household, interval_days=7, liters_per_delivery=700)
    assert liters_per_person_day(weekly, 3) == pytest.approx(33.3, abs=0.1)
    assert quantity_below_standard(weekly, 3, 35) is True
    assert quantity_below_standard(weekly, 2, 35) is False
