"""Errors at the edge: a database that refuses a query (a role without its rights, a damaged file) is the Chinese
503 page or JSON with Retry-After on every kind of route, as a refused connection already is."""
import os

import pytest
from sqlalchemy import create_engine, text

from service import create_app
from service.auth import issue_token

from .helpers import login, login_without_csrf


def _refusing_databases(tmp_path):
    """URLs of databases that answer but refuse every query: a damaged SQLite file and, when the suite runs on
    PostgreSQL, a login role that has no rights on the tables."""
    damaged = tmp_path / "damaged.db"
    damaged.write_bytes(b"this is not an SQLite database, it was damaged" * 200)
    urls = [f"sqlite:///{damaged}"]
    url = os.environ.get("TEST_DATABASE_URL", "")
    if url.startswith("postgresql"):
        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            if not conn.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = 'water_no_rights'")):
                conn.execute(text("CREATE ROLE water_no_rights LOGIN"))
            conn.execute(text("REVOKE ALL ON ALL TABLES IN SCHEMA public FROM water_no_rights"))
        engine.dispose()
        urls.append(url.replace("postgres@", "water_no_rights@", 1))
    return urls


@pytest.fixture
def refusing_apps(app, tmp_path):
    return [create_app({"TESTING": True, "SECRET_KEY": app.config["SECRET_KEY"], "ID_NUMBER_KEY": "k",
                        "ALLOWED_HOSTS": ["localhost"], "SQLALCHEMY_DATABASE_URI": url})
            for url in _refusing_databases(tmp_path)]


def test_a_database_that_refuses_queries_is_a_503_everywhere(app, client, world, refusing_apps):
    login(client, "worker_a")
    cookie = client.get_cookie("session").value
    token, _ = issue_token(world.worker_a)
    for down in refusing_apps:
        pages = down.test_client()
        pages.set_cookie("session", cookie)
        for path in ("/dashboard", "/households", f"/reports/villages/{world.v_a1.id}/deliveries.pdf?month=2026-11"):
            answer = pages.get(path, headers={"Accept": "text/html"})
            assert answer.status_code == 503, (down.config["SQLALCHEMY_DATABASE_URI"], path)
            assert "服务暂时不可用" in answer.get_data(as_text=True) and answer.headers["Retry-After"]
        api = down.test_client()
        for method, path, body in (("get", "/api/v1/households", None),
                                   ("post", "/api/v1/auth/token", {"username": "worker_a", "password": "x"})):
            answer = api.open(path, method=method.upper(), json=body, headers={"Authorization": f"Bearer {token}"})
            assert answer.status_code == 503 and answer.headers["Retry-After"] and answer.json["message"], path
        down.config["WTF_CSRF_ENABLED"] = False
        answer = down.test_client().post("/login", data={"username": "worker_a", "password": "x"})
        assert answer.status_code == 503 and "服务暂时不可用" in answer.get_data(as_text=True)


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


def test_a_logged_in_page_while_the_database_refuses_is_a_chinese_503(app, client, world):
    login_without_csrf(client, "worker_a")
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
