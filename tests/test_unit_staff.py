"""Lead units that log in: a unit's staff see the cases their unit leads or cooperates on, across the county's
townships, add progress, evidence and milestones, and cannot 销号; a county-wide ledger per lead unit."""
import io
from datetime import timedelta

from models import User, db
from service.clock import local_today

from .conftest import _PASSWORD_HASH, flask_cli
from .helpers import PNG, csrf_token, login, text_of
from .test_cases import _case, _evidence, _move


def _units(client, world):
    h = world.headers(world.admin)
    water = client.post("/api/v1/units", json={"name": "县水利局", "kind": "department"}, headers=h).json
    health = client.post("/api/v1/units", json={"name": "县卫健局", "kind": "department"}, headers=h).json
    return water, health


def test_a_unit_s_staff_work_its_unit_s_cases_only_and_cannot_verify(client, world, app):
    water, health = _units(client, world)
    missing = flask_cli(app, "users", "create", "shuili", "--role", "unit_staff", "--password", "a-long-unit-pass-2026")
    assert missing.exit_code != 0 and "unit" in missing.output
    made = flask_cli(app, "users", "create", "shuili", "--role", "unit_staff", "--unit", str(water["id"]),
                     "--password", "a-long-unit-pass-2026")
    assert made.exit_code == 0, made.output
    unit_user = db.session.query(User).filter_by(username="shuili").one()
    led = _case(client, world, lead_unit_id=water["id"], source="assigned").json["id"]
    cooperating = _case(client, world, world.worker_b, village_id=world.v_b1.id,
                        cooperating_unit_ids=[water["id"]]).json["id"]
    others = _case(client, world, lead_unit_id=health["id"]).json["id"]
    h = world.headers(unit_user)
    listed = client.get("/api/v1/cases?per_page=100", headers=h).json
    assert {c["id"] for c in listed["items"]} == {led, cooperating} and listed["total"] == 2
    assert client.get(f"/api/v1/cases/{others}", headers=h).status_code == 404
    stats = client.get("/api/v1/cases/stats?group_by=township", headers=h).json
    assert stats["totals"]["total"] == 2
    assert client.post(f"/api/v1/cases/{led}/progress", json={"note": "已安排施工队"}, headers=h).status_code == 201
    assert client.post(f"/api/v1/cases/{cooperating}/evidence", headers=h, content_type="multipart/form-data",
                       data={"file": (io.BytesIO(PNG), "p.png")}).status_code == 201
    assert client.post(f"/api/v1/cases/{led}/milestones", headers=h, json={
        "title": "管网铺设", "due_on": (local_today() + timedelta(days=9)).isoformat()}).status_code == 201
    assert client.post(f"/api/v1/cases/{others}/progress", json={"note": "x"}, headers=h).status_code in (403, 404)
    assert client.post(f"/api/v1/cases/{led}/transitions", json={"to": "in_progress"}, headers=h).status_code == 403
    assert client.post("/api/v1/cases", json={"kind": "other", "village_id": world.v_a1.id, "description": "x"},
                       headers=h).status_code == 403
    # 销号 stays with the township's lead or the county.
    _move(client, world, led, "in_progress", world.worker_a)
    _evidence(client, world, led, world.worker_a)
    _move(client, world, led, "resolved", world.worker_a, "已修好")
    assert client.post(f"/api/v1/cases/{led}/transitions", json={"to": "verified", "note": "看过",
                       "standard": "恢复供水"}, headers=h).status_code == 403


def test_a_unit_s_staff_start_on_their_cases_page_and_print_the_unit_s_county_wide_ledger(client, world):
    water, _ = _units(client, world)
    db.session.add(User(username="shuili", role="unit_staff", unit_id=water["id"], password_hash=_PASSWORD_HASH))
    db.session.commit()
    led_a = _case(client, world, lead_unit_id=water["id"], source="assigned", source_ref="JB-1").json["id"]
    _case(client, world, world.worker_b, village_id=world.v_b1.id, lead_unit_id=water["id"], source="assigned",
          source_ref="JB-2")
    _case(client, world, world.worker_b, village_id=world.v_b1.id, cooperating_unit_ids=[water["id"]])
    login(client, "shuili")
    home = client.get("/", follow_redirects=True)
    assert home.request.path == "/cases"
    page = client.get(f"/cases/{led_a}").get_data(as_text=True)
    assert 'id="add-progress"' in page and 'id="transition"' not in page and 'id="ledger-details"' not in page
    token = csrf_token(client, f"/cases/{led_a}")
    assert client.post(f"/cases/{led_a}/progress", data={"csrf_token": token, "progress": "已到现场"}).status_code == 302
    period = f"from={(local_today() - timedelta(days=30)).isoformat()}&to={local_today().isoformat()}"
    pdf = client.get(f"/reports/units/{water['id']}/ledger.pdf?{period}")
    assert pdf.status_code == 200
    dense = "".join(text_of(pdf.data)[0].split())
    # both townships' cases it leads (JB-1, JB-2), the one it cooperates on not among them
    assert "县水利局问题整改台账" in dense and "JB-1" in dense and "JB-2" in dense and "共2件" in dense
