"""Upkeep and water-quality monitoring on a rhythm: each well and central point is tested on its interval (its own,
its supply class's, 加密监测 after an exceedance until two passes in a row) and is 检测逾期 past its due day; cleaning,
水源保护检查 and a purifier's 滤芯更换 are due on their settings from the last one or from registration; each overdue
kind is one case per facility; every level counts them and its tiles list them."""
import io
import re
import zipfile
from datetime import datetime, time, timedelta, timezone

from sqlalchemy import select

from models import Case, Facility, db
from service.clock import local_today
from service.context import current_rules
from service.domain.care import schedule_tests
from service.domain.system_cases import daily_case_pass

from .conftest import make_household
from .helpers import login, text_of


def _registered(facility_id, days_ago, **values):
    registered = datetime.combine(local_today() - timedelta(days=days_ago), time(1), timezone.utc)
    db.session.execute(Facility.__table__.update().where(Facility.id == facility_id)
                       .values(created_at=registered, **values))
    db.session.commit()


def _test(client, world, day, results=None, facility=None, point="tap"):
    answer = client.post("/api/v1/water-tests", headers=world.headers(world.worker_a), json={
        "facility_id": facility or world.point_a1.id, "sampled_on": day.isoformat(), "sample_point": point,
        "results": results or {"turbidity": 0.5}})
    assert answer.status_code == 201, answer.json
    return answer.json


def _facility(client, world, facility_id=None):
    return client.get(f"/api/v1/facilities/{facility_id or world.point_a1.id}", headers=world.headers(world.admin)).json


def _cases(prefix):
    return db.session.scalars(select(Case).where(Case.dedupe_key.like(prefix + "%"))).all()


def test_a_point_is_due_a_test_on_its_interval_and_overdue_is_one_case_a_figure_and_a_list(client, world):
    today = local_today()
    _registered(world.point_a1.id, 100, last_cleaned_on=today, last_source_check_on=today)
    _registered(world.point_b1.id, 10, last_cleaned_on=today, last_source_check_on=today)
    rules = current_rules()
    schedule_tests(db.session, rules.cases.upkeep, rules.zone)
    db.session.commit()
    # No supply class: every 90 days from its registration (100 days ago), so 10 days overdue.
    point = _facility(client, world)
    assert point["next_test_due"] == (today - timedelta(days=10)).isoformat() and point["intensive"] is False
    assert _facility(client, world, world.point_b1.id)["next_test_due"] == (today + timedelta(days=80)).isoformat()
    daily_case_pass(db.session, rules)
    daily_case_pass(db.session, rules)  # a second pass opens no second case
    db.session.commit()
    overdue = _cases("test_due:facility:")
    assert [(c.facility_id, c.kind, c.status, c.title) for c in overdue] == \
        [(world.point_a1.id, "other", "open", "水质检测逾期")]
    h = world.headers(world.worker_a)
    listed = client.get("/api/v1/facilities?test_overdue=true", headers=h).json
    assert [f["id"] for f in listed["items"]] == [world.point_a1.id]
    login(client, "worker_a")
    page = client.get("/dashboard").get_data(as_text=True)
    tiles = dict((key, (href, int(n))) for key, href, n in
                 re.findall(r'id="tile-(\w+)" href="([^"]+)"><b>(\d+)</b>', page))
    assert tiles["tests_overdue"][1] == 1 and tiles["intensive_testing"][1] == 0
    shown = client.get(tiles["tests_overdue"][0].replace("&amp;", "&")).get_data(as_text=True)
    assert "共 1 " in shown and world.point_a1.name in shown

    # A test answers it: due again in 90 days, its case resolved.
    _test(client, world, today)
    assert _facility(client, world)["next_test_due"] == (today + timedelta(days=90)).isoformat()
    db.session.expire_all()
    assert _cases("test_due:facility:")[0].status == "resolved"
    # A class or the facility's own interval moves the day.
    h = world.headers(world.admin)
    assert client.patch(f"/api/v1/facilities/{world.point_a1.id}", headers=h,
                        json={"supply_class": "small_central"}).json["next_test_due"] == \
        (today + timedelta(days=180)).isoformat()
    assert client.patch(f"/api/v1/facilities/{world.point_a1.id}", headers=h,
                        json={"test_every_days": 60}).json["next_test_due"] == (today + timedelta(days=60)).isoformat()
    assert client.patch(f"/api/v1/facilities/{world.point_a1.id}", headers=h,
                        json={"test_every_days": 0}).status_code == 422


def test_an_exceedance_puts_a_point_on_intensive_testing_until_two_passes_in_a_row(client, world):
    today = local_today()
    _registered(world.point_a1.id, 5)
    first = today - timedelta(days=20)
    _test(client, world, first, {"turbidity": 2.5})
    point = _facility(client, world)
    assert point["intensive"] is True and point["intensive_since"] == first.isoformat()
    assert point["next_test_due"] == (first + timedelta(days=7)).isoformat()  # overdue by now
    login(client, "worker_a")
    page = client.get(f"/facilities/{world.point_a1.id}").get_data(as_text=True)
    assert "加密监测" in page and "检测逾期" in page
    _test(client, world, first + timedelta(days=8))
    assert _facility(client, world)["intensive"] is True  # one pass is not enough
    _test(client, world, first + timedelta(days=15), {"turbidity": 1.5})  # failed again
    _test(client, world, first + timedelta(days=17))
    assert _facility(client, world)["intensive"] is True
    # The raw source of a treated supply is for reference: it does not count as a pass.
    _test(client, world, first + timedelta(days=18), point="source")
    assert _facility(client, world)["intensive"] is True
    _test(client, world, first + timedelta(days=19))
    point = _facility(client, world)
    assert point["intensive"] is False and point["next_test_due"] == (first + timedelta(days=19 + 90)).isoformat()
    # The series the page draws: turbidity against its limit, the reference sample left out.
    series = client.get(f"/api/v1/facilities/{world.point_a1.id}/water-tests?parameter=turbidity",
                        headers=world.headers(world.worker_a)).json
    assert [p["value"] for p in series["points"]] == [2.5, 0.5, 1.5, 0.5, 0.5]
    assert series["max"] == 1.0 and series["name"] == "浑浊度" and [p["passed"] for p in series["points"]] == \
        [False, True, False, True, True]
    assert client.get(f"/api/v1/facilities/{world.point_a1.id}/water-tests?parameter=nope",
                      headers=world.headers(world.worker_a)).status_code == 422
    page = client.get(f"/facilities/{world.point_a1.id}").get_data(as_text=True)
    assert 'id="water-series"' in page and "浑浊度检测结果" in page


def test_each_kind_of_upkeep_is_due_from_the_last_or_registration_one_case_per_facility_and_kind(client, world):
    today = local_today()
    household = make_household(world, 1)
    well = Facility(township_id=world.t_a.id, village_id=world.v_a1.id, kind="well", name="张家村深井",
                    ownership="collective", status="working")
    purifier = Facility(township_id=world.t_a.id, village_id=world.v_a1.id, kind="purifier", name="净水机-1",
                        ownership="private", household_id=household.id, status="working",
                        last_cleaned_on=today, last_filter_change_on=today - timedelta(days=181))
    db.session.add_all([well, purifier])
    db.session.commit()
    _registered(well.id, 100)  # never cleaned nor checked: due from its registration
    _registered(world.point_a1.id, 10)  # registered recently: nothing due yet
    _registered(world.point_b1.id, 10)
    rules = current_rules()
    daily_case_pass(db.session, rules)
    daily_case_pass(db.session, rules)
    db.session.commit()
    open_kinds = sorted((c.dedupe_key.split(":")[0], c.facility_id) for c in db.session.scalars(
        select(Case).where(Case.status == "open", Case.kind == "sanitation")))
    assert open_kinds == sorted([("cleaning", well.id), ("source_check", well.id), ("filter", purifier.id)])
    h = world.headers(world.worker_a)
    overdue = client.get("/api/v1/facilities?upkeep_overdue=true", headers=h).json
    assert sorted(f["id"] for f in overdue["items"]) == sorted([well.id, purifier.id])
    assert [f["id"] for f in client.get("/api/v1/facilities?upkeep_overdue=false", headers=h).json["items"]] == \
        [world.point_a1.id]  # registered ten days ago: nothing due yet
    # A source check and a filter change answer their own cases only.
    assert client.post(f"/api/v1/facilities/{well.id}/care", headers=h,
                       json={"kind": "source_protection", "note": "井口加盖"}).status_code == 201
    assert client.post(f"/api/v1/facilities/{purifier.id}/care", headers=h,
                       json={"kind": "filter_change"}).status_code == 201
    wrong = client.post(f"/api/v1/facilities/{purifier.id}/care", headers=h, json={"kind": "source_protection"})
    assert wrong.status_code == 422 and "kind" in wrong.json["errors"]["json"]
    db.session.expire_all()
    still = sorted((c.dedupe_key.split(":")[0], c.facility_id) for c in db.session.scalars(
        select(Case).where(Case.status == "open", Case.kind == "sanitation")))
    assert still == [("cleaning", well.id)]
    assert _facility(client, world, well.id)["last_source_check_on"] == today.isoformat()
    login(client, "worker_a")
    page = client.get(f"/facilities/{purifier.id}").get_data(as_text=True)
    assert "滤芯更换" in page and 'value="source_protection"' not in page


def test_the_upkeep_register_prints_every_facility_with_its_manager_and_verifies(client, world):
    today = local_today()
    _registered(world.point_a1.id, 100, manager_id=world.staff_a.id, responsible_unit="城关镇水利站",
                last_cleaned_on=today - timedelta(days=10))
    rules = current_rules()
    schedule_tests(db.session, rules.cases.upkeep, rules.zone)
    db.session.commit()
    h = world.headers(world.worker_a)
    pdf = client.get(f"/reports/townships/{world.t_a.id}/facilities.pdf", headers=h)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = text_of(pdf.data)[0]
    flat = re.sub(r"\s+", "", text)
    assert "城关镇工程管护台账" in flat and "张家村供水点" in flat and "城关镇水利站" in flat and "刘村干" in flat
    assert "共1处设施" in flat and "检测逾期" in flat and "王庄村" not in flat
    code = re.search(r"核验码\s*([0-9A-F]{16})", text).group(1)
    assert client.get(f"/verify/{code}", headers=h).json["status"] == "match"
    # The facilities export names the manager.
    export = client.get("/api/v1/facilities/export.csv", headers=h).get_data(as_text=True)
    assert "管理员" in export.splitlines()[0] and "刘村干" in export
    # The inspection archive carries it.
    archive = client.get(f"/reports/townships/{world.t_a.id}/inspection.zip?from={today - timedelta(days=30)}"
                         f"&to={today}", headers=h)
    assert "03-工程管护台账.pdf" in zipfile.ZipFile(io.BytesIO(archive.data)).namelist()


def test_delivered_water_has_its_source_and_water_from_a_failed_source_is_refused(client, world):
    from .helpers import planned_through_the_api

    well = Facility(township_id=world.t_a.id, village_id=world.v_a1.id, kind="well", name="张家村深井",
                    ownership="collective", status="working")
    db.session.add(well)
    db.session.commit()
    household, agreement, items = planned_through_the_api(client, world, source_facility_id=world.point_a1.id)
    assert agreement["source_facility_id"] == world.point_a1.id
    assert {d["source_facility_id"] for d in items} == {world.point_a1.id}  # planned with the agreement's source
    h = world.headers(world.worker_a)
    _test(client, world, local_today(), {"e_coli": 2})  # the point is now 水质超标
    today_item = next(d for d in items if d["scheduled_for"] == local_today().isoformat())
    refused = client.post(f"/api/v1/deliveries/{today_item['id']}/complete", headers=h, json={"liters": 120})
    assert refused.status_code == 422
    assert "水质超标" in str(refused.json["errors"]["json"]["source_facility_id"])
    done = client.post(f"/api/v1/deliveries/{today_item['id']}/complete", headers=h,
                       json={"liters": 120, "source_facility_id": well.id})
    assert done.status_code in (200, 201), done.json
    assert done.json["source_facility_id"] == well.id
    # The household drinks its source's water: listed under 水质超标, its page says where its water comes from.
    alerted = client.get("/api/v1/households?quality_alert=true", headers=h).json
    assert [item["id"] for item in alerted["items"]] == [household["id"]]
    login(client, "worker_a")
    page = client.get(f"/households/{household['id']}").get_data(as_text=True)
    assert "送水水源：张家村供水点" in page and 'id="quality-alert"' in page and "煮沸后饮用" in page
    # A purifier is no source to deliver from.
    purifier = Facility(township_id=world.t_a.id, village_id=world.v_a1.id, kind="purifier", name="净水机-9",
                        ownership="public", status="working")
    db.session.add(purifier)
    db.session.commit()
    wrong = client.patch(f"/api/v1/agreements/{agreement['id']}", headers=h, json={"source_facility_id": purifier.id})
    assert wrong.status_code == 422 and "source_facility_id" in wrong.json["errors"]["json"]
    # The agreement moved to the well: what is still planned follows.
    moved = client.patch(f"/api/v1/agreements/{agreement['id']}", headers=h, json={"source_facility_id": well.id})
    assert moved.status_code == 200
    later = client.get(f"/api/v1/deliveries?agreement_id={agreement['id']}&status=planned", headers=h).json["items"]
    assert later and {d["source_facility_id"] for d in later} == {well.id}
