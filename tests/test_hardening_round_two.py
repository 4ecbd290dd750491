"""Hardening, round two (issue 23): what a second attack from outside still got through, each refused."""
import pytest

from models import db
from service import create_app

from .conftest import PASSWORD
from .helpers import PNG


def _login(client, username):
    client.application.config["WTF_CSRF_ENABLED"] = False
    try:
        return client.post("/login", data={"username": username, "password": PASSWORD})
    finally:
        client.application.config["WTF_CSRF_ENABLED"] = True


# 6. 500s that remain ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/v1/auth/token", "/api/v1/households", "/api/v1/cases",
                                  "/api/v1/water-tests", "/api/v1/staff"])
def test_a_lone_surrogate_in_json_is_a_400_naming_the_body(client, world, path):
    body = '{"username": "\\ud800", "password": "x", "head_name": "\\udfff", "name": "\\ud800"}'
    r = client.post(path, data=body, content_type="application/json", headers=world.headers(world.worker_a))
    assert r.status_code == 400 and "body" in r.json["errors"]["json"]


@pytest.mark.parametrize("path", ["/login", "/verify/ABCDEFGH", "/healthz", "/api/v1/households"])
def test_a_forged_host_is_a_clean_chinese_400_with_the_usual_headers(client, path):
    r = client.get(path, headers={"Host": "evil.example", "Accept": "text/html", "Accept-Language": "zh-CN"})
    assert r.status_code == 400
    assert "不属于本服务" in r.get_data(as_text=True)
    if path.startswith(("/api/", "/healthz")):  # the API's own language when it asks for none
        english = client.get(path, headers={"Host": "evil.example"})
        assert english.status_code == 400 and "does not belong to this service" in english.json["message"]
    assert r.headers["Cache-Control"] == "no-store" and "default-src 'self'" in r.headers["Content-Security-Policy"]
    assert r.headers["X-Frame-Options"] == "DENY"


def test_a_logged_in_page_while_the_database_refuses_is_a_chinese_503(app, client, world):
    _login(client, "worker_a")
    down = create_app({"TESTING": True, "SECRET_KEY": app.config["SECRET_KEY"], "ID_NUMBER_KEY": "k",
                       "ALLOWED_HOSTS": ["localhost"],
                       "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://postgres@127.0.0.1:9/nothing",
                       "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"connect_timeout": 2}}})
    cookie = client.get_cookie("session")
    other = down.test_client()
    other.set_cookie("session", cookie.value)
    for path in ("/dashboard", "/households", "/deliveries/today"):
        r = other.get(path, headers={"Accept": "text/html"})
        assert r.status_code == 503, path
        assert "服务暂时不可用" in r.get_data(as_text=True)
        assert r.headers["Cache-Control"] == "no-store" and r.headers["Retry-After"]


# 7. The trusted host's port -----------------------------------------------------------------------


def test_a_trusted_name_on_another_port_is_refused_and_ipv6_matches(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "ALLOWED_HOSTS", ["127.0.0.1:5000", "[::1]:5000", "water.example.cn"])
    assert client.get("/login", headers={"Host": "127.0.0.1:1"}).status_code == 400
    assert client.get("/login", headers={"Host": "127.0.0.1"}).status_code == 400
    assert client.get("/login", headers={"Host": "127.0.0.1:5000"}).status_code == 200
    assert client.get("/login", headers={"Host": "[::1]:5000"}).status_code == 200
    assert client.get("/login", headers={"Host": "[::1]:5001"}).status_code == 400
    # A name without a port stands for the scheme's default port.
    assert client.get("/login", headers={"Host": "water.example.cn"}).status_code == 200
    assert client.get("/login", headers={"Host": "water.example.cn:80"}).status_code == 200
    assert client.get("/login", headers={"Host": "water.example.cn:8080"}).status_code == 400


def test_production_refuses_to_start_without_a_public_base_url_or_a_fixed_secret_key():
    from service.config import UnsafeSettings

    base = {"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "ID_NUMBER_KEY": "k"}
    with pytest.raises(UnsafeSettings, match="PUBLIC_BASE_URL"):
        create_app({**base, "DEPLOYMENT": "production", "SECRET_KEY_FROM_ENVIRONMENT": True})
    with pytest.raises(UnsafeSettings, match="SECRET_KEY"):
        create_app({**base, "SESSION_COOKIE_SECURE": True, "PUBLIC_BASE_URL": "https://water.example.cn"})
    create_app({**base, "DEPLOYMENT": "production", "SECRET_KEY_FROM_ENVIRONMENT": True,
                "PUBLIC_BASE_URL": "https://water.example.cn"})


def test_behind_the_configured_proxies_the_client_address_is_the_forwarded_one(app):
    from flask import request

    proxied = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "k",
                          "ID_NUMBER_KEY": "k", "ALLOWED_HOSTS": ["localhost"], "PROXY_COUNT": 1})
    seen = []
    proxied.before_request(lambda: seen.append((request.remote_addr, request.scheme)) and None)
    client = proxied.test_client()
    client.get("/healthz", headers={"X-Forwarded-For": "10.1.2.3", "X-Forwarded-Proto": "https"},
               environ_base={"REMOTE_ADDR": "127.0.0.1"})
    # Only the last proxy's word is taken: a client cannot pretend to be several addresses.
    client.get("/healthz", headers={"X-Forwarded-For": "1.1.1.1, 10.9.9.9"}, environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert seen == [("10.1.2.3", "https"), ("10.9.9.9", "http")]


# 3. Password guessing past the throttle, and a lockout of everyone -------------------------------


def test_parallel_wrong_guesses_are_counted_before_the_password_is_checked(app, world):
    from concurrent.futures import ThreadPoolExecutor

    def guess(_):
        with app.app_context():
            return app.test_client().post("/api/v1/auth/token", json={"username": "lead_a", "password": "wrong-password-1"}).status_code

    with ThreadPoolExecutor(10) as pool:
        answers = list(pool.map(guess, range(30)))
    # "5 per minute": exactly five guesses are checked, however many arrive at once.
    assert answers.count(401) == 5 and answers.count(429) == 25


def test_made_up_usernames_from_one_address_never_stop_a_right_password(app, client, world, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_ADDRESS", "10 per minute")
    monkeypatch.setitem(app.config, "LOGIN_SLOW_SECONDS", 0)
    answers = [client.post("/api/v1/auth/token", json={"username": f"nobody{i}", "password": "wrong-password-1"})
               .status_code for i in range(15)]
    assert answers[:10] == [401] * 10 and set(answers[10:]) == {429}
    # The address is past its limit, yet an account that is not itself throttled logs in with its right password.
    assert client.post("/api/v1/auth/token", json={"username": "admin", "password": PASSWORD}).status_code == 200
    assert _login(client, "worker_a").status_code == 302
    # A wrong one from that address is still refused, slowed, and says when to try again.
    r = client.post("/api/v1/auth/token", json={"username": "admin", "password": "wrong-password-2"})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0


def test_a_right_password_gives_its_attempt_back(client, world):
    for _ in range(3):
        assert client.post("/api/v1/auth/token", json={"username": "lead_a", "password": "nope-nope-1"}).status_code == 401
        assert client.post("/api/v1/auth/token", json={"username": "lead_a", "password": PASSWORD}).status_code == 200
    assert client.post("/api/v1/auth/token", json={"username": "lead_a", "password": "nope-nope-1"}).status_code == 401


def test_several_gunicorn_workers_counting_in_memory_refuse_to_start(monkeypatch):
    import importlib.util
    from pathlib import Path
    from types import SimpleNamespace

    spec = importlib.util.spec_from_file_location("gunicorn_conf", Path(__file__).parents[1] / "gunicorn.conf.py")
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    warnings = []
    server = SimpleNamespace(cfg=SimpleNamespace(workers=2), log=SimpleNamespace(warning=warnings.append))
    monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)
    with pytest.raises(SystemExit, match="RATELIMIT_STORAGE_URI"):
        conf.on_starting(server)
    server.cfg.workers = 1
    conf.on_starting(server)
    assert warnings and "memory" in warnings[0]
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379")
    server.cfg.workers = 4
    conf.on_starting(server)


def test_healthz_says_when_the_throttle_counts_in_memory(client):
    body = client.get("/healthz").json
    assert body["login_throttle"]["storage"] == "memory" and "redis" in body["login_throttle"]["warning"]


# 13. A CSRF token from before login ---------------------------------------------------------------


def test_a_csrf_token_from_before_login_is_refused_after_it(client, world):
    import re

    page = client.get("/login").get_data(as_text=True)
    before = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    r = client.post("/login", data={"username": "worker_a", "password": PASSWORD, "csrf_token": before})
    assert r.status_code == 302
    r = client.post("/logout", data={"csrf_token": before})
    assert r.status_code == 400  # the token issued before the login no longer works
    after = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/households").get_data(as_text=True))
    assert after and after.group(1) != before
    assert client.post("/logout", data={"csrf_token": after.group(1)}).status_code == 302


# 5, 10, 12. Deliveries: the backdating window, idempotency keys, a queued log under another login ----


def _planned_days_ago(world, days: int, serial: int = 1):
    """A village-staff household whose delivery `days` ago was never logged (missed); its id."""
    from datetime import timedelta

    from sqlalchemy import select

    from models import Delivery
    from service.clock import local_today
    from service.context import current_rules
    from service.domain.planning import mark_missed, plan_deliveries

    from .conftest import make_agreement, make_household

    household = make_household(world, serial, distance_m=1500.0)
    start = local_today() - timedelta(days=days)
    make_agreement(world, household, interval_days=1, start_on=start, signed_on=start, liters_per_delivery=80)
    db.session.commit()
    plan_deliveries(db.session, start, 1)
    mark_missed(db.session, current_rules())
    db.session.commit()
    delivery_id = db.session.scalar(select(Delivery.id).where(Delivery.household_id == household.id,
                                                            Delivery.scheduled_for == start))
    db.session.rollback()
    return delivery_id, start


def _queued_tap(client, delivery_id, tapped, key="k-queued", user="cun_a1", **form):
    from .helpers import csrf_token

    data = {"csrf_token": csrf_token(client, "/deliveries/today"), "idempotency_key": key, "liters": "80",
            "delivered_at": tapped.isoformat(timespec="seconds"), "user": user, **form}
    return client.post(f"/deliveries/{delivery_id}/complete", data=data,
                       headers={"Accept": "application/json", "X-Sent-Later": "1"})


def test_a_tap_queued_a_month_ago_is_refused_with_a_chinese_reason(client, world):
    from datetime import datetime, time, timedelta

    from models import Delivery
    from service.clock import local_today
    from service.context import current_rules

    from .helpers import login

    delivery_id, day = _planned_days_ago(world, 30)
    login(client, "cun_a1")
    tapped = datetime.combine(day, time(10), current_rules().zone)
    r = _queued_tap(client, delivery_id, tapped)
    assert r.status_code == 422 and "只能登记 3 天内的送水" in r.json["errors"]["delivered_at"][0]
    assert db.session.get(Delivery, delivery_id).status == "missed"
    # The API and a typed note hold to the same window.
    r = client.post(f"/api/v1/deliveries/{delivery_id}/complete", headers=world.headers(world.lead_a),
                    json={"liters": 80, "delivered_at": tapped.isoformat(), "note": "补登"})
    assert r.status_code == 422 and "delivered_at" in r.json["errors"]["json"]
    # Within the window a late log still goes in.
    recent_id, recent_day = _planned_days_ago(world, 2, serial=2)
    r = client.post(f"/api/v1/deliveries/{recent_id}/complete", headers=world.headers(world.lead_a),
                    json={"liters": 80, "delivered_at": datetime.combine(recent_day, time(10), current_rules().zone)
                          .isoformat(), "note": "补登"})
    assert r.status_code == 200, r.json
    assert recent_day == local_today() - timedelta(days=2)


def test_a_tap_queued_by_one_login_is_not_logged_under_another(client, world):
    from datetime import datetime, timezone

    from models import Delivery, User

    from .helpers import login

    delivery_id, _ = _planned_days_ago(world, 0)
    db.session.add(User(username="cun_a1b", role="village_staff", township_id=world.t_a.id, village_id=world.v_a1.id,
                        password_hash=world.village_a1.password_hash))
    db.session.commit()
    login(client, "cun_a1b")
    r = _queued_tap(client, delivery_id, datetime.now(timezone.utc), user="cun_a1")
    assert r.status_code == 403 and "另一个账号" in r.json["message"]
    assert db.session.get(Delivery, delivery_id).status != "delivered"
    assert _queued_tap(client, delivery_id, datetime.now(timezone.utc), user="cun_a1b").status_code == 201


@pytest.mark.parametrize("length, status", [(100, 200), (101, 422), (5000, 422)])
def test_one_idempotency_key_limit_on_every_path_and_database(client, world, length, status):
    from datetime import datetime, timezone

    from .helpers import login

    delivery_id, _ = _planned_days_ago(world, 0)
    key = "k" * length
    r = client.post(f"/api/v1/deliveries/{delivery_id}/complete", json={"liters": 80},
                    headers={**world.headers(world.lead_a), "Idempotency-Key": key})
    assert r.status_code == status, r.json
    if status == 422:
        assert "Idempotency-Key" in str(r.json["errors"])
        login(client, "cun_a1")
        r = _queued_tap(client, delivery_id, datetime.now(timezone.utc), key=key)
        assert r.status_code == 422 and "最多 100 个字符" in str(r.json["errors"])
    else:
        again = client.post(f"/api/v1/deliveries/{delivery_id}/complete", json={"liters": 80},
                            headers={**world.headers(world.lead_a), "Idempotency-Key": key})
        assert again.status_code == 200 and again.json["id"] == r.json["id"]


# 8. Opted-out numbers get no answers -------------------------------------------------------------


def test_an_opted_out_number_gets_only_its_stop_and_start_confirmations(app, world, twilio):
    from sqlalchemy import select

    from models import SmsMessage

    from .helpers import post_signed

    phone = "+8613800000077"

    def answer(sid, body):
        r = post_signed(app, "/sms/inbound", {"MessageSid": sid, "From": phone, "Body": body})
        assert r.status_code == 200
        return r.get_data(as_text=True)

    assert "<Message>" in answer("SMo1", "退订")
    for sid, body in (("SMo2", "1"), ("SMo3", "什么时候送水"), ("SMo4", "0")):
        assert "<Message>" not in answer(sid, body), body
    assert "<Message>" not in answer("SMo3", "什么时候送水")  # the same webhook again: still nothing
    replies = db.session.execute(select(SmsMessage.idempotency_key, SmsMessage.status)
                                 .where(SmsMessage.purpose == "auto_reply").order_by(SmsMessage.id)).all()
    assert [status for _, status in replies] == ["sent", "opted_out", "opted_out", "opted_out"]
    # The messages themselves are kept for the township worker.
    assert db.session.scalar(select(SmsMessage.body).where(SmsMessage.provider_sid == "SMo3")) == "什么时候送水"
    assert "<Message>" in answer("SMo5", "START")
    assert "<Message>" in answer("SMo6", "什么时候送水")


# 9. Invisible characters -------------------------------------------------------------------------


FORMAT_CHARACTERS = "\u061c\U000e0041\U000e007f\u202e\u200b\u2066\ufeff\u00ad"


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


# 2. Spreadsheet bombs that stay under the ratio ---------------------------------------------------


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


# 4. Probing who is registered elsewhere -----------------------------------------------------------


def _facility_roster(owner_id: str = "", manager_phone: str = "") -> bytes:
    return ("镇街,村,名称,类型,归属,状态,户主身份证号,管理员电话\n"
            f"河口镇,王庄村,王家净水机,净水机,农户自有,正常,{owner_id},{manager_phone}\n").encode()


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


def test_settings_are_parsed_and_every_bad_one_named(monkeypatch):
    from service.config import SettingsError, load_config

    monkeypatch.setenv("PROXY_COUNT", "one")
    monkeypatch.setenv("QUIET_HOURS_START", "9pm")
    monkeypatch.setenv("APP_TIMEZONE", "Mars/Olympus")
    monkeypatch.setenv("DEPLOYMENT", "prod")
    with pytest.raises(SettingsError) as refused:
        load_config()
    for name in ("PROXY_COUNT", "QUIET_HOURS_START", "APP_TIMEZONE", "DEPLOYMENT"):
        assert name in str(refused.value)
    for name in ("PROXY_COUNT", "QUIET_HOURS_START", "APP_TIMEZONE", "DEPLOYMENT"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("SESSION_COOKIE_SECURE", "1")
    monkeypatch.setenv("SMS_RATE_PER_SECOND", "2.5")
    config = load_config()
    assert config["SESSION_COOKIE_SECURE"] is True and config["SMS_RATE_PER_SECOND"] == 2.5
