"""The registry API of docs/api.md through the Flask test client, on the configured database."""
import io
import time

from sqlalchemy import func, select, text

from models import AuditEvent, db, Household
from service import create_app

from .conftest import household_payload, PASSWORD, valid_id
from .helpers import login, PNG


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# Authentication ----------------------------------------------------------------------------------

def test_token_from_username_and_password(client, world):
    r = client.post("/api/v1/auth/token", json={"username": "worker_a", "password": PASSWORD})
    assert r.status_code == 200
    assert set(r.json) == {"token", "expires_at"}
    listed = client.get("/api/v1/households", headers={"Authorization": f"Bearer {r.json['token']}"})
    assert listed.status_code == 200


def test_wrong_password_missing_or_bad_token_is_401(client, world):
    assert client.post("/api/v1/auth/token", json={"username": "worker_a", "password": "nope"}).status_code == 401
    assert client.post("/api/v1/auth/token", json={"username": "ghost", "password": PASSWORD}).status_code == 401
    assert client.get("/api/v1/households").status_code == 401
    assert client.get("/api/v1/households", headers={"Authorization": "Bearer forged.token.x"}).status_code == 401
    assert client.get("/api/v1/households", headers={"Authorization": "Basic abc"}).status_code == 401


def test_token_expires(client, world, app):
    headers = world.headers(world.worker_a)
    ttl = app.config["TOKEN_TTL_HOURS"]
    try:
        app.config["TOKEN_TTL_HOURS"] = 0.5 / 3600
        time.sleep(1.1)
        assert client.get("/api/v1/households", headers=headers).status_code == 401
    finally:
        app.config["TOKEN_TTL_HOURS"] = ttl


# Registry writes ---------------------------------------------------------------------------------

def test_county_admin_registers_a_township_village_staff_and_facility(client, world):
    h = world.headers(world.admin)
    t = client.post("/api/v1/townships", json={"name": "石门镇", "code": "370103"}, headers=h)
    assert t.status_code == 201 and t.json["code"] == "370103"
    v = client.post("/api/v1/villages", json={"township_id": t.json["id"], "name": "赵岭村", "is_key": True}, headers=h)
    assert v.status_code == 201 and v.json["is_key"] is True
    s = client.post("/api/v1/staff", json={"name": "赵专人", "phone": "139 0000 0099", "role": "village_staff",
                                           "village_id": v.json["id"]}, headers=h)
    assert s.status_code == 201
    assert s.json["phone"] == "+8613900000099" and s.json["township_id"] == t.json["id"]
    f = client.post("/api/v1/facilities", json={"village_id": v.json["id"], "kind": "well", "name": "赵岭深井",
                                                "ownership": "collective", "yield_m3_day": 12.5,
                                                "manager_id": s.json["id"], "last_cleaned_on": "2026-10-01"}, headers=h)
    assert f.status_code == 201
    assert f.json["status"] == "working" and f.json["township_id"] == t.json["id"]
    r = client.patch(f"/api/v1/facilities/{f.json['id']}", json={"status": "low_yield"}, headers=h)
    assert r.status_code == 200 and r.json["status"] == "low_yield"
    assert r.json["status_changed_at"] >= f.json["status_changed_at"]


def test_household_create_read_update(client, world):
    h = world.headers(world.worker_a)
    r = client.post("/api/v1/households", json=household_payload(world, lat=36.009, lon=117.0), headers=h)
    assert r.status_code == 201, r.json
    body = r.json
    assert body["phone"] == "+8613800138000"
    assert body["id_number_masked"] == valid_id(1)[:6] + "********" + valid_id(1)[-4:]
    assert "id_number" not in body
    assert body["distance_computed"] is True and 990 < body["distance_m"] < 1010
    assert body["needs_delivery"] is True and body["needs_delivery_reasons"] == ["distance"]
    assert body["township_id"] == world.t_a.id

    got = client.get(f"/api/v1/households/{body['id']}", headers=h)
    assert got.status_code == 200 and got.json == body

    r = client.patch(f"/api/v1/households/{body['id']}", json={"distance_m": 500, "self_care": False}, headers=h)
    assert r.status_code == 200
    assert r.json["distance_m"] == 500 and r.json["distance_computed"] is False
    assert r.json["needs_delivery_reasons"] == ["no_self_care"]

    r = client.patch(f"/api/v1/households/{body['id']}", json={"distance_m": None}, headers=h)
    assert r.json["distance_computed"] is True and r.json["distance_m"] > 990


def test_the_resident_id_is_never_stored_or_shown_in_clear(client, world):
    h = world.headers(world.worker_a)
    r = client.post("/api/v1/households", json=household_payload(world), headers=h)
    row = db.session.execute(text("SELECT * FROM households")).mappings().one()
    assert all(valid_id(1) not in str(value) for value in row.values())
    audit = db.session.execute(text("SELECT before, after FROM audit_events")).all()
    assert audit and all(valid_id(1) not in str(values) for values in audit)
    assert valid_id(1) not in r.get_data(as_text=True)


def test_a_resident_id_is_registered_once(client, world):
    h = world.headers(world.worker_a)
    assert client.post("/api/v1/households", json=household_payload(world), headers=h).status_code == 201
    r = client.post("/api/v1/households", json=household_payload(world, head_name="另一人"), headers=h)
    assert r.status_code == 422 and "id_number" in r.json["errors"]["json"]
    assert count(Household) == 1


def test_a_failed_water_source_makes_a_household_need_delivery(client, world):
    h = world.headers(world.worker_a)
    created = client.post("/api/v1/households", json=household_payload(world, water_source="central_point",
                                                                       water_source_id=world.point_a1.id), headers=h)
    assert created.json["needs_delivery"] is False
    client.patch(f"/api/v1/facilities/{world.point_a1.id}", json={"status": "broken"}, headers=h)
    r = client.get(f"/api/v1/households/{created.json['id']}", headers=h)
    assert r.json["needs_delivery_reasons"] == ["source_failed"]
    listed = client.get("/api/v1/households?needs_delivery=true", headers=h)
    assert [item["id"] for item in listed.json["items"]] == [created.json["id"]]


def test_list_filters_and_pagination(client, world):
    h = world.headers(world.admin)
    for serial in range(5):
        client.post("/api/v1/households", json=household_payload(world, serial, self_care=serial % 2 == 0), headers=h)
    client.post("/api/v1/households", json=household_payload(world, 9, village_id=world.v_b1.id), headers=h)
    r = client.get("/api/v1/households?per_page=2&page=2", headers=h)
    assert r.status_code == 200
    assert set(r.json) == {"items", "total", "page", "per_page"}
    assert (r.json["total"], r.json["page"], r.json["per_page"], len(r.json["items"])) == (6, 2, 2, 2)
    assert client.get("/api/v1/households?needs_delivery=true", headers=h).json["total"] == 2
    assert client.get("/api/v1/households?needs_delivery=false", headers=h).json["total"] == 4
    assert client.get(f"/api/v1/households?township_id={world.t_b.id}", headers=h).json["total"] == 1
    assert client.get(f"/api/v1/households?village_id={world.v_a1.id}&self_care=false", headers=h).json["total"] == 2
    assert client.get("/api/v1/villages?is_key=true", headers=h).json["total"] == 1
    assert client.get("/api/v1/facilities?kind=central_point", headers=h).json["total"] == 2
    assert client.get("/api/v1/staff?role=village_staff", headers=h).json["total"] == 1
    assert client.get("/api/v1/households?per_page=1000", headers=h).status_code == 422


# Bad input ---------------------------------------------------------------------------------------

def _errors(response) -> dict:
    return response.json["errors"]["json"]


def test_bad_fields_are_named_and_nothing_is_written(client, world):
    h = world.headers(world.worker_a)
    cases = [
        ({"village_id": 99999}, "village_id"),
        ({"members": -1}, "members"),
        ({"phone": "12345"}, "phone"),
        ({"id_number": valid_id(1)[:17] + ("0" if valid_id(1)[17] != "0" else "1")}, "id_number"),
        ({"lat": 200}, "lat"),
        ({"members": "three"}, "members"),
        ({"members": "3"}, "members"),
        ({"distance_m": "far"}, "distance_m"),
        ({"colour": "blue"}, "colour"),
        ({"head_name": "   "}, "head_name"),
        ({"head_name": "a\x00b"}, "head_name"),
        ({"monitoring_type": "rich"}, "monitoring_type"),
        ({"water_source_id": world.point_b1.id}, "water_source_id"),
    ]
    for override, field in cases:
        r = client.post("/api/v1/households", json=household_payload(world, **override), headers=h)
        assert r.status_code == 422, (override, r.json)
        assert field in _errors(r), (override, r.json)
    missing = client.post("/api/v1/households", json={"village_id": world.v_a1.id}, headers=h)
    assert {"head_name", "id_number"} <= set(_errors(missing))
    assert count(Household) == 0
    assert count(AuditEvent) == 0


def test_malformed_and_oversized_bodies(client, world):
    h = world.headers(world.worker_a)
    r = client.post("/api/v1/households", data="{not json", content_type="application/json", headers=h)
    assert r.status_code == 400 and r.is_json
    big = household_payload(world, head_name="x" * 100_000)
    r = client.post("/api/v1/households", json=big, headers=h)
    assert r.status_code == 413 and r.is_json
    assert count(Household) == 0


def test_other_registry_rules(client, world):
    h = world.headers(world.admin)
    assert "code" in _errors(client.post("/api/v1/townships", json={"name": "重复", "code": "370101"}, headers=h))
    r = client.post("/api/v1/villages", json={"township_id": world.t_a.id, "name": "张家村"}, headers=h)
    assert "name" in _errors(r)
    r = client.post("/api/v1/facilities", json={"village_id": world.v_a1.id, "kind": "purifier", "name": "净水机1",
                                                "ownership": "private"}, headers=h)
    assert "household_id" in _errors(r)
    r = client.post("/api/v1/facilities", json={"village_id": world.v_a1.id, "kind": "purifier", "name": "净水机2",
                                                "yield_m3_day": 3}, headers=h)
    assert "yield_m3_day" in _errors(r)
    r = client.post("/api/v1/staff", json={"name": "无村", "phone": "13900000002", "role": "village_staff"}, headers=h)
    assert "village_id" in _errors(r)
    r = client.post("/api/v1/staff", json={"name": "重号", "phone": "13900000001", "role": "township_lead",
                                           "township_id": world.t_a.id}, headers=h)
    assert "phone" in _errors(r)
    r = client.patch(f"/api/v1/villages/{world.v_a1.id}", json={"township_id": world.t_b.id}, headers=h)
    assert "township_id" in _errors(r)
    assert client.get("/api/v1/households/99999999999999", headers=h).status_code == 404


# Scope -------------------------------------------------------------------------------------------

def test_townships_are_isolated(client, world):
    a, b = world.headers(world.worker_a), world.headers(world.worker_b)
    mine = client.post("/api/v1/households", json=household_payload(world), headers=a).json
    assert client.get(f"/api/v1/households/{mine['id']}", headers=b).status_code == 404
    assert client.get("/api/v1/households", headers=b).json["total"] == 0
    assert client.get(f"/api/v1/villages/{world.v_a1.id}", headers=b).status_code == 404
    assert client.get(f"/api/v1/townships/{world.t_a.id}", headers=b).status_code == 404
    assert client.get(f"/api/v1/facilities/{world.point_a1.id}", headers=b).status_code == 404
    assert [t["id"] for t in client.get("/api/v1/townships", headers=b).json["items"]] == [world.t_b.id]
    r = client.post("/api/v1/households", json=household_payload(world, 2), headers=b)
    assert r.status_code == 403
    assert client.patch(f"/api/v1/households/{mine['id']}", json={"members": 9}, headers=b).status_code == 403
    r = client.patch(f"/api/v1/households/{mine['id']}", json={"village_id": world.v_b1.id}, headers=a)
    assert r.status_code == 403
    r = client.post("/api/v1/facilities", json={"village_id": world.v_a1.id, "kind": "well", "name": "越界井"}, headers=b)
    assert r.status_code == 403
    assert client.post("/api/v1/townships", json={"name": "新镇", "code": "9"}, headers=a).status_code == 403
    assert client.get(f"/api/v1/households/{mine['id']}", headers=a).json["members"] == 3


def test_village_staff_read_their_village_only(client, world):
    admin = world.headers(world.admin)
    in_a1 = client.post("/api/v1/households", json=household_payload(world, 1), headers=admin).json
    in_a2 = client.post("/api/v1/households", json=household_payload(world, 2, village_id=world.v_a2.id),
                        headers=admin).json
    staff = world.headers(world.village_a1)
    assert [h["id"] for h in client.get("/api/v1/households", headers=staff).json["items"]] == [in_a1["id"]]
    assert client.get(f"/api/v1/households/{in_a2['id']}", headers=staff).status_code == 404
    assert client.patch(f"/api/v1/households/{in_a1['id']}", json={"members": 5}, headers=staff).status_code == 403
    assert client.post("/api/v1/households", json=household_payload(world, 3), headers=staff).status_code == 403


# Audit, health, OpenAPI --------------------------------------------------------------------------

def test_every_write_leaves_an_audit_event(client, world):
    h = world.headers(world.worker_a)
    created = client.post("/api/v1/households", json=household_payload(world), headers=h).json
    client.patch(f"/api/v1/households/{created['id']}", json={"members": 4}, headers=h)
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [(e.action, e.entity, e.entity_id, e.actor_id) for e in events] == [
        ("create", "households", created["id"], world.worker_a.id),
        ("update", "households", created["id"], world.worker_a.id)]
    assert events[0].before is None and events[0].after["members"] == 3
    assert events[1].before["members"] == 3 and events[1].after["members"] == 4


def test_healthz_reports_the_database_and_the_scheduler_heartbeat(client, app):
    from datetime import timedelta

    from models import SchedulerHeartbeat, utcnow
    from schedules.runner import beat

    r = client.get("/healthz")
    assert r.status_code == 503 and r.headers["Retry-After"]
    assert r.json["database"]["ok"] is True and r.json["scheduler"]["ok"] is False
    beat(app)
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json["database"]["ok"] is True and r.json["database"]["revision"] and r.json["scheduler"]["ok"]
    stale = app.config["SCHEDULER_STALE_SECONDS"] + 5
    db.session.get(SchedulerHeartbeat, 1).beat_at = utcnow() - timedelta(seconds=stale)
    db.session.commit()
    assert client.get("/healthz").status_code == 503


def test_openapi_document_and_offline_docs(client):
    spec = client.get("/api/v1/openapi.json").json
    for path in ("/api/v1/households", "/api/v1/households/{record_id}", "/api/v1/townships", "/api/v1/villages",
                 "/api/v1/facilities", "/api/v1/staff", "/api/v1/auth/token"):
        assert path in spec["paths"], path
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert spec["paths"]["/api/v1/auth/token"]["post"]["security"] == []
    page = client.get("/api/v1/docs").get_data(as_text=True)
    assert "http://" not in page and "https://" not in page
    assert client.get("/api/v1/docs/assets/swagger-ui-bundle.js").status_code == 200
    assert client.get("/api/v1/docs/assets/..%2Fsecret").status_code == 404


def test_schema_matches_migrations(app):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from models.base import EXTERNAL_TABLES

    def ours(obj, name, type_, reflected, compare_to):
        table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", None)
        return table not in EXTERNAL_TABLES

    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"include_object": ours}), db.metadata)
    assert diff == []


def test_dates_are_local_days(client, world, app):
    from service.clock import local_today

    h = world.headers(world.admin)
    today = local_today().isoformat()
    r = client.post("/api/v1/facilities", json={"village_id": world.v_a1.id, "kind": "purifier", "name": "今日净水机",
                                                "last_cleaned_on": today}, headers=h)
    assert r.status_code == 201, r.json
    r = client.post("/api/v1/facilities", json={"village_id": world.v_a1.id, "kind": "purifier", "name": "明日净水机",
                                                "last_cleaned_on": "2999-01-01"}, headers=h)
    assert "last_cleaned_on" in r.json["errors"]["json"]


def test_moves_that_would_leave_references_across_villages_are_refused(client, world):
    h = world.headers(world.admin)
    household = client.post("/api/v1/households", json=household_payload(world, water_source_id=world.point_a1.id),
                            headers=h).json
    assert household["water_source"] == "central_point"
    r = client.patch(f"/api/v1/facilities/{world.point_a1.id}", json={"village_id": world.v_b1.id}, headers=h)
    assert r.status_code == 409
    purifier = client.post("/api/v1/facilities", json={"village_id": world.v_a1.id, "kind": "purifier",
                                                       "name": "自家净水机", "ownership": "private",
                                                       "household_id": household["id"]}, headers=h).json
    r = client.patch(f"/api/v1/households/{household['id']}", json={"village_id": world.v_a2.id,
                                                                   "water_source_id": None}, headers=h)
    assert r.status_code == 409
    client.patch(f"/api/v1/facilities/{world.point_a1.id}", json={"manager_id": world.staff_a.id}, headers=h)
    r = client.patch(f"/api/v1/staff/{world.staff_a.id}", json={"village_id": world.v_b1.id}, headers=h)
    assert r.status_code == 409
    assert client.get(f"/api/v1/facilities/{purifier['id']}", headers=h).json["village_id"] == world.v_a1.id


def test_water_source_kind_must_match_its_facility(client, world):
    r = client.post("/api/v1/households", json=household_payload(world, water_source="spring",
                                                                  water_source_id=world.point_a1.id),
                    headers=world.headers(world.admin))
    assert r.status_code == 422 and "water_source" in r.json["errors"]["json"]


def test_only_leads_and_admins_write_villages(client, world):
    worker, lead = world.headers(world.worker_a), world.headers(world.lead_a)
    assert client.post("/api/v1/villages", json={"township_id": world.t_a.id, "name": "新村"},
                       headers=worker).status_code == 403
    assert client.patch(f"/api/v1/villages/{world.v_a1.id}", json={"is_key": False}, headers=worker).status_code == 403
    assert client.patch(f"/api/v1/villages/{world.v_a1.id}", json={"is_key": False}, headers=lead).status_code == 200


FORMAT_CHARACTERS = "\u061c\U000e0041\U000e007f\u202e\u200b\u2066\ufeff\u00ad"


def test_an_id_registered_in_another_township_is_not_revealed_and_the_county_is_told(client, world, app, monkeypatch):
    theirs = client.post("/api/v1/households", json=household_payload(world, 5), headers=world.headers(world.worker_a))
    assert theirs.status_code == 201
    payload = household_payload(world, 5, village_id=world.v_b1.id)
    r = client.post("/api/v1/households", json=payload, headers=world.headers(world.worker_b) | {"Accept-Language": "zh-CN"})
    assert r.status_code == 422
    text = str(r.json)
    assert "不能在此登记" in text and "其他镇街" not in text and "城关镇" not in text
    roster = ("镇街,村,户主姓名,身份证号,联系电话,家庭人口,能否自理\n"
              f"河口镇,王庄村,王桂英,{valid_id(5)},,3,是\n").encode()
    dry = client.post("/api/v1/imports/households?dry_run=1", headers=world.headers(world.worker_b),
                      data={"file": (io.BytesIO(roster), "r.csv")}, content_type="multipart/form-data")
    assert dry.status_code == 422 and dry.json["errors"][0]["message"].startswith("该身份证号不能在此登记")
    assert "conflicts" not in dry.json
    conflicts = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "id_conflict")).all()
    assert [(c.actor_id, c.entity_id) for c in conflicts] == [(world.worker_b.id, theirs.json["id"])] * 2
    login(client, "admin")
    assert "王桂英" in client.get("/users").get_data(as_text=True)
    monkeypatch.setitem(app.config, "ID_CONFLICTS_PER_HOUR", 2)
    r = client.post("/api/v1/households", json=payload, headers=world.headers(world.worker_b))
    assert r.status_code == 429 and r.headers["Retry-After"]
    # Inside one's own township the plain answer stays.
    r = client.post("/api/v1/households", json=household_payload(world, 5), headers=world.headers(world.lead_a))
    assert r.status_code == 422 and "already registered" in str(r.json)


def test_format_characters_are_dropped_from_typed_names_and_file_names(client, world):
    from models import CaseEvidence, Household

    from .conftest import household_payload

    payload = household_payload(world, 3, head_name=f"王{FORMAT_CHARACTERS}桂英")
    r = client.post("/api/v1/households", json=payload, headers=world.headers(world.worker_a))
    assert r.status_code == 201 and r.json["head_name"] == "王桂英"
    assert db.session.get(Household, r.json["id"]).head_name == "王桂英"
    case = client.post("/api/v1/cases", json={"kind": "other", "household_id": r.json["id"], "severity": "low",
                                              "description": "水管漏水"}, headers=world.headers(world.worker_a))
    assert case.status_code == 201, case.json
    png = PNG
    import io

    r = client.post(f"/api/v1/cases/{case.json['id']}/evidence", headers=world.headers(world.worker_a),
                    data={"file": (io.BytesIO(png), f"photo\u202egnp.exe{FORMAT_CHARACTERS}.png")})
    assert r.status_code == 201, r.json
    evidence = db.session.query(CaseEvidence).one()
    assert evidence.filename == "photognp.exe.png"
    download = client.get(f"/api/v1/cases/{case.json['id']}/evidence/{evidence.id}?download=1",
                          headers=world.headers(world.worker_a))
    assert "\u202e" not in download.headers["Content-Disposition"]
    assert "%E2%80%AE" not in download.headers["Content-Disposition"]


def test_a_staff_phone_registered_elsewhere_is_not_revealed(client, world):
    from sqlalchemy import select

    from models import AuditEvent

    r = client.post("/api/v1/staff", headers=world.headers(world.worker_b) | {"Accept-Language": "zh-CN,en;q=0.5"},
                    json={"name": "冒名", "phone": world.staff_a.phone, "role": "village_staff",
                          "village_id": world.v_b1.id})
    assert r.status_code == 422 and "不能在此登记" in str(r.json) and "刘村干" not in str(r.json)
    assert "already exists" not in str(r.json)
    assert db.session.scalar(select(AuditEvent.entity_id).where(AuditEvent.action == "id_conflict",
                                                               AuditEvent.entity == "staff")) == world.staff_a.id


def test_names_stored_before_keep_no_format_characters_after_the_migration(tmp_path):
    from flask_migrate import upgrade
    from sqlalchemy import text

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'old.db'}",
                      "SECRET_KEY": "k", "ID_NUMBER_KEY": "k", "ALLOWED_HOSTS": ["localhost"]})
    with app.app_context():
        upgrade(revision="00805513a578")
        db.session.execute(text("INSERT INTO townships (id, name, code, created_at, updated_at) "
                                "VALUES (1, :name, '370101', '2026-01-01', '2026-01-01')"),
                           {"name": f"城关{FORMAT_CHARACTERS}镇"})
        db.session.commit()
        upgrade()
        assert db.session.scalar(text("SELECT name FROM townships WHERE id = 1")) == "城关镇"
        db.session.remove()


def test_every_list_filters_by_what_a_person_would_filter_it_by(client, world):
    """Agreements by reason, facilities by supply class, water tests by sampling point, villages by code: each
    answers only what matches, and its total says so."""
    from datetime import timedelta

    from models import Facility, WaterTest
    from service.clock import local_today

    from .conftest import make_agreement, make_household

    h = world.headers(world.admin)
    far, frail = make_household(world, 1, distance_m=1500.0), make_household(world, 2, self_care=False)
    make_agreement(world, far, reason="distance")
    make_agreement(world, frail, reason="no_self_care")
    db.session.execute(Facility.__table__.update().where(Facility.id == world.point_a1.id)
                       .values(supply_class="small_central"))
    for point in ("source", "tap"):
        db.session.add(WaterTest(facility_id=world.point_a1.id, township_id=world.t_a.id, village_id=world.v_a1.id,
                                 sampled_on=local_today() - timedelta(days=1), sample_point=point,
                                 results={"turbidity": 0.5}, passed=True, exceedances=[], standard="GB 5749-2022",
                                 relaxed=False))
    db.session.commit()

    def listed(path):
        answer = client.get(path, headers=h)
        assert answer.status_code == 200, answer.json
        return answer.json

    frail_only = listed("/api/v1/agreements?reason=no_self_care")
    assert frail_only["total"] == 1 and frail_only["items"][0]["household_id"] == frail.id
    small = listed("/api/v1/facilities?supply_class=small_central")
    assert {f["id"] for f in small["items"]} == {world.point_a1.id} and small["total"] == 1
    taps = listed("/api/v1/water-tests?sample_point=tap")
    assert taps["total"] == 1 and taps["items"][0]["sample_point"] == "tap"
    coded = listed(f"/api/v1/villages?code={world.v_a1.code}")
    assert coded["total"] == 1 and coded["items"][0]["id"] == world.v_a1.id
    assert client.get("/api/v1/agreements?reason=whim", headers=h).status_code == 422
