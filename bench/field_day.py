"""Benchmark: a township worker's field day kept on the phone, at county scale.

    DATABASE_URL=sqlite:////tmp/county.db .venv/bin/python -m bench.field_day

Seeds the county (when the database is empty), serves it on 127.0.0.1 and, in Debian's Chromium at 360 px with
the service worker the phone installs, takes three villages of one township along (带到村里). Reports what the
phone keeps for them (pages and bytes, against the 2 MB budget), and times opening a kept household page
(median of 5) with no network at all, on the throttled phone profile (400 kbit/s, 400 ms), and online without
throttling: the baseline.
"""
import statistics
import threading
import time

from playwright.sync_api import sync_playwright
from sqlalchemy import select
from werkzeug.security import generate_password_hash
from werkzeug.serving import make_server

from models import Household, Township, User, Village, db
from bench.common import ensure_data_set
from service import create_app

PASSWORD = "bench-field-day-2026"
THROTTLED = {"offline": False, "latency": 400, "downloadThroughput": 400 * 1024 / 8,
             "uploadThroughput": 400 * 1024 / 8}


def main() -> None:
    app = create_app({"ALLOWED_HOSTS": ["127.0.0.1"]})
    with app.app_context():
        ensure_data_set()
        township = db.session.scalar(select(Township).order_by(Township.id).limit(1))
        township_name = township.name
        villages = db.session.scalars(select(Village.id).where(Village.township_id == township.id)
                                      .order_by(Village.id).limit(3)).all()
        household = db.session.scalar(select(Household.id).where(Household.village_id == villages[0])
                                      .order_by(Household.id).limit(1))
        if db.session.scalar(select(User).where(User.username == "bench-field")) is None:
            db.session.add(User(username="bench-field", role="township_worker", township_id=township.id,
                                password_hash=generate_password_hash(PASSWORD)))
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    app.config["ALLOWED_HOSTS"].append(f"127.0.0.1:{server.server_port}")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN").new_page()
        page.goto(f"{base}/login")
        page.fill("input[name=username]", "bench-field")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        wait(page, "() => navigator.serviceWorker.controller !== null")
        for village in villages:
            page.goto(f"{base}/villages/{village}")
            page.click("#take-along [data-take]")
            wait(page, "() => document.querySelector('#take-along [data-taken-note]').textContent.includes('已带着')",
                 120)
        kept = page.evaluate("""async () => { let pages = 0, bytes = 0;
            for (const name of await caches.keys()) { if (!name.startsWith('village-')) continue;
              const cache = await caches.open(name);
              for (const request of await cache.keys()) { pages += 1;
                bytes += (await (await cache.match(request)).arrayBuffer()).byteLength; } }
            return [pages, bytes]; }""")
        url = f"{base}/households/{household}"
        cdp = page.context.new_cdp_session(page)
        cdp.send("Network.enable")
        online = opened(page, url)
        cdp.send("Network.emulateNetworkConditions", THROTTLED)
        page.context.set_offline(True)  # the page and its service worker: no network at all
        offline = opened(page, url)
        assert "离线" in page.locator("[data-offline-banner]").inner_text()
        browser.close()
    server.shutdown()
    print(f"kept for 3 villages of {township_name}: {kept[0]} pages, {kept[1] / 1024 / 1024:.2f} MB (budget 2 MB)")
    print(f"baseline  a household page online, unthrottled     {online * 1000:6.0f} ms   1.0x")
    print(f"the same page kept, no network (throttled profile) {offline * 1000:6.0f} ms   {offline / online:.1f}x")


def wait(page, condition: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not page.evaluate(condition):
        if time.monotonic() > deadline:
            raise TimeoutError(condition)
        time.sleep(0.25)


def opened(page, url: str, repeat: int = 5) -> float:
    """Median seconds from asking for the page to its load event."""
    seconds = []
    for _ in range(repeat):
        start = time.perf_counter()
        page.goto(url, wait_until="load")
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds)


if __name__ == "__main__":
    main()
