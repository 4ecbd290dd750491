"""The dashboard's figures kept between visits: every write that changes a village's figures raises its revision in
the same transaction, so kept figures are always the figures worked out afresh (models/revision.py)."""
from datetime import timedelta

from sqlalchemy import select

from models import Delivery, SmsMessage, Village, db
from service.clock import local_today
from service.context import current_rules
from service.domain.dashboard import KeptFigures, dashboard
from service.domain.deliveries import correct_delivery
from service.domain.scope import Scope

from .conftest import make_agreement, make_household


def _revisions(world) -> dict:
    db.session.expire_all()
    return dict(db.session.execute(select(Village.name, Village.revision)).all())


def _kept_is_fresh(kept: KeptFigures) -> dict:
    """The county's dashboard through `kept`, after checking it equals the one worked out from nothing."""
    thresholds = current_rules().thresholds
    through_kept = dashboard(db.session, Scope(), local_today(), thresholds, None, kept)
    assert through_kept == dashboard(db.session, Scope(), local_today(), thresholds)
    return {v["village_name"]: v for v in through_kept["villages"]}


def test_a_write_raises_only_its_own_villages_revision_and_the_kept_figures_follow(world):
    kept = KeptFigures()
    assert _kept_is_fresh(kept)["张家村"]["needs_delivery"] == 0
    before = _revisions(world)
    make_household(world, 1, distance_m=1500.0)
    db.session.commit()
    after = _revisions(world)
    assert after["张家村"] == before["张家村"] + 1
    assert after["李家村"] == before["李家村"] and after["王庄村"] == before["王庄村"]
    assert _kept_is_fresh(kept)["张家村"]["needs_delivery"] == 1


def test_a_failed_water_source_raises_the_villages_of_the_households_it_serves(world):
    kept = KeptFigures()
    make_household(world, 1, water_source_id=world.point_b1.id)  # a 张家村 household fetching from 王庄村's point
    db.session.commit()
    assert _kept_is_fresh(kept)["张家村"]["needs_delivery"] == 0
    before = _revisions(world)
    world.point_b1.status = "broken"
    db.session.commit()
    after = _revisions(world)
    assert after["张家村"] == before["张家村"] + 1 and after["王庄村"] == before["王庄村"] + 1
    assert after["李家村"] == before["李家村"]
    assert _kept_is_fresh(kept)["张家村"]["needs_delivery"] == 1


def test_bulk_updates_and_corrections_reach_the_kept_figures(world):
    kept = KeptFigures()
    household = make_household(world, 1, distance_m=1500.0, members=2)
    today = local_today()
    agreement = make_agreement(world, household, interval_days=1, start_on=today - timedelta(days=40))
    for days_ago in range(1, 31):
        day = today - timedelta(days=days_ago)
        db.session.add(Delivery(household_id=household.id, agreement_id=agreement.id, scheduled_for=day,
                                status="delivered", liters=100, delivered_at=current_rules().now - timedelta(
                                    days=days_ago)))
    db.session.commit()
    assert _kept_is_fresh(kept)["张家村"]["supply_covered_days_30d"] == 30

    yesterday = db.session.scalar(select(Delivery.id).where(Delivery.scheduled_for == today - timedelta(days=1)))
    db.session.execute(Delivery.__table__.update().where(Delivery.id == yesterday)
                       .values(status="missed", liters=None, delivered_at=None))
    db.session.commit()
    assert _kept_is_fresh(kept)["张家村"]["supply_covered_days_30d"] == 29

    earlier = db.session.scalar(select(Delivery.id).where(Delivery.scheduled_for == today - timedelta(days=2)))
    liters = _kept_is_fresh(kept)["张家村"]["supply_liters_30d"]
    correct_delivery(db.session, world.worker_a, earlier, {"liters": 40, "reason": "称重有误"}, current_rules())
    db.session.commit()
    assert _kept_is_fresh(kept)["张家村"]["supply_liters_30d"] == liters - 60


def test_writes_rolled_back_or_outside_the_figures_raise_nothing(world):
    before = _revisions(world)
    make_household(world, 1)
    db.session.rollback()
    db.session.add(SmsMessage(direction="inbound", phone="+8613800138000", body="1", purpose="reply", status="received"))
    db.session.commit()
    db.session.execute(Delivery.__table__.update().where(Delivery.status == "planned").values(status="missed"))
    db.session.commit()  # a job that found nothing to do
    assert _revisions(world) == before


def test_the_api_dashboard_follows_a_household_added_through_the_api(client, world):
    from .conftest import household_payload

    headers = world.headers(world.admin)
    first = client.get("/api/v1/dashboard", headers=headers).get_json()
    answer = client.post("/api/v1/households", json=household_payload(world, 7, distance_m=1500.0), headers=headers)
    assert answer.status_code == 201, answer.get_json()
    then = client.get("/api/v1/dashboard", headers=headers).get_json()
    assert then["overall"]["households"] == first["overall"]["households"] + 1
    assert then["overall"]["needs_delivery"] == first["overall"]["needs_delivery"] + 1
