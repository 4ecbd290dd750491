"""What an attacker tried (issue: hardening): each defect with the test that failed before its fix."""
import io
import re
import threading
import tracemalloc
import zipfile
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta, timezone

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from models import AuditEvent, Delivery, Household, User, db
from service import create_app
from service.clock import local_today
from service.config import _trusted_hosts
from service.domain.planning import plan_deliveries
from service.domain.tables import write_xlsx

from .conftest import PASSWORD, household_payload, make_agreement, make_household, valid_id
from .helpers import csrf_token, login


def token_for(client, username, password=PASSWORD):
    return client.post("/api/v1/auth/token", json={"username": username, "password": password})


# 1. Spreadsheet bombs -------------------------------------------------------------------------------


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


# 2. Password guessing ------------------------------------------------------------------------------


def test_guessing_one_account_is_throttled_without_locking_out_the_office(client, world):
    answers = [token_for(client, "lead_a", "wrong-password-1").status_code for _ in range(8)]
    assert answers[:5] == [401] * 5 and set(answers[5:]) == {429}
    throttled = token_for(client, "lead_a")
    assert throttled.status_code == 429 and int(throttled.headers["Retry-After"]) > 0
    assert "try again later" in throttled.json["message"]  # the API's English, as it asks for no other
    # Another account of the same office (the same address) still logs in.
    assert token_for(client, "worker_a").status_code == 200
    assert login(client, "worker_b").status_code == 302
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "login_throttled")).all()
    # Four refused requests, one event: a flood of refusals is not a flood of rows.
    assert [(e.entity_id, e.after["username"]) for e in events] == [(world.lead_a.id, "lead_a")]


def test_the_login_page_is_throttled_in_chinese(client, world):
    token = csrf_token(client)
    for _ in range(5):
        r = client.post("/login", data={"username": "worker_a", "password": "nope-nope-1", "csrf_token": token})
        assert r.status_code == 401
    r = client.post("/login", data={"username": "worker_a", "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 429 and "尝试次数过多" in r.get_data(as_text=True) and r.headers["Retry-After"]
    assert 'name="password"' in r.get_data(as_text=True)  # the form is still there


def test_the_login_page_asked_for_while_throttled_still_shows_the_form(client, world):
    token = csrf_token(client)
    for _ in range(6):  # no username: the same throttle key for every blank attempt
        client.post("/login", data={"username": "", "password": "x", "csrf_token": token})
    r = client.get("/login")  # the form is shown; only attempts are refused
    assert r.status_code == 200 and 'name="password"' in r.get_data(as_text=True)


def test_spraying_many_accounts_from_one_address_is_throttled(client, world, app, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_ADDRESS", "3 per minute")
    answers = [token_for(client, name, "wrong-password-1").status_code
               for name in ("admin", "lead_a", "worker_a", "worker_b")]
    assert answers == [401, 401, 401, 429]


@pytest.mark.parametrize("password, accepted", [
    ("short-1", False), ("password123", False), ("1111111111111", False), ("ababababababab", False),
    ("newuser-secret-9", False), ("流水潺潺-春耕-2026", True), ("tap-water-clean-7", True),
    # Issue 23: a common word with digits, a repeated pattern, full width, a keyboard walk, a local favourite.
    ("password12", False), ("abcabcabca", False), ("ｐａｓｓｗｏｒｄ１２", False), ("1qaz2wsx3edc", False),
    ("woaini1314520", False), ("ＮＥＷＵＳＥＲ-secret-9", False)])
def test_passwords_are_long_and_not_common(app, world, password, accepted):
    from service.domain.users import create_user
    from service.domain.errors import FieldErrors

    try:
        create_user(db.session, "newuser", "township_worker", password, "370101")
        ok = True
    except FieldErrors as exc:
        ok = False
        assert "password" in exc.errors
    assert ok is accepted


# 3. Logout and revocation ------------------------------------------------------------------------


def _session_cookie(client) -> str:
    return client.get_cookie("session").value


def test_a_cookie_copied_before_logout_opens_nothing_after(app, client, world):
    login(client, "worker_a")
    copied = _session_cookie(client)
    assert client.get("/households").status_code == 200
    client.post("/logout", data={"csrf_token": csrf_token(client, "/households")})
    thief = app.test_client()
    thief.set_cookie("session", copied)
    r = thief.get("/households")
    assert r.status_code == 302 and r.location.startswith("/login")


def test_the_session_cookie_expires_after_the_configured_lifetime(app, client, world):
    assert app.config["PERMANENT_SESSION_LIFETIME"] == timedelta(hours=12)
    r = login(client, "worker_a")
    cookie = next(v for k, v in r.headers.items() if k == "Set-Cookie" and v.startswith("session="))
    expires = datetime.strptime(re.search(r"Expires=([^;]+)", cookie).group(1), "%a, %d %b %Y %H:%M:%S GMT")
    assert timedelta(hours=11) < expires.replace(tzinfo=timezone.utc) - datetime.now(timezone.utc) <= timedelta(hours=12)


def test_api_tokens_can_be_revoked(client, world):
    token = token_for(client, "worker_a").json["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/households", headers=headers).status_code == 200
    assert client.post("/api/v1/auth/revoke", headers=headers).status_code == 204
    assert client.get("/api/v1/households", headers=headers).status_code == 401
    assert client.get("/api/v1/households", headers={"Authorization": f"Bearer {token_for(client, 'worker_a').json['token']}"}).status_code == 200


def test_deactivating_or_resetting_a_password_ends_sessions_and_tokens_at_once(app, client, world):
    runner = app.test_cli_runner()
    token = token_for(client, "worker_a").json["token"]
    login(client, "worker_a")
    result = runner.invoke(args=["users", "deactivate", "worker_a"])
    assert result.exit_code == 0, result.output
    assert client.get("/api/v1/households", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert client.get("/households").status_code == 302
    assert token_for(client, "worker_a").status_code == 401
    assert runner.invoke(args=["users", "deactivate", "worker_a", "--reactivate"]).exit_code == 0
    token = token_for(client, "worker_a").json["token"]
    result = runner.invoke(args=["users", "reset-password", "worker_a", "--password", "password123"])
    assert result.exit_code == 1 and "password" in result.output
    result = runner.invoke(args=["users", "reset-password", "worker_a", "--password", "清水入户-2026-新"])
    assert result.exit_code == 0, result.output
    assert client.get("/api/v1/households", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert token_for(client, "worker_a", "清水入户-2026-新").status_code == 200
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.entity == "users")).all()
    assert {"deactivate", "activate", "reset_password"} <= set(actions)


def test_the_county_page_deactivates_and_resets(app, client, world):
    login(client, "worker_a")
    assert client.get("/users").status_code == 403
    worker = app.test_client()
    login(worker, "worker_b")
    client.post("/logout", data={"csrf_token": csrf_token(client, "/households")})
    login(client, "admin")
    page = client.get("/users")
    assert page.status_code == 200 and "worker_b" in page.get_data(as_text=True)
    token = csrf_token(client, "/users")
    r = client.post("/users/worker_b/password", data={"password": "123456789", "csrf_token": token})
    assert r.status_code == 422 and "至少 10" in r.get_data(as_text=True)
    assert client.post("/users/worker_b/password", data={"password": "河口镇-供水-2027", "csrf_token": token}).status_code == 302
    assert worker.get("/households").status_code == 302  # logged out at once
    assert client.post("/users/worker_b/active", data={"active": "0", "csrf_token": token}).status_code == 302
    assert "已停用" in client.get("/users").get_data(as_text=True)
    assert db.session.scalar(select(User.active).where(User.username == "worker_b")) is False


# 4. Forged Host ------------------------------------------------------------------------------------


def test_a_forged_host_is_refused(client, world):
    household = make_household(world, 1)
    db.session.commit()
    r = client.get(f"/reports/households/{household.id}/deliveries.pdf", headers={
        **world.headers(world.worker_a), "Host": "evil.example"})
    assert r.status_code == 400
    assert client.get("/healthz", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/login", headers={"Host": "127.0.0.1:5000"}).status_code == 200


def test_trusted_hosts_come_from_the_setting_and_public_base_url(monkeypatch):
    monkeypatch.delenv("TRUSTED_HOSTS", raising=False)
    monkeypatch.delenv("PORT", raising=False)
    assert _trusted_hosts(None) == ["localhost:5000", "127.0.0.1:5000", "[::1]:5000"]
    monkeypatch.setenv("PORT", "8000")
    assert _trusted_hosts(None) == ["localhost:8000", "127.0.0.1:8000", "[::1]:8000"]
    assert "water.example.gov.cn" in _trusted_hosts("https://water.example.gov.cn/")
    assert "water.example.gov.cn:8443" in _trusted_hosts("https://water.example.gov.cn:8443/")
    monkeypatch.setenv("TRUSTED_HOSTS", "water.lan")
    assert _trusted_hosts(None) == ["water.lan"]


# 5. Existence probing -----------------------------------------------------------------------------


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


# 7. Archives that fail ----------------------------------------------------------------------------


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


# 8. Parser abuse ----------------------------------------------------------------------------------


@pytest.mark.parametrize("body", ["[" * 5000 + "]" * 5000, '{"username": ' + "9" * 5001 + "}",
                                  '{"username": NaN}', '{"username": "a"'])
def test_hostile_json_is_a_400_before_and_after_login(client, world, body):
    r = client.post("/api/v1/auth/token", data=body, content_type="application/json")
    assert r.status_code == 400 and "body" in r.json["errors"]["json"]
    r = client.post("/api/v1/households", data=body, content_type="application/json",
                    headers=world.headers(world.worker_a))
    assert r.status_code == 400


# 9. Archive entry names and invisible characters ---------------------------------------------------


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


# 10. Backdating -----------------------------------------------------------------------------------


def test_a_delivery_is_logged_only_within_its_window(client, world):
    from .helpers import planned_through_the_api

    _, _, items = planned_through_the_api(client, world)
    h = world.headers(world.worker_a)
    url = f"/api/v1/deliveries/{items[0]['id']}/complete"
    r = client.post(url, json={"liters": 50, "delivered_at": "2000-01-01T08:00:00+08:00"}, headers=h)
    assert r.status_code == 422 and "delivered_at" in r.json["errors"]["json"]
    four_days_ago = (local_today() - timedelta(days=4)).isoformat()
    r = client.post(url, json={"liters": 50, "delivered_at": f"{four_days_ago}T10:00:00"}, headers=h)
    assert r.status_code == 422
    two_days_ago = (local_today() - timedelta(days=2)).isoformat()
    r = client.post(url, json={"liters": 50, "delivered_at": f"{two_days_ago}T10:00:00"}, headers=h)
    assert r.status_code == 200, r.json
    r = client.post("/api/v1/deliveries", json={"household_id": items[0]["household_id"], "liters": 50,
                                                "delivered_at": f"{four_days_ago}T10:00:00"}, headers=h)
    assert r.status_code == 422


def test_agreement_dates_are_real_days(client, world):
    from .helpers import api_agreement, api_household

    household = api_household(client, world)
    for field, value in (("signed_on", "9999-12-31"), ("start_on", "1999-12-31"), ("end_on", "2101-01-01"),
                         ("signed_on", (local_today() + timedelta(days=1)).isoformat())):
        r = api_agreement(client, world, household, **{field: value})
        assert r.status_code == 422 and field in r.json["errors"]["json"], (field, value)


# 11. Racing retries -------------------------------------------------------------------------------


def test_simultaneous_retries_with_one_key_all_get_the_first_answer(app, client, world):
    from .helpers import planned_through_the_api

    _, _, items = planned_through_the_api(client, world)
    headers = {**world.headers(world.worker_a), "Idempotency-Key": "tap-1"}
    barrier = threading.Barrier(20)

    def tap(_):
        racer = FlaskClient(app, use_cookies=False)
        barrier.wait()
        r = racer.post(f"/api/v1/deliveries/{items[0]['id']}/complete", json={"liters": 80}, headers=headers)
        return r.status_code, r.json.get("id"), r.json.get("delivered_at")

    db.session.commit()
    with ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(tap, range(20)))
    assert {a[0] for a in answers} == {200} and len(set(answers)) == 1
    unplanned = {**headers, "Idempotency-Key": "unplanned-1"}
    barrier = threading.Barrier(10)

    def log(_):
        racer = FlaskClient(app, use_cookies=False)
        barrier.wait()
        r = racer.post("/api/v1/deliveries", json={"household_id": items[0]["household_id"], "liters": 40},
                       headers=unplanned)
        return r.status_code, r.json.get("id")

    with ThreadPoolExecutor(10) as pool:
        answers = list(pool.map(log, range(10)))
    assert {a[1] for a in answers} != {None} and len({a[1] for a in answers}) == 1
    assert sorted(a[0] for a in answers) == [200] * 9 + [201]
    assert db.session.scalar(select(func.count()).select_from(Delivery).where(Delivery.unplanned.is_(True))) == 1


# 12. Headers and outages --------------------------------------------------------------------------


def test_personal_data_is_never_cached_and_pages_carry_a_policy(app, client, world, monkeypatch):
    household = make_household(world, 1)
    db.session.commit()
    h = world.headers(world.worker_a)
    for response in (client.get("/api/v1/households", headers=h),
                     client.get(f"/reports/households/{household.id}/deliveries.pdf", headers=h),
                     client.get("/api/v1/households/export.csv", headers=h)):
        assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    login(client, "worker_a")
    page = client.get("/households")
    assert page.headers["Cache-Control"] == "no-store"
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    assert "Strict-Transport-Security" not in page.headers
    assert "no-store" not in client.get("/static/app.css").headers.get("Cache-Control", "")
    monkeypatch.setitem(app.config, "SESSION_COOKIE_SECURE", True)
    assert "max-age" in client.get("/login").headers["Strict-Transport-Security"]


def test_an_unreachable_database_is_a_503_with_retry_after(tmp_path):
    down = create_app({"TESTING": True, "SECRET_KEY": "k", "ID_NUMBER_KEY": "k", "ALLOWED_HOSTS": ["localhost"],
                       "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://postgres@127.0.0.1:9/nothing",
                       "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"connect_timeout": 2}}})
    client = down.test_client()
    r = client.post("/api/v1/auth/token", json={"username": "a", "password": "b"})
    assert r.status_code == 503 and r.headers["Retry-After"] and r.json["message"]
    r = client.post("/login", data={"username": "a", "password": "b"}, headers={"Accept": "text/html"})
    assert r.status_code == 400  # no CSRF token to send: the form is refused before the database
    down.config["WTF_CSRF_ENABLED"] = False
    r = client.post("/login", data={"username": "a", "password": "b"})
    assert r.status_code == 503 and "服务暂时不可用" in r.get_data(as_text=True)
    assert client.get("/healthz").status_code == 503


# 13. Demo logins ----------------------------------------------------------------------------------


def test_make_run_seeds_demo_logins_only_into_the_default_database(app, monkeypatch):
    runner = app.test_cli_runner()
    monkeypatch.delenv("DEMO", raising=False)
    result = runner.invoke(args=["seed-demo", "--if-empty", "--only-default-database"])
    assert result.exit_code == 0 and "no demo data" in result.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 0
    monkeypatch.setenv("DEMO", "1")
    result = runner.invoke(args=["seed-demo", "--if-empty", "--only-default-database"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(User.id).where(User.username == "admin")) is not None
