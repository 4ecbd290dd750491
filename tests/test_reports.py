"""Printed records: real PDF text extraction (pypdf and poppler's pdftotext), the archive, verification."""
import csv
import hashlib
import io
import re
import zipfile
from dataclasses import replace
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from weasyprint import HTML

from models import db, ReportPrinting, ReportVerification
from service.clock import local_today
from service.context import current_rules
from service.domain import reports
from service.domain.deliveries import correct_delivery
from service.domain.planning import plan_deliveries
from service.domain.scope import Scope
from service.pdf import InlineOnlyFetcher, PrintedHTML, renderer_for
from service.reports.archive import ArchiveSettings, build_archive
from service.reports.kept_pdfs import KeptPdfs
from service.reports.render import record_html

from .conftest import household_payload, make_agreement, make_household, valid_id
from .helpers import text_of, year_of_deliveries



def test_household_record_for_a_year(client, world):
    household, _, days = year_of_deliveries(world)
    r = client.get(f"/reports/households/{household.id}/deliveries.pdf?from=2025-01-01&to=2025-12-31",
                   headers=world.headers(world.worker_a))
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    text, pages = text_of(r.data)
    assert pages >= 2 and f"共 {pages} 页" in text
    assert "送水记录表" in text and "户主1" in text and "城关镇" in text and "张家村" in text
    assert household.id_number_masked in text and valid_id(1) not in text
    assert "漏送" in text and f"已送 {len(days) - 2} 次" in text and f"共 {(len(days) - 2) * 300} 升" in text
    assert "漏送 2 次" in text and "送水人签字" in text and "核验码" in text


def test_a_record_prints_the_same_with_our_trimmed_user_agent_sheet(app, world, monkeypatch):
    """The sheet without ::marker and note styles for every element (service/pdf.py) changes how fast a
    record prints, never what it shows; and WeasyPrint still asks our HTML class for it."""
    household, _, _ = year_of_deliveries(world, weeks=30)
    record = reports.household_record(db.session, Scope(), household.id, date(2025, 1, 1), date(2025, 12, 31),
                                      ZoneInfo("Asia/Shanghai"), local_today())
    html = record_html(db.session, record, "https://water.example.gov.cn")
    renderer = renderer_for(app)
    asked = []
    trimmed_sheets = PrintedHTML._ua_stylesheets
    monkeypatch.setattr(PrintedHTML, "_ua_stylesheets", lambda self, forms=False: asked.append(1) or
                        trimmed_sheets(self, forms))
    ours = renderer.render(html)
    weasyprints_own = HTML(string=html, base_url=renderer.static_dir + "/", url_fetcher=renderer.fetcher).write_pdf(
        stylesheets=[renderer.css], font_config=renderer.fonts)
    printed = text_of(ours)
    assert asked
    assert printed == text_of(weasyprints_own)
    assert "已送 28 次" in printed[0]


def test_a_household_without_deliveries_gets_a_valid_record(client, world):
    household = make_household(world, 4)
    db.session.commit()
    r = client.get(f"/reports/households/{household.id}/deliveries.pdf?from=2026-01-01&to=2026-03-31",
                   headers=world.headers(world.worker_a))
    text, pages = text_of(r.data)
    assert pages == 1 and "本期间没有送水记录" in text and "本期间没有送水服务协议" in text


def test_village_month_and_agreement_sheet(client, world):
    household, agreement, _ = year_of_deliveries(world, weeks=8)
    h = world.headers(world.worker_a)
    text, _ = text_of(client.get(f"/reports/villages/{world.v_a1.id}/deliveries.pdf?month=2025-01", headers=h).data)
    assert "张家村 2025-01 送水记录" in text and "户主1" in text and "本月送水户数 1 户" in text
    text, _ = text_of(client.get(f"/reports/agreements/{agreement.id}.pdf", headers=h).data)
    assert "送水服务协议书" in text and "户主1" in text and "刘村干" in text and "每 7 天一次" in text
    assert "甲方签字" in text and household.id_number_masked in text and "出具单位：城关镇" in text


def test_a_month_printed_midway_counts_only_the_days_already_due(client, world):
    today = local_today()
    first = today.replace(day=1)
    household = make_household(world, 1, distance_m=1500.0)
    make_agreement(world, household, interval_days=1, start_on=first, signed_on=first, liters_per_delivery=100)
    db.session.commit()
    plan_deliveries(db.session, first, 31)
    db.session.commit()
    h = world.headers(world.worker_a)
    text, _ = text_of(client.get(f"/reports/villages/{world.v_a1.id}/deliveries.pdf?month={first:%Y-%m}",
                                 headers=h).data)
    assert f"应送 {today.day} 次" in text
    record, _ = text_of(client.get(f"/reports/households/{household.id}/deliveries.pdf?from={first}&to="
                                   f"{first + timedelta(days=40)}", headers=h).data)
    assert f"应送 {today.day} 次" in record and f"截至 {today}" in record and "出具单位：城关镇" in record


def test_report_input_and_scope(client, world):
    household, _, _ = year_of_deliveries(world, weeks=1)
    h = world.headers(world.worker_a)
    url = f"/reports/households/{household.id}/deliveries.pdf"
    assert client.get(f"{url}?from=2026-05-01&to=2026-04-01", headers=h).status_code == 422
    assert client.get(f"{url}?from=2020-01-01&to=2026-04-01", headers=h).status_code == 422
    assert client.get(f"{url}?from=yesterday", headers=h).status_code == 422
    assert client.get(f"/reports/villages/{world.v_a1.id}/deliveries.pdf?month=2026-13", headers=h).status_code == 422
    assert client.get("/reports/households/999999/deliveries.pdf", headers=h).status_code == 404
    other = world.headers(world.worker_b)
    assert client.get(url, headers=other).status_code == 404
    assert client.get(f"/reports/villages/{world.v_a1.id}/deliveries.pdf", headers=other).status_code == 404
    assert client.get(url).status_code == 401


def test_html_in_data_is_printed_as_text_and_never_fetched(client, world):
    household = make_household(world, 2)
    household.head_name = '<img src="file:///etc/passwd">'
    db.session.commit()
    r = client.get(f"/reports/households/{household.id}/deliveries.pdf", headers=world.headers(world.worker_a))
    text, _ = text_of(r.data)
    assert "file:///etc/passwd" in text.replace("\n", "")
    assert b"root:x:0" not in r.data
    fetcher = InlineOnlyFetcher()
    static = renderer_for(client.application).static_dir
    for url in ("file:///etc/passwd", "http://127.0.0.1:1/x.png", f"file://{static}/%2E%2E/%2E%2E/instance/secret_key",
                f"file://{static}/report.css", "FILE:///proc/self/environ", " data:,x"):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    assert fetcher.fetch("data:text/plain,ok").read() == b"ok"


def _zip(response) -> zipfile.ZipFile:
    assert response.status_code == 200 and response.mimetype == "application/zip"
    return zipfile.ZipFile(io.BytesIO(response.data))


def test_inspection_archive_and_its_manifest(client, world, tmp_path):
    household, agreement, _ = year_of_deliveries(world, weeks=4)
    h = world.headers(world.worker_a)
    scan = b"%PDF-1.4 signed scan"
    client.post(f"/api/v1/agreements/{agreement.id}/scan", headers=h,
                data={"file": (io.BytesIO(scan), "scan.pdf")}, content_type="multipart/form-data")
    archive = _zip(client.get(f"/reports/townships/{world.t_a.id}/inspection.zip?from=2025-01-01&to=2025-02-28",
                              headers=h))
    manifest = list(csv.DictReader(io.StringIO(archive.read("manifest.csv").decode("utf-8-sig"))))
    names = {row["file"] for row in manifest if not row["file"].startswith("缺失/")}
    assert set(archive.namelist()) == names | {"manifest.csv"}
    for row in manifest:
        if row["file"].startswith("缺失/"):  # what the archive should hold and does not: a line, not a file
            assert row["sha256"] == "" and row["content"].startswith("缺："), row
            continue
        assert hashlib.sha256(archive.read(row["file"])).hexdigest() == row["sha256"]
    assert "00-汇总.pdf" in names and f"送水协议/协议{agreement.id}.pdf" in names
    assert archive.read(f"协议扫描件/协议{agreement.id}.pdf") == scan
    record = next(n for n in names if n.startswith("送水记录/"))
    assert "户主1" in text_of(archive.read(record))[0]
    summary, _ = text_of(archive.read("00-汇总.pdf"))
    assert "城关镇农村饮水安全情况汇总" in summary and "有效送水协议" in summary


def test_a_large_archive_builds_in_the_background(client, world, app, monkeypatch):
    year_of_deliveries(world, weeks=2)
    monkeypatch.setitem(app.config, "ARCHIVE_SYNC_HOUSEHOLDS", 0)
    url = f"/reports/townships/{world.t_a.id}/inspection.zip?from=2025-01-01&to=2025-01-31"
    first = client.get(url, headers=world.headers(world.worker_a))
    assert first.status_code == 202 and first.json["status"] == "building" and first.headers["Retry-After"]
    import time

    for _ in range(100):
        response = client.get(url, headers=world.headers(world.worker_a))
        if response.status_code == 200:
            break
        time.sleep(0.2)
    assert "manifest.csv" in _zip(response).namelist()


def test_verify_says_whether_paper_matches_the_data(client, world):
    household, _, days = year_of_deliveries(world, weeks=3)
    h = world.headers(world.worker_a)
    pdf = client.get(f"/reports/households/{household.id}/deliveries.pdf?from=2025-01-01&to=2025-01-31", headers=h)
    code = re.search(r"核验码\s*([0-9A-F]{16})", text_of(pdf.data)[0]).group(1)
    r = client.get(f"/verify/{code}", headers=h)
    assert r.status_code == 200 and r.json["matches"] is True and r.json["kind"] == "household_deliveries"
    assert r.json["status"] == "match" and r.json["village"] == "张家村" and r.json["household"] == "户*1"
    correct_delivery(db.session, world.worker_a, days[0].id, {"liters": 250, "reason": "少送"}, current_rules())
    db.session.commit()
    assert client.get(f"/verify/{code}", headers=h).json["status"] == "mismatch"
    assert client.get(f"/verify/{code}", headers=world.headers(world.worker_b)).status_code == 404
    assert client.get("/verify/0000000000000000", headers=h).status_code == 404


def test_verify_is_a_public_chinese_page_without_names(client, world, app, monkeypatch):
    from service.extensions import limiter

    household, _, days = year_of_deliveries(world, weeks=3)
    pdf = client.get(f"/reports/households/{household.id}/deliveries.pdf?from=2025-01-01&to=2025-01-31",
                     headers=world.headers(world.worker_a))
    code = re.search(r"核验码\s*([0-9A-F]{16})", text_of(pdf.data)[0]).group(1)
    printed = db.session.get(ReportVerification, code).created_at.astimezone(ZoneInfo("Asia/Shanghai"))
    page = client.get(f"/verify/{code}")  # an inspector's phone, not logged in
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert "核验一致" in text and "送水记录表" in text and "城关镇" in text and "2025-01-01 至 2025-01-31" in text
    assert printed.strftime("%Y-%m-%d %H:%M") in text
    assert household.head_name not in text and household.id_number_masked not in text and "138" not in text
    # What catches a code moved onto another paper: the village, the masked name and the printed totals.
    printed_text = text_of(pdf.data)[0]
    assert "张家村" in text and re.search(r'id="household">户\*1<', text)
    delivered = re.search(r"已送 (\d+) 次", printed_text).group(1)
    liters = re.search(r"共 (\d+) 升", printed_text).group(1)
    assert f"<dd>{delivered} 次，共 {liters} 升</dd>" in text
    correct_delivery(db.session, world.worker_a, days[0].id, {"liters": 250, "reason": "少送"}, current_rules())
    db.session.commit()
    changed = client.get(f"/verify/{code}").get_data(as_text=True)
    assert "核验不一致" in changed and 'id="totals"' not in changed  # totals shown only while they are the printed ones
    unknown = client.get("/verify/0000000000000000")
    assert unknown.status_code == 404 and "找不到" in unknown.get_data(as_text=True)
    api = client.get("/verify/0000000000000000", headers=world.headers(world.worker_a))
    assert api.status_code == 404 and api.is_json
    # A record of a finished period does not depend on the day it is printed: reprints verify alike.
    assert db.session.get(ReportVerification, code).params == {"from": "2025-01-01", "to": "2025-01-31"}
    monkeypatch.setitem(app.config, "VERIFY_LIMIT_PER_ADDRESS", "3 per minute")
    limiter.reset()
    assert [client.get(f"/verify/{code}").status_code for _ in range(4)] == [200, 200, 200, 429]


def test_report_archive_command(app, world, tmp_path):
    year_of_deliveries(world, weeks=2)
    out = tmp_path / "archive.zip"
    result = app.test_cli_runner().invoke(args=["report", "archive", "--township", "370101", "--from", "2025-01-01",
                                                "--to", "2025-01-31", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "manifest.csv" in zipfile.ZipFile(out).namelist()


def test_odd_months_and_village_staff_verification(client, world):
    year_of_deliveries(world, weeks=3)
    staff = world.headers(world.village_a1)
    assert client.get(f"/reports/villages/{world.v_a1.id}/deliveries.pdf?month=9999-12", headers=staff).status_code == 422
    pdf = client.get(f"/reports/villages/{world.v_a1.id}/deliveries.pdf?month=2025-01", headers=staff)
    code = re.search(r"核验码\s*([0-9A-F]{16})", text_of(pdf.data)[0]).group(1)
    assert client.get(f"/verify/{code}", headers=staff).json["matches"] is True
    assert client.get(f"/verify/{code}", headers=world.headers(world.worker_b)).status_code == 404


class CountingRenderer:
    """The app's renderer, counting the documents it renders."""

    def __init__(self, renderer):
        self.renderer, self.rendered = renderer, 0

    def render(self, html: str) -> bytes:
        self.rendered += 1
        return self.renderer.render(html)


def test_an_archive_asked_again_renders_only_the_records_whose_data_changed(app, world, tmp_path):
    first, _, days = year_of_deliveries(world, weeks=4, name_serial=1)
    year_of_deliveries(world, weeks=4, name_serial=2)
    settings = ArchiveSettings.of(app, "https://water.example.gov.cn")
    counting = CountingRenderer(settings.renderer)
    settings = replace(settings, renderer=counting, workers=1,
                       kept=KeptPdfs(tmp_path / "kept", settings.kept.release, 10 * 1024 * 1024))

    def build() -> dict[str, bytes]:
        counting.rendered = 0
        target = tmp_path / "a.zip"
        build_archive(db.session, Scope(), world.t_a.id, date(2025, 1, 1), date(2025, 2, 28), target, settings)
        db.session.commit()
        with zipfile.ZipFile(target) as archive:
            return {name: archive.read(name) for name in archive.namelist() if name.endswith(".pdf")}

    once = build()
    # summary, water tests, ledger, 工程管护台账, two records, two agreement sheets, and the 排查表 of its two villages
    assert counting.rendered == len(once) == 10
    again = build()
    assert counting.rendered == 0 and again == once
    correct_delivery(db.session, world.worker_a, days[0].id, {"liters": 250, "reason": "称重更正"}, current_rules())
    db.session.commit()
    changed = build()
    # The corrected household's record and the summary (its litres) are new; everything else is as it was.
    assert counting.rendered == 2
    assert {name for name in once if changed[name] != once[name]} == {
        "00-汇总.pdf", next(name for name in once if name.startswith("送水记录/") and f"-{first.id}.pdf" in name)}


def test_verify_tells_entries_logged_after_printing_from_changes_to_what_was_printed(client, world):
    from models import Delivery

    household = make_household(world, 1, distance_m=1500.0)
    agreement = make_agreement(world, household)
    today = local_today()
    due = Delivery(agreement_id=agreement.id, household_id=household.id, scheduled_for=today, status="planned",
                   liters=agreement.liters_per_delivery)
    db.session.add(due)
    db.session.commit()
    h = world.headers(world.worker_a)
    period = f"from={(today - timedelta(days=6)).isoformat()}&to={today.isoformat()}"
    pdf = client.get(f"/reports/households/{household.id}/deliveries.pdf?{period}", headers=h)
    code = re.search(r"核验码\s*([0-9A-F]{16})", text_of(pdf.data)[0]).group(1)
    assert client.get(f"/verify/{code}", headers=h).json["status"] == "match"
    # Today's delivery, printed as 待送, is logged two minutes later: the paper is still true, one entry was added.
    logged = client.post(f"/api/v1/deliveries/{due.id}/complete", json={"liters": 60}, headers=h)
    assert logged.status_code == 200
    unplanned = client.post("/api/v1/deliveries", headers=h, json={"household_id": household.id, "liters": 20})
    assert unplanned.status_code == 201
    answer = client.get(f"/verify/{code}", headers=h).json
    assert (answer["status"], answer["matches"], answer["added"]) == ("added", True, 2)
    assert answer["totals"]["delivered"] == 0  # the printed totals, which the paper shows
    page = client.get(f"/verify/{code}").get_data(as_text=True)
    assert "核验一致，打印后新增 2 条记录" in page and "<dd>0 次，共 0 升</dd>" in page
    # A change to what was printed is a mismatch, entries added or not.
    correct_delivery(db.session, world.worker_a, due.id, {"liters": 50, "reason": "少送"}, current_rules())
    db.session.commit()
    assert client.get(f"/verify/{code}", headers=h).json["status"] == "added"  # the logged row was printed as 待送
    db.session.execute(Delivery.__table__.update().where(Delivery.id == due.id).values(status="cancelled"))
    db.session.commit()
    assert client.get(f"/verify/{code}", headers=h).json["status"] == "mismatch"


def test_verify_names_the_kind_in_chinese_counts_what_was_added_by_its_kind_and_shows_the_paper_s_time(client, world):
    """/verify said `survey_sheet` and `bulletin`, called a new case "1 条送水记录", and showed the first printing's
    time whatever paper was in hand."""
    from sqlalchemy import select

    from service.clock import local_zone
    from service.domain.verification import register_printing

    from .test_cases import _case

    h = world.headers(world.worker_a)
    today = local_today()
    period = f"from={(today - timedelta(days=30)).isoformat()}&to={today.isoformat()}"
    _case(client, world, description="水浑浊")
    ledger = client.get(f"/reports/townships/{world.t_a.id}/ledger.pdf?{period}", headers=h)
    code = re.search(r"核验码\s*([0-9A-F]{16})", " ".join(text_of(ledger.data)[0].split())).group(1)
    _case(client, world, kind="other", description="新发现")
    page = client.get(f"/verify/{code}").get_data(as_text=True)
    assert "核验一致，打印后新增 1 条记录" in page and "登记了问题 1 条" in page and "送水记录" not in page
    assert "问题台账" in page

    sheet = client.get(f"/reports/villages/{world.v_a1.id}/visits.pdf?year={today.year}", headers=h)
    sheet_code = re.search(r"核验码\s*([0-9A-F]{16})", " ".join(text_of(sheet.data)[0].split())).group(1)
    page = client.get(f"/verify/{sheet_code}").get_data(as_text=True)
    assert "逐户排查表" in page and "survey_sheet" not in page

    # The same paper printed again an hour later: each shows its own time, which its QR code names.
    first = db.session.scalar(select(ReportPrinting.printed_at).where(ReportPrinting.code == sheet_code))
    later = (first + timedelta(hours=1)).astimezone(local_zone())
    register_printing(db.session, sheet_code, later)
    db.session.commit()
    named = client.get(f"/verify/{sheet_code}?printed={later.strftime('%Y%m%d%H%M')}").get_data(as_text=True)
    assert f'<dd id="printed-at">{later.strftime("%Y-%m-%d %H:%M")}</dd>' in named and "首次打印时间" not in named
    unnamed = client.get(f"/verify/{sheet_code}").get_data(as_text=True)
    shown_first = first.astimezone(local_zone()).strftime("%Y-%m-%d %H:%M")
    assert "首次打印时间" in unnamed and f'<dd id="printed-at">{shown_first}</dd>' in unnamed
    # A minute no printing happened in is not taken on the QR code's word.
    forged = client.get(f"/verify/{sheet_code}?printed=203001010000").get_data(as_text=True)
    assert "首次打印时间" in forged and "2030-01-01" not in forged


def test_a_printout_being_rendered_holds_no_lock_that_a_write_waits_for(app, client, world, monkeypatch):
    """A render takes seconds; it runs after its verification code is committed, so a write meanwhile goes through
    (on SQLite it waited for the write lock, and past the busy timeout answered 503)."""
    import threading

    from flask.testing import FlaskClient

    from service.pdf import PdfRenderer

    household = make_household(world, 1, distance_m=1500.0)
    url = f"/reports/households/{household.id}/deliveries.pdf?from=2026-01-01&to=2026-01-31"
    village_id, headers = world.v_a1.id, world.headers(world.worker_a)
    db.session.commit()  # and nothing read after it: on SQLite the test's own transaction would hold the lock
    rendering, release = threading.Event(), threading.Event()
    original = PdfRenderer.render

    def slow_render(self, html):
        rendering.set()
        release.wait(60)
        return original(self, html)

    monkeypatch.setattr(PdfRenderer, "render", slow_render)
    answers = {}
    # A plain client in the thread: the suite's own first commits the test's session, which is the main thread's.
    printing = threading.Thread(target=lambda: answers.update(pdf=FlaskClient(app).get(url, headers=headers)))
    printing.start()
    try:
        assert rendering.wait(60), answers
        written = client.post("/api/v1/cases", headers=headers,
                              json={"kind": "other", "village_id": village_id, "description": "印表时登记"})
        assert written.status_code == 201
    finally:
        release.set()
        printing.join(60)
    assert answers["pdf"].status_code == 200 and answers["pdf"].mimetype == "application/pdf"


def _delivered_household(world, **values):
    household = make_household(world, 1, distance_m=1500.0, **values)
    make_agreement(world, household, interval_days=7, start_on=date(2025, 1, 6))
    db.session.commit()
    plan_deliveries(db.session, date(2025, 1, 6), 14)
    db.session.commit()
    return household


def test_a_missing_scan_is_a_manifest_line_not_a_failed_archive(client, world, app):
    import os

    from models import Agreement

    household = _delivered_household(world)
    agreement = db.session.scalars(select(Agreement).where(Agreement.household_id == household.id)).one()
    agreement.scan_path = "scans/gone.pdf"
    db.session.commit()
    r = client.get(f"/reports/townships/{world.t_a.id}/inspection.zip?from=2025-01-01&to=2025-01-31",
                   headers=world.headers(world.worker_a))
    assert r.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(r.data))
    manifest = archive.read("manifest.csv").decode("utf-8-sig")
    assert f"协议扫描件/协议{agreement.id}.pdf" in manifest and "missing" in manifest
    assert f"协议扫描件/协议{agreement.id}.pdf" not in archive.namelist()
    assert not [name for name in os.listdir(app.config["ARCHIVE_DIR"]) if name.endswith(".part")]


def test_a_failed_background_archive_says_why_and_waits_before_retrying(client, world, app, monkeypatch):
    import os
    import time

    from service.reports import builds

    _delivered_household(world)
    calls = []

    def failing(session, scope, township_id, date_from, date_to, target, settings, progress, plan=None):
        calls.append(1)
        open(target, "wb").write(b"half")
        raise FileNotFoundError("/srv/secret/instance/uploads/scans/x.pdf")

    monkeypatch.setattr(builds, "build_archive", failing)
    monkeypatch.setitem(app.config, "ARCHIVE_SYNC_HOUSEHOLDS", 0)
    url = f"/reports/townships/{world.t_a.id}/inspection.zip?from=2025-01-01&to=2025-01-31"
    h = world.headers(world.worker_a)
    assert client.get(url, headers=h).status_code == 202
    for _ in range(50):
        r = client.get(url, headers=h)
        if r.json["status"] == "failed":
            break
        time.sleep(0.1)
    assert r.status_code == 202 and r.json["status"] == "failed" and r.json["error"] == "缺少需要打包的文件"
    assert "/srv" not in r.get_data(as_text=True) and int(r.headers["Retry-After"]) > 3
    for _ in range(5):
        client.get(url, headers=h)
    assert len(calls) == 1  # not rebuilt on every poll
    assert not [name for name in os.listdir(app.config["ARCHIVE_DIR"]) if name.endswith(".part")]
    page = client.get(url, headers={**h, "Accept": "text/html", "Accept-Language": "zh-CN"})
    assert "失败" in page.get_data(as_text=True)
    assert "could not be built" in client.get(url, headers={**h, "Accept": "text/html"}).get_data(as_text=True)


def test_archive_entry_names_cannot_escape_and_names_drop_invisible_characters(client, world):
    r = client.post("/api/v1/households", json=household_payload(world, 1, head_name="王\u202e桂\u200b英"),
                    headers=world.headers(world.worker_a))
    assert r.status_code == 201 and r.json["head_name"] == "王桂英"
    household = make_household(world, 2, distance_m=1500.0)
    household.head_name = "../../../tmp/x"
    make_agreement(world, household, interval_days=7, start_on=date(2025, 1, 6))
    db.session.commit()
    plan_deliveries(db.session, date(2025, 1, 6), 14)
    db.session.commit()
    r = client.get(f"/reports/townships/{world.t_a.id}/inspection.zip?from=2025-01-01&to=2025-01-31",
                   headers=world.headers(world.worker_a))
    names = zipfile.ZipFile(io.BytesIO(r.data)).namelist()
    record = next(n for n in names if n.startswith("送水记录/") and n.endswith(f"-{household.id}.pdf"))
    assert ".." not in record and record.count("/") == 1
