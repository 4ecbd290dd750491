"""逐户排查: visits judged on the four indicators (SPEC §2), an unsafe one opening a case, and coverage."""
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from models import Case, Household, WaterTest, db
from service.clock import local_today

from .conftest import household_payload
from .helpers import login


def _household(client, world, **values) -> dict:
    r = client.post("/api/v1/households", json=household_payload(world, values.pop("serial", 1), **values),
                    headers=world.headers(world.worker_a))
    assert r.status_code == 201
    db.session.execute(Household.__table__.update().where(Household.id == r.json["id"])
                       .values(created_at=datetime.now(timezone.utc) - timedelta(days=200)))
    db.session.commit()
    return r.json


def _visit(client, world, household_id, **body):
    body = {"visited_on": local_today().isoformat(), **body}
    return client.post(f"/api/v1/households/{household_id}/visits", json=body, headers=world.headers(world.worker_a))


def test_a_visit_is_judged_on_the_four_indicators(client, world):
    piped = _household(client, world)
    safe = _visit(client, world, piped["id"], liters_per_person_day=80, quality="met", piped=True, assurance_percent=98)
    assert safe.status_code == 201
    assert safe.json["indicators"] == dict.fromkeys(("quantity", "quality", "convenience", "assurance"), "met")
    assert safe.json["result"] == "safe"
    basic = _visit(client, world, piped["id"], liters_per_person_day=40, quality="met", round_trip_minutes=15,
                   assurance_percent=92).json
    assert basic["indicators"] == {"quantity": "basic", "quality": "met", "convenience": "basic", "assurance": "basic"}
    assert basic["result"] == "basic"
    listed = client.get(f"/api/v1/visits?household_id={piped['id']}&result=basic",
                        headers=world.headers(world.worker_a)).json
    assert listed["total"] == 1 and listed["items"][0]["id"] == basic["id"]


def test_quality_comes_from_the_source_s_latest_test_and_a_delivery_household_s_figures_by_default(client, world):
    from .helpers import recent_history

    # Daily deliveries of 100 L for 2 people (50 L a person: 基本达标), every 4th missed (22 of the last 30 days: 不达标).
    delivered = recent_history(world, 2, missed_every=4)
    delivered.water_source, delivered.water_source_id = "central_point", world.point_a1.id
    delivered.created_at = datetime.now(timezone.utc) - timedelta(days=200)
    db.session.add(WaterTest(township_id=world.t_a.id, village_id=world.v_a1.id, facility_id=world.point_a1.id,
                             sampled_on=local_today() - timedelta(days=3), sample_point="tap", results={"ph": 7},
                             exceedances=[], passed=True, relaxed=True, standard="GB 5749-2022"))
    db.session.commit()
    household = {"id": delivered.id}
    visit = _visit(client, world, household["id"], round_trip_minutes=30)
    assert visit.status_code == 201, visit.json
    assert (visit.json["liters_per_person_day"], visit.json["assurance_percent"]) == (50.0, 73.3)
    assert visit.json["indicators"] == {"quantity": "basic", "quality": "basic", "convenience": "failed",
                                        "assurance": "failed"}
    assert visit.json["result"] == "unsafe"
    case = db.session.scalars(select(Case).where(Case.household_id == household["id"])).one()
    assert case.title == "排查不安全" and "用水方便程度、供水保证率不达标" in case.description
    # A later visit that is not unsafe resolves it.
    _visit(client, world, household["id"], liters_per_person_day=60, assurance_percent=95, piped=True, quality="met")
    db.session.expire_all()
    assert db.session.get(Case, case.id).status == "resolved"


def test_bad_visits_name_the_field_and_write_nothing(client, world):
    household = _household(client, world, serial=3)
    cases = [({"visited_on": (local_today() + timedelta(days=1)).isoformat(), "liters_per_person_day": 60,
               "quality": "met", "piped": True, "assurance_percent": 99}, "visited_on"),
             ({"visited_on": "2000-01-01", "liters_per_person_day": 60, "quality": "met", "piped": True,
               "assurance_percent": 99}, "visited_on"),
             ({"liters_per_person_day": -1, "quality": "met", "piped": True, "assurance_percent": 99},
              "liters_per_person_day"),
             ({"liters_per_person_day": 60, "quality": "great", "piped": True, "assurance_percent": 99}, "quality"),
             ({"liters_per_person_day": 60, "quality": "met", "piped": True, "assurance_percent": 120},
              "assurance_percent"),
             ({"quality": "met", "piped": True}, "liters_per_person_day")]
    for body, field in cases:
        r = _visit(client, world, household["id"], **body)
        assert r.status_code == 422 and field in r.json["errors"]["json"], (body, r.json)
    assert client.get("/api/v1/visits", headers=world.headers(world.worker_a)).json["total"] == 0


def test_coverage_counts_households_visited_this_year(client, world):
    first = _household(client, world, serial=4)
    _household(client, world, serial=5)
    _visit(client, world, first["id"], liters_per_person_day=10, quality="met", piped=True, assurance_percent=99)
    figures = client.get("/api/v1/dashboard", headers=world.headers(world.worker_a)).json["overall"]
    assert (figures["survey_visited"], figures["survey_unsafe"], figures["survey_coverage"]) == (1, 1, 50.0)
    login(client, "worker_a")
    page = client.get("/dashboard").get_data(as_text=True)
    assert "今年排查覆盖率（1 户未排查，1 户不安全）" in page
    unvisited = client.get("/households?visited=0").get_data(as_text=True)
    assert "共 1 户" in unvisited


def test_the_visit_page_records_a_visit_in_a_few_taps_and_the_household_page_lists_it(client, world):
    from .helpers import csrf_token

    household = _household(client, world, serial=6)
    login(client, "cun_a1")
    form = client.get(f"/households/{household['id']}/visit").get_data(as_text=True)
    assert "水量（升/人·天）" in form and 'name="piped"' in form
    token = csrf_token(client, f"/households/{household['id']}/visit")
    refused = client.post(f"/households/{household['id']}/visit", data={"csrf_token": token, "visited_on": "2099-01-01",
                                                                         "liters_per_person_day": "abc"})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422 and 'data-field="liters_per_person_day"' in text
    done = client.post(f"/households/{household['id']}/visit", data={
        "csrf_token": token, "visited_on": local_today().isoformat(), "liters_per_person_day": "65", "quality": "met",
        "piped": "1", "assurance_percent": "97"})
    assert done.status_code == 302
    page = client.get(f"/households/{household['id']}").get_data(as_text=True)
    assert "已记录入户排查：安全" in page
    history = page.split('id="history"')[1]
    assert "入户排查" in history and "水量达标、水质达标、用水方便程度达标、供水保证率达标" in history
