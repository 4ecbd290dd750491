"""今日送水 with no signal, in a real headless Chromium whose only way to the server is a TCP relay that the test cuts
(open connections closed, new ones refused) and restores on the same address: a real loss of the network, not the
browser's offline flag. The service worker and its queue are the ones a phone installs."""
import json
import re
import socket
import threading
import time
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from models import AuditEvent, Delivery, db
from service.clock import local_today
from service.context import current_rules
from service.domain.deliveries import change_planned_delivery
from service.domain.planning import plan_deliveries

from .conftest import PASSWORD, make_agreement, make_household, missed_yesterday
from .helpers import PNG, SHANGHAI, csrf_token, login
from .test_browser_days import Day

pytestmark = pytest.mark.slow  # a real Chromium: `make test-quick` leaves it out

SENT_WITHIN = 60  # seconds after the network is back
SLACK = timedelta(seconds=2)  # the tap time is sent to the second


class Relay:
    """127.0.0.1:port → the live server, byte for byte, until `cut()`; `restore()` listens on the same port again."""

    def __init__(self, target: str):
        self.target = ("127.0.0.1", int(target.rsplit(":", 1)[1]))
        self.port = 0
        self.connections: set[socket.socket] = set()
        self.lock = threading.Lock()
        self.listening = threading.Event()
        self.restore()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def restore(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        listener.settimeout(0.1)
        self.port = listener.getsockname()[1]
        self.listening.set()
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        self.listening.clear()
        time.sleep(0.3)  # the listener closes: a new connection is refused
        with self.lock:
            open_connections, self.connections = self.connections, set()
        for connection in open_connections:
            _close(connection)

    def _accept(self, listener: socket.socket) -> None:
        with listener:
            while self.listening.is_set():
                try:
                    client, _ = listener.accept()
                except TimeoutError:
                    continue
                client.settimeout(None)
                try:
                    upstream = socket.create_connection(self.target)
                except OSError:
                    _close(client)
                    continue
                with self.lock:
                    self.connections |= {client, upstream}
                for source, sink in ((client, upstream), (upstream, client)):
                    threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            _close(source)
            _close(sink)


def _close(connection: socket.socket) -> None:
    try:
        connection.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    connection.close()


@pytest.fixture
def relay(app, live_server):
    relay = Relay(live_server)
    app.config["ALLOWED_HOSTS"].append(f"127.0.0.1:{relay.port}")  # the phone asks for the relay's address
    yield relay
    relay.cut()


def _served_today(world, count: int) -> list[int]:
    """`count` households of the village staff's village, each with a delivery planned today; their ids."""
    today = local_today()
    for serial in range(1, count + 1):
        household = make_household(world, serial, distance_m=1500.0)
        make_agreement(world, household, interval_days=1, start_on=today, signed_on=today, liters_per_delivery=80)
    db.session.commit()
    plan_deliveries(db.session, today, 1)
    db.session.commit()
    ids = list(db.session.scalars(select(Delivery.id).order_by(Delivery.household_id)))
    db.session.rollback()
    return ids


def _login(phone, server: str, username: str = "cun_a1") -> None:
    phone.goto(f"{server}/login")
    phone.fill("input[name=username]", username)
    phone.fill("input[name=password]", PASSWORD)
    phone.click("button[type=submit]")
    phone.wait_for_load_state()


def _kept_on_the_phone(phone) -> None:
    """The service worker controls the page and has kept today's and the week's lists."""
    _until(phone, "() => navigator.serviceWorker.controller !== null")
    _until(phone, """async () => {
        const cache = await caches.open('pages');
        return (await cache.keys()).map(r => new URL(r.url).pathname).filter(p => p.startsWith('/deliveries/'))
          .length >= 2;
    }""")


def _tap(phone, delivery_id: int, photo: bytes | None = None) -> datetime:
    if photo:
        phone.locator(f"#d{delivery_id} summary").click()
        phone.locator(f"#d{delivery_id} input[name=photo]").set_input_files(
            {"name": "送水.png", "mimeType": "image/png", "buffer": photo})
    before = datetime.now(timezone.utc)
    phone.locator(f"#d{delivery_id} .log-button").click()
    phone.locator(f"#d{delivery_id}.queued").wait_for(timeout=10000)
    return before


def _delivery(delivery_id: int) -> Delivery:
    """The delivery as the server has it now; the read ends at once (an open SQLite read would hold the server's
    writes back)."""
    db.session.expire_all()
    delivery = db.session.get(Delivery, delivery_id)
    db.session.expunge(delivery)
    db.session.rollback()
    return delivery


def _wait_until(check, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "not within the time allowed"
        time.sleep(0.5)


def _logs_of(delivery_id: int) -> int:
    count = db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.entity == "deliveries", AuditEvent.entity_id == delivery_id, AuditEvent.action == "complete"))
    db.session.rollback()
    return count


def _until(phone, condition: str, seconds: float = 15) -> None:
    """Wait until the page's `condition` (a JavaScript function) is true; polled from here, since the page's
    Content-Security-Policy forbids the eval that Playwright's wait_for_function needs."""
    deadline = time.monotonic() + seconds
    while not phone.evaluate(condition):
        assert time.monotonic() < deadline, f"not within {seconds} s: {condition}"
        time.sleep(0.25)


def test_two_taps_without_network_are_kept_and_sent_once_each_with_their_tap_times(world, relay, phone):
    first, second = _served_today(world, 2)
    _login(phone, relay.url)
    assert phone.url.endswith("/deliveries/today")
    _kept_on_the_phone(phone)

    relay.cut()
    tapped = {first: _tap(phone, first)}
    phone.wait_for_timeout(1100)  # two taps at two different seconds
    tapped[second] = _tap(phone, second, photo=PNG)  # the photo waits in the queue with its tap
    assert phone.locator("[data-queue-bar] [data-count]").inner_text() == "待上传 2"
    assert phone.locator(f"#d{first} .badge").inner_text() == "待上传"
    day = Day(phone, relay.url, "offline")
    day.check("queued")
    assert _delivery(first).status == "planned" and _delivery(second).status == "planned"

    phone.reload()
    banner = phone.locator("[data-offline-banner]")
    banner.wait_for(timeout=10000)
    assert banner.inner_text().startswith("离线，显示的是 ") and banner.inner_text().endswith(" 的数据")
    _until(phone, "() => document.querySelector('[data-queue-bar] [data-count]').textContent === '待上传 2'")
    assert phone.locator("#deliveries li.card").count() == 2
    assert phone.locator("#deliveries li.card.queued").count() == 2
    day.check("from-the-phone")

    relay.restore()
    _wait_until(lambda: _delivery(first).status == "delivered" and _delivery(second).status == "delivered",
                SENT_WITHIN)
    for delivery_id, before in tapped.items():
        delivery = _delivery(delivery_id)
        assert before - SLACK <= delivery.delivered_at <= before + SLACK, (delivery.delivered_at, before)
        assert delivery.liters == 80 and _logs_of(delivery_id) == 1
    assert _delivery(first).photo_path is None and _delivery(second).photo_path
    _until(phone, "() => document.querySelector('[data-queue-bar]').hidden")
    assert phone.locator(f"#d{first} .badge").inner_text() == "已送"
    # A page from the server again: nothing left in the queue, the two deliveries logged once each.
    phone.reload()
    assert phone.locator("[data-offline-banner]").is_hidden()
    assert phone.locator("#deliveries .badge.done").count() == 2
    assert _logs_of(first) == 1 and _logs_of(second) == 1


def test_login_expired_and_delivery_cancelled_while_offline(world, relay, phone):
    kept, cancelled = _served_today(world, 2)
    _login(phone, relay.url)
    _kept_on_the_phone(phone)

    relay.cut()
    tapped_at = _tap(phone, kept)
    cancelled_at = _tap(phone, cancelled)
    # Meanwhile the township cancels one, and the worker's login expires (the browser drops the cookie).
    change_planned_delivery(db.session, world.lead_a, cancelled, {"status": "cancelled", "note": "户主外出"})
    db.session.commit()
    phone.context.clear_cookies()
    relay.restore()

    bar = phone.locator("[data-queue-bar]")
    _until(phone, "() => document.querySelector('[data-queue-bar] [data-why]').textContent.includes('登录已过期')",
           SENT_WITHIN)
    assert "待上传 2" in bar.inner_text() and bar.locator("[data-login]").is_visible()
    assert _delivery(kept).status == "planned"

    bar.locator("[data-login]").click()
    phone.fill("input[name=username]", "cun_a1")
    phone.fill("input[name=password]", PASSWORD)
    phone.click("button[type=submit]")
    phone.wait_for_load_state()
    _wait_until(lambda: _delivery(kept).status == "delivered", SENT_WITHIN)
    assert tapped_at - SLACK <= _delivery(kept).delivered_at <= tapped_at + SLACK
    assert _delivery(cancelled).status == "cancelled"

    # The refusal is shown in Chinese, and stays (across a reload) until the worker dismisses it.
    refusal = phone.locator(".refusal")
    refusal.wait_for(timeout=15000)
    assert "未能上传" in refusal.inner_text() and "已取消" in refusal.inner_text()
    # The tap's time as the server tells time (the browser here runs on UTC, the service on Beijing time).
    shown = {f"点击时间 {(cancelled_at + SLACK * n).astimezone(SHANGHAI):%H:%M}" for n in (0, 1)}
    assert any(time_shown in refusal.inner_text() for time_shown in shown), refusal.inner_text()
    Day(phone, relay.url, "offline").check("refused")
    phone.reload()
    refusal.wait_for(timeout=15000)
    assert phone.locator("[data-queue-bar]").is_hidden()
    refusal.locator("button").click()
    _until(phone, "() => !document.querySelector('.refusal')")
    phone.reload()
    phone.wait_for_timeout(1500)
    assert phone.locator(".refusal").count() == 0, phone.locator("main").inner_text()
    assert _logs_of(kept) == 1


def _tap_by_script(client, delivery_id: int, tapped: datetime, key: str, **headers):
    form = {"csrf_token": csrf_token(client), "idempotency_key": key, "liters": "80",
            "delivered_at": tapped.astimezone(SHANGHAI).isoformat(timespec="seconds"), "tapped_at": "1",
            "household_name": "户主1", "user": "cun_a1"}
    return client.post(f"/deliveries/{delivery_id}/complete", data=form,
                       headers={"Accept": "application/json", **headers})


def test_the_phone_script_gets_json_and_a_repeat_is_a_replay(world, client):
    delivery_id, = _served_today(world, 1)
    login(client, "cun_a1")
    tapped = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(hours=2)
    first = _tap_by_script(client, delivery_id, tapped, "k-offline-1")
    again = _tap_by_script(client, delivery_id, tapped, "k-offline-1", **{"X-Sent-Later": "1"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json["status"] == "delivered" and first.json["liters"] == 80
    assert first.json["message"] == "已登记：户主1 80 升" and first.json == again.json
    assert _delivery(delivery_id).delivered_at == tapped and _logs_of(delivery_id) == 1
    # Nothing was flashed for a page the script never draws.
    assert "已登记" not in client.get("/deliveries/today").get_data(as_text=True)


def test_a_phone_with_a_wrong_clock_logs_the_time_of_its_tap(world, client):
    """The phone says when it was tapped and what its clock read when it sent, both by its own clock (10 minutes
    fast here, which a server check against `now` would refuse): the log is timed by the server's clock."""
    delivery_id, = _served_today(world, 1)
    login(client, "cun_a1")
    fast = datetime.now(timezone.utc) + timedelta(minutes=10)
    form = {"csrf_token": csrf_token(client), "idempotency_key": "k-fast-clock", "liters": "80",
            "tapped_at": str(int((fast - timedelta(hours=3)).timestamp() * 1000))}
    sent = datetime.now(timezone.utc)
    answer = client.post(f"/deliveries/{delivery_id}/complete", data=form,
                         headers={"Accept": "application/json", "X-Phone-Now": str(int(fast.timestamp() * 1000))})
    assert answer.status_code == 201
    logged_at = _delivery(delivery_id).delivered_at
    assert sent - timedelta(hours=3) - SLACK <= logged_at <= datetime.now(timezone.utc) - timedelta(hours=3)


def test_a_tap_sent_after_the_delivery_was_counted_missed_says_so(world, client):
    """The night's job counted it missed before the phone found a signal: the log keeps the tap's time and says it
    was sent later, instead of being refused for want of a reason; a late log typed on the page still needs one."""
    delivery_id, = _served_today(world, 1)
    login(client, "cun_a1")
    # An hour ago, but today still (within the hour after midnight, a tap of yesterday needs a reason).
    now = datetime.now(SHANGHAI).replace(microsecond=0)
    tapped = max(now - timedelta(hours=1), now.replace(hour=0, minute=0, second=1)).astimezone(timezone.utc)
    db.session.execute(Delivery.__table__.update().values(status="missed"))
    db.session.commit()
    typed = _tap_by_script(client, delivery_id, tapped, "k-late-typed")
    assert typed.status_code == 422 and typed.json["errors"] == {"note": ["补登漏送请说明原因"]}
    sent = _tap_by_script(client, delivery_id, tapped, "k-late-queued", **{"X-Sent-Later": "1"})
    assert sent.status_code == 201
    delivery = _delivery(delivery_id)
    assert delivery.status == "delivered" and delivery.delivered_at == tapped
    assert delivery.note == f"离线时于 {tapped.astimezone(SHANGHAI):%m-%d %H:%M} 点了已送达，联网后上传"


def test_a_queued_tap_after_its_day_still_needs_a_reason(world, client):
    served, yesterday = missed_yesterday(world)
    login(client, "cun_a1")
    delivery_id = db.session.scalar(select(Delivery.id).where(Delivery.scheduled_for == yesterday))
    db.session.rollback()
    next_morning = datetime.combine(yesterday + timedelta(days=1), datetime.min.time(), SHANGHAI)
    tapped = min(next_morning + timedelta(minutes=30), datetime.now(timezone.utc))
    late = _tap_by_script(client, delivery_id, tapped, "k-next-day", **{"X-Sent-Later": "1"})
    assert late.status_code == 422 and late.json["errors"] == {"note": ["补登漏送请说明原因"]}


def test_answers_the_queue_cannot_get_past_are_json_in_chinese(world, client):
    delivery_id, too_old = _served_today(world, 2)
    login(client, "cun_a1")
    rules = current_rules()
    change_planned_delivery(db.session, world.lead_a, delivery_id, {"status": "cancelled", "note": "户主外出"})
    db.session.commit()
    cancelled = _tap_by_script(client, delivery_id, datetime.now(timezone.utc), "k-cancelled")
    assert cancelled.status_code == 409 and cancelled.json["message"] == "这条送水记录已是“已取消”，如有错误请更正"
    old = datetime.now(timezone.utc) - timedelta(days=rules.backdate_days + 2)
    refused = _tap_by_script(client, too_old, old, "k-old")
    assert refused.status_code == 422 and refused.json["errors"]["delivered_at"][0].startswith("送达时间不能早于")
    with client.session_transaction() as session:
        session.clear()  # the login expired
    expired = _tap_by_script(client, too_old, datetime.now(timezone.utc), "k-expired")
    assert expired.status_code == 401 and expired.json["message"] == "登录已过期，请重新登录"
    assert client.get("/session", headers={"Accept": "application/json"}).status_code == 401
    assert client.get("/deliveries/today").headers["Location"].startswith("/login?next=")


def test_the_installable_app_is_served_from_the_site_root(world, client):
    manifest = client.get("/manifest.webmanifest")
    assert manifest.mimetype == "application/manifest+json"
    assert manifest.json["start_url"] == "/deliveries/today" and manifest.json["display"] == "standalone"
    assert {icon["sizes"] for icon in manifest.json["icons"]} == {"192x192", "512x512"}
    for icon in manifest.json["icons"]:
        assert client.get(icon["src"]).status_code == 200
    worker = client.get("/sw.js")
    assert worker.mimetype == "text/javascript"
    # Workbox from this server (no CDN), each file named by its content, and every asset it keeps is there.
    script = worker.get_data(as_text=True)
    for url in re.findall(r'"(/static/[^"]+)"', script) + ["/offline"]:
        assert client.get(url).status_code == 200, url
    assert "/static/vendor/workbox/workbox-background-sync.prod.js?v=" in script and "https://" not in script
    login(client, "cun_a1")
    state = client.get("/session", headers={"Accept": "application/json"}).json
    assert state["user"] == "cun_a1" and state["csrf_token"]
    page = client.get("/deliveries/today").get_data(as_text=True)
    assert 'rel="manifest"' in page and 'data-source="server"' in page and "offline.js" in page
    texts = json.loads(re.search(r'id="offline-texts">(.*?)</script>', page).group(1))
    assert texts["user"] == "cun_a1" and texts["pending"] == "待上传"


def test_with_javascript_off_the_page_still_logs_by_a_plain_form(world, live_server, phone):
    delivery_id, = _served_today(world, 1)
    context = phone.context.browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 740})
    page = context.new_page()
    _login(page, live_server)
    page.locator(f"#d{delivery_id} .log-button").click()
    page.wait_for_load_state()
    assert "已登记：户主1 80 升" in page.locator(".flash").inner_text()
    assert _delivery(delivery_id).status == "delivered"
    context.close()


def _big_photo() -> bytes:
    """A phone camera's photo: 1600 × 1200, a few MB as PNG; the page sends it at most 300 KB."""
    import io
    import os

    from PIL import Image

    coarse = Image.frombytes("RGB", (200, 150), os.urandom(200 * 150 * 3))
    picture = io.BytesIO()
    coarse.resize((1600, 1200), Image.BILINEAR).save(picture, "PNG")
    return picture.getvalue()


def _reports() -> list:
    from models import FieldReport

    found = db.session.scalars(select(FieldReport).order_by(FieldReport.id)).all()
    for report in found:
        db.session.expunge(report)
    db.session.rollback()
    return found


def _queued(phone, form: str) -> datetime:
    before = datetime.now(timezone.utc)
    phone.click(f"{form} button[type=submit]")
    _until(phone, "() => (document.querySelector('main > .flash') || {}).textContent?.includes('已存在手机上')")
    return before


def test_a_field_day_without_signal_looks_up_reports_and_surveys_and_each_arrives_once(world, relay, phone):
    from pathlib import Path

    from flask import current_app

    from models import CaseEvidence, Facility, Visit

    household = make_household(world, 1, distance_m=200.0, round_trip_min=5.0)
    household.created_at = datetime.now(timezone.utc) - timedelta(days=30)
    make_household(world, 2, distance_m=300.0)
    purifier = Facility(township_id=world.t_a.id, village_id=world.v_a1.id, kind="purifier", name="净水机-1",
                        ownership="private", household_id=household.id, status="working")
    db.session.add(purifier)
    db.session.flush()
    household_id, purifier_id, village_id = household.id, purifier.id, world.v_a1.id
    db.session.commit()
    phone.context.grant_permissions(["geolocation"], origin=relay.url)
    phone.context.set_geolocation({"latitude": 36.21234, "longitude": 117.04567, "accuracy": 15})
    _login(phone, relay.url)
    _until(phone, "() => navigator.serviceWorker.controller !== null")
    phone.goto(f"{relay.url}/villages/{village_id}")
    phone.click("#take-along [data-take]")
    _until(phone, "() => document.querySelector('#take-along [data-taken-note]').textContent.includes('已带着')", 30)

    relay.cut()
    # Looking a household up: the village's page from the phone, said so, filtered by name as it is typed.
    phone.goto(f"{relay.url}/villages/{village_id}")
    assert "离线，显示的是" in phone.locator("[data-offline-banner]").inner_text()
    phone.fill(".list-filter", "户主1")
    assert phone.locator("#village-households > li:not([hidden])").count() == 1
    phone.click("#village-households > li:not([hidden]) a")
    phone.wait_for_url(f"**/households/{household_id}")
    assert phone.locator("h1").inner_text().startswith("户主1")

    # 报告问题 with a photo, a survey visit, and 报修 on the purifier: each kept on the phone.
    phone.click("#report-problem summary")
    phone.fill("#problem-form textarea[name=note]", "水缸漏水")
    phone.set_input_files("#problem-form input[name=photo]",
                          {"name": "漏水.png", "mimeType": "image/png", "buffer": _big_photo()})
    problem_at = _queued(phone, "#problem-form")
    phone.goto(f"{relay.url}/households/{household_id}/visit")
    phone.fill("input[name=liters_per_person_day]", "70")
    phone.select_option("select[name=quality]", "met")
    phone.check("input[name=piped]")
    phone.fill("input[name=assurance_percent]", "98")
    visit_at = _queued(phone, "#visit-form")
    phone.goto(f"{relay.url}/facilities/{purifier_id}")
    phone.fill("#report textarea[name=note]", "滤芯堵了")
    phone.set_input_files("#report input[name=photo]", {"name": "滤芯.png", "mimeType": "image/png",
                                                         "buffer": _big_photo()})
    repair_at = _queued(phone, "#report")
    assert phone.locator("[data-pending-list] li").count() == 3
    assert "待上传 3" in phone.locator("[data-queue-bar]").inner_text()
    assert _reports() == []

    relay.restore()
    _wait_until(lambda: len(_reports()) == 3, SENT_WITHIN)
    _until(phone, "() => document.querySelector('[data-queue-bar]').hidden", SENT_WITHIN)
    reports = {report.kind: report for report in _reports()}
    for kind, tapped in (("problem", problem_at), ("visit", visit_at), ("facility_status", repair_at)):
        report = reports[kind]
        assert report.sent_later and (report.lat, report.lon, report.accuracy_m) == (36.21234, 117.04567, 15.0)
        assert tapped - SLACK <= report.tapped_at <= tapped + SLACK * 3, (kind, report.tapped_at, tapped)
    # Each once, each with its photo, made small enough for a weak signal.
    uploads = Path(current_app.config["UPLOAD_DIR"])
    evidence = db.session.scalars(select(CaseEvidence).where(CaseEvidence.case_id.in_(
        [reports["problem"].case_id, reports["facility_status"].case_id]))).all()
    visits = db.session.scalars(select(Visit).where(Visit.household_id == household_id)).all()
    assert len(evidence) == 2 and len(visits) == 1 and visits[0].photo_path is None
    assert all((uploads / e.path).stat().st_size <= 300 * 1024 for e in evidence)
    assert db.session.get(Facility, purifier_id).status == "broken"
    db.session.rollback()
    assert "上次同步" in phone.locator("[data-last-sync]").inner_text()

    # The case page shows where and when the report was made.
    phone.goto(f"{relay.url}/cases/{reports['problem'].case_id}")
    shown = phone.locator("#field-reports").inner_text()
    assert "位置 36.21234, 117.04567" in shown and "后来上传" in shown

    # A shared phone: logging out with a report still waiting warns, then takes it and the kept pages away (here
    # without signal: the logout itself then waits, and the phone shows that it has no network).
    relay.cut()
    phone.goto(f"{relay.url}/households/{household_id}/visit")
    phone.fill("input[name=liters_per_person_day]", "65")
    phone.select_option("select[name=quality]", "met")
    phone.check("input[name=piped]")
    phone.fill("input[name=assurance_percent]", "97")
    _queued(phone, "#visit-form")
    warnings = []
    phone.on("dialog", lambda dialog: (warnings.append(dialog.message), dialog.accept()))
    phone.evaluate("""() => { const form = document.createElement('form'); form.method = 'post';
        form.action = '/logout'; const token = document.createElement('input'); token.type = 'hidden';
        token.name = 'csrf_token'; token.value = document.querySelector('meta[name=csrf-token]').content;
        form.appendChild(token); document.body.appendChild(form);
        form.dispatchEvent(new Event('submit', {bubbles: true, cancelable: true})); }""")
    _until(phone, "() => document.title.startsWith('没有网络')", 30)
    assert warnings and "1 条记录没有上传" in warnings[0]
    assert phone.evaluate("async () => (await caches.keys()).filter(n => n.startsWith('village-') || n === 'pages')"
                          ".length") == 0
    relay.restore()
    time.sleep(8)
    visits = db.session.scalars(select(Visit).where(Visit.household_id == household_id)).all()
    db.session.rollback()
    assert len(visits) == 1
