"""What an independent review of the monitoring, upkeep, projects and emergencies round reproduced, each fixed: a
household that leaves keeps no emergency delivery, a withdrawn emergency day comes back when the agreement ends, a
delivery source outside the township is refused unnamed, a connection calls off an agreement yet to start, a past
summary does not change with a later connection, raw source water is not the scheduled test, the 加密监测 tile matches
its list, and listing projects reads a fixed number of statements."""
from datetime import timedelta

from models import Agreement, Delivery, db
from service.clock import local_today
from service.domain.planning import plan_deliveries

from .conftest import make_agreement, make_household


def _declare(client, world, **values):
    body = {"kind": "drought", "village_ids": [world.v_a1.id], "started_on": local_today().isoformat(),
            "team": [world.staff_a.id], "source_facility_id": world.point_a1.id, **values}
    return client.post("/api/v1/emergencies", json=body, headers=world.headers(world.lead_a))


def test_a_household_that_leaves_keeps_no_emergency_delivery(client, world):
    today = local_today()
    household = make_household(world, 1, members=3)
    db.session.commit()
    assert _declare(client, world).status_code == 201
    answer = client.patch(f"/api/v1/households/{household.id}", headers=world.headers(world.worker_a),
                          json={"monitoring_status": "deceased", "left_on": today.isoformat()})
    assert answer.status_code == 200, answer.json
    db.session.expire_all()
    planned = db.session.query(Delivery).filter(Delivery.household_id == household.id,
                                                Delivery.status == "planned",
                                                Delivery.scheduled_for >= today).count()
    assert planned == 0, f"{planned} emergency deliveries still planned for a deceased household"


def test_a_withdrawn_emergency_day_comes_back_when_the_agreement_ends(client, world):
    today = local_today()
    household = make_household(world, 1, members=3, distance_m=1500.0)
    db.session.commit()
    declared = _declare(client, world)
    assert declared.status_code == 201
    agreement = make_agreement(world, household, interval_days=1, start_on=today + timedelta(days=1),
                               signed_on=today)
    db.session.commit()
    plan_deliveries(db.session, today, 14, [agreement.id])
    db.session.commit()
    # the agreement is terminated
    r = client.patch(f"/api/v1/agreements/{agreement.id}", headers=world.headers(world.lead_a),
                     json={"status": "terminated"})
    print(r.status_code, r.json)
    from service.domain.emergencies import plan_all_deliveries
    plan_all_deliveries(db.session, today, 14)
    db.session.commit()
    db.session.expire_all()
    days = {d.scheduled_for for d in db.session.query(Delivery).filter(
        Delivery.household_id == household.id, Delivery.status != "cancelled")}
    missing = [today + timedelta(days=n) for n in range(14) if today + timedelta(days=n) not in days]
    assert not missing, missing


def test_listing_projects_reads_a_fixed_number_of_statements(client, world):
    from .helpers import sql_statements
    from .test_projects import _unit
    from .test_regions import _chain, _place
    from service.domain import projects
    from service.domain.scope import Scope
    from models import User
    _, _, east, _ = _chain(client, world)
    _place(client, world, world.t_a, east)
    _place(client, world, world.t_b, east)
    unit = _unit(client, world)
    h = world.headers(world.admin)

    def make(n):
        for i in range(n):
            r = client.post("/api/v1/projects", headers=h, json={
                "name": f"工程{i}", "region_id": east, "lead_unit_id": unit,
                "target_on": (local_today() + timedelta(days=200)).isoformat(), "village_ids": [world.v_a1.id]})
            assert r.status_code == 201, r.json

    def count():
        db.session.expire_all()
        user = db.session.get(User, world.worker_a.id)
        _, seen = sql_statements(lambda: projects.list_projects(db.session, Scope.of(user), {"region_id": east},
                                                                local_today()))
        return len(seen)
    make(2)
    few = count()
    make(20)
    many = count()
    assert many == few, (few, many)


def test_raw_source_water_is_not_the_scheduled_test(client, world):
    from .test_upkeep import _registered, _test, _facility
    today = local_today()
    _registered(world.point_a1.id, 100)
    from service.context import current_rules
    from service.domain.care import schedule_tests
    rules = current_rules()
    schedule_tests(db.session, rules.cases.upkeep, rules.zone)
    db.session.commit()
    assert _facility(client, world)["next_test_due"] == (today - timedelta(days=10)).isoformat()
    _test(client, world, today, point="source")  # raw water only, "for reference", judges no drinking water
    assert _facility(client, world)["next_test_due"] == (today - timedelta(days=10)).isoformat(), \
        _facility(client, world)["next_test_due"]


def test_the_intensive_tile_matches_its_list_for_a_retired_point(client, world):
    from .test_upkeep import _test
    from service.context import current_rules
    from service.domain.dashboard import dashboard
    from service.domain.scope import Scope
    today = local_today()
    _test(client, world, today - timedelta(days=1), {"turbidity": 2.5})
    r = client.patch(f"/api/v1/facilities/{world.point_a1.id}", headers=world.headers(world.admin),
                     json={"status": "retired"})
    assert r.status_code == 200, r.json
    rules = current_rules()
    figure = dashboard(db.session, Scope(), rules.today, rules.thresholds, world.t_a.id)["overall"]["intensive_testing"]
    listed = client.get(f"/api/v1/facilities?intensive=true&township_id={world.t_a.id}",
                        headers=world.headers(world.admin)).json["total"]
    assert figure == listed, (figure, listed)


def test_a_delivery_source_in_another_township_is_refused_unnamed(client, world):
    from models import Facility
    household = make_household(world, 1, distance_m=1500.0)
    db.session.commit()
    h = world.headers(world.worker_a)
    r = client.post("/api/v1/deliveries", headers=h, json={"household_id": household.id, "liters": 50,
                                                           "source_facility_id": world.point_b1.id})
    print("cross-township source:", r.status_code, r.json.get("source_facility_id"))
    db.session.execute(Facility.__table__.update().where(Facility.id == world.point_b1.id).values(quality_exceeded=True))
    db.session.commit()
    r2 = client.post("/api/v1/deliveries", headers=h, json={"household_id": household.id, "liters": 50,
                                                            "source_facility_id": world.point_b1.id})
    print("exceeded:", r2.status_code, r2.json)
    assert r.status_code == 422 and "王庄村供水点" not in str(r2.json)


def test_a_past_month_summary_stays_when_a_village_is_connected_later(client, world):
    from service.context import current_rules
    from service.domain.reports import township_summary
    from service.domain.scope import Scope
    from .test_projects import _project
    today = local_today()
    household = make_household(world, 1, distance_m=1500.0)
    make_agreement(world, household, interval_days=7, start_on=today - timedelta(days=90),
                   signed_on=today - timedelta(days=91))
    db.session.commit()
    rules = current_rules()
    first = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    last = today.replace(day=1) - timedelta(days=1)

    def needs():
        db.session.expire_all()
        return township_summary(db.session, Scope(), world.t_a.id, first, last, rules.thresholds,
                                rules.zone)["figures"]["needs_delivery"]
    before = needs()
    project = _project(client, world).json
    r = client.post(f"/api/v1/projects/{project['id']}/connections", headers=world.headers(world.admin),
                    json={"village_id": world.v_a1.id, "connected_on": today.isoformat()})
    assert r.status_code == 201, r.json
    assert needs() == before, (before, needs())


def test_a_connection_calls_off_an_agreement_yet_to_start(client, world):
    from .test_projects import _project
    today = local_today()
    household = make_household(world, 1, distance_m=1500.0)
    agreement = make_agreement(world, household, interval_days=1, start_on=today + timedelta(days=3),
                               signed_on=today)
    db.session.commit()
    plan_deliveries(db.session, today, 14, [agreement.id])
    db.session.commit()
    project = _project(client, world).json
    r = client.post(f"/api/v1/projects/{project['id']}/connections", headers=world.headers(world.admin),
                    json={"village_id": world.v_a1.id, "connected_on": today.isoformat()})
    assert r.status_code == 201, r.json
    db.session.expire_all()
    a = db.session.get(Agreement, agreement.id)
    left = db.session.query(Delivery).filter(Delivery.agreement_id == agreement.id, Delivery.status == "planned").all()
    assert not left, (a.status, a.end_on, [d.scheduled_for for d in left])
