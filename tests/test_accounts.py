"""Logins: one password rule on every path, sessions and tokens that end when they should, CSRF across a login, and
a throttle that holds back whoever guesses a password, never the account's owner, and says truly when to try again."""
import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from models import AuditEvent, db, User

from .conftest import PASSWORD
from .helpers import csrf_token, login, login_without_csrf


def _token(client, username, password=PASSWORD, address="10.0.0.7"):
    return client.post("/api/v1/auth/token", json={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address})


@pytest.fixture
def naps(monkeypatch):
    """The seconds each slowed answer would have waited (not waited here)."""
    import service.accounts.throttle as throttle

    waited = []
    monkeypatch.setattr(throttle.time, "sleep", waited.append)
    return waited


def test_a_guesser_who_knows_the_username_never_locks_its_owner_out(client, world, naps):
    guesses = [_token(client, "lead_a", "wrong-password-1", "10.0.0.66").status_code for _ in range(25)]
    assert guesses[:5] == [401] * 5 and set(guesses[5:]) == {429}
    # The guesser's address stays refused, even with the right password ...
    assert _token(client, "lead_a", address="10.0.0.66").status_code == 429
    # ... while the owner, elsewhere, logs in at once, unslowed.
    assert _token(client, "lead_a", address="10.0.0.7").status_code == 200
    assert naps == []


def test_guesses_spread_over_many_addresses_are_slowed_and_the_right_password_still_passes(client, world, naps):
    answers = [_token(client, "lead_a", "wrong-password-1", f"10.1.0.{i}").status_code for i in range(14)]
    assert answers == [401] * 14
    assert len(naps) == 4  # past "10 per minute" at the account, each failure is answered later
    assert _token(client, "lead_a", address="10.1.0.99").status_code == 200
    assert len(naps) == 4  # a right password is not slowed


def test_retry_after_is_the_time_until_the_next_attempt_is_let_through(client, world, naps):
    for _ in range(5):
        _token(client, "worker_a", "wrong-password-1", "10.0.0.66")
    refused = _token(client, "worker_a", "wrong-password-1", "10.0.0.66")
    # Only the minute's limit is spent: the hour's (5 of 20) does not make the wait an hour.
    assert refused.status_code == 429 and 1 <= int(refused.headers["Retry-After"]) <= 61


def test_the_hour_s_limit_tells_the_hour_s_wait(app, client, world, naps, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS", "50 per minute;3 per hour")
    for _ in range(3):
        _token(client, "worker_a", "wrong-password-1", "10.0.0.66")
    refused = _token(client, "worker_a", "wrong-password-1", "10.0.0.66")
    assert refused.status_code == 429 and 3000 < int(refused.headers["Retry-After"]) <= 3601


@pytest.mark.parametrize("password", ["passw\u200bord123", "nongcun2026", "shuili2026!", "zhongguo1949",
                                      "wang\u200d123456789"])
def test_one_password_rule_on_the_command_line_and_the_page(app, client, world, password):
    from .conftest import flask_cli
    from .helpers import csrf_token, login

    done = flask_cli(app, "users", "create", "newbie", "--role", "township_worker", "--township", "370101",
                     "--password", password)
    assert done.exit_code != 0 and "easy to guess" in done.output, done.output
    login(client, "admin")
    page = client.post("/users", data={"username": "newbie", "role": "township_worker", "township": "370101",
                                       "password": password, "csrf_token": csrf_token(client, "/users")})
    assert page.status_code == 422 and "容易被猜中" in page.get_data(as_text=True)


def test_a_password_is_kept_without_format_characters_and_checked_so(app, world):
    from models import db
    from service.domain.users import authenticate, create_user

    create_user(db.session, "fresh", "township_worker", "tap\u200b-water-clean-7", "370101")
    db.session.commit()
    assert authenticate(db.session, "fresh", "tap-water-clean-7") is not None
    assert authenticate(db.session, "fresh", "tap-water\u200b-clean-7") is not None
    assert authenticate(db.session, "fresh", "tap-water-clean-8") is None


def token_for(client, username, password=PASSWORD):
    return client.post("/api/v1/auth/token", json={"username": username, "password": password})


def _session_cookie(client) -> str:
    return client.get_cookie("session").value


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
    assert login_without_csrf(client, "worker_a").status_code == 302
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
