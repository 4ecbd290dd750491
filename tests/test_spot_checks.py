"""明察暗访: a reproducible stratified draw; findings the service compares with the records; a difference is a case;
核实相符率 at every level, counted as the findings list counts it."""
import io
from datetime import timedelta

from models import Case, Visit, db
from service.clock import local_today
from service.domain.spot_checks import stratified_sample

from .conftest import make_agreement, make_household
from .helpers import PNG, csrf_token, login


def _draw(client, world, user, **body):
    return client.post("/api/v1/spot-checks", json=body, headers=world.headers(user))


def test_a_draw_is_stratified_by_township_and_reproducible_from_its_seed(client, world):
    for n in range(1, 9):
        make_household(world, n)
    for n in range(9, 13):
        make_household(world, n, village=world.v_b1)
    db.session.commit()
    assert _draw(client, world, world.worker_a, township_id=world.t_a.id, size=3).status_code == 403
    assert _draw(client, world, world.lead_a, township_id=world.t_b.id, size=3).status_code == 403
    assert _draw(client, world, world.admin, township_id=world.t_a.id, size=0).status_code == 422
    first = _draw(client, world, world.lead_a, township_id=world.t_a.id, size=3, seed="2026-12")
    assert first.status_code == 201, first.json
    again = _draw(client, world, world.lead_a, township_id=world.t_a.id, size=3, seed="2026-12").json
    assert [h["id"] for h in first.json["households"]] == [h["id"] for h in again["households"]]
    assert first.json["seed"] == "2026-12" and len({h["id"] for h in first.json["households"]}) == 3
    unseeded = _draw(client, world, world.lead_a, township_id=world.t_a.id, size=3).json
    assert unseeded["seed"]  # a new one, kept so the draw can be repeated
    # Stratified: 6 of 12 are 4 from the township with 8 households and 2 from the one with 4 (a region's draw
    # through the API: tests/test_review_fixes.py).
    by_township = stratified_sample({1: list(range(100, 108)), 2: list(range(200, 204))}, 6, "x")
    assert sum(1 for h in by_township if h < 200) == 4 and sum(1 for h in by_township if h >= 200) == 2
    assert stratified_sample({1: [1, 2]}, 5, "x") == [1, 2]


def test_the_service_compares_a_finding_with_the_records_and_a_difference_is_a_case(client, world):
    today = local_today()
    kept = make_household(world, 1, distance_m=1500.0)
    unkept = make_household(world, 2, distance_m=1500.0)
    for household in (kept, unkept):
        make_agreement(world, household, start_on=today - timedelta(days=60), signed_on=today - timedelta(days=61))
        db.session.add(Visit(household_id=household.id, township_id=household.township_id,
                             village_id=household.village_id, visited_on=today - timedelta(days=10),
                             liters_per_person_day=70, piped=False, round_trip_minutes=10, assurance_percent=96,
                             quantity="met", quality="met", convenience="met", assurance="met", result="safe"))
    db.session.commit()
    draw = _draw(client, world, world.lead_a, township_id=world.t_a.id, size=2).json
    url = f"/api/v1/spot-checks/{draw['id']}/findings"
    h = world.headers(world.lead_a)
    same = client.post(url, json={"household_id": kept.id, "visited_on": today.isoformat(),
                                  "liters_per_person_day": 65, "quality": "met", "round_trip_minutes": 8,
                                  "assurance_percent": 97, "receives_delivery": True}, headers=h)
    assert same.status_code == 201, same.json
    assert same.json["differences"] == [] and same.json["matches_records"] is True and same.json["case_id"] is None, same.json
    # Nobody types "matches": a household that says it has no delivery and too little water differs.
    other = client.post(url, json={"household_id": unkept.id, "visited_on": today.isoformat(),
                                   "liters_per_person_day": 12, "receives_delivery": False,
                                   "note": "户主说最近没人送水"}, headers=h)
    assert other.status_code == 201
    differences = {d["field"]: (d["found"], d["recorded"]) for d in other.json["differences"]}
    assert differences == {"quantity": ("failed", "met"), "agreement": (False, True)}
    assert other.json["matches_records"] is False and other.json["case_id"]
    case = client.get(f"/api/v1/cases/{other.json['case_id']}", headers=h).json
    assert case["source"] == "spot_check" and case["household_id"] == unkept.id
    assert "水量实查不达标，记录达标" in case["description"] and "送水协议实查无，记录有" in case["description"]
    assert client.post(url, json={"household_id": unkept.id, "visited_on": today.isoformat(),
                                  "liters_per_person_day": 40}, headers=h).status_code == 409
    checked = client.get(f"/api/v1/spot-checks/{draw['id']}", headers=h).json["figures"]
    assert checked == {"drawn": 2, "found": 2, "matches": 1, "match_rate": 50.0}
    # Every level shows it: the township's and the county's 核实相符率.
    dashboard = client.get("/api/v1/dashboard", headers=world.headers(world.admin)).json
    assert dashboard["overall"]["spot_check_match_rate"] == 50.0
    assert dashboard["overall"]["spot_findings_365d"] == 2 and dashboard["overall"]["spot_matches_365d"] == 1
    assert db.session.query(Case).filter_by(source="spot_check").count() == 1


def test_a_spot_check_runs_from_the_phone(client, world):
    household = make_household(world, 1)
    db.session.commit()
    login(client, "lead_a")
    token = csrf_token(client, "/spot-checks")
    drawn = client.post("/spot-checks", data={"csrf_token": token, "township_id": world.t_a.id, "size": "1"})
    assert drawn.status_code == 302
    url = drawn.headers["Location"]
    page = client.get(url).get_data(as_text=True)
    assert household.head_name in page and "登记实查情况" in page
    sid = int(url.rstrip("/").split("/")[-1])
    nothing = client.post(f"/spot-checks/{sid}/findings", data={"csrf_token": token, "household_id": household.id,
                                                                 "visited_on": local_today().isoformat()})
    assert nothing.status_code == 422 and 'data-field="liters_per_person_day"' in nothing.get_data(as_text=True)
    done = client.post(f"/spot-checks/{sid}/findings", content_type="multipart/form-data",
                       data={"csrf_token": token, "household_id": household.id,
                             "visited_on": local_today().isoformat(), "liters_per_person_day": "50",
                             "receives_delivery": "0", "photo": (io.BytesIO(PNG), "p.png")})
    assert done.status_code == 302, done.get_data(as_text=True)[-3000:]
    page = client.get(url).get_data(as_text=True)
    item = page[page.find('id="household-'):][:1500]
    assert "与记录不符" in item and "水量：实查 基本达标，记录 无记录" in item, item  # no visit on record disagrees too
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert 'id="spot-check-tile" href="/spot-checks"' in dashboard and "0%" in dashboard
