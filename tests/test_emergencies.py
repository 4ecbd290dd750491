"""应急送水: an emergency puts every monitored household of its area on daily delivery from its first day (planned at
once, logged and confirmed as any delivery), one a day even for a household with an agreement, with a daily figure
of households reached; ending it calls off what is still planned; the village's printed record shows it."""
import re
from datetime import timedelta

from models import Delivery, Staff, db
from service.clock import local_today
from service.domain.planning import plan_deliveries

from .conftest import make_agreement, make_household
from .helpers import csrf_token, login, text_of


def _declare(client, world, user=None, **values):
    body = {"kind": "drought", "village_ids": [world.v_a1.id], "started_on": local_today().isoformat(),
            "team": [world.staff_a.id], "source_facility_id": world.point_a1.id, "note": "持续干旱，水井出水不足",
            **values}
    return client.post("/api/v1/emergencies", json=body, headers=world.headers(user or world.lead_a))


def _days(household):
    rows = db.session.query(Delivery).filter(Delivery.household_id == household.id, Delivery.status != "cancelled")
    days = {}
    for row in rows:
        days.setdefault(row.scheduled_for, []).append(row)
    return days


def test_an_emergency_plans_one_delivery_a_household_a_day_and_counts_those_reached(client, world):
    today = local_today()
    alone = make_household(world, 1, members=3, phone="+8613800000001")
    served = make_household(world, 2, distance_m=1500.0)
    left = make_household(world, 3, monitoring_status="moved_out", left_on=today - timedelta(days=3))
    outside = make_household(world, 4, village=world.v_a2)
    agreement = make_agreement(world, served, interval_days=7, start_on=today + timedelta(days=2),
                               signed_on=today - timedelta(days=1))
    db.session.commit()
    plan_deliveries(db.session, today, 14, [agreement.id])
    db.session.commit()
    declared = _declare(client, world)
    assert declared.status_code == 201, declared.json
    emergency = declared.json
    assert emergency["liters_per_person"] == 35 and emergency["team"] == [world.staff_a.id]
    alone_days = _days(alone)
    assert sorted(alone_days) == [today + timedelta(days=n) for n in range(14)]  # today's planned at once
    assert all(len(rows) == 1 and rows[0].emergency_id == emergency["id"] for rows in alone_days.values())
    served_days = _days(served)
    assert all(len(rows) == 1 for rows in served_days.values())  # one a day: its agreement's on its days
    assert served_days[today + timedelta(days=2)][0].agreement_id == agreement.id
    assert served_days[today][0].emergency_id == emergency["id"]
    assert not _days(left) and not _days(outside)
    # Reminded as any delivery: the team member gets tomorrow's list, the household named once.
    from service.domain.sms import send_reminders
    from models import SmsMessage
    from service.context import current_rules
    assert send_reminders(db.session, today + timedelta(days=1), "evening", current_rules().now) == 1
    db.session.commit()
    reminder = db.session.query(SmsMessage).filter_by(purpose="remind_evening").one()
    assert reminder.phone == world.staff_a.phone and reminder.body.count("户主1") == 1 and "户主2" in reminder.body
    # Logged and confirmed as any delivery: the day's figure counts the household reached.
    h = world.headers(world.worker_a)
    today_row = alone_days[today][0]
    logged = client.post(f"/api/v1/deliveries/{today_row.id}/complete", headers=h, json={"liters": 105})
    assert logged.status_code in (200, 201), logged.json
    assert logged.json["confirmation"] == "pending" and logged.json["source_facility_id"] == world.point_a1.id
    read = client.get(f"/api/v1/emergencies/{emergency['id']}", headers=h).json
    assert read["days"] == [{"day": today.isoformat(), "households": 2, "reached": 1, "confirmed": 0}]
    # An agreement signed during the emergency plans over it: still one delivery a day.
    second = make_agreement(world, alone, interval_days=1, start_on=today + timedelta(days=5),
                            signed_on=today, reason="other")
    db.session.commit()
    plan_deliveries(db.session, today, 14, [second.id])
    db.session.commit()
    assert all(len(rows) == 1 for rows in _days(alone).values())
    assert _days(alone)[today + timedelta(days=6)][0].agreement_id == second.id
    # Its village's printed record shows the emergency's deliveries.
    pdf = client.get(f"/reports/villages/{world.v_a1.id}/deliveries.pdf?month={today.strftime('%Y-%m')}", headers=h)
    assert pdf.status_code == 200 and "应急送水" in re.sub(r"\s+", "", text_of(pdf.data)[0])
    # And so does the household's own record (read as plain rows, not ORM objects).
    own = client.get(f"/reports/households/{alone.id}/deliveries.pdf?from={today}&to={today}", headers=h)
    assert own.status_code == 200 and "应急送水" in re.sub(r"\s+", "", text_of(own.data)[0])
    # Ending it calls off what is still planned after its last day; the record stays.
    ended = client.post(f"/api/v1/emergencies/{emergency['id']}/end", headers=world.headers(world.lead_a),
                        json={"ended_on": (today + timedelta(days=1)).isoformat()})
    assert ended.status_code == 200 and ended.json["ended_on"] == (today + timedelta(days=1)).isoformat()
    db.session.expire_all()
    later = db.session.query(Delivery).filter(Delivery.emergency_id == emergency["id"],
                                              Delivery.scheduled_for > today + timedelta(days=1)).all()
    assert later and {row.status for row in later} == {"cancelled"}
    assert db.session.get(Delivery, today_row.id).status == "delivered"
    again = client.post(f"/api/v1/emergencies/{emergency['id']}/end", headers=world.headers(world.lead_a), json={})
    assert again.status_code == 409


def test_an_emergency_is_refused_naming_what_is_wrong(client, world):
    other = Staff(name="外镇人员", phone="+8613900000099", role="village_staff", township_id=world.t_b.id,
                  village_id=world.v_b1.id)
    db.session.add(other)
    db.session.commit()
    elsewhere = _declare(client, world, team=[other.id])
    assert elsewhere.status_code == 422 and "team" in elsewhere.json["errors"]["json"]
    both = _declare(client, world, township_ids=[world.t_a.id])
    assert both.status_code == 422 and "village_ids" in both.json["errors"]["json"]
    assert _declare(client, world, user=world.worker_a).status_code == 403
    assert _declare(client, world, village_ids=[world.v_b1.id]).status_code == 403
    assert client.get("/api/v1/emergencies", headers=world.headers(world.worker_b)).json["total"] == 0


def test_an_emergency_is_declared_and_ended_from_the_pages(client, world):
    make_household(world, 1)
    db.session.commit()
    login(client, "lead_a")
    token = csrf_token(client, "/emergencies")
    made = client.post("/emergencies", data={"csrf_token": token, "kind": "outage",
                                             "township_ids": [str(world.t_a.id)], "team": [str(world.staff_a.id)],
                                             "started_on": local_today().isoformat()})
    assert made.status_code == 302, made.get_data(as_text=True)
    page = client.get(made.headers["Location"]).get_data(as_text=True)
    assert "应急送水：停水" in page and "0/1" in page and "结束应急送水" in page
    today_page = client.get("/deliveries/today").get_data(as_text=True)
    assert "应急" in today_page and 'value="105"' not in today_page and 'value="70"' in today_page
    emergency_id = int(made.headers["Location"].rstrip("/").split("/")[-1])
    ended = client.post(f"/emergencies/{emergency_id}/end", data={"csrf_token": token,
                                                                  "ended_on": local_today().isoformat()})
    assert ended.status_code == 302
    assert "进行中" not in client.get("/emergencies").get_data(as_text=True)


def test_an_emergency_id_no_column_holds_is_not_found(client, world):
    """Found by the API fuzz: an id past 64 bits was handed to the database and answered 500."""
    h = world.headers(world.admin)
    for emergency_id in (0, 2**31, 16880503207300773888):
        assert client.get(f"/api/v1/emergencies/{emergency_id}", headers=h).status_code == 404
        ended = client.post(f"/api/v1/emergencies/{emergency_id}/end", json={}, headers=h)
        assert ended.status_code == 404, ended.json
