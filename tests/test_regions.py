"""Regions above the township (GB/T 2260) and the dashboard of a region, its children ranked."""
import json
import re

from models import Region, db

from .conftest import make_household


def _region(client, world, **body):
    return client.post("/api/v1/regions", json=body, headers=world.headers(world.admin))


def _chain(client, world) -> tuple[int, int, int, int]:
    province = _region(client, world, name="山东省", code="370000", level="province").json["id"]
    city = _region(client, world, name="济南市", code="370100", level="city", parent_id=province).json["id"]
    east = _region(client, world, name="历下区", code="370102", level="county", parent_id=city).json["id"]
    west = _region(client, world, name="市中区", code="370103", level="county", parent_id=city).json["id"]
    return province, city, east, west


def _place(client, world, township, county_id) -> None:
    """Put a township under a county, as the county's administrator does."""
    answer = client.patch(f"/api/v1/townships/{township.id}", json={"county_id": county_id},
                          headers=world.headers(world.admin))
    assert answer.status_code == 200, answer.json


def test_regions_follow_their_codes_and_bad_ones_are_named(client, world):
    province, city, east, _ = _chain(client, world)
    bad = [({"name": "x", "code": "37010", "level": "county", "parent_id": city}, "code"),
           ({"name": "x", "code": "3701O4", "level": "county", "parent_id": city}, "code"),
           ({"name": "x", "code": "370200", "level": "county", "parent_id": city}, "level"),
           ({"name": "x", "code": "370200", "level": "city"}, "parent_id"),
           ({"name": "x", "code": "370104", "level": "county", "parent_id": province}, "parent_id"),
           ({"name": "x", "code": "380104", "level": "county", "parent_id": city}, "parent_id"),
           ({"name": "x", "code": "370102", "level": "county", "parent_id": city}, "code"),
           ({"name": "x", "code": "380000", "level": "province", "parent_id": province}, "parent_id")]
    for body, field in bad:
        answer = _region(client, world, **body)
        assert answer.status_code == 422 and field in answer.json["errors"]["json"], (body, answer.json)
    assert db.session.query(Region).count() == 4
    h = world.headers(world.admin)
    moved = client.patch(f"/api/v1/regions/{city}", json={"code": "370200"}, headers=h)
    assert moved.status_code == 422 and "code" in moved.json["errors"]["json"]  # its counties begin with 3701
    assert client.patch(f"/api/v1/regions/{east}", json={"level": "city"}, headers=h).status_code == 422
    # Everyone reads the regions; only the county's administrators register them.
    worker = world.headers(world.worker_a)
    assert client.get("/api/v1/regions?level=county", headers=worker).json["total"] == 2
    assert client.get(f"/api/v1/regions/{city}", headers=worker).status_code == 200
    assert client.post("/api/v1/regions", json={"name": "x", "code": "370104", "level": "county", "parent_id": city},
                       headers=worker).status_code == 403


def test_a_region_s_dashboard_ranks_its_children(client, world):
    province, city, east, west = _chain(client, world)
    h = world.headers(world.admin)
    assert client.patch(f"/api/v1/townships/{world.t_a.id}", json={"county_id": east}, headers=h).status_code == 200
    assert client.patch(f"/api/v1/townships/{world.t_b.id}", json={"county_id": west}, headers=h).status_code == 200
    refused = client.patch(f"/api/v1/townships/{world.t_b.id}", json={"county_id": city}, headers=h)
    assert refused.status_code == 422 and "county_id" in refused.json["errors"]["json"]
    # 城关镇 (in 历下区): two households needing delivery without an agreement; 河口镇 (市中区): one near its water.
    make_household(world, 1, distance_m=1500.0)
    make_household(world, 2, distance_m=1500.0)
    make_household(world, 3, village=world.v_b1, distance_m=100.0)
    db.session.commit()
    d = client.get(f"/api/v1/dashboard?region_id={city}", headers=h).json
    assert d["region"]["code"] == "370100" and d["overall"]["households"] == 3
    children = d["children"]
    assert [(c["name"], c["kind"], c["rank"]) for c in children] == [("市中区", "county", 1), ("历下区", "county", 2)]
    assert children[1]["gaps"] == 2 and children[0]["score"] > children[1]["score"]
    assert sum(c["households"] for c in children) == d["overall"]["households"]
    county = client.get(f"/api/v1/dashboard?region_id={east}", headers=h).json
    assert [(c["kind"], c["name"]) for c in county["children"]] == [("township", "城关镇")]
    assert county["overall"]["households"] == 2
    top = client.get(f"/api/v1/dashboard?region_id={province}", headers=h).json
    assert [(c["name"], c["rank"]) for c in top["children"]] == [("济南市", 1)]
    # The answer is kept while its villages' figures stay current; a region renamed, or a township moved to
    # another county, is read at once.
    assert client.patch(f"/api/v1/regions/{city}", json={"name": "泉城市"}, headers=h).status_code == 200
    assert client.get(f"/api/v1/dashboard?region_id={province}", headers=h).json["children"][0]["name"] == "泉城市"
    _place(client, world, world.t_b, east)
    moved = client.get(f"/api/v1/dashboard?region_id={east}", headers=h).json
    assert moved["overall"]["households"] == 3 and len(moved["children"]) == 2
    # Compressed for a client that takes gzip, once.
    import gzip
    packed = client.get(f"/api/v1/dashboard?region_id={east}", headers={**h, "Accept-Encoding": "gzip"})
    assert packed.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in packed.headers["Vary"]
    assert json.loads(gzip.decompress(packed.data)) == moved
    # A township's user asking for a region sees only its own township's figures inside it.
    mine = client.get(f"/api/v1/dashboard?region_id={city}", headers=world.headers(world.worker_a)).json
    assert mine["overall"]["households"] == 2


def _regional(world, username, role, region_id):
    from models import User
    from service.domain.users import create_user

    user = create_user(db.session, username, role, "a-long-regional-password-2026",
                       region_code=db.session.get(Region, region_id).code)
    db.session.commit()
    return db.session.get(User, user.id)


def test_a_city_admin_reads_its_region_and_hands_tasks_down_to_it_only(client, world):
    from .conftest import household_payload

    province, city, east, west = _chain(client, world)
    other_city = _region(client, world, name="青岛市", code="370200", level="city", parent_id=province).json["id"]
    other_county = _region(client, world, name="市南区", code="370202", level="county", parent_id=other_city).json["id"]
    _place(client, world, world.t_a, east)
    _place(client, world, world.t_b, other_county)
    make_household(world, 1, distance_m=1500.0)
    make_household(world, 2, village=world.v_b1, distance_m=1500.0)
    db.session.commit()
    jinan = world.headers(_regional(world, "jinan", "city_admin", city))
    # Reads: its region only (0 reads outside it).
    households = client.get("/api/v1/households", headers=jinan).json
    assert households["total"] == 1 and households["items"][0]["township_id"] == world.t_a.id
    assert client.get("/api/v1/townships", headers=jinan).json["total"] == 1
    assert client.get(f"/api/v1/villages/{world.v_b1.id}", headers=jinan).status_code == 404
    assert client.get("/api/v1/dashboard", headers=jinan).json["overall"]["households"] == 1
    # Writes: nothing but a task handed down (交办), and only inside its region.
    assert client.post("/api/v1/households", json=household_payload(world, 5), headers=jinan).status_code == 403
    task = {"kind": "other", "village_id": world.v_a1.id, "title": "排查水源地", "description": "市督察反馈",
            "source": "assigned", "source_ref": "济水督〔2026〕12号"}
    handed = client.post("/api/v1/cases", json=task, headers=jinan)
    assert handed.status_code == 201 and handed.json["source"] == "assigned", handed.json
    assert client.post("/api/v1/cases", json={**task, "source": "self_check"}, headers=jinan).status_code == 403
    assert client.post("/api/v1/cases", json={**task, "village_id": world.v_b1.id}, headers=jinan).status_code == 403
    # The township works it; its progress comes back up.
    worker = world.headers(world.worker_a)
    assert client.post(f"/api/v1/cases/{handed.json['id']}/progress", json={"note": "已完成水源地巡查"},
                       headers=worker).status_code == 201
    back = client.get(f"/api/v1/cases/{handed.json['id']}", headers=jinan).json
    assert [p["note"] for p in back["progress"]] == ["已完成水源地巡查"]
    # A province's administrator reads both cities and ranks them.
    shandong = world.headers(_regional(world, "shandong", "province_admin", province))
    assert client.get("/api/v1/households", headers=shandong).json["total"] == 2
    ranked = client.get(f"/api/v1/dashboard?region_id={province}", headers=shandong).json["children"]
    assert {c["name"] for c in ranked} == {"济南市", "青岛市"} and all(c["rank"] for c in ranked)


def test_a_regional_login_needs_a_region_of_its_level(client, world):
    import pytest

    from service.domain.errors import FieldErrors
    from service.domain.users import create_user

    province, city, east, _ = _chain(client, world)
    for role, code in (("city_admin", None), ("city_admin", "370000"), ("province_admin", "370100"),
                       ("county_admin", "370100")):
        with pytest.raises(FieldErrors) as refused:
            create_user(db.session, "someone", role, "a-long-regional-password-2026", region_code=code)
        assert "region" in refused.value.errors
    db.session.rollback()
    # A county administrator given a county sees only that county.
    _place(client, world, world.t_a, east)
    lixia = world.headers(_regional(world, "lixia", "county_admin", east))
    assert client.get("/api/v1/townships", headers=lixia).json["total"] == 1


def test_the_monthly_bulletin_ranks_the_children_names_the_overdue_and_verifies(client, world):
    from datetime import timedelta

    from service.clock import local_today

    from .helpers import text_of

    province, city, east, west = _chain(client, world)
    h = world.headers(world.admin)
    _place(client, world, world.t_a, east)
    _place(client, world, world.t_b, west)
    make_household(world, 1, distance_m=1500.0)
    make_household(world, 2, village=world.v_b1, distance_m=100.0)
    db.session.commit()
    late = client.post("/api/v1/cases", json={"kind": "other", "village_id": world.v_a1.id, "title": "水源地护栏破损",
                                             "source": "assigned"}, headers=h).json
    from models import Case
    db.session.get(Case, late["id"]).deadline = local_today() - timedelta(days=3)
    db.session.commit()
    pdf = client.get(f"/reports/regions/{city}/bulletin.pdf", headers=h)
    assert pdf.status_code == 200
    flat = " ".join(text_of(pdf.data)[0].split())
    assert "济南市农村饮水安全工作通报" in flat and "1 市中区" in flat and "2 历下区" in flat, flat
    assert "水源地护栏破损" in flat and "城关镇 张家村" in flat and "签发人" not in flat  # it is sent down, not up
    assert f"济南市饮水通〔{local_today().year}〕{local_today().month}号" in flat
    assert f"济南市农村供水保障工作领导小组办公室 {local_today().isoformat()}" in flat
    # 超期 1 件, as the case list counts the overdue ones.
    assert client.get("/api/v1/cases?overdue=true", headers=h).json["total"] == 1 and "其中超期 1 件" in flat
    code = re.search(r"核验码\s*([0-9A-F]{16})", flat).group(1)
    assert client.get(f"/verify/{code}", headers=h).json["status"] == "match"
    # Only administrators print bulletins, and only of their own region.
    assert client.get(f"/reports/regions/{city}/bulletin.pdf", headers=world.headers(world.worker_a)).status_code == 403
    assert client.get(f"/reports/regions/{city}/bulletin.pdf?month=2026-13", headers=h).status_code == 422


def test_a_past_month_s_bulletin_is_kept_as_issued_and_tells_that_month(client, world):
    """Kept by the job on the 1st: printed later, after a case opened and another verified, it says the same; a
    county alone is not ranked nor named the lowest of itself."""
    from datetime import timedelta

    from models import Case, KeptBulletin
    from service.clock import local_today
    from service.context import current_rules
    from service.domain.bulletins import BulletinStyle, keep_bulletins
    from service.domain.scope import Scope

    from .helpers import text_of

    province, city, east, west = _chain(client, world)
    h = world.headers(world.admin)
    _place(client, world, world.t_a, east)
    make_household(world, 1, distance_m=1500.0)
    db.session.commit()
    last_month_end = local_today().replace(day=1) - timedelta(days=1)
    month = last_month_end.strftime("%Y-%m")
    old = client.post("/api/v1/cases", json={"kind": "other", "village_id": world.v_a1.id, "title": "上月问题",
                                            "source": "assigned"}, headers=h).json
    db.session.execute(Case.__table__.update().where(Case.id == old["id"]).values(
        created_at=db.session.get(Case, old["id"]).created_at - timedelta(days=40),
        deadline=last_month_end - timedelta(days=5)))
    db.session.commit()
    rules = current_rules()
    kept = keep_bulletins(db.session, Scope(), local_today(), rules.thresholds, rules.zone, rules.cases.upkeep, BulletinStyle())
    db.session.commit()
    assert kept == 4  # the province, the city, its two counties
    assert keep_bulletins(db.session, Scope(), local_today(), rules.thresholds, rules.zone, rules.cases.upkeep, BulletinStyle()) == 0

    def printed():
        pdf = client.get(f"/reports/regions/{east}/bulletin.pdf?month={month}", headers=h)
        assert pdf.status_code == 200
        return " ".join(text_of(pdf.data)[0].split())

    before = printed()
    assert f"截至 {last_month_end.isoformat()}" in before and "其中超期 1 件" in before and "上月问题" in before
    assert "最低" not in before and "排名" not in before  # one township: nothing to rank
    # After the month: a new case, and the old one worked on; the kept bulletin does not move.
    client.post("/api/v1/cases", json={"kind": "other", "village_id": world.v_a1.id, "title": "本月新问题",
                                       "source": "assigned"}, headers=h)
    client.post(f"/api/v1/cases/{old['id']}/transitions", json={"to": "in_progress"}, headers=h)
    after = printed()
    strip = lambda text: re.sub(r"核验码 \S+|生成于 \S+ \S+", "", text)  # noqa: E731
    assert strip(after) == strip(before) and "本月新问题" not in after
    code = re.search(r"核验码\s*([0-9A-F]{16})", after).group(1)
    assert client.get(f"/verify/{code}", headers=h).json["status"] == "match"
    assert db.session.query(KeptBulletin).filter_by(region_id=east, month=month).count() == 1


def test_a_city_admin_s_dashboard_page_ranks_its_counties_and_goes_down_a_level(client, world):
    from .helpers import login

    province, city, east, west = _chain(client, world)
    _place(client, world, world.t_a, east)
    make_household(world, 1, distance_m=1500.0)
    db.session.commit()
    _regional(world, "jinan", "city_admin", city)
    login(client, "jinan", "a-long-regional-password-2026")
    page = client.get("/dashboard").get_data(as_text=True)
    ranking = page.split('id="ranking"')[1].split("</table>")[0]
    assert "各县排名" in page and f'href="/dashboard?region_id={east}"' in ranking and "历下区" in ranking
    assert "市中区" in ranking  # no township yet: no score, no rank
    down = client.get(f"/dashboard?region_id={east}").get_data(as_text=True)
    assert "各镇街排名" in down and f'href="/dashboard?township_id={world.t_a.id}"' in down


def test_tasks_handed_down_import_all_or_nothing_into_the_township_s_ledger(client, world):
    import io

    from openpyxl import Workbook

    from models import Case

    from .helpers import upload

    province, city, east, _ = _chain(client, world)
    _place(client, world, world.t_a, east)
    unit = client.post("/api/v1/units", json={"name": "县水利局", "kind": "department"},
                       headers=world.headers(world.admin)).json

    def sheet(rows):
        book = Workbook()
        book.active.append(["交办编号", "镇街", "村", "问题描述", "牵头单位", "整改时限"])
        for row in rows:
            book.active.append(row)
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()

    good = [["济水督〔2026〕1号", "城关镇", "张家村", "集中供水点消毒设备未运行", "县水利局", "2099-06-30"],
            ["济水督〔2026〕2号", "城关镇", "李家村", "2户未签送水协议", "", "2099-06-30"],
            ["济水督〔2026〕6号", "城关镇", "李家村", "水源地周边环境卫生", "", "长期坚持"]]
    bad = [["济水督〔2026〕3号", "城关镇", "赵家村", "无此村", "", "2099-06-30"],
           ["济水督〔2026〕4号", "城关镇", "张家村", "单位不存在", "市环保局", "2099-06-30"],
           ["济水督〔2026〕5号", "城关镇", "张家村", "时限已过", "", "2020-01-01"]]
    jinan = _regional(world, "jinan", "city_admin", city)
    refused = upload(client, world, "tasks", sheet(good + bad), "tasks.xlsx", user=jinan)
    assert refused.status_code == 422 and refused.json["created"] == 0
    assert {(e["row"], e["column"]) for e in refused.json["errors"]} == {(5, "村"), (6, "牵头单位"), (7, "整改时限")}, \
        refused.json
    assert db.session.query(Case).count() == 0
    done = upload(client, world, "tasks", sheet(good), "tasks.xlsx", user=jinan)
    assert done.status_code == 200 and done.json["created"] == 3, done.json
    cases = db.session.query(Case).order_by(Case.id).all()
    assert [(c.source, c.source_ref, c.lead_unit_id) for c in cases][0] == ("assigned", "济水督〔2026〕1号", unit["id"])
    # 整改时限 written 长期坚持: ongoing work, without a deadline
    assert [(c.category, c.deadline is None) for c in cases] == [("deadline", False), ("deadline", False),
                                                                 ("ongoing", True)]
    again = upload(client, world, "tasks", sheet(good), "tasks.xlsx", user=jinan)
    assert again.json["unchanged"] == 3 and again.json["created"] == 0
    # A township's user may not hand tasks down.
    assert upload(client, world, "tasks", sheet(good), "tasks.xlsx").status_code == 403


def test_the_accounts_page_names_a_regional_login_s_region(client, world):
    from .helpers import login

    province, city, east, west = _chain(client, world)
    _regional(world, "jinan", "city_admin", city)
    login(client, "admin")
    page = client.get("/users").get_data(as_text=True)
    row = page.split("<strong>jinan</strong>")[1].split("</span>")[0]
    assert "济南市" in row and "全县" not in row, row


def _exchange_rows(archive, table: str, schema: dict) -> list[dict]:
    """A table of the exchange ZIP read the way its schema says (an empty cell is null), each row checked against
    the schema."""
    import csv
    import io

    import jsonschema_rs

    read = {"integer": int, "number": float, "boolean": lambda text: {"true": True, "false": False}[text]}
    kinds = {name: prop["type"][0] if isinstance(prop["type"], list) else prop["type"]
             for name, prop in schema["properties"].items()}
    reader = csv.DictReader(io.StringIO(archive.read(f"{table}.csv").decode("utf-8")))
    assert reader.fieldnames == schema["x-csv-columns"]
    validator = jsonschema_rs.Draft202012Validator(schema, validate_formats=True)
    rows = []
    for raw in reader:
        row = {name: None if text == "" else read.get(kinds[name], str)(text) for name, text in raw.items()}
        errors = [error.message for error in validator.iter_errors(row)]
        assert errors == [], (table, row, errors)
        rows.append(row)
    return rows


def test_the_exchange_zip_carries_a_region_s_places_indicators_and_ledger_as_its_schemas_say(client, world, tmp_path):
    import hashlib
    import json
    import zipfile

    from service.clock import local_today

    from .test_survey import _visit

    province, city, east, west = _chain(client, world)
    _place(client, world, world.t_a, east)
    _place(client, world, world.t_b, west)
    gap = make_household(world, 1, distance_m=1500.0)
    near = make_household(world, 2, distance_m=100.0)
    make_household(world, 3, village=world.v_b1, distance_m=100.0)
    db.session.commit()
    assert _visit(client, world, gap.id, liters_per_person_day=80, quality="met", piped=True,
                  assurance_percent=98).status_code == 201
    assert _visit(client, world, near.id, liters_per_person_day=10, quality="failed", piped=False,
                  round_trip_minutes=40, assurance_percent=50).status_code == 201
    jinan = world.headers(_regional(world, "jinan", "city_admin", city))
    handed = client.post("/api/v1/cases", json={"kind": "other", "village_id": world.v_a1.id, "title": "排查水源地",
                                               "source": "assigned", "source_ref": "济水督〔2026〕12号"}, headers=jinan)
    assert handed.status_code == 201
    year, out = local_today().year, tmp_path / "east.zip"
    result = client.application.test_cli_runner().invoke(
        args=["export", "region", "370102", "--year", str(year), "--out", str(out)])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        assert manifest["format"] == "rural-water-exchange" and manifest["format_version"] == "1.0"
        assert manifest["region"] == {"code": "370102", "name": "历下区", "level": "county"} and manifest["year"] == year
        tables = {}
        for entry in manifest["tables"]:
            assert hashlib.sha256(archive.read(entry["file"])).hexdigest() == entry["sha256"]
            schema = json.loads(archive.read(entry["schema"]))
            tables[entry["file"][:-4]] = _exchange_rows(archive, entry["file"][:-4], schema)
            assert len(tables[entry["file"][:-4]]) == entry["rows"]
        text = b"".join(archive.read(name) for name in archive.namelist()).decode("utf-8")
    assert set(tables) == {"regions", "townships", "villages", "households", "indicators", "ledger"}
    assert tables["regions"] == [{"region_code": "370102", "name": "历下区", "level": "county", "parent_code": "370100"}]
    # Only the county's township (河口镇 is in 市中区), its figures as the dashboard has them.
    figures = client.get(f"/api/v1/dashboard?region_id={east}", headers=jinan).json["children"][0]
    [township] = tables["townships"]
    assert township["township_code"] == world.t_a.code and township["county_code"] == "370102"
    for name in ("households", "needs_delivery", "gaps", "open_cases", "score"):
        assert township[name] == figures[name], name
    assert [v["village_code"] for v in tables["villages"]] == [world.v_a1.code, world.v_a2.code]
    assert tables["villages"][0]["is_key"] is True and tables["villages"][0]["households"] == 2
    # Households as the API lists them in that county, the gap flagged, names and ID numbers masked.
    listed = client.get(f"/api/v1/households?township_id={world.t_a.id}", headers=jinan).json
    assert sorted(h["household_id"] for h in tables["households"]) == sorted(h["id"] for h in listed["items"])
    assert [(h["household_id"], h["gap"]) for h in tables["households"]] == [(gap.id, True), (near.id, False)]
    assert tables["households"][0]["head_name"] == "户*1" and "户主1" not in text
    assert tables["households"][0]["id_number"] == gap.id_number_masked and "*" in gap.id_number_masked
    # The year's visits, each judged as the visits list has it; the ledger as the case list has it.
    visits = client.get(f"/api/v1/visits?township_id={world.t_a.id}", headers=jinan).json["items"]
    assert {(v["visit_id"], v["result"]) for v in tables["indicators"]} == {(v["id"], v["result"]) for v in visits}
    assert {v["result"] for v in tables["indicators"]} == {"safe", "unsafe"}
    cases = client.get(f"/api/v1/cases?township_id={world.t_a.id}", headers=jinan).json["items"]
    assert sorted(c["case_id"] for c in tables["ledger"]) == sorted(c["id"] for c in cases)
    task = next(c for c in tables["ledger"] if c["case_id"] == handed.json["id"])
    assert (task["source"], task["source_ref"], task["status"]) == ("assigned", "济水督〔2026〕12号", "open")
    assert task["village_code"] == world.v_a1.code and task["county_code"] == "370102"
    # The province's export holds both counties; an unknown code is named.
    runner = client.application.test_cli_runner()
    assert runner.invoke(args=["export", "region", "370000", "--year", str(year), "--out", str(tmp_path / "p.zip")]
                         ).exit_code == 0
    with zipfile.ZipFile(tmp_path / "p.zip") as archive:
        assert archive.read("households.csv").decode().count("\r\n") == 1 + 3
        assert [r.split(",")[0] for r in archive.read("regions.csv").decode().split()[1:]] == \
            ["370000", "370100", "370102", "370103"]
    unknown = runner.invoke(args=["export", "region", "379999", "--year", str(year), "--out", str(tmp_path / "x.zip")])
    assert unknown.exit_code == 1 and "379999" in unknown.output


def test_a_database_from_before_the_regions_is_put_under_one_county(tmp_path, client, world, monkeypatch):
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import text

    from service import create_app

    def old_database(name, codes, downgrade_after=False):
        app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / name}",
                          "SECRET_KEY": "k", "ID_NUMBER_KEY": "k", "ALLOWED_HOSTS": ["localhost"]})
        with app.app_context():
            upgrade(revision="18293a4b5c63")
            for number, code in enumerate(codes, start=1):
                db.session.execute(text("INSERT INTO townships (id, name, code, created_at, updated_at) "
                                        "VALUES (:id, :name, :code, '2026-01-01', '2026-01-01')"),
                                   {"id": number, "name": f"镇{number}", "code": code})
            db.session.commit()
            upgrade()
            regions = db.session.execute(text("SELECT code, name, level FROM regions ORDER BY code")).all()
            placed = db.session.scalars(text("SELECT DISTINCT r.code FROM townships t "
                                             "LEFT JOIN regions r ON r.id = t.county_id")).all()
            db.session.remove()
            if downgrade_after:
                downgrade(revision="18293a4b5c63")
                assert db.session.scalar(text("SELECT count(*) FROM regions")) == 0
                assert db.session.scalars(text("SELECT DISTINCT county_id FROM townships")).all() == [None]
            db.session.remove()
        return [tuple(row) for row in regions], placed

    # 统计用区划代码 (nine digits, the county's six first): the county, its city and province take their codes.
    monkeypatch.delenv("COUNTY_CODE", raising=False)
    regions, placed = old_database("coded.db", ["370102001", "370102002"], downgrade_after=True)
    assert regions == [("370000", "山东省", "province"), ("370100", "本市", "city"), ("370102", "本县", "county")]
    assert placed == ["370102"]
    # Short codes say nothing: as before, no county, unless the upgrade is told which.
    assert old_database("short.db", ["370101", "370102"]) == ([], [None])
    monkeypatch.setenv("COUNTY_CODE", "410523")
    regions, placed = old_database("told.db", ["370101", "370102"])
    assert [code for code, _, _ in regions] == ["410000", "410500", "410523"] and placed == ["410523"]
    # The county's administrator renames them (a name alone); a new township goes into the only county.
    h = world.headers(world.admin)
    province = _region(client, world, name="本省", code="410000", level="province").json["id"]
    city = _region(client, world, name="本市", code="410500", level="city", parent_id=province).json["id"]
    county = _region(client, world, name="本县", code="410523", level="county", parent_id=city).json["id"]
    assert client.patch(f"/api/v1/regions/{city}", json={"name": "安阳市"}, headers=h).json["name"] == "安阳市"
    town = client.post("/api/v1/townships", json={"name": "新镇", "code": "410523100"}, headers=h)
    assert town.status_code == 201 and town.json["county_id"] == county


def test_a_city_s_page_and_answer_rank_its_counties_without_listing_every_village(client, world):
    from .helpers import login

    province, city, east, west = _chain(client, world)
    _place(client, world, world.t_a, east)
    _place(client, world, world.t_b, west)
    make_household(world, 1, distance_m=1500.0)
    make_household(world, 2, village=world.v_b1, distance_m=100.0)
    db.session.commit()
    _regional(world, "jinan", "city_admin", city)
    login(client, "jinan", "a-long-regional-password-2026")
    page = client.get("/dashboard").get_data(as_text=True)
    assert 'id="ranking"' in page and 'id="villages"' not in page and 'id="townships"' not in page
    coverage = page.split('id="survey-coverage"')[1].split("</table>")[0]
    assert f'href="/dashboard?region_id={east}"' in coverage and f'href="/dashboard?region_id={west}"' in coverage
    # Each county's row counts its households as the households list does (监测户, then 已查 0).
    for county, township in ((east, world.t_a), (west, world.t_b)):
        row = coverage.split(f'href="/dashboard?region_id={county}"')[1].split("</tr>")[0]
        listed = client.get(f"/api/v1/households?township_id={township.id}",
                            headers=world.headers(world.admin)).json["total"]
        assert re.findall(r"<td[^>]*>(\d+)</td>", row)[:2] == [str(listed), "0"], row
    # A county's page lists its villages, as the county's always did.
    assert 'id="villages"' in client.get(f"/dashboard?region_id={east}").get_data(as_text=True)
    h = world.headers(world.admin)
    answer = client.get(f"/api/v1/dashboard?region_id={city}", headers=h).json
    assert answer["villages"] == [] and answer["overall"]["households"] == 2
    listed = client.get(f"/api/v1/dashboard?region_id={city}&villages=true", headers=h).json["villages"]
    assert sum(v["households"] for v in listed) == 2 and len(listed) == 3
    county = client.get(f"/api/v1/dashboard?region_id={east}", headers=h).json
    assert county["villages"] == [] and [t["township_id"] for t in county["townships"]] == [world.t_a.id]
    assert len(client.get(f"/api/v1/dashboard?region_id={east}&villages=true", headers=h).json["villages"]) == 2
    # Above the county the townships too are listed only when asked for: the children rank the counties.
    assert answer["townships"] == [] and len(answer["children"]) == 2
    both = client.get(f"/api/v1/dashboard?region_id={city}&townships=true", headers=h).json["townships"]
    assert sorted(t["households"] for t in both) == [1, 1]
    # A city's login, asking for its dashboard without naming a region, gets no village list unless it asks (a
    # province's villages are megabytes).
    mayor = world.headers(_regional(world, "shi_c1", "city_admin", city))
    own = client.get("/api/v1/dashboard", headers=mayor).json
    assert own["villages"] == [] and own["townships"] == [] and own["overall"]["households"] == 2
    assert len(client.get("/api/v1/dashboard?villages=true", headers=mayor).json["villages"]) == 3
    # One township asked for lists its own township and villages, whoever asks.
    one = client.get(f"/api/v1/dashboard?township_id={world.t_a.id}", headers=mayor).json
    assert [t["township_id"] for t in one["townships"]] == [world.t_a.id]
    assert {v["village_id"] for v in one["villages"]} == {world.v_a1.id, world.v_a2.id}


def test_a_city_hands_a_task_down_from_its_page_into_its_region_only(client, world):
    from models import Case

    from .helpers import csrf_token, login

    province, city, east, west = _chain(client, world)
    _place(client, world, world.t_a, east)
    _regional(world, "jinan", "city_admin", city)
    login(client, "jinan", "a-long-regional-password-2026")
    page = client.get("/cases/new")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "张家村" in text and "河口村" not in text and 'value="self_check"' not in text
    token = csrf_token(client, "/cases/new")
    made = client.post("/cases/new", data={"csrf_token": token, "kind": "other", "village_id": world.v_a1.id,
                                           "source": "self_check", "source_ref": "济水督〔2026〕9号",
                                           "description": "集中供水点消毒设备未运行"})
    assert made.status_code == 302
    case = db.session.query(Case).filter_by(source_ref="济水督〔2026〕9号").one()
    assert case.source == "assigned"  # a city hands down; it does not open its own
    outside = client.post("/cases/new", data={"csrf_token": token, "kind": "other", "village_id": world.v_b1.id,
                                              "description": "不在本市"})
    assert outside.status_code == 403


def test_a_bulletin_counts_each_case_with_the_status_it_had_on_the_month_s_last_day(client, world):
    """Printed late, without a kept copy, a past month's figures are still that month's: a case opened after it is not
    counted, and one fixed after it still counts as it stood."""
    from datetime import datetime, time, timedelta

    from models import Case, CaseEvent
    from service.clock import local_today
    from service.context import current_rules
    from service.domain.bulletins import bulletin_record
    from service.domain.scope import Scope

    province, city, east, west = _chain(client, world)
    h = world.headers(world.admin)
    _place(client, world, world.t_a, east)
    last = local_today().replace(day=1) - timedelta(days=1)
    rules = current_rules()
    during = datetime.combine(last - timedelta(days=5), time(10), rules.zone)
    old = client.post("/api/v1/cases", json={"kind": "other", "village_id": world.v_a1.id, "title": "上月立案",
                                            "source": "assigned"}, headers=h).json["id"]
    db.session.execute(Case.__table__.update().where(Case.id == old).values(created_at=during,
                                                                            deadline=last - timedelta(days=1)))
    db.session.execute(CaseEvent.__table__.update().where(CaseEvent.case_id == old).values(at=during))
    db.session.commit()
    client.post(f"/api/v1/cases/{old}/transitions", json={"to": "in_progress"}, headers=h)  # this month
    client.post("/api/v1/cases", json={"kind": "other", "village_id": world.v_a1.id, "title": "本月立案",
                                       "source": "assigned"}, headers=h)
    record = bulletin_record(db.session, Scope(), east, last.strftime("%Y-%m"), last, local_today(),
                             rules.thresholds, rules.zone)
    assert record["totals"]["open_cases"] == 1 and record["totals"]["overdue_cases"] == 1
    assert [c["title"] for c in record["overdue"]] == ["上月立案"]
    assert record["totals"]["statistics"]["sentence"].startswith("问题共1个，已完成整改0个")


def test_the_ledger_s_statistics_of_a_region_count_its_townships_cases(client, world):
    province, city, east, west = _chain(client, world)
    _place(client, world, world.t_a, east)
    _place(client, world, world.t_b, west)
    h = world.headers(world.admin)
    for village in (world.v_a1, world.v_a2, world.v_b1):
        client.post("/api/v1/cases", json={"kind": "other", "village_id": village.id, "description": "x"}, headers=h)
    listed = lambda query: client.get(f"/api/v1/cases?{query}", headers=h).json["total"]  # noqa: E731
    for region, expected in ((east, 2), (west, 1), (city, 3)):
        stats = client.get(f"/api/v1/cases/stats?group_by=township&region_id={region}", headers=h).json
        assert stats["totals"]["total"] == expected == listed(f"region_id={region}"), region


def test_a_region_holding_most_townships_lists_only_its_own_deliveries_and_agreements(client, world):
    """A province's login (most of the townships) narrows deliveries row by row, a county's through its households'
    list: both list exactly their own, and the totals count what the pages hold."""
    from datetime import timedelta

    from models import Delivery, Township, Village
    from service.clock import local_today
    from service.domain.scope import Scope

    from .conftest import make_agreement

    province, city, east, west = _chain(client, world)
    other_city = _region(client, world, name="青岛市", code="370200", level="city", parent_id=province).json["id"]
    other_county = _region(client, world, name="市南区", code="370202", level="county", parent_id=other_city).json["id"]
    _place(client, world, world.t_a, east)
    _place(client, world, world.t_b, west)
    far = Township(name="沙子口街道", code="370202001")
    db.session.add(far)
    db.session.flush()
    _place(client, world, far, other_county)
    far_village = Village(township_id=far.id, name="东麦窑村", code="370202001001")
    db.session.add(far_village)
    db.session.flush()
    today = local_today()
    for serial, village in ((1, world.v_a1), (2, world.v_b1), (3, far_village)):
        household = make_household(world, serial, village=village, distance_m=1500.0)
        agreement = make_agreement(world, household, start_on=today - timedelta(days=10))
        for days_ago in (1, 8):
            db.session.add(Delivery(household_id=household.id, agreement_id=agreement.id,
                                    scheduled_for=today - timedelta(days=days_ago), status="missed"))
    db.session.commit()

    jinan_user = _regional(world, "jinan", "city_admin", city)
    shinan_user = _regional(world, "shinan", "county_admin", other_county)
    assert Scope.of(jinan_user).broad and not Scope.of(shinan_user).broad  # 2 of 3 townships, and 1
    for user, townships in ((jinan_user, {world.t_a.id, world.t_b.id}), (shinan_user, {far.id})):
        h = world.headers(user)
        for path, each in (("/api/v1/deliveries", 2), ("/api/v1/agreements", 1)):
            for query in ("", "?status=missed", f"?from={today - timedelta(days=3)}"):
                if path.endswith("agreements") and query:
                    continue
                listed = client.get(path + query, headers=h).json
                expected = len(townships) * (1 if "from" in query else each)
                assert listed["total"] == len(listed["items"]) == expected, (user.username, path, query, listed)
                households = {item["household_id"] for item in listed["items"]}
                places = {client.get(f"/api/v1/households/{i}", headers=h).json["township_id"] for i in households}
                assert places == townships, (user.username, path, query)
