"""Water-quality tests (水质检测): judged against GB 5749-2022 at each limit's edge, the case and the facility's
水质超标 after an exceedance and after a passing retest, the API's contract and the facility page's form."""
import math
import subprocess
import re

import pytest
from sqlalchemy import func, select

from models import Case, CaseEvent, Facility, SmsMessage, WaterTest, db
from service.clock import local_today
from service.domain.tables import write_xlsx
from service.domain.water_quality import judge, standard

from .conftest import make_household
from .helpers import csrf_token, login, upload

LIMITS = standard().limits


def _just_above(value: float) -> float:
    return math.nextafter(value, math.inf) if value else 0.001


@pytest.mark.parametrize("code", [code for code, limit in LIMITS.items() if limit.max is not None])
def test_a_value_at_its_maximum_passes_and_just_above_exceeds(code):
    limit = LIMITS[code]
    point = "tap"
    assert judge({code: limit.max}, relaxed=False, chlorinated=True, sample_point=point) == []
    [found] = judge({code: _just_above(limit.max)}, relaxed=False, chlorinated=True, sample_point=point)
    assert (found["parameter"], found["limit"], found["bound"]) == (code, limit.max, "max")


@pytest.mark.parametrize("code", [code for code, limit in LIMITS.items() if limit.min is not None])
def test_a_value_at_its_minimum_passes_and_just_below_exceeds(code):
    limit = LIMITS[code]
    assert judge({code: limit.min}, relaxed=False, chlorinated=True, sample_point="tap") == []
    [found] = judge({code: math.nextafter(limit.min, 0)}, relaxed=False, chlorinated=True, sample_point="tap")
    assert (found["limit"], found["bound"]) == (limit.min, "min")


@pytest.mark.parametrize("code", [code for code, limit in LIMITS.items() if limit.relaxed_max is not None])
def test_small_and_dispersed_supplies_take_the_relaxed_limit(code):
    limit = LIMITS[code]
    between = (limit.max + limit.relaxed_max) / 2
    assert judge({code: between}, relaxed=False, chlorinated=False, sample_point="tap")
    assert judge({code: between}, relaxed=True, chlorinated=False, sample_point="tap") == []
    assert judge({code: limit.relaxed_max}, relaxed=True, chlorinated=False, sample_point="tap") == []
    [found] = judge({code: _just_above(limit.relaxed_max)}, relaxed=True, chlorinated=False, sample_point="tap")
    assert found["limit"] == limit.relaxed_max


def test_the_relaxations_are_the_standards_notes():
    relaxed = {code: limit.relaxed_max for code, limit in LIMITS.items() if limit.relaxed_max is not None}
    assert relaxed == {"colony_count": 500, "fluoride": 1.2, "nitrate_n": 20, "turbidity": 3}
    assert (LIMITS["ph"].min, LIMITS["ph"].max) == (6.5, 8.5) and LIMITS["e_coli"].max == 0


def test_free_chlorine_is_judged_where_the_supply_is_chlorinated_by_its_points_limits():
    def found(value, point, chlorinated=True):
        return [(e["limit"], e["bound"]) for e in judge({"free_chlorine": value}, relaxed=False,
                                                        chlorinated=chlorinated, sample_point=point)]

    assert found(0.01, "tap", chlorinated=False) == [] and found(0.01, "source") == []
    for point in ("tap", "household"):  # 末梢水 and in the home: at least 0.05 left
        assert found(0.05, point) == [] and found(0.049, point) == [(0.05, "min")]
        assert found(5.0, point) == []
    # Leaving the works (出厂水): at least 0.3, at most 2.
    assert found(0.3, "treated") == [] and found(0.29, "treated") == [(0.3, "min")]
    assert found(2.0, "treated") == [] and found(2.01, "treated") == [(2, "max")]


def _post(client, world, user=None, **payload):
    body = {"facility_id": world.point_a1.id, "sampled_on": local_today().isoformat(), "sample_point": "tap",
            "lab": "县疾控中心", "results": {"turbidity": 0.5, "ph": 7.2}, **payload}
    return client.post("/api/v1/water-tests", json=body, headers=world.headers(user or world.worker_a))


def _facility(world) -> Facility:
    db.session.expire_all()
    return db.session.get(Facility, world.point_a1.id)


def _case(world) -> Case | None:
    return db.session.scalar(select(Case).where(Case.facility_id == world.point_a1.id,
                                                Case.kind == "water_quality"))


def test_an_exceedance_opens_a_case_naming_it_and_marks_the_facility_until_that_point_passes(client, world):
    r = _post(client, world, results={"turbidity": 1.8, "ph": 7.0, "e_coli": 0})
    assert r.status_code == 201, r.json
    assert r.json["passed"] is False and r.json["relaxed"] is False and r.json["standard"] == "GB 5749-2022"
    assert r.json["exceedances"] == [{"parameter": "turbidity", "value": 1.8, "limit": 1.0, "bound": "max",
                                      "unit": "NTU"}]
    case = _case(world)
    assert case.status == "open" and r.json["case_id"] == case.id
    assert "浑浊度 1.8 NTU（限值 ≤1 NTU）" in case.description and "末梢水" in case.description
    assert _facility(world).quality_exceeded is True

    # The source passing says nothing of the tap: still 水质超标.
    assert _post(client, world, sample_point="source").json["passed"] is True
    assert _facility(world).quality_exceeded is True
    # An older sample of the tap entered late does not clear it either.
    older = _post(client, world, sampled_on="2026-01-05")
    assert older.status_code == 201 and _facility(world).quality_exceeded is True
    # A later passing test of the tap clears it; the case is told, and stays for a person to resolve.
    assert _post(client, world).json["passed"] is True
    assert _facility(world).quality_exceeded is False
    case = _case(world)
    assert case.status == "open"
    notes = [e.note for e in db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id))]
    assert any("末梢水" in (n or "") and "复检合格" in n for n in notes)
    page = client.get(f"/api/v1/facilities/{world.point_a1.id}", headers=world.headers(world.worker_a)).json
    assert page["quality_exceeded"] is False


def test_a_new_exceedance_reopens_a_case_marked_fixed(client, world):
    _post(client, world, results={"nitrate_n": 12})
    case = _case(world)
    db.session.execute(Case.__table__.update().where(Case.id == case.id)
                       .values(status="resolved", resolution_note="换了滤芯"))
    db.session.commit()
    again = _post(client, world, results={"nitrate_n": 11.5})
    assert again.json["case_id"] == case.id
    db.session.expire_all()
    assert db.session.get(Case, case.id).status == "open"
    assert db.session.scalar(select(func.count()).select_from(Case).where(Case.kind == "water_quality")) == 1


def test_a_small_supply_is_judged_by_the_relaxed_limits(client, world):
    db.session.execute(Facility.__table__.update().where(Facility.id == world.point_a1.id)
                       .values(supply_class="small_central"))
    db.session.commit()
    r = _post(client, world, results={"turbidity": 2.5, "nitrate_n": 18})
    assert r.json["passed"] is True and r.json["relaxed"] is True
    assert _post(client, world, results={"turbidity": 3.2}).json["exceedances"][0]["limit"] == 3


def test_a_household_sample_is_judged_by_its_water_source_and_opens_the_households_case(client, world):
    db.session.execute(Facility.__table__.update().where(Facility.id == world.point_a1.id)
                       .values(supply_class="dispersed"))
    household = make_household(world, 5, water_source_id=world.point_a1.id, water_source="central_point")
    db.session.commit()
    r = _post(client, world, facility_id=None, household_id=household.id, sample_point="household",
              results={"fluoride": 1.1, "colony_count": 600})
    assert r.status_code == 201 and r.json["relaxed"] is True
    assert [e["parameter"] for e in r.json["exceedances"]] == ["colony_count"]
    case = db.session.scalar(select(Case).where(Case.kind == "water_quality"))
    assert case.household_id == household.id and case.facility_id is None
    assert _facility(world).quality_exceeded is False  # the home's sample says nothing of the supply's own


@pytest.mark.parametrize("payload, field", [
    ({"results": {"radium": 1}}, ("results", "radium")),
    ({"results": {"lead": -0.001}}, ("results", "lead")),
    ({"results": {"ph": 14.5}}, ("results", "ph")),
    ({"results": {"ph": "7"}}, ("results", "ph")),
    ({"results": {}}, ("results",)),
    ({"sample_point": "river"}, ("sample_point",)),
    ({"sampled_on": "2999-01-01"}, ("sampled_on",)),
    ({"facility_id": None}, ("facility_id",)),
])
def test_impossible_input_is_422_naming_the_field_and_writes_nothing(client, world, payload, field):
    r = _post(client, world, **payload)
    assert r.status_code == 422, r.json
    errors = r.json["errors"]["json"]
    for key in field:
        errors = errors[key]
    assert errors
    assert db.session.scalar(select(func.count()).select_from(WaterTest)) == 0
    assert db.session.scalar(select(func.count()).select_from(Case)) == 0


def test_who_may_record_and_who_sees(client, world):
    assert _post(client, world, user=world.village_a1).status_code == 403
    assert _post(client, world, user=world.worker_b).status_code == 403
    assert _post(client, world, results={"arsenic": 0.02}).status_code == 201
    assert _post(client, world, sampled_on="2026-03-01").status_code == 201
    mine = client.get("/api/v1/water-tests?passed=false", headers=world.headers(world.lead_a)).json
    assert mine["total"] == 1 and mine["items"][0]["exceedances"][0]["parameter"] == "arsenic"
    spring = client.get("/api/v1/water-tests?from=2026-02-01&to=2026-03-31", headers=world.headers(world.admin)).json
    assert [t["sampled_on"] for t in spring["items"]] == ["2026-03-01"]
    assert client.get("/api/v1/water-tests", headers=world.headers(world.worker_b)).json["total"] == 0
    one = mine["items"][0]["id"]
    assert client.get(f"/api/v1/water-tests/{one}", headers=world.headers(world.worker_b)).status_code == 404
    table = client.get("/api/v1/water-tests/limits", headers=world.headers(world.worker_b)).json
    # The 2022 edition's parameters: 耐热大肠菌群 (2006's) is no longer offered.
    assert table["standard"] == "GB 5749-2022" and len(table["parameters"]) == len(LIMITS) - 1
    assert "thermo_coliforms" not in {p["parameter"] for p in table["parameters"]}
    coliforms = next(p for p in table["parameters"] if p["parameter"] == "total_coliforms")
    assert coliforms["max_words"] == "不得检出" and coliforms["group"] == "microbial"
    turbidity = next(p for p in table["parameters"] if p["parameter"] == "turbidity")
    assert (turbidity["max"], turbidity["relaxed_max"], turbidity["unit"]) == (1, 3, "NTU")


def test_a_test_is_recorded_from_the_facility_page(client, world):
    login(client, "worker_a")
    page = client.get(f"/facilities/{world.point_a1.id}").get_data(as_text=True)
    assert "记录水质检测" in page and "还没有检测记录" in page
    form = {"csrf_token": csrf_token(client, f"/facilities/{world.point_a1.id}"), "sampled_on": "2026-11-20",
            "sample_point": "tap", "lab": "县疾控中心", "r_turbidity": "abc", "r_ph": "7.1"}
    refused = client.post(f"/facilities/{world.point_a1.id}/water-tests", data=form)
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422 and 'data-field="r_turbidity"' in text and "应为数字" in text
    assert 'value="7.1"' in text  # what was typed stays
    form["r_turbidity"] = "2，5"
    saved = client.post(f"/facilities/{world.point_a1.id}/water-tests", data=form, follow_redirects=True)
    text = saved.get_data(as_text=True)
    assert "已记录水质检测：超标，已立案" in text and 'id="quality">水质超标' in text
    assert re.search(r"浑浊度 2.5 NTU（限值 ≤1 NTU）", text) and 'id="quality-case"' in text
    login(client, "cun_a1")
    assert "记录水质检测" not in client.get(f"/facilities/{world.point_a1.id}").get_data(as_text=True)


def _lab_sheet(*rows) -> bytes:
    headers = ["村", "设施名称", "采样日期", "采样点", "检测单位", "浑浊度(NTU)", "pH", "硝酸盐（以N计）（mg/L）",
               "菌落总数"]
    return write_xlsx(headers, [list(row) for row in rows])


def test_a_labs_results_sheet_is_imported_through_the_roster_importer(client, world):
    good = _lab_sheet(["张家村", "张家村供水点", "2026-10-08", "末梢水", "县疾控中心", 1.8, 7.4, 4.2, 40],
                      ["张家村", "张家村供水点", "2026-10-08", "水源水", "县疾控中心", 2.4, 7.1, 12.5, 120])
    bad = _lab_sheet(["张家村", "张家村供水点", "2026-10-09", "末梢水", "", 0.6, 15, -4, 1],
                     ["张家村", "没有这个", "2026-10-09", "末梢水", "", 0.6, 7, 4, 1],
                     ["张家村", "张家村供水点", "2026-10-09", "入户", "", -1, 7, "四", 1])
    refused = upload(client, world, "water_tests", bad, "lab.xlsx")
    assert refused.status_code == 422
    assert sorted((e["row"], e["column"], e["message"]) for e in refused.json["errors"]) == [
        (2, "pH", "pH 应在 0 到 14 之间"), (2, "硝酸盐（以N计）（mg/L）", "不能为负数"),
        (3, "设施名称", "本村没有这个名称或编号的设施"), (4, "硝酸盐（以N计）（mg/L）", "应为数字")]
    assert db.session.scalar(select(func.count()).select_from(WaterTest)) == 0
    first = upload(client, world, "water_tests", good, "lab.xlsx")
    assert first.status_code == 200 and first.json["created"] == 2, first.json
    source = db.session.scalar(select(WaterTest).where(WaterTest.sample_point == "source"))
    assert source.results == {"turbidity": 2.4, "ph": 7.1, "nitrate_n": 12.5, "colony_count": 120.0}
    assert [e["parameter"] for e in source.exceedances] == ["colony_count", "nitrate_n", "turbidity"]
    assert source.case_id is None  # raw water of a treated supply: for reference
    assert _case(world).description == "末梢水（2026-10-08 采样）超标：浑浊度 1.8 NTU（限值 ≤1 NTU）"
    assert _facility(world).quality_exceeded is True
    again = upload(client, world, "water_tests", good, "lab.xlsx")
    assert again.json["unchanged"] == 2 and again.json["created"] == 0
    template = client.get("/api/v1/imports/water_tests/template.xlsx", headers=world.headers(world.worker_a))
    assert template.status_code == 200


def test_a_treated_supplys_raw_water_is_for_reference_and_a_wells_is_drunk(client, world):
    raw = _post(client, world, sample_point="source", results={"turbidity": 6.0})
    assert raw.json["passed"] is False and raw.json["case_id"] is None
    assert _facility(world).quality_exceeded is False and _case(world) is None
    login(client, "worker_a")
    page = client.get(f"/facilities/{world.point_a1.id}").get_data(as_text=True)
    assert "超标（供参考）" in page and 'id="quality"' not in page
    well = Facility(township_id=world.t_a.id, village_id=world.v_a1.id, kind="well", name="张家村深井",
                    ownership="collective", status="working")
    db.session.add(well)
    db.session.commit()
    drunk = _post(client, world, facility_id=well.id, sample_point="source", results={"turbidity": 6.0})
    assert drunk.json["case_id"] is not None and drunk.json["relaxed"] is True  # a well is a dispersed supply
    db.session.expire_all()
    assert db.session.get(Facility, well.id).quality_exceeded is True


def test_an_older_failing_sample_entered_late_opens_no_case(client, world):
    assert _post(client, world, sampled_on="2026-11-01").json["passed"] is True
    late = _post(client, world, sampled_on="2026-10-01", results={"turbidity": 5})
    assert late.json["passed"] is False and late.json["case_id"] is None
    assert _case(world) is None and _facility(world).quality_exceeded is False


def test_an_exceedance_after_verification_is_a_relapse_of_the_same_case(client, world):
    first = _post(client, world, results={"lead": 0.02}).json["case_id"]
    db.session.execute(Case.__table__.update().where(Case.id == first).values(
        status="verified", resolution_note="更换管道", recheck_due_on=local_today()))
    db.session.commit()
    again = _post(client, world, results={"lead": 0.03}).json
    assert again["case_id"] == first
    db.session.expire_all()
    case = db.session.get(Case, first)
    assert (case.status, case.relapse_count, case.recheck_due_on) == ("open", 1, None)
    assert db.session.scalar(select(func.count()).select_from(Case)) == 1


def test_a_household_with_its_own_source_is_judged_as_a_dispersed_supply(client, world):
    household = make_household(world, 6, water_source="cistern")
    db.session.commit()
    r = _post(client, world, facility_id=None, household_id=household.id, sample_point="household",
              results={"turbidity": 2.5, "nitrate_n": 15})
    assert r.json["relaxed"] is True and r.json["passed"] is True


def test_a_lab_sheet_may_say_a_value_was_not_detected(client, world):
    sheet = _lab_sheet(["张家村", "张家村供水点", "2026-10-08", "末梢水", "县疾控中心", "<0.5", 7.2, "未检出", "ND"])
    assert upload(client, world, "water_tests", sheet, "lab.xlsx").json["created"] == 1
    test = db.session.scalar(select(WaterTest))
    assert test.results == {"turbidity": 0.0, "ph": 7.2, "nitrate_n": 0.0, "colony_count": 0.0} and test.passed


def test_a_households_own_samples_show_on_its_page(client, world):
    household = make_household(world, 6)
    db.session.commit()
    _post(client, world, facility_id=None, household_id=household.id, sample_point="household",
          results={"e_coli": 3})
    login(client, "cun_a1")
    page = client.get(f"/households/{household.id}").get_data(as_text=True)
    assert "入户水质检测" in page and "超标 大肠埃希氏菌 3 MPN/100mL（限值 不得检出）" in page


def test_the_pass_rate_leaves_out_raw_water_judged_for_reference_only(client, world):
    """A central point treats its water: its raw source water past a limit is for reference, not a failed test of
    drinking water (the dashboard's 水质达标率 counted it as one: 12/15 = 80%)."""
    assert _post(client, world).status_code == 201  # tap water, passes
    raw = _post(client, world, sample_point="source", results={"turbidity": 4.0, "e_coli": 3})
    assert raw.status_code == 201 and raw.json["passed"] is False
    well = Facility(township_id=world.t_a.id, village_id=world.v_a1.id, kind="well", name="张家村水井",
                    ownership="public", status="working")
    db.session.add(well)
    db.session.commit()
    # A well's source is what people drink: it counts.
    assert _post(client, world, facility_id=well.id, sample_point="source",
                 results={"e_coli": 2}).json["passed"] is False
    overall = client.get("/api/v1/dashboard", headers=world.headers(world.worker_a)).json["overall"]
    assert overall["water_tests_365d"] == 2 and overall["water_tests_passed_365d"] == 1
    assert overall["water_quality_pass_rate"] == 50.0


def test_an_exceedance_alerts_the_leads_and_the_manager_at_once_and_lists_what_it_affects(client, world):
    from models import SmsMessage, Staff

    lead = Staff(name="镇负责人", phone="+8613900000077", role="township_lead", township_id=world.t_a.id)
    other_lead = Staff(name="河口负责人", phone="+8613900000078", role="township_lead", township_id=world.t_b.id)
    db.session.add_all([lead, other_lead])
    db.session.flush()
    db.session.execute(Facility.__table__.update().where(Facility.id == world.point_a1.id)
                       .values(manager_id=world.staff_a.id))
    drinking = make_household(world, 1, water_source_id=world.point_a1.id)
    elsewhere = make_household(world, 2)
    db.session.commit()
    h = world.headers(world.worker_a)
    assert _post(client, world).status_code == 201  # passes: nobody is alerted
    assert _post(client, world, sample_point="source", results={"e_coli": 5}).status_code == 201  # for reference
    assert db.session.query(SmsMessage).count() == 0
    assert _post(client, world, results={"e_coli": 2}).status_code == 201
    alerts = db.session.scalars(select(SmsMessage).where(SmsMessage.purpose == "water_alert")).all()
    assert sorted(m.phone for m in alerts) == sorted([lead.phone, world.staff_a.phone])
    assert all(m.urgent and m.status == "queued" and "水质超标" in m.body and "张家村" in m.body for m in alerts)
    assert len(alerts[0].body) <= 2 * 67
    exceeded = client.get("/api/v1/facilities?quality_exceeded=true", headers=h).json
    assert [f["id"] for f in exceeded["items"]] == [world.point_a1.id] and exceeded["total"] == 1
    affected = client.get("/api/v1/households?quality_alert=true", headers=h).json
    assert [x["id"] for x in affected["items"]] == [drinking.id]
    fine = client.get("/api/v1/households?quality_alert=false", headers=h).json
    assert [x["id"] for x in fine["items"]] == [elsewhere.id]


def test_households_filter_by_key_village(client, world):
    in_key = make_household(world, 1)  # 张家村 is a key village
    other = make_household(world, 2, village=world.v_a2)
    db.session.commit()
    h = world.headers(world.worker_a)
    assert [x["id"] for x in client.get("/api/v1/households?is_key=true", headers=h).json["items"]] == [in_key.id]
    assert [x["id"] for x in client.get("/api/v1/households?is_key=false", headers=h).json["items"]] == [other.id]


def test_limits_and_advice_are_worded_as_the_standard_words_them(client, world):
    """不得检出 for a microbe, an old record's 耐热大肠菌群 readable but not taken for a new test, and what the
    households are told by the kind of exceedance: not 暂停饮用 for everything."""
    from service.domain.water_quality import advice, describe

    assert describe([{"parameter": "total_coliforms", "value": 2, "limit": 0, "bound": "max", "unit": "MPN/100mL"}]) \
        == "总大肠菌群 2 MPN/100mL（限值 不得检出）"
    assert describe([{"parameter": "thermo_coliforms", "value": 1, "limit": 0, "bound": "max", "unit": "MPN/100mL"}]) \
        == "耐热大肠菌群 1 MPN/100mL（限值 不得检出）"  # an old record reads as before
    assert describe([{"parameter": "ph", "value": 6.1, "limit": 6.5, "bound": "min", "unit": ""}]) == "pH 6.1（限值 ≥6.5）"
    old = _post(client, world, results={"thermo_coliforms": 0})
    assert old.status_code == 422 and "thermo_coliforms" in str(old.json["errors"])
    arsenic = [{"parameter": "arsenic", "value": 0.02, "limit": 0.01, "bound": "max", "unit": "mg/L"}]
    turbidity = [{"parameter": "turbidity", "value": 2, "limit": 1, "bound": "max", "unit": "NTU"}]
    coli = [{"parameter": "e_coli", "value": 1, "limit": 0, "bound": "max", "unit": "MPN/100mL"}]
    assert "煮沸不能去除" in advice(arsenic) and "暂停饮用" in advice(arsenic)
    assert "煮沸后饮用" in advice(coli)
    assert "暂停饮用" not in advice(turbidity) and "查明原因" in advice(turbidity)
    assert "煮沸不能去除" in advice(turbidity + arsenic)  # the gravest decides
    # The alert SMS (to the point's manager) and the household's page carry the advice of what was found.
    db.session.execute(Facility.__table__.update().where(Facility.id == world.point_a1.id)
                       .values(manager_id=world.staff_a.id))
    db.session.commit()
    _post(client, world, results={"turbidity": 2.0})
    body = db.session.scalars(select(SmsMessage.body).where(SmsMessage.purpose == "water_alert")).first()
    assert "查明原因" in body and "暂停饮用" not in body
    household = make_household(world, 8, water_source="central_point", water_source_id=world.point_a1.id)
    db.session.commit()
    login(client, "cun_a1")
    page = client.get(f"/households/{household.id}").get_data(as_text=True)
    assert "查明原因" in page


def test_the_water_test_report_keeps_village_and_lab_names_whole_at_a4(client, world):
    # A long result (several exceedances) is what squeezed the other columns.
    _post(client, world, results={"turbidity": 3.3, "iron": 0.9, "manganese": 0.5, "e_coli": 4, "colour": 30,
                                  "hardness": 600})
    pdf = client.get(f"/reports/townships/{world.t_a.id}/water-tests.pdf?from=2026-01-01&to={local_today()}",
                     headers=world.headers(world.worker_a))
    assert pdf.status_code == 200
    layout = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf.data, capture_output=True,
                            check=True).stdout.decode()
    row = next(line for line in layout.splitlines() if line.strip().startswith(local_today().isoformat()))
    # One line a test: the village, the facility and the lab each whole on it ("张家/村", "县疾控中/心" before).
    assert "张家村" in row and "张家村供水点" in row and "县疾控中心" in row, layout
