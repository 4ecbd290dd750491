"""Fixtures: one migrated database per run (SQLite, or TEST_DATABASE_URL), emptied after every test; a live server
and a phone-sized headless Chromium for the browser tests."""
import os
import shutil
import threading

import pytest
from flask.cli import FlaskGroup
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from werkzeug.security import generate_password_hash
from werkzeug.serving import make_server

from models import Facility, Staff, Township, User, Village, db
from models.base import EXTERNAL_TABLES
from service import create_app
from service.auth import issue_token
from service.domain.identity import id_check_char

PASSWORD = "correct-horse-1"
_PASSWORD_HASH = generate_password_hash(PASSWORD)


def valid_id(serial: int, region: str = "370102", born: str = "19560312") -> str:
    """A resident ID with a correct check digit, distinct per serial."""
    first17 = f"{region}{born}{serial % 1000:03d}"
    return first17 + id_check_char(first17)


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    if url.startswith("postgresql"):
        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    return url


class IsolatedClient(FlaskClient):
    """A test client whose every request has its own app context, session and `g`, as in production."""

    def open(self, *args, **kwargs):
        # End the test's own transaction first: on SQLite a request would otherwise wait for its lock.
        db.session.commit()
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    app = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": _database_url(tmp_path_factory),
        "SECRET_KEY": "test-secret-key",
        "ID_NUMBER_KEY": "test-id-number-key",
        "UPLOAD_DIR": str(tmp_path_factory.mktemp("uploads")),
        "ARCHIVE_DIR": str(tmp_path_factory.mktemp("archives")),
        "ARCHIVE_PDF_CACHE_DIR": str(tmp_path_factory.mktemp("pdf-cache")),
        # The test client's own name, and the development server's; live servers add theirs.
        "ALLOWED_HOSTS": ["localhost", "127.0.0.1:5000"],
    })
    app.test_client_class = IsolatedClient
    with app.app_context():
        upgrade()
    return app


def _empty_database():
    if db.engine.dialect.name == "postgresql":
        names = ", ".join([t.name for t in db.metadata.sorted_tables] + sorted(EXTERNAL_TABLES))
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        db.session.execute(text("UPDATE households SET water_source_id = NULL"))
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        for name in EXTERNAL_TABLES:
            db.session.execute(text(f"DELETE FROM {name}"))
    db.session.commit()


@pytest.fixture(autouse=True)
def _clean(app):
    from service.extensions import limiter

    with app.app_context():
        limiter.reset()  # the throttle's counts are per test, as they would be per hour in use
        yield
        db.session.rollback()
        _empty_database()
        db.session.remove()


def flask_cli(app, *args, input=None):
    """Run `flask ARGS…` against the test app as the installed `flask` command does, with the commands that
    other packages add through entry points (the scheduler's)."""
    return app.test_cli_runner().invoke(FlaskGroup(), args=list(args), input=input)


@pytest.fixture
def client(app):
    return app.test_client()


class World:
    """Two townships, each with villages, central points, staff and users of every role."""

    def __init__(self):
        s = db.session
        self.t_a = Township(name="城关镇", code="370101")
        self.t_b = Township(name="河口镇", code="370102")
        s.add_all([self.t_a, self.t_b])
        s.flush()
        self.v_a1 = Village(township_id=self.t_a.id, name="张家村", code="370101001", is_key=True)
        self.v_a2 = Village(township_id=self.t_a.id, name="李家村", code="370101002")
        self.v_b1 = Village(township_id=self.t_b.id, name="王庄村", code="370102001")
        s.add_all([self.v_a1, self.v_a2, self.v_b1])
        s.flush()
        self.staff_a = Staff(name="刘村干", phone="+8613900000001", role="village_staff",
                             township_id=self.t_a.id, village_id=self.v_a1.id)
        s.add(self.staff_a)
        self.point_a1 = Facility(township_id=self.t_a.id, village_id=self.v_a1.id, kind="central_point",
                                 name="张家村供水点", ownership="public", status="working", lat=36.0, lon=117.0)
        self.point_b1 = Facility(township_id=self.t_b.id, village_id=self.v_b1.id, kind="central_point",
                                 name="王庄村供水点", ownership="public", status="working", lat=36.5, lon=117.5)
        s.add_all([self.point_a1, self.point_b1])
        self.admin = self._user("admin", "county_admin")
        self.lead_a = self._user("lead_a", "township_lead", self.t_a.id)
        self.worker_a = self._user("worker_a", "township_worker", self.t_a.id)
        self.worker_b = self._user("worker_b", "township_worker", self.t_b.id)
        self.village_a1 = self._user("cun_a1", "village_staff", self.t_a.id, self.v_a1.id)
        s.commit()

    def _user(self, username, role, township_id=None, village_id=None):
        user = User(username=username, role=role, township_id=township_id, village_id=village_id,
                    password_hash=_PASSWORD_HASH)
        db.session.add(user)
        db.session.flush()
        return user

    def headers(self, user) -> dict:
        token, _ = issue_token(user)
        return {"Authorization": f"Bearer {token}"}


TWILIO_TOKEN = "test-auth-token"


@pytest.fixture
def twilio(app, monkeypatch):
    """The app sending through the real twilio client to a fake Twilio server on 127.0.0.1."""
    from .fake_twilio import FakeTwilio

    monkeypatch.delenv("TWILIO_REGION", raising=False)
    with FakeTwilio() as fake:
        for key, value in {"TWILIO_ACCOUNT_SID": "AC" + "0" * 32, "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
                           "TWILIO_FROM_NUMBER": "+15005550006", "TWILIO_API_BASE_URL": fake.url,
                           "SMS_SEND_TIMEOUT_SECONDS": 1, "SMS_RETRY_BASE_SECONDS": 0}.items():
            monkeypatch.setitem(app.config, key, value)
        yield fake


@pytest.fixture
def world(app):
    return World()


def household_payload(world, serial=1, **overrides) -> dict:
    payload = {"village_id": world.v_a1.id, "head_name": "王桂英", "id_number": valid_id(serial),
               "phone": "138 0013 8000", "members": 3, "self_care": True}
    payload.update(overrides)
    return payload


def make_household(world, serial=1, village=None, **values):
    """A household written straight to the database (for domain tests)."""
    from models import Household
    from service.domain.identity import IdNumberVault, mask_id_number

    vault = IdNumberVault.from_secret("test-id-number-key")
    village = village or world.v_a1
    number = valid_id(serial)
    household = Household(township_id=village.township_id, village_id=village.id, head_name=f"户主{serial}",
                          id_number_encrypted=vault.encrypt(number), id_number_hash=vault.lookup_hash(number),
                          id_number_masked=mask_id_number(number), members=values.pop("members", 2), **values)
    db.session.add(household)
    db.session.flush()
    return household


def make_agreement(world, household, **values):
    """An active agreement written straight to the database (for domain tests)."""
    from datetime import date

    from models import Agreement

    defaults = {"provider_id": world.staff_a.id, "reason": "distance", "interval_days": 7, "liters_per_delivery": 100,
                "start_on": date(2026, 11, 2), "signed_on": date(2026, 11, 1), "status": "active"}
    agreement = Agreement(household_id=household.id, **{**defaults, **values})
    db.session.add(agreement)
    db.session.flush()
    return agreement


def missed_yesterday(world, serial=1, days_planned=2, **household):
    """A household served every day since yesterday, whose yesterday's delivery was never logged (missed)."""
    from datetime import timedelta

    from service.clock import local_today
    from service.context import current_rules
    from service.domain.planning import mark_missed, plan_deliveries

    served = make_household(world, serial, distance_m=1500.0, **household)
    yesterday = local_today() - timedelta(days=1)
    make_agreement(world, served, interval_days=1, start_on=yesterday, signed_on=yesterday, liters_per_delivery=120)
    db.session.commit()
    plan_deliveries(db.session, yesterday, days_planned)
    mark_missed(db.session, current_rules())
    db.session.commit()
    return served, yesterday


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    app.config["ALLOWED_HOSTS"].append(f"127.0.0.1:{server.server_port}")
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


@pytest.fixture
def phone():
    """Debian's Chromium at 360 × 740, driven by Playwright. CI installs it and must run these tests; a developer
    machine without it skips them, saying why."""
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI") or os.environ.get("REQUIRE_BROWSER"):
            raise RuntimeError("Chromium is required (apt-get install chromium) but was not found")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        context = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN", is_mobile=True,
                                      has_touch=True, device_scale_factor=2)
        yield context.new_page()
        browser.close()
