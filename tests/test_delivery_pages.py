"""The delivery pages: today's list with its one-tap log, agreements, the dashboard."""
import re
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from models import Agreement, db, Delivery
from service.clock import local_today
from service.domain.planning import plan_deliveries

from .conftest import make_agreement, make_household, missed_yesterday
from .helpers import csrf_token, login, sql_statements

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _today_deliveries(world, count=3, village=None):
    for serial in range(count):
        household = make_household(world, serial, village=village, distance_m=1500.0, phone="+8613800000000")
        make_agreement(world, household, interval_days=1, start_on=local_today(), liters_per_delivery=80 + serial)
    db.session.commit()
    plan_deliveries(db.session, local_today(), 1)
    db.session.commit()
    return db.session.scalars(select(Delivery).order_by(Delivery.id)).all()


def test_one_tap_logs_once_even_when_tapped_twice(client, world):
    first = _today_deliveries(world)[0]
    login(client, "cun_a1")
    page = client.get("/deliveries/today").get_data(as_text=True)
    assert "户主0" in page and 'value="80"' in page
    key = re.search(rf'id="d{first.id}".*?name="idempotency_key" value="(\w+)"', page, re.S).group(1)
    form = {"csrf_token": csrf_token(client, "/deliveries/today"), "idempotency_key": key, "liters": "80"}
    for _ in range(2):
        r = client.post(f"/deliveries/{first.id}/complete", data=form)
        assert r.status_code == 302
    assert db.session.scalar(select(func.count()).where(Delivery.status == "delivered")) == 1
    page = client.get("/deliveries/today").get_data(as_text=True)
    assert "已登记：户主0 80 升" in page and "已送 1/3" in re.sub(r"<[^>]+>", "", page)


def test_bad_liters_are_shown_next_to_the_delivery(client, world):
    first = _today_deliveries(world, 1)[0]
    login(client, "cun_a1")
    form = {"csrf_token": csrf_token(client, "/deliveries/today"), "idempotency_key": "k1", "liters": "0"}
    r = client.post(f"/deliveries/{first.id}/complete", data=form)
    assert r.status_code == 422 and 'data-field="liters"' in r.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).where(Delivery.status == "delivered")) == 0


def test_todays_page_reads_deliveries_in_one_query(client, world):
    _today_deliveries(world, 50)
    login(client, "worker_a")
    answer, statements = sql_statements(lambda: client.get("/deliveries/today"))
    page = answer.get_data(as_text=True)
    assert page.count('class="log"') == 50
    # One query for today's list and one for the missed days to log late, however many households.
    assert len([s for s in statements if "FROM deliveries" in s]) == 2, statements


def test_agreement_pages(client, world):
    household = make_household(world, 1, distance_m=1500.0, members=3)
    db.session.commit()
    login(client, "worker_a")
    page = client.get(f"/agreements/new?household_id={household.id}").get_data(as_text=True)
    assert "距集中供水点超800米" in page and 'value="735"' in page
    token = csrf_token(client, f"/agreements/new?household_id={household.id}")
    form = {"csrf_token": token, "provider_id": str(world.staff_a.id), "reason": "distance", "interval_days": "7",
            "liters_per_delivery": "735", "start_on": local_today().isoformat(), "end_on": "2000-01-01"}
    r = client.post(f"/agreements/new?household_id={household.id}", data=form)
    assert r.status_code == 422 and 'data-field="end_on"' in r.get_data(as_text=True)
    form["end_on"] = ""
    r = client.post(f"/agreements/new?household_id={household.id}", data=form)
    assert r.status_code == 302 and "已保存为待签" in client.get(r.location).get_data(as_text=True)
    agreement = db.session.scalars(select(Agreement)).one()
    assert agreement.status == "draft"
    r = client.post(f"/agreements/{agreement.id}/status", data={"csrf_token": token, "status": "active",
                                                                "signed_on": local_today().isoformat()})
    assert r.status_code == 302 and "协议状态已改为：有效" in client.get(r.location).get_data(as_text=True)
    db.session.refresh(agreement)
    assert agreement.status == "active"
    listing = client.get("/agreements?status=active").get_data(as_text=True)
    assert "户主1" in listing and "有效" in listing


def test_dashboard_page(client, world):
    _today_deliveries(world, 2)
    make_household(world, 9, distance_m=2000.0)
    db.session.commit()
    login(client, "worker_a")
    page = client.get("/dashboard").get_data(as_text=True)
    assert "动态清零" in page and "未签协议" in page and "张家村" in page and "王庄村" not in page


def test_log_a_missed_delivery_late_with_a_reason_and_see_the_week(client, world):
    _, yesterday = missed_yesterday(world, days_planned=8)
    login(client, "cun_a1")
    page = client.get("/deliveries/today").get_data(as_text=True)
    assert "漏送补登" in page and f"{yesterday} 漏送" in page
    missed = db.session.scalars(select(Delivery).where(Delivery.status == "missed")).one()
    # The actual time is asked for: the form offers none (noon of the planned day was taken for it).
    late_form = page[page.index('id="late-list"'):]
    assert re.search(r'name="delivered_at" type="datetime-local" value=""', late_form)
    token = csrf_token(client, "/deliveries/today")
    untimed = client.post(f"/deliveries/{missed.id}/complete", data={
        "csrf_token": token, "liters": "120", "note": "当天没信号", "late": "1", "idempotency_key": "late-0"})
    assert untimed.status_code == 422 and "请填写实际送达的日期和时间" in untimed.get_data(as_text=True)
    form = {"csrf_token": token, "liters": "120", "delivered_at": f"{yesterday}T16:30", "idempotency_key": "late-1",
            "late": "1"}
    r = client.post(f"/deliveries/{missed.id}/complete", data={**form, "liters": "90"})
    refused = r.get_data(as_text=True)
    assert r.status_code == 422 and "补登漏送请说明原因" in refused
    assert 'value="90"' in refused and f'value="{yesterday}T16:30"' in refused  # what was typed stays
    r = client.post(f"/deliveries/{missed.id}/complete", data={**form, "note": "当天没信号", "idempotency_key": "late-2"})
    assert r.status_code == 302
    db.session.refresh(missed)
    assert missed.status == "delivered" and missed.note == "当天没信号"
    assert missed.delivered_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") == f"{yesterday} 16:30"
    assert "漏送补登" not in client.get("/deliveries/today").get_data(as_text=True)
    week = client.get("/deliveries/week").get_data(as_text=True)
    assert week.count("户主1") == 7 and "（今天）" in week


def test_the_agreement_page_shows_its_delivery_plan(client, world):
    from datetime import timedelta

    from service.context import current_rules
    from service.domain.planning import mark_missed

    household = make_household(world, 1, distance_m=1500.0)
    start = local_today() - timedelta(days=2)
    agreement = make_agreement(world, household, interval_days=1, start_on=start, signed_on=start)
    db.session.commit()
    plan_deliveries(db.session, start, 10)
    mark_missed(db.session, current_rules())
    db.session.commit()
    login(client, "worker_a")
    page = client.get(f"/agreements/{agreement.id}").get_data(as_text=True)
    upcoming = page[page.index('id="upcoming"'):page.index("</ul>", page.index('id="upcoming"'))]
    recent = page[page.index('id="recent"'):page.index("</ul>", page.index('id="recent"'))]
    assert upcoming.count("待送") == 7 and str(local_today()) in upcoming
    assert recent.count("漏送") == 2 and str(start) in recent


def test_the_agreement_form_offers_the_households_own_village_staff_first(client, world):
    from models import Staff

    # Another village's staff sort before 刘村干 by name and by id: the household's own village still comes first.
    other = Staff(name="艾村干", phone="+8613900000077", role="village_staff", township_id=world.t_a.id,
                  village_id=world.v_a2.id)
    lead = Staff(name="白站长", phone="+8613900000078", role="township_lead", township_id=world.t_a.id)
    db.session.add_all([other, lead])
    household = make_household(world, 1, distance_m=1500.0, members=3)  # in 张家村, 刘村干's village
    db.session.commit()
    login(client, "worker_a")
    page = client.get(f"/agreements/new?household_id={household.id}").get_data(as_text=True)
    options = re.findall(r'<option value="(\d+)" ?(selected)?>([^<]+)</option>', page.split('name="provider_id"')[1]
                         .split("</select>")[0])
    assert [text for _, _, text in options] == ["刘村干（张家村 · 村级专人）", "白站长（镇街负责人）", "艾村干（李家村 · 村级专人）"]
    assert options[0][1] == "selected"


def _planned_days_ago(world, days: int, serial: int = 1):
    """A village-staff household whose delivery `days` ago was never logged (missed); its id."""
    from datetime import timedelta

    from sqlalchemy import select

    from models import Delivery
    from service.clock import local_today
    from service.context import current_rules
    from service.domain.planning import mark_missed, plan_deliveries

    from .conftest import make_agreement, make_household

    household = make_household(world, serial, distance_m=1500.0)
    start = local_today() - timedelta(days=days)
    make_agreement(world, household, interval_days=1, start_on=start, signed_on=start, liters_per_delivery=80)
    db.session.commit()
    plan_deliveries(db.session, start, 1)
    mark_missed(db.session, current_rules())
    db.session.commit()
    delivery_id = db.session.scalar(select(Delivery.id).where(Delivery.household_id == household.id,
                                                            Delivery.scheduled_for == start))
    db.session.rollback()
    return delivery_id, start


def _queued_tap(client, delivery_id, tapped, key="k-queued", user="cun_a1", **form):
    from .helpers import csrf_token

    data = {"csrf_token": csrf_token(client, "/deliveries/today"), "idempotency_key": key, "liters": "80",
            "delivered_at": tapped.isoformat(timespec="seconds"), "user": user, **form}
    return client.post(f"/deliveries/{delivery_id}/complete", data=data,
                       headers={"Accept": "application/json", "X-Sent-Later": "1"})


def test_a_tap_queued_a_month_ago_is_refused_with_a_chinese_reason(client, world):
    from datetime import datetime, time, timedelta

    from models import Delivery
    from service.clock import local_today
    from service.context import current_rules

    from .helpers import login

    delivery_id, day = _planned_days_ago(world, 30)
    login(client, "cun_a1")
    tapped = datetime.combine(day, time(10), current_rules().zone)
    r = _queued_tap(client, delivery_id, tapped)
    assert r.status_code == 422 and "只能登记 3 天内的送水" in r.json["errors"]["delivered_at"][0]
    assert db.session.get(Delivery, delivery_id).status == "missed"
    # The API and a typed note hold to the same window.
    r = client.post(f"/api/v1/deliveries/{delivery_id}/complete", headers=world.headers(world.lead_a),
                    json={"liters": 80, "delivered_at": tapped.isoformat(), "note": "补登"})
    assert r.status_code == 422 and "delivered_at" in r.json["errors"]["json"]
    # Within the window a late log still goes in.
    recent_id, recent_day = _planned_days_ago(world, 2, serial=2)
    r = client.post(f"/api/v1/deliveries/{recent_id}/complete", headers=world.headers(world.lead_a),
                    json={"liters": 80, "delivered_at": datetime.combine(recent_day, time(10), current_rules().zone)
                          .isoformat(), "note": "补登"})
    assert r.status_code == 200, r.json
    assert recent_day == local_today() - timedelta(days=2)


def test_a_tap_queued_by_one_login_is_not_logged_under_another(client, world):
    from datetime import datetime, timezone

    from models import Delivery, User

    from .helpers import login

    delivery_id, _ = _planned_days_ago(world, 0)
    db.session.add(User(username="cun_a1b", role="village_staff", township_id=world.t_a.id, village_id=world.v_a1.id,
                        password_hash=world.village_a1.password_hash))
    db.session.commit()
    login(client, "cun_a1b")
    r = _queued_tap(client, delivery_id, datetime.now(timezone.utc), user="cun_a1")
    assert r.status_code == 403 and "另一个账号" in r.json["message"]
    assert db.session.get(Delivery, delivery_id).status != "delivered"
    assert _queued_tap(client, delivery_id, datetime.now(timezone.utc), user="cun_a1b").status_code == 201


@pytest.mark.parametrize("length, status", [(100, 200), (101, 422), (5000, 422)])
def test_one_idempotency_key_limit_on_every_path_and_database(client, world, length, status):
    from datetime import datetime, timezone

    from .helpers import login

    delivery_id, _ = _planned_days_ago(world, 0)
    key = "k" * length
    r = client.post(f"/api/v1/deliveries/{delivery_id}/complete", json={"liters": 80},
                    headers={**world.headers(world.lead_a), "Idempotency-Key": key})
    assert r.status_code == status, r.json
    if status == 422:
        assert "Idempotency-Key" in str(r.json["errors"])
        login(client, "cun_a1")
        r = _queued_tap(client, delivery_id, datetime.now(timezone.utc), key=key)
        assert r.status_code == 422 and "最多 100 个字符" in str(r.json["errors"])
    else:
        again = client.post(f"/api/v1/deliveries/{delivery_id}/complete", json={"liters": 80},
                            headers={**world.headers(world.lead_a), "Idempotency-Key": key})
        assert again.status_code == 200 and again.json["id"] == r.json["id"]
