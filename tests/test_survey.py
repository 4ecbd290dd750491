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


def _safe(client, world, household_id, **body):
    return _visit(client, world, household_id, liters_per_person_day=80, quality="met", piped=True,
                  assurance_percent=99, **body)


def test_the_survey_sheet_prints_every_household_with_signature_lines_and_verifies(client, world):
    import re

    from .helpers import text_of

    visited = _household(client, world, serial=11, head_name="刘秀兰")
    later = _household(client, world, serial=12, head_name="陈国强")
    _household(client, world, serial=13, village_id=world.v_a2.id)  # another village: not on this sheet
    assert _safe(client, world, visited["id"]).status_code == 201
    h = world.headers(world.worker_a)
    pdf = client.get(f"/reports/villages/{world.v_a1.id}/visits.pdf", headers=h)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    flat = " ".join(text_of(pdf.data)[0].split())
    year = local_today().year
    assert f"城关镇张家村 {year}年农村饮水安全逐户排查表" in flat and "重点村" in flat
    assert "监测户2户，已排查1户（覆盖率50%）：安全1户，基本安全0户，不安全0户；未排查1户" in flat.replace(" ", ""), flat
    assert "刘秀兰" in flat and "达标 达标 达标 达标 安全" in flat and "陈国强" in flat and "未排查" in flat
    assert "排查人签字" in flat and "村委会（盖章）" in flat and "镇街审核（盖章）" in flat
    listed = client.get(f"/api/v1/visits?village_id={world.v_a1.id}&year={year}", headers=h).json
    assert listed["total"] == 1 and listed["items"][0]["household_id"] == visited["id"]  # the 1 of 已排查 1 户
    code = re.search(r"核验码\s*([0-9A-F]{16})", flat).group(1)
    assert client.get(f"/verify/{code}", headers=h).json["status"] == "match"
    # The household printed as 未排查 is visited: the paper is still true, with one entry added since.
    _safe(client, world, later["id"])
    answer = client.get(f"/verify/{code}", headers=h).json
    assert answer["status"] == "added" and answer["added"] == 1, answer
    # Out of scope, a year too early or not a number: refused, naming the year.
    assert client.get(f"/reports/villages/{world.v_a1.id}/visits.pdf", headers=world.headers(world.worker_b)
                      ).status_code == 404
    for year_text in ("1999", "20x6"):
        bad = client.get(f"/reports/villages/{world.v_a1.id}/visits.pdf?year={year_text}", headers=h)
        assert bad.status_code == 422 and "year" in bad.json["errors"]["json"], bad.json


def test_coverage_puts_key_villages_first_with_their_subtotal(client, world):
    from .helpers import text_of

    key = _household(client, world, serial=21)  # 张家村, a key village
    _household(client, world, serial=22, village_id=world.v_a2.id)
    _household(client, world, serial=23, village_id=world.v_a2.id)
    _safe(client, world, key["id"])
    h = world.headers(world.worker_a)
    d = client.get("/api/v1/dashboard", headers=h).json
    assert d["villages"][0]["is_key"] is True
    subtotal = d["overall"]["key_villages"]
    assert (subtotal["households"], subtotal["survey_visited"], subtotal["survey_coverage"]) == (1, 1, 100.0)
    assert (d["overall"]["households"], d["overall"]["survey_visited"], d["overall"]["survey_coverage"]) == (3, 1, 33.3)
    assert d["townships"][0]["key_villages"]["survey_visited"] == 1
    # The same figures counted by another route: the lists an inspector would open.
    assert client.get("/api/v1/households?is_key=true", headers=h).json["total"] == subtotal["households"]
    visits = client.get(f"/api/v1/visits?year={local_today().year}", headers=h).json
    assert len({v["household_id"] for v in visits["items"]}) == d["overall"]["survey_visited"]
    login(client, "worker_a")
    page = client.get("/dashboard").get_data(as_text=True)
    table = page.split('id="survey-coverage"')[1].split("</table>")[0]
    assert table.index("张家村") < table.index("李家村")
    assert "<th>重点村小计</th><td>1</td><td>1</td><td class=\"\">100%</td>" in table
    assert "<th>合计</th><td>3</td><td>1</td><td class=\"bad\">33.3%</td>" in table
    today = local_today()
    summary = client.get(f"/reports/townships/{world.t_a.id}/summary.pdf?from={today.replace(month=1, day=1)}"
                         f"&to={today}", headers=h)
    flat = " ".join(text_of(summary.data)[0].split())
    assert "张家村（重点村） 1 1 100% 0 李家村 2 0 0% 0 重点村小计 1 1 100% 0 合计 3 1 33.3% 0" in flat, flat
    assert "排查覆盖率 33.3%" in flat


def _survey_sheet(rows: list[list]) -> bytes:
    import io

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["镇街", "村", "户主姓名", "身份证号", "排查日期", "水量", "水质", "用水方便程度", "供水保证率", "排查人",
                  "备注"])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_paper_survey_imports_all_or_nothing_each_bad_cell_named(client, world):
    from .conftest import make_household, valid_id
    from .helpers import upload

    first = _household(client, world, serial=31, head_name="赵大山")
    second = _household(client, world, serial=32, head_name="钱小梅")
    make_household(world, 33, village=world.v_b1)  # another township's
    db.session.commit()
    last_year = local_today().replace(year=local_today().year - 1, month=11, day=5).isoformat()
    good = [["城关镇", "张家村", "赵大山", valid_id(31), last_year, "达标", "达标", "基本达标", "达标", "周排查", ""],
            ["城关镇", "张家村", "钱小梅", valid_id(32), last_year, "达标", "不达标", "达标", "达标", "周排查", "井水浑浊"]]
    bad = [["城关镇", "张家村", "赵大山", valid_id(31), "2099-01-01", "达标", "达标", "达标", "达标", "", ""],
           ["城关镇", "张家村", "钱小梅", valid_id(32), last_year, "很好", "达标", "达标", "达标", "", ""],
           ["城关镇", "张家村", "钱小", valid_id(32), "2026-01-02", "达标", "达标", "达标", "达标", "", ""],
           ["城关镇", "张家村", "户主33", valid_id(33), last_year, "达标", "达标", "达标", "达标", "", ""],
           ["城关镇", "李家村", "赵大山", valid_id(31), "2026-01-03", "达标", "达标", "达标", "达标", "", ""]]
    refused = upload(client, world, "visits", _survey_sheet(good + bad), "排查.xlsx")
    assert refused.status_code == 422 and refused.json["created"] == 0
    named = {(e["row"], e["column"]) for e in refused.json["errors"]}
    assert named == {(4, "排查日期"), (5, "水量"), (6, "户主姓名"), (7, "身份证号"), (8, "村")}, refused.json
    h = world.headers(world.worker_a)
    assert client.get("/api/v1/visits", headers=h).json["total"] == 0
    checked = upload(client, world, "visits", _survey_sheet(good), "排查.xlsx", dry_run=True)
    assert checked.status_code == 200 and checked.json["created"] == 2
    assert client.get("/api/v1/visits", headers=h).json["total"] == 0
    done = upload(client, world, "visits", _survey_sheet(good), "排查.xlsx")
    assert done.status_code == 200 and done.json["created"] == 2, done.json
    visits = client.get(f"/api/v1/visits?household_id={second['id']}", headers=h).json["items"]
    assert visits[0]["result"] == "unsafe" and visits[0]["surveyor_name"] == "周排查"
    assert visits[0]["indicators"]["quality"] == "failed" and visits[0]["surveyor_id"] is None
    assert client.get(f"/api/v1/visits?household_id={first['id']}", headers=h).json["items"][0]["result"] == "basic"
    # The unsafe household reaches the ledger; the same paper again changes nothing.
    case = db.session.scalars(select(Case).where(Case.household_id == second["id"])).one()
    assert case.status == "open" and "水质不达标" in case.description
    again = upload(client, world, "visits", _survey_sheet(good), "排查.xlsx")
    assert again.json["created"] == 0 and again.json["unchanged"] == 2
    # A later field visit that is safe resolves it; the paper imported after it does not reopen it.
    _safe(client, world, second["id"])
    upload(client, world, "visits", _survey_sheet(good), "排查.xlsx")
    db.session.expire_all()
    assert db.session.get(Case, case.id).status == "resolved"


def test_a_visit_s_photo_shows_on_the_household_page_in_scope_only(client, world, tmp_path):
    import io

    from PIL import Image

    from .helpers import csrf_token

    household = _household(client, world, serial=41)
    picture = io.BytesIO()
    Image.new("RGB", (800, 600), "blue").save(picture, "JPEG")
    login(client, "cun_a1")
    token = csrf_token(client, f"/households/{household['id']}/visit")
    done = client.post(f"/households/{household['id']}/visit", content_type="multipart/form-data", data={
        "csrf_token": token, "visited_on": local_today().isoformat(), "liters_per_person_day": "65", "quality": "met",
        "piped": "1", "assurance_percent": "97", "photo": (io.BytesIO(picture.getvalue()), "well.jpg")})
    assert done.status_code == 302
    page = client.get(f"/households/{household['id']}").get_data(as_text=True)
    visit_id = client.get(f"/api/v1/visits?household_id={household['id']}",
                          headers=world.headers(world.worker_a)).json["items"][0]["id"]
    photo = f"/households/{household['id']}/visits/{visit_id}/photo"
    assert f'{photo}?size=thumbnail' in page and "排查人" in page
    small = client.get(f"{photo}?size=thumbnail")
    assert small.status_code == 200 and Image.open(io.BytesIO(small.data)).size[0] <= 240
    assert client.get(photo).data == picture.getvalue()
    login(client, "worker_b")
    assert client.get(photo).status_code == 404


def test_a_visit_dated_past_the_backdating_window_asks_for_its_reason_and_keeps_it(client, world):
    from datetime import datetime, timedelta, timezone

    from models import Visit, db
    from service.clock import local_today

    from .conftest import make_household
    from .helpers import csrf_token, login

    household = make_household(world, 1, distance_m=200.0)
    household.created_at = datetime.now(timezone.utc) - timedelta(days=90)
    db.session.commit()
    body = {"visited_on": (local_today() - timedelta(days=30)).isoformat(), "quality": "met", "piped": True,
            "liters_per_person_day": 70, "assurance_percent": 98}
    headers = {**world.headers(world.worker_a), "Accept-Language": "zh-CN"}
    refused = client.post(f"/api/v1/households/{household.id}/visits", json=body, headers=headers)
    assert refused.status_code == 422 and "补录原因" in refused.json["errors"]["json"]["late_reason"][0]
    within = client.post(f"/api/v1/households/{household.id}/visits", headers=headers,
                         json={**body, "visited_on": (local_today() - timedelta(days=3)).isoformat()})
    assert within.status_code == 201 and within.json["late_reason"] is None
    kept = client.post(f"/api/v1/households/{household.id}/visits", json={**body, "late_reason": "纸质排查表补录"},
                       headers=headers)
    assert kept.status_code == 201 and kept.json["late_reason"] == "纸质排查表补录"
    # The page's form (the phone's, offline too) asks the same, next to the field, and the household page shows it.
    login(client, "worker_a")
    form = {"visited_on": body["visited_on"], "quality": "met", "piped": "1", "liters_per_person_day": "70",
            "assurance_percent": "98", "csrf_token": csrf_token(client, f"/households/{household.id}/visit")}
    page = client.post(f"/households/{household.id}/visit", data=form)
    assert page.status_code == 422 and 'data-field="late_reason"' in page.get_data(as_text=True)
    assert client.post(f"/households/{household.id}/visit", data={**form, "late_reason": "停电后补录"}).status_code == 302
    assert db.session.query(Visit).count() == 3
    assert "补录原因：停电后补录" in client.get(f"/households/{household.id}").get_data(as_text=True)


def test_the_survey_sheet_prints_the_person_who_visited_not_a_login(client, world):
    from models import Staff, db

    from .conftest import make_household
    from .helpers import text_of

    person = Staff(name="刘村干", phone="+8613900000077", role="village_staff", township_id=world.t_a.id,
                   village_id=world.v_a1.id)
    db.session.add(person)
    db.session.flush()
    world.village_a1.staff_id = person.id
    first, second = make_household(world, 1, distance_m=200.0), make_household(world, 2, distance_m=200.0)
    db.session.commit()
    body = {"visited_on": local_today().isoformat(), "quality": "met", "piped": True, "liters_per_person_day": 70,
            "assurance_percent": 98}
    for household, user in ((first, world.village_a1), (second, world.worker_a)):
        assert client.post(f"/api/v1/households/{household.id}/visits", json=body,
                           headers=world.headers(user)).status_code == 201
    pdf = client.get(f"/reports/villages/{world.v_a1.id}/visits.pdf", headers=world.headers(world.worker_a))
    text = "".join(text_of(pdf.data)[0].split())
    assert "刘村干" in text and "cun_a1" not in text
    assert "未关联责任人" in text  # worker_a is a login of no registered person, and the sheet says so


def test_a_water_short_county_judges_quantity_by_its_own_bounds_on_the_server_and_the_page(app, client, world,
                                                                                          monkeypatch):
    import json
    import re

    from models import db

    from .conftest import make_household
    from .helpers import login

    household = make_household(world, 1, distance_m=200.0)
    db.session.commit()
    body = {"quality": "met", "piped": True, "assurance_percent": 98, "liters_per_person_day": 30}
    assert _visit(client, world, household.id, **body).json["indicators"]["quantity"] == "failed"
    monkeypatch.setitem(app.config, "WATER_SHORT_AREA", True)
    assert _visit(client, world, household.id, **body).json["indicators"]["quantity"] == "basic"
    # The page judges with the very table the server judged with.
    login(client, "worker_a")
    page = client.get(f"/households/{household.id}/visit").get_data(as_text=True)
    table = json.loads(re.search(r"data-limits='([^']+)'", page).group(1).replace("&#34;", '"'))
    assert table["quantity"] == {"better": "at_least", "met": 40, "basic": 20}
    assert table["convenience"] == {"better": "at_most", "met": 10, "basic": 20}
