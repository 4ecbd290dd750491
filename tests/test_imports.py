"""Rosters: import checked whole (all or nothing), re-import changes nothing, export round trips, bad files."""
import io
import tracemalloc
import zipfile

import pytest
from openpyxl import load_workbook, Workbook
from sqlalchemy import func, select

from models import AuditEvent, db, Facility, Household, Staff
from service.domain.tables import write_xlsx

from .conftest import household_payload, valid_id
from .helpers import csrf_token, login, upload

HEADER = "镇街,村,户主姓名,身份证号,联系电话,家庭人口,能否自理,距离集中取水点（米）\n"


def households() -> int:
    return db.session.scalar(select(func.count()).select_from(Household))


def csv_rows(*rows: str) -> bytes:
    return (HEADER + "".join(row + "\n" for row in rows)).encode()


def test_import_creates_then_the_same_file_changes_nothing(client, world):
    data = csv_rows(f"城关镇,张家村,王桂英,{valid_id(1)},138 0013 8000,3,是,1200",
                    f"370101,370101002,李秀兰,{valid_id(2)},,2,否,")
    dry = upload(client, world, "households", data, "roster.csv", dry_run=True)
    assert dry.status_code == 200 and dry.json["created"] == 2 and households() == 0
    first = upload(client, world, "households", data, "roster.csv")
    assert first.json == {"dry_run": False, "rows": 2, "created": 2, "updated": 0, "unchanged": 0, "errors": []}
    created = db.session.scalars(select(Household).order_by(Household.id)).all()
    assert created[0].phone == "+8613800138000" and created[0].distance_m == 1200
    assert created[1].village_id == world.v_a2.id and created[1].self_care is False
    again = upload(client, world, "households", data, "roster.csv")
    assert (again.json["created"], again.json["updated"], again.json["unchanged"]) == (0, 0, 2)
    changed = upload(client, world, "households", data.replace(b",3,", b",4,"), "roster.csv")
    assert changed.json["updated"] == 1
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "import_update")).one()
    assert event.before == {"members": 3} and event.after["members"] == 4


def test_export_then_import_changes_nothing(client, world):
    h = world.headers(world.admin)
    for serial in range(3):
        client.post("/api/v1/households", json=household_payload(world, serial, lat=36.0 + serial / 1000.0, lon=117.0,
                                                                  water_source="central_point"), headers=h)
    client.post("/api/v1/facilities", json={"village_id": world.v_a1.id, "kind": "well", "name": "深井",
                                            "manager_id": world.staff_a.id, "yield_m3_day": 12.5,
                                            "last_cleaned_on": "2026-10-01"}, headers=h)
    for kind in ("households", "facilities", "staff"):
        for fmt in ("xlsx", "csv"):
            exported = client.get(f"/api/v1/{kind}/export.{fmt}", headers=world.headers(world.worker_a))
            assert exported.status_code == 200
            report = upload(client, world, kind, exported.data, f"{kind}.{fmt}").json
            assert report["errors"] == [] and report["created"] == report["updated"] == 0, (kind, fmt, report)
            assert report["unchanged"] == report["rows"] > 0


def test_exports_are_scoped_filtered_and_masked(client, world):
    h = world.headers(world.admin)
    client.post("/api/v1/households", json=household_payload(world, 1, distance_m=1500), headers=h)
    client.post("/api/v1/households", json=household_payload(world, 2), headers=h)
    client.post("/api/v1/households", json=household_payload(world, 3, village_id=world.v_b1.id), headers=h)
    sheet = load_workbook(io.BytesIO(client.get("/api/v1/households/export.xlsx?needs_delivery=true",
                                                headers=world.headers(world.worker_a)).data)).active
    rows = list(sheet.values)
    assert rows[0][:4] == ("镇街", "村", "户主姓名", "身份证号") and "需送水原因" in rows[0]
    assert len(rows) == 2 and rows[1][3] == valid_id(1)[:6] + "********" + valid_id(1)[-4:]
    assert "距集中供水点超800米" in rows[1]
    text = client.get("/api/v1/households/export.csv", headers=world.headers(world.worker_b)).data.decode("utf-8-sig")
    assert text.count("\n") == 2 and "王庄村" in text
    template = load_workbook(io.BytesIO(client.get("/api/v1/imports/households/template.xlsx", headers=h).data))
    assert list(template.active.values)[0][:3] == ("镇街", "村", "户主姓名")


def test_bad_files_get_a_report_and_write_nothing(client, world, app, monkeypatch):
    cases = {
        "empty": (b"", "x.csv"),
        "not a spreadsheet": (b"\x89PNG\r\n\x1a\n" + b"\x00" * 30, "x.xlsx"),
        "wrong extension": (b"hello", "x.txt"),
        "no needed columns": ("姓名,年龄\n张三,3\n".encode(), "x.csv"),
    }
    for what, (data, name) in cases.items():
        r = upload(client, world, "households", data, name)
        assert r.status_code == 422 and r.json["errors"], what
    duplicate = csv_rows(f"城关镇,张家村,甲,{valid_id(1)},,1,是,", f"城关镇,张家村,乙,{valid_id(1)},,1,是,")
    r = upload(client, world, "households", duplicate, "x.csv")
    assert {"row": 3, "column": "身份证号", "message": "与第 2 行重复"} in r.json["errors"]
    unknown = csv_rows(f"城关镇,没有这个村,甲,{valid_id(1)},,1,是,", f"河口镇,王庄村,乙,{valid_id(2)},,1,是,")
    r = upload(client, world, "households", unknown, "x.csv")
    assert [e["row"] for e in r.json["errors"] if e["column"] == "村"] == [2, 3]  # the other township is not ours
    workbook = Workbook()
    workbook.active.append(["镇街", "村", "户主姓名", "身份证号", "家庭人口"])
    workbook.active.append(["城关镇", "张家村", "甲", valid_id(1), "=1+2"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    r = upload(client, world, "households", buffer.getvalue(), "x.xlsx")
    assert r.json["errors"] == [{"row": 2, "column": "家庭人口", "message": "单元格是公式，请粘贴为数值"}]
    facility = "村,类型,名称,上次清洗日期\n张家村,水井,井,2026年5月1日\n".encode()
    r = upload(client, world, "facilities", facility, "f.csv")
    assert r.json["errors"][0]["column"] == "上次清洗日期"
    too_many = ("户主姓名,村,身份证号\n" + "甲,张家村,1\n" * 50_001).encode()
    r = upload(client, world, "households", too_many, "big.csv")
    assert r.status_code == 422 and "50000" in r.json["errors"][0]["message"]
    monkeypatch.setitem(app.config, "IMPORT_MAX_BYTES", 1000)
    assert upload(client, world, "households", b"x" * 2000, "x.csv").status_code == 413
    assert households() == 0 and db.session.scalar(select(func.count()).select_from(Facility)) == 2


def test_a_bad_row_among_good_ones_writes_nothing(client, world):
    data = csv_rows(f"城关镇,张家村,好户,{valid_id(1)},,2,是,", f"城关镇,张家村,坏户,{valid_id(2)},12,-1,也许,")
    r = upload(client, world, "households", data, "x.csv")
    assert r.status_code == 422 and r.json["created"] == 0
    assert {e["column"] for e in r.json["errors"]} == {"联系电话", "家庭人口", "能否自理"}
    assert households() == 0


def test_staff_and_facilities_import(client, world):
    staff = "姓名,联系电话,角色,镇街,村\n新专人,139 0000 0123,村级专人,城关镇,李家村\n镇长,13900000124,镇街负责人,城关镇,\n"
    r = upload(client, world, "staff", staff.encode("gb18030"), "staff.csv")
    assert r.json["created"] == 2, r.json
    assert db.session.scalar(select(Staff.village_id).where(Staff.phone == "+8613900000123")) == world.v_a2.id
    facilities = "村,类型,名称,状态,管理员电话\n张家村,净水机,村净水机,损坏,13900000123\n"
    r = upload(client, world, "facilities", facilities.encode(), "f.csv")
    assert r.json["created"] == 1 and r.json["errors"] == []
    assert client.get("/api/v1/cases?kind=purifier_repair", headers=world.headers(world.worker_a)).json["total"] == 1


def test_import_command(app, world, tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_bytes(csv_rows(f"城关镇,张家村,王桂英,{valid_id(1)},,3,是,"))
    run = app.test_cli_runner().invoke
    result = run(args=["import", "households", str(roster), "--dry-run"])
    assert result.exit_code == 0 and "created 1" in result.output and households() == 0
    result = run(args=["import", "households", str(roster), "--user", "worker_a"])
    assert result.exit_code == 0 and households() == 1
    roster.write_bytes(csv_rows(f"城关镇,张家村,王桂英,{valid_id(1)[:17]}0,,3,是,"))
    result = run(args=["import", "households", str(roster)])
    assert result.exit_code == 1 and "身份证号" in result.output


def test_damaged_or_tricky_files_get_a_report(client, world):
    workbook = Workbook()
    workbook.active.append(["村", "户主姓名", "身份证号"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    damaged = buffer.getvalue()[:-200]
    r = upload(client, world, "households", damaged, "x.xlsx")
    assert r.status_code == 422 and r.json["errors"][0]["column"] == "file"
    r = upload(client, world, "households", "村,户主姓名,身份证号\n张家村,甲,370101********7693\n".encode(), "x.csv")
    assert r.status_code == 422 and r.json["errors"][0]["column"] == "身份证号"
    masked = "村,户主姓名,身份证号,编号\n张家村,甲,370101********7693,1e30\n".encode()
    assert upload(client, world, "households", masked, "x.csv").status_code == 422
    twice = "姓名,联系电话,角色,村\n甲,13900000200,村级专人,张家村\n乙,139 0000 0200,村级专人,张家村\n".encode()
    r = upload(client, world, "staff", twice, "s.csv")
    assert r.status_code == 422 and r.json["errors"][0]["message"] == "与第 2 行重复"
    r = upload(client, world, "households", "村,村,户主姓名,身份证号\n".encode(), "x.csv")
    assert {"row": 1, "column": "村", "message": "这一列出现了两次"} in r.json["errors"]
    r = upload(client, world, "households", csv_rows(f"城关镇,张家村,甲,{valid_id(1)},,1,是,"), "x.csv",
               user=world.village_a1)
    assert r.status_code == 403


def test_import_does_not_move_households_and_keeps_formula_like_text(client, world):
    h = world.headers(world.admin)
    client.post("/api/v1/households", json=household_payload(world, 1, head_name="=1+2"), headers=h)
    exported = client.get("/api/v1/households/export.xlsx", headers=h).data
    sheet = load_workbook(io.BytesIO(exported)).active
    assert sheet["C2"].data_type == "s" and sheet["C2"].value == "=1+2"
    assert upload(client, world, "households", exported, "e.xlsx").json["unchanged"] == 1
    csv_export = client.get("/api/v1/households/export.csv", headers=h).data
    assert "'=1+2" in csv_export.decode("utf-8-sig")
    assert upload(client, world, "households", csv_export, "e.csv").json["unchanged"] == 1
    moved = csv_export.decode("utf-8-sig").replace("张家村", "李家村").encode()
    r = upload(client, world, "households", moved, "e.csv")
    assert r.status_code == 422 and r.json["errors"][0]["column"] == "村"


def test_rows_are_checked_by_the_domains_own_limits(client, world):
    long_name = "名" * 51
    bad_id = valid_id(3)[:17] + ("0" if valid_id(3)[17] != "0" else "1")
    data = csv_rows(f"城关镇,张家村,{long_name},{valid_id(1)},,2,是,",
                    f"城关镇,张家村,甲,{valid_id(2)},,51,是,",
                    f"城关镇,张家村,乙,{bad_id},,2,是,",
                    f"城关镇,张家村,丙,{valid_id(4)},,2,是,200000",
                    f"城关镇,张家村,,{valid_id(5)},,2,是,")
    r = upload(client, world, "households", data, "x.csv")
    assert r.status_code == 422 and households() == 0
    errors = {(e["row"], e["column"]): e["message"] for e in r.json["errors"]}
    assert errors[(2, "户主姓名")] == "不能超过 50 个字"
    assert errors[(3, "家庭人口")] == "应在 1 到 50 之间"
    assert errors[(4, "身份证号")] == "身份证号无效：校验位不符，请核对"
    assert errors[(5, "距离集中取水点(米)")] == "应在 0 到 100000 之间"
    assert errors[(6, "户主姓名")] == "必填"
    staff = "姓名,联系电话,角色,镇街\n刘,12,村级专人,城关镇\n李\x07,13900000002,村级专人,城关镇\n".encode()
    r = upload(client, world, "staff", staff, "s.csv")
    assert r.json["errors"] == [{"row": 2, "column": "联系电话", "message": "电话号码无效"},
                                {"row": 3, "column": "姓名", "message": "含有不可见的控制字符，请删除后再导入"}]


def test_a_sheet_s_rows_hold_their_own_cells_not_sixty(app):
    """openpyxl fills each row out to the column limit: 20,000 rows of 11 cells came back as 1.2 million cells and
    a county's survey was refused as too complex (413)."""
    from service.domain.tables import UnpackLimits, write_xlsx
    from service.imports.parsing import read_table_bounded

    sheet = write_xlsx(["村", "户主姓名", "身份证号"], [["张家村", f"户主{n}", None] for n in range(3)])
    rows = read_table_bounded("a.xlsx", sheet, UnpackLimits(50 * 1024 * 1024, 200, 150 * 1024 * 1024, 60))
    assert rows == [["村", "户主姓名", "身份证号"]] + [["张家村", f"户主{n}"] for n in range(3)]


def _xlsx_with_sheet(inflated_bytes: int, filler: bytes = b"\0") -> bytes:
    """A roster whose first sheet inflates to `inflated_bytes` (streamed: the test never holds it)."""
    good = zipfile.ZipFile(io.BytesIO(write_xlsx(["镇街", "村"], [["城关镇", "张家村"]])))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as bomb:
        for item in good.infolist():
            if item.filename != "xl/worksheets/sheet1.xml":
                bomb.writestr(item, good.read(item))
        with bomb.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            chunk = filler * (1 << 20 // len(filler))
            for _ in range(inflated_bytes // len(chunk)):
                sheet.write(chunk)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def gigabyte_bomb():
    return _xlsx_with_sheet(1 << 30)


def _xlsx_around_rows(before_rows: bytes, after_rows: bytes = b"", repeat: int = 1) -> bytes:
    """A roster whose first sheet holds `before_rows` × `repeat` ahead of its real rows (inside sheetData), and
    `after_rows` after them: what openpyxl keeps without counting it as rows."""
    import io
    import zipfile

    from service.domain.tables import write_xlsx

    good = zipfile.ZipFile(io.BytesIO(write_xlsx(["镇街", "村"], [["城关镇", "张家村"]])))
    sheet = good.read("xl/worksheets/sheet1.xml")
    head, tail = sheet.split(b"<sheetData>")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bomb:
        for item in good.infolist():
            if item.filename != "xl/worksheets/sheet1.xml":
                bomb.writestr(item, good.read(item))
        with bomb.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            part.write(head + b"<sheetData>")
            for _ in range(repeat):
                part.write(before_rows)
            part.write(tail.replace(b"</sheetData>", after_rows + b"</sheetData>"))
    return buffer.getvalue()


def _non_row_elements(megabytes: int) -> bytes:
    """Elements that are not rows, varied enough that they compress only about 20 times (as the attack's did)."""
    import random

    rng = random.Random(7)
    chunk = b"".join(b'<x a="%d"/>' % rng.getrandbits(2) for _ in range(1 << 16))
    return _xlsx_around_rows(chunk, repeat=megabytes * (1 << 20) // len(chunk))


def _peak_rss() -> int:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _facility_roster(owner_id: str = "", manager_phone: str = "") -> bytes:
    return ("镇街,村,名称,类型,归属,状态,户主身份证号,管理员电话\n"
            f"河口镇,王庄村,王家净水机,净水机,农户自有,正常,{owner_id},{manager_phone}\n").encode()


def test_a_spreadsheet_bomb_is_refused_before_it_is_opened_with_flat_memory(client, world, gigabyte_bomb):
    households_before = db.session.scalar(select(func.count()).select_from(Household))
    tracemalloc.start()
    r = client.post("/api/v1/imports/households", headers=world.headers(world.worker_a) | {"Accept-Language": "zh-CN"},
                    data={"file": (io.BytesIO(gigabyte_bomb), "roster.xlsx")}, content_type="multipart/form-data")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert r.status_code == 413 and "解压后过大" in r.json["message"]
    assert peak < 100 * 1024 * 1024
    assert db.session.scalar(select(func.count()).select_from(Household)) == households_before
    login(client, "worker_a")
    page = client.post("/imports", data={"kind": "households", "csrf_token": csrf_token(client, "/imports"),
                                         "file": (io.BytesIO(gigabyte_bomb), "roster.xlsx")},
                       content_type="multipart/form-data")
    assert page.status_code == 413 and "解压后过大" in page.get_data(as_text=True) and "导入花名册" in page.get_data(
        as_text=True)


def test_a_part_that_inflates_past_the_setting_or_an_absurd_ratio_is_refused(client, world, app, monkeypatch):
    five_megabytes_of_zeros = _xlsx_with_sheet(5 << 20)
    r = client.post("/api/v1/imports/households", headers=world.headers(world.worker_a),
                    data={"file": (io.BytesIO(five_megabytes_of_zeros), "r.xlsx")}, content_type="multipart/form-data")
    assert r.status_code == 413  # the ratio: 5 MB from a few kB
    monkeypatch.setitem(app.config, "IMPORT_MAX_UNPACKED_BYTES", 1 << 20)
    varied = _xlsx_with_sheet(2 << 20, bytes(range(256)) * 7 + b"<row/>")
    r = client.post("/api/v1/imports/households", headers=world.headers(world.worker_a),
                    data={"file": (io.BytesIO(varied), "r.xlsx")}, content_type="multipart/form-data")
    assert r.status_code == 413 and "1 MB" in r.json["message"]


def test_cells_are_capped_while_reading():
    from service.domain.tables import MAX_CELL, read_table

    rows = read_table("r.xlsx", write_xlsx(["户主姓名"], [["王" * 50_000]]))
    assert len(rows[1][0]) == MAX_CELL


def test_a_spreadsheet_of_non_row_elements_costs_the_server_no_memory(app, client, world):
    from sqlalchemy import func, select

    from models import Household

    bomb = _non_row_elements(40)
    assert len(bomb) < 10 * 1024 * 1024
    before = _peak_rss()
    import io

    r = client.post("/api/v1/imports/households?dry_run=1", headers=world.headers(world.worker_a) | {"Accept-Language": "zh"},
                    data={"file": (io.BytesIO(bomb), "roster.xlsx")}, content_type="multipart/form-data")
    assert r.status_code == 413, r.json
    assert "内存或时间超出上限" in r.json["message"]
    assert _peak_rss() - before < 150 * 1024 * 1024
    assert db.session.scalar(select(func.count()).select_from(Household)) == 0


def test_one_endless_row_and_millions_of_empty_rows_are_refused(client, world):
    import io

    endless = _xlsx_around_rows(b"", after_rows=b'<row r="3">' + b'<c t="inlineStr"><is><t>x</t></is></c>' * 400_000
                                + b"</row>")
    empty = _xlsx_around_rows(b"", after_rows=b"".join(b'<row r="%d"/>' % n for n in range(3, 400_000)))
    answers = []
    for bomb in (endless, empty):
        before = _peak_rss()
        r = client.post("/api/v1/imports/households?dry_run=1", headers=world.headers(world.worker_a),
                        data={"file": (io.BytesIO(bomb), "roster.xlsx")}, content_type="multipart/form-data")
        assert _peak_rss() - before < 150 * 1024 * 1024
        answers.append((r.status_code, [(e["row"], e["column"]) for e in r.json.get("errors", [])][:1]))
    # The endless row costs more than a roster may (refused, 413); the empty rows pass the row limit (422 on `file`).
    assert answers == [(413, []), (422, [(0, "file")])]


def test_who_may_import_is_checked_before_the_file_is_read(client, world, monkeypatch):
    import io

    from service.imports import runner
    from .helpers import csrf_token, login

    def never(*args, **kwargs):
        raise AssertionError("the upload was read for a login that may not import")

    monkeypatch.setattr(runner, "read_table_bounded", never)
    r = client.post("/api/v1/imports/households", headers=world.headers(world.village_a1),
                    data={"file": (io.BytesIO(b"PK" + b"\0" * 100), "roster.xlsx")}, content_type="multipart/form-data")
    assert r.status_code == 403
    login(client, "cun_a1")
    page = client.post("/imports", data={"kind": "households", "csrf_token": csrf_token(client, "/households"),
                                         "file": (io.BytesIO(b"x"), "roster.csv")}, content_type="multipart/form-data")
    assert page.status_code == 403


def test_the_file_is_read_outside_any_transaction(app, client, world, monkeypatch):
    import io

    from service.imports import runner

    seen = []
    real = runner.read_table_bounded

    def watched(*args, **kwargs):
        seen.append(db.session().in_transaction())
        return real(*args, **kwargs)

    monkeypatch.setattr(runner, "read_table_bounded", watched)
    csv = "镇街,村,户主姓名,身份证号,家庭人口\n城关镇,张家村,王五,{},3\n".format(
        __import__("tests.conftest", fromlist=["valid_id"]).valid_id(9)).encode()
    r = client.post("/api/v1/imports/households", headers=world.headers(world.worker_a),
                    data={"file": (io.BytesIO(csv), "roster.csv")}, content_type="multipart/form-data")
    assert r.status_code == 200, r.json
    assert seen == [False] and r.json["created"] == 1


def test_the_facility_import_answers_elsewhere_and_nowhere_alike_and_tells_the_county(client, world):
    import io

    from sqlalchemy import select

    from models import AuditEvent

    from .conftest import household_payload, valid_id

    theirs = client.post("/api/v1/households", json=household_payload(world, 5), headers=world.headers(world.worker_a))
    assert theirs.status_code == 201
    answers = []
    for roster in (_facility_roster(owner_id=valid_id(5)), _facility_roster(owner_id=valid_id(6)),
                   _facility_roster(manager_phone="13900000001"), _facility_roster(manager_phone="13900000999")):
        r = client.post("/api/v1/imports/facilities?dry_run=1", headers=world.headers(world.worker_b),
                        data={"file": (io.BytesIO(roster), "f.csv")}, content_type="multipart/form-data")
        assert r.status_code == 422
        answers.append([(e["column"], e["message"]) for e in r.json["errors"]])
    assert answers[0] == answers[1] and answers[2] == answers[3], answers
    events = db.session.execute(select(AuditEvent.entity, AuditEvent.entity_id)
                                .where(AuditEvent.action == "id_conflict").order_by(AuditEvent.id)).all()
    assert events == [("households", theirs.json["id"]), ("households", 0), ("staff", world.staff_a.id), ("staff", 0)]


def test_past_the_limit_elsewhere_and_nowhere_are_both_refused(app, client, world, monkeypatch):
    from .conftest import household_payload

    monkeypatch.setitem(app.config, "ID_CONFLICTS_PER_HOUR", 1)
    theirs = client.post("/api/v1/households", json=household_payload(world, 5), headers=world.headers(world.worker_a))
    assert theirs.status_code == 201
    h = world.headers(world.worker_b)
    elsewhere = household_payload(world, 5, village_id=world.v_b1.id)
    assert client.post("/api/v1/households", json=elsewhere, headers=h).status_code == 422
    # Past the limit: a number registered elsewhere and one registered nowhere get the same 429.
    nowhere = household_payload(world, 8, village_id=world.v_b1.id)
    assert client.post("/api/v1/households", json=elsewhere, headers=h).status_code == 429
    assert client.post("/api/v1/households", json=nowhere, headers=h).status_code == 429
    staff = {"name": "张三", "phone": "13900000777", "role": "village_staff", "village_id": world.v_b1.id}
    assert client.post("/api/v1/staff", json=staff, headers=h).status_code == 429
    # A write that names no such number goes on.
    assert client.post("/api/v1/villages", json={"township_id": world.t_b.id, "name": "新村"},
                       headers=world.headers(world.admin)).status_code == 201
