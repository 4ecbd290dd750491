"""The guards every request passes: trusted hosts and proxies, hostile JSON, caching of personal data, and the
settings production refuses to start without."""
import pytest

from models import db
from service import create_app
from service.config import _trusted_hosts

from .conftest import make_household
from .helpers import login



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


@pytest.mark.parametrize("body", ["[" * 5000 + "]" * 5000, '{"username": ' + "9" * 5001 + "}",
                                  '{"username": NaN}', '{"username": "a"'])
def test_hostile_json_is_a_400_before_and_after_login(client, world, body):
    r = client.post("/api/v1/auth/token", data=body, content_type="application/json")
    assert r.status_code == 400 and "body" in r.json["errors"]["json"]
    r = client.post("/api/v1/households", data=body, content_type="application/json",
                    headers=world.headers(world.worker_a))
    assert r.status_code == 400


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
