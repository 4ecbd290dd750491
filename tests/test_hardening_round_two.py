"""Hardening, round two (issue 23): what a second attack from outside still got through, each refused."""
import pytest

from models import db
from service import create_app

from .conftest import PASSWORD


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
    r = client.get(path, headers={"Host": "evil.example", "Accept": "text/html"})
    assert r.status_code == 400
    assert "不属于本服务" in r.get_data(as_text=True)
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
