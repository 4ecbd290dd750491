"""The ledger's columns on every case (问题来源, 交办编号, 整改类别, 整改措施), its progress entries and its relapses."""
from datetime import date, timedelta

from sqlalchemy import select

from models import Case, Township, db, utcnow
from service.context import current_rules
from service.domain.registry import set_facility_status

from .conftest import household_payload
from .test_cases import _case, _evidence, _move


def test_a_case_says_where_it_came_from_and_how_it_is_fixed(client, world):
    h = world.headers(world.worker_a)
    r = _case(client, world, source="inspection", source_ref="督改〔2026〕17号", category="ongoing",
              measures="每周清理水源地，设立警示牌")
    assert r.status_code == 201
    case = r.json
    assert (case["source"], case["source_ref"], case["category"], case["measures"]) == \
        ("inspection", "督改〔2026〕17号", "ongoing", "每周清理水源地，设立警示牌")
    assert _case(client, world).json["source"] == "self_check" and _case(client, world).json["category"] == "deadline"
    bad = _case(client, world, source="rumour", category="soon", source_ref="x" * 61)
    assert bad.status_code == 422 and set(bad.json["errors"]["json"]) == {"source", "category", "source_ref"}
    patched = client.patch(f"/api/v1/cases/{case['id']}", json={"measures": "更换为封闭式取水口"}, headers=h)
    assert patched.status_code == 200 and patched.json["measures"] == "更换为封闭式取水口"
    # A case the service opens (a gap) is 系统发现.
    client.post("/api/v1/households", json=household_payload(world, 9, distance_m=1500), headers=h)
    gap = db.session.scalars(select(Case).where(Case.kind == "missing_agreement")).one()
    assert gap.source == "system"


def test_progress_is_dated_attributed_and_listed(client, world):
    cid = _case(client, world).json["id"]
    h = world.headers(world.worker_a)
    first = client.post(f"/api/v1/cases/{cid}/progress", json={"note": "已联系水厂"}, headers=h)
    assert first.status_code == 201 and first.json["note"] == "已联系水厂" and first.json["actor_id"] == world.worker_a.id
    client.post(f"/api/v1/cases/{cid}/progress", json={"note": "管道已更换一半"}, headers=h)
    assert client.post(f"/api/v1/cases/{cid}/progress", json={"note": ""}, headers=h).status_code == 422
    assert client.post(f"/api/v1/cases/{cid}/progress", json={"note": "x"},
                       headers=world.headers(world.worker_b)).status_code == 403  # another township's
    progress = client.get(f"/api/v1/cases/{cid}", headers=h).json["progress"]
    assert [p["note"] for p in progress] == ["已联系水厂", "管道已更换一半"]


def test_a_facility_that_fails_again_soon_after_销号_is_a_relapse_of_its_case(client, world):
    rules = current_rules()
    set_facility_status(db.session, world.worker_a, world.point_a1.id, "broken", "水泵坏了", rules)
    db.session.commit()
    first = db.session.scalars(select(Case).where(Case.facility_id == world.point_a1.id)).one()
    _move(client, world, first.id, "in_progress", world.worker_a)
    _evidence(client, world, first.id, world.worker_a)
    _move(client, world, first.id, "resolved", world.worker_a, "换了水泵")
    assert _move(client, world, first.id, "verified", world.lead_a, "现场查看", "恢复正常供水").status_code == 200
    set_facility_status(db.session, world.worker_a, world.point_a1.id, "broken", "又坏了", current_rules())
    db.session.commit()
    again = db.session.scalars(select(Case).where(Case.facility_id == world.point_a1.id, Case.id != first.id)).one()
    answer = client.get(f"/api/v1/cases/{again.id}", headers=world.headers(world.worker_a)).json
    assert answer["relapse_of"] == first.id
    assert client.get(f"/api/v1/cases/{first.id}", headers=world.headers(world.worker_a)).json["relapse_count"] == 1
    county = client.get("/api/v1/dashboard", headers=world.headers(world.admin)).json
    assert county["overall"]["relapses"] == 1


def _verified(client, world, **values) -> int:
    cid = _case(client, world, **values).json["id"]
    _move(client, world, cid, "in_progress", world.worker_a)
    _evidence(client, world, cid, world.worker_a)
    _move(client, world, cid, "resolved", world.worker_a, "好了")
    assert _move(client, world, cid, "verified", world.lead_a, "现场查看", "恢复正常供水").status_code == 200
    return cid


def test_only_the_same_household_and_kind_within_the_window_is_a_relapse(client, world):
    household = client.post("/api/v1/households", json=household_payload(world, 3),
                            headers=world.headers(world.worker_a)).json["id"]
    old = _verified(client, world, household_id=household)
    db.session.execute(Case.__table__.update().where(Case.id == old)
                       .values(verified_at=utcnow() - timedelta(days=91)))
    db.session.commit()
    assert _case(client, world, household_id=household).json["relapse_of"] is None  # past 90 days
    recent = _verified(client, world, household_id=household, kind="sanitation")
    assert _case(client, world, household_id=household).json["relapse_of"] is None  # another kind
    assert _case(client, world).json["relapse_of"] is None  # the village, not the household
    again = _case(client, world, household_id=household, kind="sanitation").json
    assert again["relapse_of"] == recent


def test_units_lead_and_cooperate_and_the_county_s_departments_are_every_township_s(client, world):
    admin, worker, other = (world.headers(u) for u in (world.admin, world.worker_a, world.worker_b))
    water = client.post("/api/v1/units", json={"name": "县水利局", "kind": "department", "phone": "0531-1234567",
                                              "contact": "李科长"}, headers=admin)
    assert water.status_code == 201 and water.json["township_id"] is None
    assert client.post("/api/v1/units", json={"name": "县水利局", "kind": "department"},
                       headers=admin).status_code == 409
    assert client.post("/api/v1/units", json={"name": "卫健局", "kind": "department", "township_id": None},
                       headers=worker).status_code == 403  # only the county keeps the county's units
    committee = client.post("/api/v1/units", json={"name": "张家村村委会", "kind": "village"}, headers=worker)
    assert committee.status_code == 201 and committee.json["township_id"] == world.t_a.id
    theirs = client.post("/api/v1/units", json={"name": "王庄村村委会", "kind": "village"}, headers=other).json
    assert {u["name"] for u in client.get("/api/v1/units", headers=worker).json["items"]} == {"县水利局", "张家村村委会"}
    case = _case(client, world, lead_unit_id=water.json["id"], cooperating_unit_ids=[committee.json["id"]]).json
    assert (case["lead_unit"], case["lead_unit_id"], case["cooperating_unit_ids"]) == \
        ("县水利局", water.json["id"], [committee.json["id"]])
    refused = _case(client, world, cooperating_unit_ids=[theirs["id"]])
    assert refused.status_code == 422 and "cooperating_unit_ids" in refused.json["errors"]["json"]
    twice = _case(client, world, lead_unit_id=water.json["id"], cooperating_unit_ids=[water.json["id"]])
    assert twice.status_code == 422 and "cooperating_unit_ids" in twice.json["errors"]["json"]
    # Without one named, the township leads: its own unit, made the first time.
    default = _case(client, world).json
    assert default["lead_unit"] == "城关镇" and default["lead_unit_id"] is not None


def test_the_ledger_exports_the_conventional_columns_with_the_list_s_filters(client, world):
    import csv
    import io

    from openpyxl import load_workbook

    from service.domain.ledger import LEDGER_HEADERS

    h = world.headers(world.worker_a)
    committee = client.post("/api/v1/units", json={"name": "张家村村委会", "kind": "village"}, headers=h).json
    cid = _case(client, world, source="inspection", source_ref="督改〔2026〕17号", measures="清理水源地",
                cooperating_unit_ids=[committee["id"]]).json["id"]
    client.post(f"/api/v1/cases/{cid}/progress", json={"note": "已清理一半"}, headers=h)
    _case(client, world, kind="sanitation")
    _case(client, world, world.worker_b, village_id=world.v_b1.id)  # another township's: not in worker_a's ledger
    answer = client.get("/api/v1/cases/export.csv?kind=water_quality", headers=h)
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(answer.data.decode("utf-8-sig"))))
    assert tuple(rows[0]) == LEDGER_HEADERS and len(rows) == 2
    row = dict(zip(rows[0], rows[1]))
    assert (row["序号"], row["问题来源"], row["交办编号"], row["镇街"], row["村"], row["牵头单位"], row["配合单位"]) == \
        ("1", "督察反馈问题", "督改〔2026〕17号", "城关镇", "张家村", "城关镇", "张家村村委会")
    assert row["问题描述"] == "水质问题：水浑浊" and row["整改措施"] == "清理水源地" and row["整改类别"] == "限期整改"
    assert row["整改进展"].endswith(" 已清理一半") and row["状态"] == "待整改" and row["销号日期"] == ""
    workbook = load_workbook(io.BytesIO(client.get("/api/v1/cases/export.xlsx", headers=h).data))
    sheet = list(workbook.active.values)
    assert sheet[0] == LEDGER_HEADERS and len(sheet) == 3
    assert client.get("/api/v1/cases/export.pdf", headers=h).status_code == 404


def test_the_printed_ledger_per_township_and_per_lead_unit(client, world):
    import re

    from .helpers import text_of

    h = world.headers(world.worker_a)
    water = client.post("/api/v1/units", json={"name": "县水利局", "kind": "department"},
                        headers=world.headers(world.admin)).json
    led = _case(client, world, lead_unit_id=water["id"], source="assigned", source_ref="JB-2026-031",
                deadline=local_day(0)).json
    _case(client, world, kind="sanitation", description="垃圾堆放")
    db.session.execute(Case.__table__.update().where(Case.id == led["id"])
                       .values(deadline=date.fromisoformat(local_day(-3))))
    db.session.commit()
    period = f"from={local_day(-30)}&to={local_day(0)}"
    pdf = client.get(f"/reports/townships/{world.t_a.id}/ledger.pdf?{period}", headers=h)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text, pages = text_of(pdf.data)
    flat = " ".join(text.split())
    assert "城关镇问题整改台账" in flat and "共 2 件" in flat and "超期 1 件" in flat and "尚无佐证材料 2 件" in flat
    for header in ("问题来源", "交办编号", "配合单位", "整改进展", "回头看"):
        assert header in flat
    dense = "".join(text.split())  # narrow columns wrap their cells
    assert "JB-2026-031" in dense and "上级交办" in dense and "垃圾堆放" in dense and "县水利局" in dense
    code = re.search(r"核验码\s*([0-9A-F]{16})", flat).group(1)
    assert client.get(f"/verify/{code}", headers=h).json["status"] == "match"
    _case(client, world, kind="other", description="新发现")
    assert client.get(f"/verify/{code}", headers=h).json["status"] == "added"
    # The weekly report of one 牵头单位: its cases only.
    unit_pdf = client.get(f"/reports/townships/{world.t_a.id}/ledger.pdf?{period}&lead_unit_id={water['id']}",
                          headers=h)
    unit_text = " ".join(text_of(unit_pdf.data)[0].split())
    assert "城关镇 · 县水利局问题整改台账" in unit_text and "共 1 件" in unit_text and "垃圾堆放" not in unit_text


def local_day(offset: int) -> str:
    from service.clock import local_today

    return (local_today() + timedelta(days=offset)).isoformat()


def test_the_inspection_archive_holds_the_ledger_and_every_case_s_evidence_with_its_sha256(client, world):
    import csv
    import hashlib
    import io
    import re
    import zipfile

    from .helpers import PNG, year_of_deliveries

    year_of_deliveries(world, weeks=2)
    h = world.headers(world.worker_a)
    cid = _case(client, world, source="inspection").json["id"]
    _evidence(client, world, cid, world.worker_a, PNG, "整改前.png")
    answer = client.get(f"/reports/townships/{world.t_a.id}/inspection.zip?from=2025-01-01&to={local_day(0)}", headers=h)
    assert answer.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(answer.data))
    names = archive.namelist()
    assert "02-问题台账.pdf" in names and "02-问题台账.xlsx" in names
    evidence = [name for name in names if name.startswith("问题材料/")]
    # Named by the case's 序号 in the ledger, then the case and the file.
    assert len(evidence) == 1 and re.fullmatch(rf"问题材料/\d{{3}}-问题{cid}-\d+\.png", evidence[0])
    assert archive.read(evidence[0]) == PNG
    manifest = {row["file"]: row for row in csv.DictReader(io.StringIO(archive.read("manifest.csv").decode("utf-8-sig")))}
    assert manifest[evidence[0]]["sha256"] == hashlib.sha256(PNG).hexdigest()
    assert manifest[evidence[0]]["content"] == "case evidence" and "02-问题台账.xlsx" in manifest


def test_a_worker_opens_a_handed_down_case_on_its_page_records_progress_and_edits_its_ledger_columns(client, world):
    import re

    from .helpers import csrf_token, login

    water = client.post("/api/v1/units", json={"name": "县水利局", "kind": "department"},
                        headers=world.headers(world.admin)).json
    login(client, "worker_a")
    page = client.get("/cases/new").get_data(as_text=True)
    assert "交办编号" in page and "县水利局" in page and "系统发现" not in page
    token = csrf_token(client, "/cases/new")
    form = {"csrf_token": token, "source": "hotline", "source_ref": "12345-" + "9" * 60, "village_id": str(world.v_a1.id),
            "kind": "other", "description": "村东头水管漏水", "measures": "更换水管", "category": "deadline",
            "lead_unit_id": str(water["id"]), "cooperating_unit_ids": [str(water["id"])]}
    refused = client.post("/cases/new", data=form)
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422 and 'data-field="source_ref"' in text
    assert "村东头水管漏水" in text  # what was typed stays
    form.update(source_ref="12345-0093")
    twice = client.post("/cases/new", data=form)  # the lead unit named as cooperating too
    assert twice.status_code == 422 and 'data-field="cooperating_unit_ids"' in twice.get_data(as_text=True)
    form.update(cooperating_unit_ids=[])
    opened = client.post("/cases/new", data=form)
    assert opened.status_code == 302
    cid = int(re.search(r"/cases/(\d+)", opened.location).group(1))
    case = client.get(f"/api/v1/cases/{cid}", headers=world.headers(world.worker_a)).json
    assert (case["source"], case["source_ref"], case["lead_unit"], case["measures"]) == \
        ("hotline", "12345-0093", "县水利局", "更换水管")
    token = csrf_token(client, f"/cases/{cid}")
    assert client.post(f"/cases/{cid}/progress", data={"csrf_token": token, "progress": "已买好水管"}).status_code == 302
    detail = client.get(f"/cases/{cid}").get_data(as_text=True)
    assert "已买好水管" in detail.split('id="progress"')[1] and "12345热线" not in detail and "12345-0093" in detail
    ledger = {"csrf_token": token, "source": "petition", "source_ref": "信-7", "category": "ongoing",
              "measures": "每月巡查", "lead_unit_id": ""}
    unsaid = client.post(f"/cases/{cid}/ledger", data=ledger)  # dropping the deadline set is moving it: say why
    assert unsaid.status_code == 422 and 'data-field="deadline_reason"' in unsaid.get_data(as_text=True)
    assert client.post(f"/cases/{cid}/ledger", data={**ledger, "deadline_reason": "改为长期坚持"}).status_code == 302
    case = client.get(f"/api/v1/cases/{cid}", headers=world.headers(world.worker_a)).json
    assert (case["source"], case["category"], case["measures"], case["lead_unit"]) == \
        ("petition", "ongoing", "每月巡查", "县水利局")


def test_the_case_list_filters_by_what_it_returns_and_names_a_filter_it_does_not_have(client, world):
    """?source=petition, ?category=ongoing and ?lead_unit_id= returned every case (29 of 29): each narrows the list
    now, and a parameter no list knows is a 400 naming it, never silently dropped."""
    h = world.headers(world.worker_a)
    water = client.post("/api/v1/units", json={"name": "县水利局", "kind": "department"},
                        headers=world.headers(world.admin)).json
    health = client.post("/api/v1/units", json={"name": "县卫健局", "kind": "department"},
                         headers=world.headers(world.admin)).json
    petition = _case(client, world, source="petition", lead_unit_id=water["id"],
                     cooperating_unit_ids=[health["id"]]).json
    ongoing = _case(client, world, category="ongoing", source="hotline").json
    plain = _case(client, world).json

    def ids(query):
        answer = client.get(f"/api/v1/cases?{query}", headers=h)
        assert answer.status_code == 200, answer.json
        return {c["id"] for c in answer.json["items"]}

    assert ids("") == {petition["id"], ongoing["id"], plain["id"]}
    assert ids("source=petition") == {petition["id"]}
    assert ids("category=ongoing") == {ongoing["id"]}
    assert ids(f"lead_unit_id={water['id']}") == {petition["id"]}
    assert ids(f"cooperating_unit_id={health['id']}") == {petition["id"]}
    assert ids(f"opened_from={local_day(0)}&opened_to={local_day(0)}") == {petition["id"], ongoing["id"], plain["id"]}
    assert ids(f"opened_to={local_day(-1)}") == set()
    unknown = client.get("/api/v1/cases?sauce=petition&page=1", headers=h)
    assert unknown.status_code == 400, unknown.json
    assert "sauce" in unknown.json["message"] and "sauce" in unknown.json["errors"]["query"]
    assert client.get("/api/v1/households?colour=red", headers=h).status_code == 400
    assert client.get("/api/v1/cases?source=gossip", headers=h).status_code == 422  # a known filter, a bad value


def test_an_opened_day_past_the_calendar_s_ends_is_a_422_not_a_500(client, world):
    """Found by the fuzz test: 0001-01-01's local midnight cannot be written in UTC."""
    h = world.headers(world.worker_a)
    for query in ("opened_from=0001-01-01", "opened_to=9999-12-31"):
        for path in ("/api/v1/cases", "/api/v1/cases/export.xlsx"):
            answer = client.get(f"{path}?{query}", headers=h)
            assert answer.status_code == 422 and "opened_" in str(answer.json["errors"]), (path, query)


def test_the_ledger_s_statistics_count_as_the_case_list_does_and_say_the_report_s_sentence(client, world):
    """Every figure of GET /api/v1/cases/stats, by each grouping, is the total of the case list with the matching
    filters; the sentence is the one a report prints."""
    h = world.headers(world.worker_a)
    water = client.post("/api/v1/units", json={"name": "县水利局", "kind": "department"},
                        headers=world.headers(world.admin)).json
    made = [_case(client, world, source="petition", lead_unit_id=water["id"]).json,
            _case(client, world, source="petition").json, _case(client, world, category="ongoing").json,
            _case(client, world, source="hotline", deadline=local_day(0)).json]
    _move(client, world, made[0]["id"], "in_progress", world.worker_a)
    _evidence(client, world, made[0]["id"], world.worker_a)
    _move(client, world, made[0]["id"], "resolved", world.worker_a, "已修好")
    db.session.execute(Case.__table__.update().where(Case.id == made[3]["id"])
                       .values(deadline=date.fromisoformat(local_day(-2))))
    db.session.commit()

    def listed(query):
        return client.get(f"/api/v1/cases?{query}", headers=h).json["total"]

    by_status = {"rectified": "resolved", "verifying": "resolved"}
    for group_by, filter_name in (("source", "source"), ("category", "category"), ("lead_unit", "lead_unit_id"),
                                  ("township", "township_id")):
        answer = client.get(f"/api/v1/cases/stats?group_by={group_by}", headers=h)
        assert answer.status_code == 200, answer.json
        stats = answer.json
        assert stats["totals"]["total"] == listed("") == 4
        for row in stats["rows"]:
            if row["key"] is None:
                continue
            where = f"{filter_name}={row['key']}"
            assert row["total"] == listed(where), (group_by, row)
            assert row["overdue"] == listed(f"{where}&overdue=true"), (group_by, row)
            assert row["unfinished"] == listed(f"{where}&unresolved=true"), (group_by, row)
            assert row["relapsed"] == listed(f"{where}&relapsed=true"), (group_by, row)
            for name, status in by_status.items():
                assert row[name] == listed(f"{where}&status={status}"), (group_by, name, row)
    petitions = client.get("/api/v1/cases/stats?group_by=source&source=petition",
                           headers={**h, "Accept-Language": "zh-CN"}).json
    assert [(r["key"], r["label"], r["total"], r["rectified"], r["verifying"]) for r in petitions["rows"]] == [
        ("petition", "信访件", 2, 1, 1)]
    assert petitions["sentence"].startswith("问题共2个，已完成整改1个，已销号0个，正在销号1个")
    assert client.get("/api/v1/cases/stats?group_by=colour", headers=h).status_code == 422


def test_the_printed_ledger_the_dashboard_and_the_county_s_statistics_say_the_same_counts(client, world):
    """The ledger PDF opens with the sentence and the table by source that GET /api/v1/cases/stats gives for the
    same cases; the dashboard's case tiles are its unfinished and overdue; the county's statistics by township are
    each township's."""
    from .helpers import text_of

    h = world.headers(world.worker_a)
    made = [_case(client, world, source="petition").json, _case(client, world, source="petition").json,
            _case(client, world, source="hotline", deadline=local_day(0)).json]
    _move(client, world, made[0]["id"], "in_progress", world.worker_a)
    _evidence(client, world, made[0]["id"], world.worker_a)
    _move(client, world, made[0]["id"], "resolved", world.worker_a, "已修好")
    db.session.execute(Case.__table__.update().where(Case.id == made[2]["id"])
                       .values(deadline=date.fromisoformat(local_day(-2))))
    db.session.commit()
    _case(client, world, user=world.worker_b, village_id=world.v_b1.id)
    stats = client.get(f"/api/v1/cases/stats?group_by=source&township_id={world.t_a.id}",
                       headers={**h, "Accept-Language": "zh-CN"}).json
    assert stats["totals"]["total"] == 3 and stats["totals"]["overdue"] == 1 and stats["totals"]["verifying"] == 1
    assert stats["sentence"].startswith("问题共3个，已完成整改1个，已销号0个，正在销号1个，未完成2个（超期1个）")

    pdf = client.get(f"/reports/townships/{world.t_a.id}/ledger.pdf?from={local_day(-30)}&to={local_day(0)}",
                     headers=h)
    dense = "".join(text_of(pdf.data)[0].split())
    assert stats["sentence"] in dense
    for row in stats["rows"]:  # 信访件 3 1 0 1 … as the table by source prints it
        figures = "".join(str(row[name]) for name in ("total", "rectified", "verified", "verifying", "unfinished",
                                                       "overdue", "relapsed"))
        assert "".join(row["label"].split()) + figures in dense, row

    overall = client.get(f"/api/v1/dashboard?township_id={world.t_a.id}", headers=world.headers(world.admin)).json
    figures = overall["overall"]
    assert figures["open_cases"] == stats["totals"]["unfinished"]
    assert figures["overdue_cases"] == stats["totals"]["overdue"]

    both = client.get("/api/v1/cases/stats?group_by=township", headers=world.headers(world.admin)).json
    assert {row["key"]: row["total"] for row in both["rows"]} == {world.t_a.id: 3, world.t_b.id: 1}


def test_the_accountable_persons_are_named_on_the_places_and_printed_on_the_ledger(client, world):
    from .helpers import text_of

    admin, lead = world.headers(world.admin), world.headers(world.lead_a)
    bad = client.patch(f"/api/v1/townships/{world.t_a.id}", json={"accountable": {"name": "王强", "phone": "12"}},
                       headers=admin)
    assert bad.status_code == 422 and "accountable" in bad.json["errors"]["json"]
    named = client.patch(f"/api/v1/townships/{world.t_a.id}", json={"accountable": {
        "name": "王强", "title": "副镇长", "phone": "13800001111"}}, headers=admin)
    assert named.status_code == 200
    assert named.json["accountable"] == {"name": "王强", "title": "副镇长", "phone": "+8613800001111"}
    assert client.patch(f"/api/v1/townships/{world.t_a.id}", json={"accountable": {"name": "x"}},
                        headers=lead).status_code == 403  # the county names a township's
    village = client.patch(f"/api/v1/villages/{world.v_a1.id}", json={"accountable": {"name": "李明", "title": "村支书"}},
                           headers=lead)
    assert village.status_code == 200 and village.json["accountable"]["name"] == "李明"
    assert client.get(f"/api/v1/villages/{world.v_a1.id}", headers=lead).json["accountable"]["title"] == "村支书"
    _case(client, world)
    pdf = client.get(f"/reports/townships/{world.t_a.id}/ledger.pdf?from={local_day(-30)}&to={local_day(0)}",
                     headers=lead)
    dense = "".join(text_of(pdf.data)[0].split())
    assert "包保责任人：城关镇王强副镇长138" in dense and "张家村李明村支书" in dense
    cleared = client.patch(f"/api/v1/villages/{world.v_a1.id}", json={"accountable": None}, headers=lead)
    assert cleared.status_code == 200 and cleared.json["accountable"] is None
    # From the village's page: a lead names it, a bad phone is told beside its field.
    from .helpers import csrf_token, login

    login(client, "lead_a")
    token = csrf_token(client, f"/villages/{world.v_a1.id}")
    wrong = client.post(f"/villages/{world.v_a1.id}/accountable", data={"csrf_token": token, "name": "赵刚",
                                                                         "phone": "123"})
    assert wrong.status_code == 422 and 'data-field="phone"' in wrong.get_data(as_text=True)
    assert client.post(f"/villages/{world.v_a1.id}/accountable", data={"csrf_token": token, "name": "赵刚",
                                                                        "title": "村主任"}).status_code == 302
    assert "赵刚 · 村主任" in client.get(f"/villages/{world.v_a1.id}").get_data(as_text=True)


def test_the_county_names_a_township_s_accountable_person_from_its_page(client, world):
    from .helpers import csrf_token, login

    login(client, "admin")
    page = client.get(f"/dashboard?township_id={world.t_a.id}").get_data(as_text=True)
    assert "城关镇包保责任人" in page and "尚未明确" in page
    token = csrf_token(client, f"/dashboard?township_id={world.t_a.id}")
    bad = client.post(f"/townships/{world.t_a.id}/accountable", data={"csrf_token": token, "name": "王强",
                                                                       "phone": "12"}, follow_redirects=True)
    assert "包保责任人未保存" in bad.get_data(as_text=True)
    client.post(f"/townships/{world.t_a.id}/accountable", data={"csrf_token": token, "name": "王强", "title": "副镇长",
                                                                "phone": "13800001111"})
    page = client.get(f"/dashboard?township_id={world.t_a.id}").get_data(as_text=True)
    assert "王强 · 副镇长" in page
    login(client, "lead_a")
    token = csrf_token(client, "/dashboard")
    assert client.post(f"/townships/{world.t_a.id}/accountable", data={"csrf_token": token,
                                                                        "name": "x"}).status_code == 403  # the county's
    assert db.session.get(Township, world.t_a.id).accountable["name"] == "王强"
