"""Each role's whole day through the pages alone, in a real headless Chromium at 360 × 740.

Every page visited is checked: nothing scrolls sideways, the tab bar is on screen, every tap target outside a
table is at least 44 px high, and no English word is shown. Screenshots are kept in TEST_ARTIFACTS (default
`test-artifacts/` in the repository) for a person to look at.
"""
import os
import re
from pathlib import Path

import pytest

from models import Case, Facility, db
from service.clock import local_today

from .helpers import PNG
from .conftest import PASSWORD, make_agreement, make_household, missed_yesterday, valid_id
from .test_page_language import ALLOWED, USERNAMES

pytestmark = pytest.mark.slow  # a real Chromium: `make test-quick` leaves it out

ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS") or Path(__file__).resolve().parent.parent / "test-artifacts")

# Every visible control outside a table that is shorter than 44 px (a checkbox counts by its label).
SMALL_TARGETS = """() => [...document.querySelectorAll('a, button, input, select, textarea, summary')]
  .filter(e => e.type !== 'hidden' && e.offsetParent !== null && !e.closest('table'))
  .map(e => (e.type === 'checkbox' || e.type === 'radio') && e.closest('label') ? e.closest('label') : e)
  .filter(e => e.getBoundingClientRect().height < 44)
  .map(e => e.outerHTML.slice(0, 80))"""


class Day:
    """One person's day on a phone: each page is checked, and photographed, as it is reached."""

    def __init__(self, phone, server: str, who: str):
        self.phone, self.server, self.who, self.step = phone, server, who, 0
        ARTIFACTS.mkdir(exist_ok=True)

    def login(self, username: str) -> None:
        self.phone.goto(f"{self.server}/login")
        self.phone.fill("input[name=username]", username)
        self.phone.fill("input[name=password]", PASSWORD)
        self.phone.click("button[type=submit]")
        self.phone.wait_for_load_state()
        self.check("start")

    def check(self, name: str) -> None:
        page = self.phone
        page.wait_for_load_state()
        self.step += 1
        page.screenshot(path=str(ARTIFACTS / f"{self.who}-{self.step:02d}-{name}.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, (name, "scrolls sideways")
        for tab in page.locator("#tabs a").all():
            box = tab.bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= 360 and box["y"] + box["height"] <= 740, \
                (name, "a tab is off screen", tab.inner_text())
        assert page.evaluate(SMALL_TARGETS) == [], (name, "tap targets under 44 px")
        text = USERNAMES.sub("", page.locator("body").inner_text())
        english = set(re.findall(r"[A-Za-z]{2,}", text)) - ALLOWED
        assert not english, (name, english)

    def tab(self, text: str) -> None:
        self.phone.locator("#tabs a", has_text=text).click()
        self.check(text)


def test_village_staff_log_log_late_and_report_a_problem(world, live_server, phone):
    _, yesterday = missed_yesterday(world, phone="+8613800000001")

    day = Day(phone, live_server, "village-staff")
    day.login("cun_a1")
    assert phone.url.endswith("/deliveries/today")
    phone.locator("#deliveries .log-button").first.click()
    assert "已登记" in phone.locator(".flash").inner_text()
    day.check("logged")
    late = phone.locator("#late").locator("xpath=following-sibling::ul[1]")
    # The actual time is asked for, with none offered.
    assert late.locator("input[name=delivered_at]").input_value() == ""
    late.locator("input[name=delivered_at]").fill(f"{yesterday}T16:30")
    late.locator("input[name=note]").fill("当天没信号，忘记登记")
    late.locator("button[type=submit]").click()
    # Logged in place by the page's script (the service worker controls it): the day leaves the late list.
    phone.locator("#late").wait_for(state="detached")
    assert "已登记：户主1 120 升" in phone.locator(".flash").inner_text()
    day.check("logged-late")
    day.tab("监测户")
    phone.locator("#households a").first.click()
    day.check("household")
    phone.locator("#report-problem summary").click()
    phone.fill("#report-problem textarea[name=note]", "水龙头出水发黄")
    phone.locator("#report-problem button[type=submit]").click()
    # Sent by the page's script (a field form that would wait on the phone without signal), then its case's page.
    phone.locator(".flash", has_text="已报告问题").wait_for()
    assert phone.locator("#status").inner_text() == "待整改"
    day.check("problem-reported")
    day.tab("更多")


def test_township_worker_signs_a_gap_reports_a_purifier_and_follows_its_case(world, live_server, phone,
                                                                              tmp_path):
    make_household(world, 2, distance_m=1500.0)
    purifier = Facility(township_id=world.t_a.id, village_id=world.v_a1.id, kind="purifier", name="张家村净水机",
                        ownership="collective", status="working")
    db.session.add(purifier)
    db.session.commit()
    photo = tmp_path / "整改照片.png"
    photo.write_bytes(PNG)

    day = Day(phone, live_server, "township-worker")
    day.login("worker_a")
    assert phone.url.endswith("/todo")
    phone.locator("#gaps + ul a").first.click()
    day.check("agreement-form")
    phone.fill("input[name=signed_on]", local_today().isoformat())
    phone.locator("main form button[type=submit]").click()
    assert "已签订生效" in phone.locator(".flash").inner_text()
    day.check("agreement-signed")
    day.tab("更多")
    phone.locator("#more a", has_text="设施").click()
    day.check("facilities")
    phone.locator("a.row-link", has_text="张家村净水机").click()
    phone.select_option("#report select[name=status]", "broken")
    phone.fill("#report textarea[name=note]", "净水机不出水")
    phone.locator("#report button[type=submit]").click()
    phone.locator("#status", has_text="损坏").wait_for()
    day.check("purifier-reported")
    phone.locator("#repair-case").click()
    phone.click("button[value=in_progress]")
    phone.set_input_files("input[name=file]", str(photo))
    phone.click("form[enctype] button[type=submit]")
    phone.fill("textarea[name=note]", "更换了水泵")
    phone.click("button[value=resolved]")
    assert phone.locator("#status").inner_text() == "已整改"
    day.check("case-resolved")


def test_township_lead_verifies_and_rechecks_when_due(world, client, live_server, phone):
    h = world.headers(world.worker_a)
    cases = [client.post("/api/v1/cases", json={"kind": "sanitation", "village_id": world.v_a1.id,
                                                "description": "水源周边有垃圾"}, headers=h).json for _ in range(2)]
    for case in cases:
        client.post(f"/api/v1/cases/{case['id']}/transitions", json={"to": "in_progress"}, headers=h)
        client.post(f"/api/v1/cases/{case['id']}/evidence", headers=h, content_type="multipart/form-data",
                    data={"file": (__import__("io").BytesIO(PNG), "p.png")})
        client.post(f"/api/v1/cases/{case['id']}/transitions", json={"to": "resolved", "note": "已清理"}, headers=h)
    client.post(f"/api/v1/cases/{cases[1]['id']}/transitions", json={"to": "verified", "note": "现场查看", "standard": "恢复正常供水"},
                headers=world.headers(world.admin))
    db.session.execute(Case.__table__.update().where(Case.id == cases[1]["id"])
                       .values(recheck_due_on=local_today()))
    db.session.commit()

    day = Day(phone, live_server, "township-lead")
    day.login("lead_a")
    assert phone.url.endswith("/todo")
    phone.locator("#to-verify + ul a").first.click()
    phone.fill("textarea[name=note]", "现场查看，已清理干净")
    phone.fill("textarea[name=standard]", "水源周边无垃圾、无污水")
    phone.check("input[name=confirm]")
    phone.click("button[value=verified]")
    assert phone.locator("#status").inner_text() == "已销号"
    day.check("verified")
    day.tab("待办")
    phone.locator("#rechecks + ul a").first.click()
    phone.fill("textarea[name=note]", "回头看：已保持清洁")
    phone.click("button[value=closed]")
    assert phone.locator("#status").inner_text() == "已复核"
    day.check("rechecked")


def test_county_dashboard_import_and_archive(world, live_server, phone, tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text(f"镇街,村,户主姓名,身份证号,家庭人口\n城关镇,张家村,王桂英,{valid_id(7)},2\n", encoding="utf-8")
    household = make_household(world, 1, distance_m=1500.0)
    make_agreement(world, household)
    db.session.commit()

    day = Day(phone, live_server, "county")
    day.login("admin")
    assert phone.url.endswith("/dashboard")
    assert "已清零" in phone.locator("#townships").inner_text()
    # The server-drawn pictures show under the page's Content-Security-Policy, each fitting the screen.
    pictures = phone.evaluate("""() => [...document.querySelectorAll('#charts img')].map(i => {
        return [i.alt, i.complete && i.naturalWidth > 0, i.getBoundingClientRect().width];})""")
    assert len(pictures) == 4 and all(shown and width <= 360 for _, shown, width in pictures), pictures
    phone.locator("#villages a", has_text="张家村").click()
    assert phone.evaluate("() => document.querySelector('#distance-map img').naturalWidth > 0")
    day.check("village")
    day.tab("清零")
    day.tab("更多")
    phone.locator("#more a", has_text="导入").click()
    day.check("imports")
    phone.set_input_files("input[name=file]", str(roster))
    phone.click("#import-form button[type=submit]")
    assert "新增 1" in phone.locator("#report").inner_text()
    day.check("imported")
    day.tab("清零")
    with phone.expect_download() as download:
        phone.locator("#townships a", has_text="迎检档案").first.click()
    archive = tmp_path / "archive.zip"
    download.value.save_as(archive)
    assert archive.read_bytes()[:2] == b"PK"



# What sticks out past a 360-px screen: said when a page scrolls sideways.
WIDER_THAN_THE_PHONE = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > 361)
  .map(e => e.tagName + ': ' + (e.innerText || '').slice(0, 40)).slice(0, 8)"""


def test_every_role_walks_its_tabs_in_english_with_no_chinese_but_the_data(app, world, live_server, phone,
                                                                             monkeypatch):
    """PAGE_LOCALE=en: each role's tabs and the pages they lead to, on the phone, show no Chinese but the data (the
    world's places and people are named in pinyin here), and fit 360 px as in Chinese."""
    monkeypatch.setitem(app.config, "PAGE_LOCALE", "en")
    for record, name in ((world.t_a, "Chengguan"), (world.t_b, "Hekou"), (world.v_a1, "Zhangjia"),
                         (world.v_a2, "Lijia"), (world.v_b1, "Wangzhuang"), (world.staff_a, "Liu Cungan"),
                         (world.point_a1, "Zhangjia Point"), (world.point_b1, "Wangzhuang Point")):
        record.name = name
    household = make_household(world, 1, distance_m=1500.0)
    household.head_name = "Wang Guiying"
    db.session.commit()
    chinese = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
    seen = {}
    for username in ("cun_a1", "worker_a", "lead_a", "admin"):
        phone.goto(f"{live_server}/login")
        phone.fill("input[name=username]", username)
        phone.fill("input[name=password]", PASSWORD)
        with phone.expect_navigation():
            phone.click("button[type=submit]")
        tabs = [a.get_attribute("href") for a in phone.locator("#tabs a").all()]
        for path in tabs + [f"/households/{household.id}", "/more"]:
            phone.goto(f"{live_server}{path}")
            phone.wait_for_load_state()
            assert phone.evaluate("document.documentElement.scrollWidth") <= 360, (username, path, phone.evaluate(
                WIDER_THAN_THE_PHONE))
            if found := chinese.findall(phone.locator("body").inner_text()):
                seen[(username, path)] = "".join(found)[:40]
        phone.goto(f"{live_server}/more")
        with phone.expect_navigation():
            phone.locator("form[action='/logout'] button").click()
    assert seen == {}
