"""What an independent review of the ledger's new paths found, each fixed and held by a test: a kept bulletin read
from another region, a unit's staff reaching past their cases, a village reading a county ledger, a county digest
sent across counties, a 回头查 by a worker, a unit login its county could not deactivate, a failed 回头查 of a problem
the service had opened again, and a past day's milestone."""
import io
from datetime import timedelta

from models import Case, CaseMilestone, SmsMessage, Staff, Unit, User, db, utcnow
from service.clock import local_today
from service.context import current_rules
from service.domain.bulletins import BulletinStyle, keep_bulletins
from service.domain.scope import Scope
from service.domain.system_cases import case_deadlines

from .conftest import _PASSWORD_HASH
from .helpers import PNG, csrf_token, login
from .test_cases import _case, _evidence, _move
from .test_regions import _chain, _place, _regional


def test_a_kept_bulletin_is_read_only_inside_the_reader_s_region(client, world):
    province, city, east, west = _chain(client, world)
    _place(client, world, world.t_a, east)
    _place(client, world, world.t_b, west)
    rules = current_rules()
    keep_bulletins(db.session, Scope(), local_today(), rules.thresholds, rules.zone, rules.cases.upkeep, BulletinStyle())
    db.session.commit()
    month = (local_today().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    lixia = world.headers(_regional(world, "lixia", "county_admin", east))
    assert client.get(f"/reports/regions/{east}/bulletin.pdf?month={month}", headers=lixia).status_code == 200
    for other in (west, city, province):
        assert client.get(f"/reports/regions/{other}/bulletin.pdf?month={month}", headers=lixia).status_code == 404


def test_a_unit_s_staff_reach_nothing_but_their_cases(client, world):
    h = world.headers(world.admin)
    water = client.post("/api/v1/units", json={"name": "县水利局", "kind": "department"}, headers=h).json
    db.session.add(User(username="shuili", role="unit_staff", unit_id=water["id"], password_hash=_PASSWORD_HASH))
    db.session.commit()
    unit_user = db.session.query(User).filter_by(username="shuili").one()
    theirs = _case(client, world, lead_unit_id=water["id"]).json["id"]
    u = world.headers(unit_user)
    for path in ("/api/v1/dashboard", "/api/v1/households", f"/api/v1/townships/{world.t_a.id}/archive-gaps",
                 "/api/v1/rechecks", "/api/v1/spot-checks", "/api/v1/sms"):
        assert client.get(path, headers=u).status_code == 403, path
    assert client.get(f"/api/v1/cases/{theirs}", headers=u).status_code == 200
    login(client, "shuili")
    for path in ("/dashboard", "/households", "/sms", "/rechecks", "/todo",
                 f"/reports/townships/{world.t_a.id}/ledger.pdf"):
        assert client.get(path).status_code == 403, path
    assert client.get("/cases").status_code == 200


def test_a_village_s_staff_do_not_print_a_county_department_s_ledger(client, world):
    water = client.post("/api/v1/units", json={"name": "县水利局", "kind": "department"},
                        headers=world.headers(world.admin)).json
    _case(client, world, village_id=world.v_a2.id, lead_unit_id=water["id"])
    answer = client.get(f"/reports/units/{water['id']}/ledger.pdf", headers=world.headers(world.village_a1))
    assert answer.status_code == 404


def test_the_county_digest_goes_to_the_county_of_the_cases_only(client, world):
    province, city, east, west = _chain(client, world)
    _place(client, world, world.t_a, east)
    _place(client, world, world.t_b, west)
    lixia = Staff(name="历下局长", phone="+8613900000081", role="county_admin")
    shizhong = Staff(name="市中局长", phone="+8613900000082", role="county_admin")
    db.session.add_all([lixia, shizhong])
    db.session.flush()
    for staff, county, name in ((lixia, east, "lixia"), (shizhong, west, "shizhong")):
        db.session.add(User(username=name, role="county_admin", region_id=county, staff_id=staff.id,
                            password_hash=_PASSWORD_HASH))
    late = _case(client, world).json["id"]
    db.session.execute(Case.__table__.update().where(Case.id == late).values(deadline=local_today() - timedelta(days=5)))
    db.session.commit()
    assert case_deadlines(db.session, local_today(), utcnow(), 3)["escalated_to_county"] == 1
    db.session.commit()
    phones = {m.phone for m in db.session.query(SmsMessage).filter_by(purpose="case_escalation")}
    assert lixia.phone in phones and shizhong.phone not in phones


def test_a_worker_does_not_close_or_reopen_a_case_through_a_recheck(client, world):
    cid = _case(client, world).json["id"]
    _move(client, world, cid, "in_progress", world.worker_a)
    _evidence(client, world, cid, world.worker_a)
    _move(client, world, cid, "resolved", world.admin, "已修好")
    _move(client, world, cid, "verified", world.lead_a, "现场查看", "恢复供水")
    recheck = client.post("/api/v1/rechecks", json={"township_id": world.t_a.id},
                          headers=world.headers(world.lead_a)).json
    answer = client.post(f"/api/v1/rechecks/{recheck['id']}/results", json={"case_id": cid, "passed": True,
                                                                            "note": "合格"},
                         headers=world.headers(world.worker_a))
    assert answer.status_code == 403
    assert client.get(f"/api/v1/cases/{cid}", headers=world.headers(world.admin)).json["status"] == "verified"


def test_a_limited_county_admin_deactivates_its_department_s_unit_login(client, world, app):
    province, city, east, west = _chain(client, world)
    _place(client, world, world.t_a, east)
    lixia = _regional(world, "lixia", "county_admin", east)
    unit = Unit(name="县水利局", kind="department", county_id=east)
    db.session.add(unit)
    db.session.flush()
    db.session.add(User(username="shuili", role="unit_staff", unit_id=unit.id, password_hash=_PASSWORD_HASH))
    db.session.commit()
    from service.domain.users import set_active

    set_active(db.session, lixia, "shuili", False)
    db.session.commit()
    assert db.session.query(User).filter_by(username="shuili").one().active is False


def test_a_failed_recheck_of_a_problem_the_service_opened_again_points_there(client, world):
    from service.domain.registry import set_facility_status

    rules = current_rules()
    set_facility_status(db.session, world.admin, world.point_a1.id, "broken", None, rules)
    db.session.commit()
    first = db.session.query(Case).filter_by(facility_id=world.point_a1.id).one()
    db.session.execute(Case.__table__.update().where(Case.id == first.id).values(
        status="closed", resolution_note="修好", verified_at=utcnow(), standard="恢复供水", dedupe_key=first.dedupe_key))
    db.session.commit()
    recheck = client.post("/api/v1/rechecks", json={"township_id": world.t_a.id, "case_ids": [first.id]},
                          headers=world.headers(world.lead_a)).json
    # It breaks again before the check: the service opens the problem as a case of its own.
    db.session.add(Case(kind=first.kind, township_id=first.township_id, village_id=first.village_id,
                        facility_id=first.facility_id, severity="high", lead_unit="城关镇",
                        deadline=local_today() + timedelta(days=3), status="open", dedupe_key=first.dedupe_key))
    db.session.commit()
    again = db.session.query(Case).filter(Case.id != first.id, Case.facility_id == world.point_a1.id).one()
    answer = client.post(f"/api/v1/rechecks/{recheck['id']}/results",
                         json={"case_id": first.id, "passed": False, "note": "又坏了"},
                         headers=world.headers(world.lead_a))
    assert answer.status_code == 201 and answer.json["passed"] is False
    case = client.get(f"/api/v1/cases/{first.id}", headers=world.headers(world.admin)).json
    assert case["status"] == "closed" and f"#{again.id}" in case["events"][-1]["note"]


def test_a_milestone_done_after_a_day_was_still_late_on_that_day(client, world):
    from service.domain.case_rules import overdue_clause

    cid = _case(client, world, category="ongoing").json["id"]
    today = local_today()
    db.session.add(CaseMilestone(case_id=cid, title="招标", due_on=today - timedelta(days=10),
                                 done_on=today - timedelta(days=2)))
    db.session.commit()
    late_then = db.session.query(Case.id).filter(overdue_clause(today - timedelta(days=5))).all()
    late_now = db.session.query(Case.id).filter(overdue_clause(today)).all()
    assert (cid,) in late_then and (cid,) not in late_now


def test_a_region_draw_is_stratified_and_a_future_visit_is_refused(client, world):
    from .conftest import make_household

    province, city, east, west = _chain(client, world)
    _place(client, world, world.t_a, east)
    _place(client, world, world.t_b, east)
    for n in range(1, 9):
        make_household(world, n)
    for n in range(9, 13):
        make_household(world, n, village=world.v_b1)
    db.session.commit()
    draw = client.post("/api/v1/spot-checks", json={"region_id": east, "size": 6, "seed": "x"},
                       headers=world.headers(world.admin)).json
    townships = [h["township_id"] for h in draw["households"]]
    assert townships.count(world.t_a.id) == 4 and townships.count(world.t_b.id) == 2
    future = client.post(f"/api/v1/spot-checks/{draw['id']}/findings", headers=world.headers(world.admin),
                         json={"household_id": draw["households"][0]["id"], "liters_per_person_day": 60,
                               "visited_on": (local_today() + timedelta(days=1)).isoformat()})
    assert future.status_code == 422 and "visited_on" in future.json["errors"]["json"]
