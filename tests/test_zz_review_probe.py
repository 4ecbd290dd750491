"""Scratch probes for review (to be deleted)."""
import io
import re
from datetime import timedelta

from models import Case, KeptBulletin, SmsMessage, Staff, User, db, utcnow
from service.clock import local_today

from .conftest import _PASSWORD_HASH, make_household
from .helpers import PNG, login, text_of, csrf_token
from .test_cases import _case, _evidence, _move
from .test_regions import _chain, _place, _region, _regional


def _units(client, world):
    h = world.headers(world.admin)
    water = client.post("/api/v1/units", json={"name": "县水利局", "kind": "department"}, headers=h).json
    health = client.post("/api/v1/units", json={"name": "县卫健局", "kind": "department"}, headers=h).json
    return water, health


def test_probe_unit_staff_leaks(client, world):
    water, health = _units(client, world)
    db.session.add(User(username="shuili", role="unit_staff", unit_id=water["id"], password_hash=_PASSWORD_HASH))
    db.session.commit()
    unit_user = db.session.query(User).filter_by(username="shuili").one()
    hh = make_household(world, 1)
    db.session.commit()
    others = _case(client, world, lead_unit_id=health["id"], household_id=hh.id, title="卫健局的机密问题").json
    print("OTHERS", others.get("id"), others.get("errors"))
    others = others["id"]
    h = world.headers(unit_user)
    d = client.get("/api/v1/dashboard", headers=h).json
    print("DASH overall open", d["overall"]["open_cases"], [c["id"] for c in d.get("oldest_open_cases", [])])
    login(client, "shuili")
    page = client.get("/dashboard").get_data(as_text=True)
    print("DASH page link to other case:", f"/cases/{others}" in page)
    hp = client.get(f"/households/{hh.id}").get_data(as_text=True)
    print("HOUSEHOLD page status", client.get(f"/households/{hh.id}").status_code, "shows title:", "卫健局的机密问题" in hp, f"/cases/{others}" in hp)
    # recheck of another unit's case
    _move(client, world, others, "in_progress", world.worker_a)
    _evidence(client, world, others, world.worker_a)
    _move(client, world, others, "resolved", world.worker_a, "已修好")
    _move(client, world, others, "verified", world.lead_a, "现场看过", "标准X")
    r = client.post("/api/v1/rechecks", json={"township_id": world.t_a.id}, headers=world.headers(world.lead_a)).json
    print("RECHECK api as unit staff:", client.get(f"/api/v1/rechecks/{r['id']}", headers=h).status_code)
    print("RECHECK page as unit staff:", client.get(f"/rechecks/{r['id']}").status_code,
          "卫健局的机密问题" in client.get(f"/rechecks/{r['id']}").get_data(as_text=True))
    print("RECHECK pdf as unit staff:", client.get(f"/reports/rechecks/{r['id']}.pdf").status_code)


def test_probe_village_staff_unit_ledger(client, world):
    water, _ = _units(client, world)
    other_village = _case(client, world, village_id=world.v_a2.id, lead_unit_id=water["id"], source="assigned",
                          source_ref="JB-OTHER-VILLAGE").json["id"]
    pdf = client.get(f"/reports/units/{water['id']}/ledger.pdf", headers=world.headers(world.village_a1))
    print("VILLAGE unit ledger", pdf.status_code)
    if pdf.status_code == 200:
        print("contains other village case:", "JB-OTHER-VILLAGE" in "".join(text_of(pdf.data)[0].split()))
    print("village case api:", client.get(f"/api/v1/cases/{other_village}", headers=world.headers(world.village_a1)).status_code)


def test_probe_unit_ledger_verification(client, world):
    water, _ = _units(client, world)
    _case(client, world, lead_unit_id=water["id"], source="assigned", source_ref="JB-1")
    _case(client, world, world.worker_b, village_id=world.v_b1.id, lead_unit_id=water["id"], source="assigned",
          source_ref="JB-2")
    pdf = client.get(f"/reports/units/{water['id']}/ledger.pdf", headers=world.headers(world.worker_a))
    flat = " ".join(text_of(pdf.data)[0].split())
    code = re.search(r"核验码\s*([0-9A-F]{16})", flat).group(1)
    print("UNIT LEDGER by worker_a verify:", client.get(f"/verify/{code}", headers=world.headers(world.admin)).json["status"])
    db.session.add(User(username="shuili", role="unit_staff", unit_id=water["id"], password_hash=_PASSWORD_HASH))
    db.session.commit()
    u = db.session.query(User).filter_by(username="shuili").one()
    _case(client, world, source="assigned", source_ref="JB-3")
    pdf = client.get(f"/reports/townships/{world.t_a.id}/ledger.pdf", headers=world.headers(u))
    flat = " ".join(text_of(pdf.data)[0].split())
    code = re.search(r"核验码\s*([0-9A-F]{16})", flat).group(1)
    print("TOWNSHIP LEDGER by unit staff verify:", client.get(f"/verify/{code}", headers=world.headers(world.admin)).json["status"])


def test_probe_kept_bulletin_scope(client, world):
    from service.context import current_rules
    from service.domain.bulletins import BulletinStyle, keep_bulletins
    from service.domain.scope import Scope
    province, city, east, west = _chain(client, world)
    other_city = _region(client, world, name="青岛市", code="370200", level="city", parent_id=province).json["id"]
    other_county = _region(client, world, name="市南区", code="370202", level="county", parent_id=other_city).json["id"]
    _place(client, world, world.t_a, east)
    _place(client, world, world.t_b, other_county)
    make_household(world, 1, distance_m=1500.0)
    db.session.commit()
    last_month_end = local_today().replace(day=1) - timedelta(days=1)
    month = last_month_end.strftime("%Y-%m")
    c = client.post("/api/v1/cases", json={"kind": "other", "village_id": world.v_b1.id, "title": "青岛的超期问题",
                                          "source": "assigned"}, headers=world.headers(world.admin)).json
    db.session.execute(Case.__table__.update().where(Case.id == c["id"]).values(
        created_at=db.session.get(Case, c["id"]).created_at - timedelta(days=40), deadline=last_month_end - timedelta(days=5)))
    db.session.commit()
    rules = current_rules()
    keep_bulletins(db.session, Scope(), local_today(), rules.thresholds, rules.zone, 90, BulletinStyle())
    db.session.commit()
    jinan = world.headers(_regional(world, "jinan", "city_admin", city))
    now = client.get(f"/reports/regions/{other_city}/bulletin.pdf", headers=jinan)
    print("current-month other city:", now.status_code)
    for target, name in ((other_city, "other city"), (province, "province"), (other_county, "other county")):
        pdf = client.get(f"/reports/regions/{target}/bulletin.pdf?month={month}", headers=jinan)
        print("KEPT", name, pdf.status_code, pdf.status_code == 200 and "青岛的超期问题" in " ".join(text_of(pdf.data)[0].split()))


def test_probe_county_digest_other_county(client, world, app):
    from service.domain.system_cases import case_deadlines
    province, city, east, west = _chain(client, world)
    _place(client, world, world.t_a, east)
    _place(client, world, world.t_b, west)
    db.session.add(Staff(name="历下县管", phone="+8613900000091", role="county_admin"))
    db.session.add(Staff(name="市中县管", phone="+8613900000092", role="county_admin"))
    db.session.commit()
    c = _case(client, world).json["id"]
    db.session.execute(Case.__table__.update().where(Case.id == c).values(deadline=local_today() - timedelta(days=10)))
    db.session.commit()
    out = case_deadlines(db.session, local_today(), utcnow(), 3)
    db.session.commit()
    print("DIGEST", out, [(m.phone, m.body) for m in db.session.query(SmsMessage).filter_by(purpose="case_escalation")])


def test_probe_recheck_dedupe_conflict(client, world):
    from service.context import current_rules
    from service.domain.system_cases import open_facility_case
    from models import Facility
    # a facility case, finished and closed, then another one for the same facility active
    hh = None
    c = _case(client, world, kind="facility_repair", facility_id=world.point_a1.id) 
    print("facility case", c.status_code, c.json.get("dedupe_key") if c.status_code == 201 else c.json)
    cid = c.json["id"]
    print("dedupe", db.session.get(Case, cid).dedupe_key)
    db.session.get(Case, cid).dedupe_key = f"facility:{world.point_a1.id}"
    db.session.commit()
    _move(client, world, cid, "in_progress", world.worker_a)
    _evidence(client, world, cid, world.worker_a)
    _move(client, world, cid, "resolved", world.worker_a, "修好")
    _move(client, world, cid, "verified", world.lead_a, "看过", "出水")
    _move(client, world, cid, "closed", world.lead_a, "回头看合格")
    c2 = _case(client, world, kind="facility_repair", facility_id=world.point_a1.id).json["id"]
    db.session.get(Case, c2).dedupe_key = f"facility:{world.point_a1.id}"
    db.session.commit()
    r = client.post("/api/v1/rechecks", json={"township_id": world.t_a.id, "case_ids": [cid]},
                    headers=world.headers(world.lead_a)).json
    res = client.post(f"/api/v1/rechecks/{r['id']}/results", json={"case_id": cid, "passed": False, "note": "又坏了"},
                      headers=world.headers(world.admin))
    print("RECHECK FAIL with active duplicate:", res.status_code, res.get_data(as_text=True)[:200])


def test_probe_deadline_to_ongoing_without_reason(client, world):
    c = _case(client, world).json["id"]
    db.session.execute(Case.__table__.update().where(Case.id == c).values(deadline=local_today() - timedelta(days=5)))
    db.session.commit()
    h = world.headers(world.worker_a)
    print("overdue before:", client.get(f"/api/v1/cases/{c}", headers=h).json["overdue"])
    r = client.patch(f"/api/v1/cases/{c}", json={"category": "ongoing"}, headers=h)
    print("switch to ongoing w/o reason:", r.status_code, r.json.get("deadline"), r.json.get("overdue"))
    r = client.patch(f"/api/v1/cases/{c}", json={"category": "deadline"}, headers=h)
    print("back to deadline:", r.status_code, r.json.get("deadline"), r.json.get("overdue"))
    print([ (e["action"] if isinstance(e, dict) else e) for e in client.get(f"/api/v1/cases/{c}", headers=h).json.get("events", [])])
