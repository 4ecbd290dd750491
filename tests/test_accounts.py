"""Logins: the throttle holds back whoever guesses a password, never the account's owner, and says truly when to
try again."""
import pytest

from .conftest import PASSWORD


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
