"""The township summary an inspector is handed, and the water-test report of the archive: every village, both
supply figures, the water tests and cases of the period, and the pictures, as the PDF's text says them."""
import io
import re
import zipfile
from datetime import date, datetime, timedelta, timezone

from models import Case, CaseEvent, ReportVerification, db
from service.context import current_rules
from service.domain.reports import township_summary, township_summary_v1
from service.domain.verification import register_verification, still_matches
from service.domain.scope import Scope

from .conftest import make_household
from .helpers import days_between, delivery_history, text_of

FROM, TO = date(2026, 10, 1), date(2026, 10, 10)


def _a_period(client, world):
    """In 张家村: one household missing 2 of 10 days (80%, 100 L for 2); a failed and a passed water test; a case
    opened, verified and re-checked in the period. 李家村 has a household and nothing else."""
    statuses = {day: "delivered" for day in days_between(FROM - timedelta(days=5), TO)}
    statuses[date(2026, 10, 3)] = statuses[date(2026, 10, 7)] = "missed"
    delivery_history(world, 1, statuses)
    make_household(world, 2, village=world.v_a2)
    db.session.commit()
    headers = world.headers(world.worker_a)
    for day, results in (("2026-10-02", {"turbidity": 1.6}), ("2026-10-05", {"turbidity": 0.4})):
        assert client.post("/api/v1/water-tests", headers=headers, json={
            "facility_id": world.point_a1.id, "sampled_on": day, "sample_point": "tap",
            "results": results}).status_code == 201
    case = db.session.query(Case).filter_by(kind="water_quality").one()
    noon = datetime(2026, 10, 6, 4, tzinfo=timezone.utc)
    case.created_at, case.status, case.resolution_note = noon - timedelta(days=4), "verified", "更换滤芯"
    case.verified_at = noon
    db.session.add(CaseEvent(case_id=case.id, action="recheck_passed", from_status="verified",
                             to_status="closed", at=noon + timedelta(days=2)))
    db.session.commit()
    return headers


def test_the_summary_carries_every_village_both_figures_tests_cases_and_pictures(client, world):
    headers = _a_period(client, world)
    record = client.get(f"/reports/townships/{world.t_a.id}/summary.pdf?from={FROM}&to={TO}", headers=headers)
    assert record.status_code == 200
    text, pages = text_of(record.data)
    flat = " ".join(text.split())
    assert "城关镇农村饮水安全情况汇总" in flat and "张家村" in flat and "李家村" in flat
    # 张家村: 10 planned, 8 delivered, 2 missed, 80%, 100 L for 2 people = 50 L; 2 tests, 1 failed, 1 exceedance;
    # 1 case opened, 1 verified (销号), 1 re-checked (回头看).
    assert "张家村 1 1 0 1 10 8 2 80% 50" in flat, flat
    assert "张家村 2 1 1 1 1 1" in flat
    assert "李家村 1 0 0 0 0 0 0 — —" in flat and "李家村 0 0 0 0 0 0" in flat
    assert "供水保证率 80%" in flat and "人均每天送水 50 升" in flat
    # The pictures, drawn by WeasyPrint from their SVG: their titles and places are text in the PDF.
    assert "各村供水保证率" in flat and "各村送水：已送、漏送" in flat


def test_the_archive_adds_the_water_test_report(client, world):
    headers = _a_period(client, world)
    archive = zipfile.ZipFile(io.BytesIO(client.get(
        f"/reports/townships/{world.t_a.id}/inspection.zip?from={FROM}&to={TO}", headers=headers).data))
    text, _ = text_of(archive.read("01-水质检测.pdf"))
    flat = " ".join(text.split())
    assert "城关镇水质检测报告" in flat and "共 2 次，超标 1 次" in flat
    assert "2026-10-02 张家村 张家村供水点 末梢水" in flat and "超标：浑浊度 1.6 NTU（限值 ≤1 NTU）" in flat
    assert "2026-10-05" in flat and "合格" in flat


def test_a_summary_printed_before_it_went_village_by_village_still_verifies(client, world):
    _a_period(client, world)
    rules = current_rules()
    old = township_summary_v1(db.session, Scope(), world.t_a.id, FROM, TO, rules.thresholds)
    v2 = township_summary(db.session, Scope(), world.t_a.id, FROM, TO, rules.thresholds, rules.zone, version=2)
    v3 = township_summary(db.session, Scope(), world.t_a.id, FROM, TO, rules.thresholds, rules.zone, version=3)
    new = township_summary(db.session, Scope(), world.t_a.id, FROM, TO, rules.thresholds, rules.zone)
    assert "version" not in old["params"] and v2["params"]["version"] == 2 and new["params"]["version"] == 4
    assert "survey_visited" not in v3["figures"] and "survey_visited" in new["figures"]
    for record in (old, v2, v3, new):
        code = register_verification(db.session, record)
        db.session.commit()
        stored = db.session.get(ReportVerification, code)
        assert still_matches(db.session, Scope(), stored, rules.zone, rules.thresholds)


def test_the_summary_counts_a_household_needing_delivery_without_an_agreement_as_short(client, world):
    headers = _a_period(client, world)
    stranded = make_household(world, 3, village=world.v_a2, distance_m=1500.0)  # 李家村, no agreement
    stranded.created_at = datetime(2026, 9, 1, tzinfo=timezone.utc)
    db.session.commit()
    record = client.get(f"/reports/townships/{world.t_a.id}/summary.pdf?from={FROM}&to={TO}", headers=headers)
    flat = " ".join(text_of(record.data)[0].split())
    # 张家村 8 of 10 days; 李家村's gap household 0 of 10: the township 8 of 20 days, 40%, not 80%.
    assert "张家村 1 1 0 1 10 8 2 80% 50" in flat and "李家村 2 1 1 0 0 0 0 0%" in flat, flat
    assert "供水保证率 40%" in flat
    code = re.search(r"核验码\s*([0-9A-F]{16})", flat).group(1)
    assert client.get(f"/verify/{code}", headers=headers).json["status"] == "match"
