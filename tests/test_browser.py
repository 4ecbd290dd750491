"""A real headless Chromium (Debian's package, driven by Playwright) on a 360-px-wide phone screen."""
import pytest

from .conftest import PASSWORD, household_payload
from .helpers import PNG

pytestmark = pytest.mark.slow  # a real Chromium: `make test-quick` leaves it out


def test_log_in_and_filter_households_on_a_phone(world, client, live_server, phone, tmp_path):
    admin = world.headers(world.admin)
    client.post("/api/v1/households", json=household_payload(world, 1, head_name="远户甲", distance_m=1500), headers=admin)
    client.post("/api/v1/households", json=household_payload(world, 2, head_name="近户乙", distance_m=200), headers=admin)
    client.post("/api/v1/households", json=household_payload(world, 3, head_name="外镇丙", village_id=world.v_b1.id),
                headers=admin)

    phone.goto(f"{live_server}/households")
    assert "/login" in phone.url
    phone.fill("input[name=username]", "worker_a")
    phone.fill("input[name=password]", PASSWORD)
    phone.click("button[type=submit]")
    phone.wait_for_url("**/households")
    names = phone.locator("#households strong").all_inner_texts()
    assert sorted(names) == ["近户乙", "远户甲"]

    phone.select_option("select[name=needs_delivery]", "1")
    phone.click("#filters button[type=submit]")
    phone.wait_for_url("**needs_delivery=1**")
    assert phone.locator("#households strong").all_inner_texts() == ["远户甲"]
    assert "距集中供水点超800米" in phone.locator("#households").inner_text()
    # Usable at 360 px: nothing wider than the screen, tap targets at least 44 px high.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    assert phone.locator("#filters button").bounding_box()["height"] >= 44
    phone.screenshot(path=str(tmp_path / "households-360.png"), full_page=True)

    phone.click("#households a")
    assert phone.locator("h1").inner_text() == "远户甲"
    assert "********" in phone.locator("dl").inner_text()


def test_log_todays_delivery_with_one_tap_on_a_phone(world, live_server, phone, tmp_path):
    from models import db
    from service.clock import local_today
    from service.domain.planning import plan_deliveries

    from .conftest import make_agreement, make_household

    for serial in range(3):
        household = make_household(world, serial, distance_m=1500.0, phone="+8613800000000")
        make_agreement(world, household, interval_days=1, start_on=local_today(), liters_per_delivery=120)
    db.session.commit()
    plan_deliveries(db.session, local_today(), 1)
    db.session.commit()

    phone.goto(f"{live_server}/login")
    phone.fill("input[name=username]", "cun_a1")
    phone.fill("input[name=password]", PASSWORD)
    phone.click("button[type=submit]")
    phone.goto(f"{live_server}/deliveries/today")
    assert phone.locator("#deliveries .log-button").count() == 3
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.locator("#deliveries .log-button").first.dblclick()  # an impatient double tap
    phone.wait_for_selector(".flash")
    assert "已登记" in phone.locator(".flash").inner_text()
    assert "已送 1/3" in phone.locator("h1").inner_text()
    phone.screenshot(path=str(tmp_path / "today-360.png"), full_page=True)

    phone.goto(f"{live_server}/dashboard")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    assert "今日已送" in phone.locator("main").inner_text()


def test_work_a_case_on_a_phone(world, client, live_server, phone, tmp_path):
    created = client.post("/api/v1/cases", json={"kind": "water_quality", "village_id": world.v_a1.id,
                                                 "description": "水浑浊"}, headers=world.headers(world.worker_a)).json
    photo = tmp_path / "fixed.png"
    photo.write_bytes(PNG)

    phone.goto(f"{live_server}/login")
    phone.fill("input[name=username]", "worker_a")
    phone.fill("input[name=password]", PASSWORD)
    phone.click("button[type=submit]")
    phone.goto(f"{live_server}/dashboard")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    assert "未整改问题" in phone.locator("#case-tiles").inner_text()
    phone.click(f"a[href='/cases/{created['id']}']")
    assert phone.locator("#status").inner_text() == "待整改"
    phone.click("button[value=in_progress]")
    assert phone.locator("#status").inner_text() == "整改中"
    phone.fill("textarea[name=note]", "已更换滤芯")
    phone.click("button[value=resolved]")
    assert "请先上传整改照片或材料" in phone.locator("#transition").inner_text()
    phone.set_input_files("input[name=file]", str(photo))
    phone.click("form[enctype] button[type=submit]")
    phone.fill("textarea[name=note]", "已更换滤芯")
    phone.click("button[value=resolved]")
    assert phone.locator("#status").inner_text() == "已整改"
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    assert "上传材料" in phone.locator("#history").inner_text()
    phone.screenshot(path=str(tmp_path / "case-360.png"), full_page=True)


def test_upload_a_roster_on_a_phone(world, live_server, phone, tmp_path):
    from .conftest import valid_id

    bad = tmp_path / "bad.csv"
    bad.write_text(f"村,户主姓名,身份证号,家庭人口\n张家村,王桂英,{valid_id(1)},两\n", encoding="utf-8")
    good = tmp_path / "good.csv"
    good.write_text(f"村,户主姓名,身份证号,家庭人口\n张家村,王桂英,{valid_id(1)},2\n", encoding="gb18030")
    phone.goto(f"{live_server}/login")
    phone.fill("input[name=username]", "worker_a")
    phone.fill("input[name=password]", PASSWORD)
    phone.click("button[type=submit]")
    phone.goto(f"{live_server}/imports")
    phone.set_input_files("input[name=file]", str(bad))
    phone.click("#import-form button[type=submit]")
    assert "没有导入任何数据" in phone.locator("#report").inner_text()
    assert "家庭人口" in phone.locator("#errors").inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.set_input_files("input[name=file]", str(good))
    phone.click("#import-form button[type=submit]")
    assert "新增 1" in phone.locator("#report").inner_text()


def test_a_survey_visit_shows_its_verdicts_as_they_are_typed_on_a_phone(world, live_server, phone, tmp_path):
    from datetime import datetime, timedelta, timezone

    from models import db

    from .conftest import make_household

    household = make_household(world, 1, round_trip_min=15.0, distance_m=200.0)  # near its water: no delivery
    household.created_at = datetime.now(timezone.utc) - timedelta(days=100)
    db.session.flush()
    household_id = household.id
    db.session.commit()  # and nothing read after it: on SQLite a reading test would hold the lock the page needs
    phone.goto(f"{live_server}/login")
    phone.fill("input[name=username]", "cun_a1")
    phone.fill("input[name=password]", PASSWORD)
    phone.click("button[type=submit]")
    phone.goto(f"{live_server}/households/{household_id}/visit")
    verdict = lambda name: phone.locator(f'[data-verdict-for="{name}"]').inner_text()  # noqa: E731
    # The registered round trip (15 minutes) is judged before anything is typed.
    assert verdict("convenience") == "基本达标" and verdict("quantity") == ""
    phone.fill("input[name=liters_per_person_day]", "６５")  # full-width, as a Chinese keyboard may type it
    assert verdict("quantity") == "达标"
    phone.check("input[name=piped]")
    assert verdict("convenience") == "达标"
    phone.select_option("select[name=quality]", "met")
    phone.fill("input[name=assurance_percent]", "92")
    assert verdict("assurance") == "基本达标" and phone.locator("#visit-result").inner_text() == "结果：基本安全"
    phone.fill("input[name=assurance_percent]", "80")
    assert verdict("assurance") == "不达标" and phone.locator("#visit-result").inner_text() == "结果：不安全"
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.screenshot(path=str(tmp_path / "visit-360.png"), full_page=True)
    phone.fill("input[name=liters_per_person_day]", "65")
    phone.click("#visit-form button[type=submit]")
    phone.wait_for_selector(".flash")
    assert "不安全" in phone.locator(".flash").inner_text()
    assert "供水保证率不达标" in phone.locator("#history").inner_text()
