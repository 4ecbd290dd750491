"""SMS through the real twilio client against a fake Twilio server on 127.0.0.1, and signed webhooks."""
import re
import socket
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from models import Case, db, Delivery, SmsMessage, SmsOptOut
from service.clock import local_today
from service.context import current_rules, sms_settings
from service.domain.deliveries import complete_delivery
from service.domain.outbox import drain_outbox
from service.domain.planning import plan_deliveries
from service.domain.sms import expire_confirmations, normalize_reply, send_reminders
from service.sms_gateway import build_gateway
from service.unit_of_work import transaction

from .conftest import make_agreement, make_household
from .helpers import MIDDAY, outbound, post_signed, queue_one

SHANGHAI = timezone(timedelta(hours=8))


def drain(app, at=MIDDAY):
    return drain_outbox(lambda: transaction(db.session), build_gateway(app.config), sms_settings(app.config), lambda: at)


def test_one_reminder_per_staff_per_day_whatever_the_runs(app, world, twilio):
    tomorrow = local_today() + timedelta(days=1)
    for serial in range(3):
        make_agreement(world, make_household(world, serial, distance_m=1500.0), interval_days=1, start_on=tomorrow)
    db.session.commit()
    plan_deliveries(db.session, tomorrow, 1)
    for _ in range(3):
        send_reminders(db.session, tomorrow, "evening", MIDDAY)
    db.session.commit()
    assert drain(app)["sent"] == 1 and drain(app)["sent"] == 0
    assert len(twilio.accepted) == 1
    body = twilio.accepted[0]["Body"]
    assert twilio.accepted[0]["To"] == world.staff_a.phone
    assert "3户" in body and "户主0(张家村)" in body and len(body) <= 134


def test_retries_then_success_send_once(app, world, twilio):
    twilio.script = ["500", "429", "201"]
    queue_one()
    assert drain(app) == {"sent": 1, "retry": 2, "failed": 0, "unknown": 0}
    message = outbound()[0]
    assert message.status == "sent" and message.attempts == 3 and message.provider_sid.startswith("SM")
    assert len(twilio.requests) == 3 and len(twilio.accepted) == 1


def test_a_permanent_error_is_not_retried(app, world, twilio):
    twilio.script = ["invalid"]
    queue_one()
    assert drain(app)["failed"] == 1 and drain(app)["sent"] == 0
    message = outbound()[0]
    assert (message.status, message.error_code, message.attempts) == ("failed", "21211", 1)
    assert len(twilio.requests) == 1


def test_the_server_down_for_an_hour_then_back_sends_everything_once(app, world, twilio, monkeypatch):
    for serial in range(5):
        queue_one(phone=f"+861380000000{serial}", key=f"down-{serial}")
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        dead_port = closed.getsockname()[1]
    monkeypatch.setitem(app.config, "TWILIO_API_BASE_URL", f"http://127.0.0.1:{dead_port}")
    monkeypatch.setitem(app.config, "SMS_RETRY_BASE_SECONDS", 60)
    assert drain(app)["retry"] == 5
    assert {m.status for m in outbound()} == {"queued"}
    monkeypatch.setitem(app.config, "TWILIO_API_BASE_URL", twilio.url)
    assert drain(app)["sent"] == 0  # not due yet: backing off
    assert drain(app, MIDDAY + timedelta(hours=1))["sent"] == 5
    assert drain(app, MIDDAY + timedelta(hours=2))["sent"] == 0
    assert sorted(m["To"] for m in twilio.accepted) == [f"+861380000000{i}" for i in range(5)]


def test_a_send_that_timed_out_waits_for_the_report_before_trying_again(app, world, twilio):
    twilio.script = ["hang"]
    queue_one()
    assert drain(app)["unknown"] == 1
    assert drain(app, MIDDAY + timedelta(minutes=5))["sent"] == 0  # may have gone: not sent twice
    message = outbound()[0]
    r = post_signed(app, f"/sms/status?outbox={message.id}", {"MessageSid": "SMlate", "MessageStatus": "delivered"})
    assert r.status_code == 204
    assert drain(app, MIDDAY + timedelta(hours=1))["sent"] == 0
    db.session.refresh(message)
    assert message.status == "delivered" and message.provider_sid == "SMlate"

    twilio.script = ["hang"]
    queue_one(key="k2")
    drain(app)
    assert drain(app, MIDDAY + timedelta(minutes=20))["sent"] == 1  # no report came: it did not go
    assert len(twilio.accepted) == 1


def test_quiet_hours_hold_non_urgent_messages(app, world, twilio):
    queue_one(key="later")
    queue_one(key="now", urgent=True)
    night = datetime(2026, 11, 25, 23, 0, tzinfo=SHANGHAI)
    assert drain(app, night)["sent"] == 1
    assert [m.idempotency_key for m in outbound(status="queued")] == ["later"]
    assert drain(app, datetime(2026, 11, 26, 7, 59, tzinfo=SHANGHAI))["sent"] == 0
    assert drain(app, datetime(2026, 11, 26, 8, 0, tzinfo=SHANGHAI))["sent"] == 1


def _logged_delivery(world, serial, phone="+8613800000009"):
    household = make_household(world, serial, distance_m=1500.0, phone=phone)
    make_agreement(world, household, interval_days=1, start_on=local_today())
    db.session.commit()
    plan_deliveries(db.session, local_today(), 1)
    delivery = db.session.scalar(select(Delivery).where(Delivery.household_id == household.id))
    complete_delivery(db.session, world.worker_a, delivery.id, {"liters": 100}, current_rules())
    db.session.commit()
    return delivery


def test_replies_confirm_or_dispute_the_latest_request(app, world, twilio):
    first = _logged_delivery(world, 1)
    request = outbound(purpose="confirm_request")[0]
    assert "回复1" in request.body and first.confirmation == "pending"
    r = post_signed(app, "/sms/inbound", {"MessageSid": "SM1", "From": "+8613800000009", "Body": "１"})
    assert r.status_code == 200 and r.mimetype == "text/xml" and "已确认收到" in r.get_data(as_text=True)
    db.session.refresh(first)
    assert first.confirmation == "confirmed" and first.confirmed_at is not None

    shared_a = _logged_delivery(world, 2, phone="+8613800000010")
    shared_b = _logged_delivery(world, 3, phone="+8613800000010")  # one phone, two households
    post_signed(app, "/sms/inbound", {"MessageSid": "SM2", "From": "+8613800000010", "Body": " 收到！"})
    db.session.refresh(shared_a)
    db.session.refresh(shared_b)
    assert (shared_a.confirmation, shared_b.confirmation) == ("pending", "confirmed")
    r = post_signed(app, "/sms/inbound", {"MessageSid": "SM3", "From": "+8613800000010", "Body": "0"})
    assert "没有收到" in r.get_data(as_text=True)
    db.session.refresh(shared_a)
    assert shared_a.confirmation == "disputed"
    case = db.session.scalars(select(Case).where(Case.delivery_id == shared_a.id)).one()
    assert case.kind == "missed_delivery" and case.status == "open"


def test_the_same_message_sid_twice_acts_once(app, world, twilio):
    delivery = _logged_delivery(world, 1)
    form = {"MessageSid": "SMdup", "From": "+8613800000009", "Body": "0"}
    first, second = post_signed(app, "/sms/inbound", form), post_signed(app, "/sms/inbound", form)
    assert first.get_data() == second.get_data()
    assert db.session.scalar(select(func.count()).select_from(SmsMessage).where(SmsMessage.provider_sid == "SMdup")) == 1
    assert db.session.scalar(select(func.count()).select_from(Case).where(Case.delivery_id == delivery.id)) == 1


def test_a_reply_with_nothing_pending_and_unknown_texts_go_to_the_inbox(app, world, twilio):
    r = post_signed(app, "/sms/inbound", {"MessageSid": "SMx", "From": "+8613800000077", "Body": "1"})
    assert "没有待确认" in r.get_data(as_text=True)
    r = post_signed(app, "/sms/inbound", {"MessageSid": "SMy", "From": "+8613800000077", "Body": "水管冻裂了"})
    assert "工作人员" in r.get_data(as_text=True)
    inbox = db.session.scalars(select(SmsMessage).where(SmsMessage.direction == "inbound")).all()
    assert [(m.body, m.status, m.handled) for m in inbox] == [("1", "unmatched", False), ("水管冻裂了", "unmatched", False)]


def test_opt_out_and_back_in(app, world, twilio):
    _logged_delivery(world, 1)
    post_signed(app, "/sms/inbound", {"MessageSid": "SMstop", "From": "+8613800000009", "Body": "退订"})
    assert db.session.get(SmsOptOut, "+8613800000009") is not None
    assert outbound(purpose="confirm_request")[0].status == "opted_out"
    second = _logged_delivery(world, 2)
    assert second.confirmation == "no_phone" and len(outbound(purpose="confirm_request")) == 1
    post_signed(app, "/sms/inbound", {"MessageSid": "SMstart", "From": "+8613800000009", "Body": "START"})
    assert db.session.get(SmsOptOut, "+8613800000009") is None


def test_forged_or_missing_signatures_change_nothing(app, world, twilio, monkeypatch):
    client = app.test_client()
    form = {"MessageSid": "SMf", "From": "+8613800000009", "Body": "1"}
    assert client.post("/sms/inbound", data=form).status_code == 403
    forged = RequestValidator("wrong-token").compute_signature("http://localhost/sms/inbound", form)
    assert client.post("/sms/inbound", data=form, headers={"X-Twilio-Signature": forged}).status_code == 403
    assert client.post("/sms/status", data={"MessageSid": "SMf", "MessageStatus": "failed"}).status_code == 403
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://water.example.cn")
    assert post_signed(app, "/sms/inbound", form).status_code == 403  # signed for the wrong URL
    assert post_signed(app, "/sms/inbound", form, base="https://water.example.cn").status_code == 200
    monkeypatch.setitem(app.config, "TWILIO_AUTH_TOKEN", None)
    assert post_signed(app, "/sms/inbound", {**form, "MessageSid": "SMg"}).status_code == 403
    assert db.session.scalar(select(func.count()).select_from(SmsMessage).where(SmsMessage.direction == "inbound")) == 1
    big = {**form, "Body": "x" * 20_000}
    assert post_signed(app, "/sms/inbound", big, base="https://water.example.cn").status_code == 403  # no token: refused first


def test_status_reports_only_move_forward(app, world, twilio):
    queue_one()
    drain(app)
    sid = outbound()[0].provider_sid
    for status in ("delivered", "sent", "delivered", "queued"):
        post_signed(app, "/sms/status", {"MessageSid": sid, "MessageStatus": status})
    assert outbound()[0].status == "delivered"


def test_unanswered_confirmations_expire_after_72_hours(app, world, twilio):
    delivery = _logged_delivery(world, 1)
    assert expire_confirmations(db.session, delivery.logged_at + timedelta(hours=71), timedelta(hours=72)) == 0
    assert expire_confirmations(db.session, delivery.logged_at + timedelta(hours=73), timedelta(hours=72)) == 1
    db.session.commit()
    db.session.refresh(delivery)
    assert delivery.confirmation == "expired"


@pytest.mark.parametrize("text, word", [("１", "1"), (" 收到！", "收到"), ("ｙｅｓ", "YES"), ("【0】", "0"), ("td", "TD")])
def test_replies_are_normalised(text, word):
    assert normalize_reply(text) == word


def test_inbox_page_and_reply(app, world, twilio, client):
    from .helpers import csrf_token, login

    household = make_household(world, 1, phone="+8613800000031")
    db.session.commit()
    post_signed(app, "/sms/inbound", {"MessageSid": "SMq", "From": "13800000031", "Body": "什么时候送水？"})
    post_signed(app, "/sms/inbound", {"MessageSid": "SMo", "From": "+8613900000099", "Body": "别的镇"})
    login(client, "worker_a")
    page = client.get("/sms").get_data(as_text=True)
    assert "什么时候送水？" in page and "别的镇" not in page
    message = db.session.scalars(select(SmsMessage).where(SmsMessage.provider_sid == "SMq")).one()
    assert message.household_id == household.id
    form = {"body": "明天上午送", "nonce": "n1", "csrf_token": csrf_token(client, "/sms")}
    assert client.post(f"/sms/{message.id}/reply", data=form).status_code == 302
    assert client.post(f"/sms/{message.id}/reply", data=form).status_code == 302  # a double tap
    assert len(outbound(purpose="manual_reply")) == 1
    reply = outbound(purpose="manual_reply")[0]
    # A worker's reply waits out quiet hours; only a township lead marks one urgent.
    assert (reply.phone, reply.body, reply.urgent) == ("+8613800000031", "明天上午送", False)
    local_noon = datetime.combine(local_today() + timedelta(days=1), datetime.min.time(), SHANGHAI) + timedelta(hours=12)
    assert drain(app, local_noon)["sent"] == 1
    outbox = client.get("/sms?box=outbox").get_data(as_text=True)
    assert f"<strong>138 0000 0031</strong> {household.head_name}" in outbox
    detail = client.get(f"/households/{household.id}").get_data(as_text=True)
    assert "短信记录" in detail and "什么时候送水？" in detail
    assert re.search(r"<title>([^<]*)</title>", detail).group(1) == f"{household.head_name} · 监测户"
    api = client.get("/api/v1/sms?direction=inbound", headers=world.headers(world.worker_a)).json
    assert [m["body"] for m in api["items"]] == ["什么时候送水？"]


def _inbound(app, sid, phone, body="什么时候送水？"):
    post_signed(app, "/sms/inbound", {"MessageSid": sid, "From": phone, "Body": body})
    return db.session.scalars(select(SmsMessage).where(SmsMessage.provider_sid == sid)).one()


def test_opted_out_numbers_get_nothing_whatever_the_purpose(app, world, twilio):
    from service.domain.outbox import enqueue

    db.session.add(SmsOptOut(phone=world.staff_a.phone))
    db.session.commit()
    queued = enqueue(db.session, [{"phone": world.staff_a.phone, "body": "【漏送】", "purpose": "missed_alert",
                                   "idempotency_key": "missed:x"},
                                  {"phone": world.staff_a.phone, "body": "【整改提醒】", "purpose": "case_reminder",
                                   "idempotency_key": "case:x", "urgent": True}], MIDDAY)
    db.session.commit()
    assert queued == 2 and {m.status for m in outbound()} == {"opted_out"}
    assert drain(app)["sent"] == 0 and twilio.accepted == []


def test_an_opt_out_after_queueing_is_checked_again_at_send(app, world, twilio):
    queue_one(phone="+8613800000055")
    db.session.add(SmsOptOut(phone="+8613800000055"))
    db.session.commit()
    assert drain(app)["sent"] == 0 and twilio.accepted == []
    assert outbound()[0].status == "opted_out"


def test_no_manual_reply_to_an_opted_out_number(app, world, twilio, client):
    from .helpers import csrf_token, login

    make_household(world, 1, phone="+8613800000031")
    db.session.commit()
    message = _inbound(app, "SMq1", "+8613800000031")
    _inbound(app, "SMq2", "+8613800000031", "退订")
    login(client, "worker_a")
    page = client.get("/sms").get_data(as_text=True)
    assert "已退订" in page and f"/sms/{message.id}/reply" not in page
    form = {"body": "明天送", "nonce": "n1", "csrf_token": csrf_token(client, "/sms")}
    r = client.post(f"/sms/{message.id}/reply", data=form)
    assert r.status_code == 409 and "已退订" in r.get_data(as_text=True)
    assert outbound(purpose="manual_reply") == []


def test_manual_sms_daily_limit_and_who_marks_urgent(app, world, twilio, client, monkeypatch):
    from .helpers import csrf_token, login

    monkeypatch.setitem(app.config, "MANUAL_SMS_PER_DAY", 2)
    make_household(world, 1, phone="+8613800000031")
    db.session.commit()
    messages = [_inbound(app, f"SMd{n}", "+8613800000031", f"问题{n}") for n in range(3)]
    login(client, "worker_a")
    token = csrf_token(client, "/sms")
    urgent = client.post(f"/sms/{messages[0].id}/reply", data={"body": "好", "nonce": "u", "urgent": "1",
                                                                "csrf_token": token})
    assert urgent.status_code == 403 and outbound(purpose="manual_reply") == []
    for n, message in enumerate(messages[:2]):
        r = client.post(f"/sms/{message.id}/reply", data={"body": "好", "nonce": f"n{n}", "csrf_token": token})
        assert r.status_code == 302
    r = client.post(f"/sms/{messages[2].id}/reply", data={"body": "好", "nonce": "n3", "csrf_token": token})
    assert r.status_code == 429 and "上限" in r.get_data(as_text=True) and r.headers["Retry-After"]
    assert len(outbound(purpose="manual_reply")) == 2
    client.post("/logout", data={"csrf_token": token})
    login(client, "lead_a")
    r = client.post(f"/sms/{messages[2].id}/reply", data={"body": "马上到", "nonce": "l1", "urgent": "1",
                                                           "csrf_token": csrf_token(client, "/sms")})
    assert r.status_code == 302
    assert [m.urgent for m in outbound(purpose="manual_reply")] == [False, False, True]


def test_a_reply_checks_that_the_message_is_visible_to_whoever_answers(app, world, twilio):
    from service.domain.errors import NotFound
    from service.domain.sms import reply_to_inbound

    make_household(world, 1, phone="+8613800000031")
    db.session.commit()
    message = _inbound(app, "SMv", "+8613800000031")
    with pytest.raises(NotFound):  # another township's worker, whatever page sent the form
        reply_to_inbound(db.session, world.worker_b, message.id, "好", "n", MIDDAY, SHANGHAI, 10)
    reply_to_inbound(db.session, world.worker_a, message.id, "好", "n", MIDDAY, SHANGHAI, 10)
    db.session.commit()
    assert [m.body for m in outbound(purpose="manual_reply")] == ["好"]


def test_a_villagers_own_words_open_a_complaint_case_that_gathers_later_ones(app, world, twilio):
    household = make_household(world, 1, phone="+8613800000041")
    db.session.commit()
    first = _inbound(app, "SMc1", "+8613800000041", "没水了")
    case = db.session.scalars(select(Case).where(Case.household_id == household.id)).one()
    assert (case.source, case.kind, case.description, case.status) == ("villager", "other", "没水了", "open")
    assert (first.related_type, first.related_id, first.handled) == ("case", case.id, True)
    reply = db.session.scalars(select(SmsMessage).where(SmsMessage.idempotency_key == "reply:SMc1")).one()
    assert f"问题{case.id}" in reply.body and len(reply.body) <= 70
    _inbound(app, "SMc2", "+8613800000041", "还是没水，三天了")
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Case).where(Case.household_id == household.id)) == 1
    assert [e.note for e in db.session.get(Case, case.id).events if e.action == "progress"] == ["还是没水，三天了"]
    # A number nobody registered stays in the inbox for a worker; nothing is opened.
    stranger = _inbound(app, "SMc3", "+8613800000099", "没水了")
    assert stranger.status == "unmatched" and stranger.related_type is None
    assert db.session.scalar(select(func.count()).select_from(Case)) == 1


def test_after_销号_the_household_that_complained_is_asked_and_a_0_reopens_its_case(app, client, world, twilio):
    from .helpers import PNG

    household = make_household(world, 1, phone="+8613800000042")
    db.session.commit()
    _inbound(app, "SMk1", "+8613800000042", "水有怪味")
    case = db.session.scalars(select(Case).where(Case.household_id == household.id)).one()
    h = world.headers(world.worker_a)
    client.post(f"/api/v1/cases/{case.id}/transitions", json={"to": "in_progress"}, headers=h)
    client.post(f"/api/v1/cases/{case.id}/evidence", headers=h, content_type="multipart/form-data",
                data={"file": (__import__("io").BytesIO(PNG), "p.png")})
    client.post(f"/api/v1/cases/{case.id}/transitions", json={"to": "resolved", "note": "清洗了水箱"}, headers=h)
    verified = client.post(f"/api/v1/cases/{case.id}/transitions", json={"to": "verified", "note": "电话回访", "standard": "恢复正常供水"},
                           headers=world.headers(world.lead_a))
    assert verified.status_code == 200 and verified.json["callback"]["answer"] is None
    asked = outbound(purpose="callback")
    assert len(asked) == 1 and asked[0].phone == "+8613800000042" and f"问题{case.id}" in asked[0].body
    # The full-width ０ is a 0: not satisfied, the case opens again and the ledger will say so.
    _inbound(app, "SMk2", "+8613800000042", "０")
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert (case.status, case.callback_answer) == ("open", "unsatisfied")
    assert [e.action for e in case.events][-2:] == ["callback_unsatisfied", "transition"]
    reply = db.session.scalars(select(SmsMessage).where(SmsMessage.idempotency_key == "reply:SMk2")).one()
    assert "不满意" in reply.body


def test_a_message_from_an_unregistered_number_becomes_a_case_with_one_tap(app, client, world, twilio):
    from .helpers import csrf_token, login

    stranger = _inbound(app, "SMu1", "+8613800000098", "张家村西头的井好几天没水了")
    login(client, "admin")  # a number nobody registered reaches the county's inbox
    page = client.get("/sms").get_data(as_text=True)
    assert f'/sms/{stranger.id}/case' in page and "反映的是哪个村" in page
    token = csrf_token(client, "/sms")
    refused = client.post(f"/sms/{stranger.id}/case", data={"csrf_token": token})
    assert refused.status_code == 422
    made = client.post(f"/sms/{stranger.id}/case", data={"csrf_token": token, "village_id": str(world.v_a1.id)})
    assert made.status_code == 302
    case = db.session.scalars(select(Case).where(Case.source == "villager")).one()
    assert case.village_id == world.v_a1.id and "好几天没水了" in case.description and "+8613800000098" in case.description
    db.session.expire_all()
    message = db.session.get(SmsMessage, stranger.id)
    assert (message.handled, message.related_type, message.related_id) == (True, "case", case.id)
    assert client.post(f"/sms/{stranger.id}/case", data={"csrf_token": token,
                                                         "village_id": str(world.v_a1.id)}).status_code == 409


def test_an_opted_out_number_gets_only_its_stop_and_start_confirmations(app, world, twilio):
    from sqlalchemy import select

    from models import SmsMessage

    from .helpers import post_signed

    phone = "+8613800000077"

    def answer(sid, body):
        r = post_signed(app, "/sms/inbound", {"MessageSid": sid, "From": phone, "Body": body})
        assert r.status_code == 200
        return r.get_data(as_text=True)

    assert "<Message>" in answer("SMo1", "退订")
    for sid, body in (("SMo2", "1"), ("SMo3", "什么时候送水"), ("SMo4", "0")):
        assert "<Message>" not in answer(sid, body), body
    assert "<Message>" not in answer("SMo3", "什么时候送水")  # the same webhook again: still nothing
    replies = db.session.execute(select(SmsMessage.idempotency_key, SmsMessage.status)
                                 .where(SmsMessage.purpose == "auto_reply").order_by(SmsMessage.id)).all()
    assert [status for _, status in replies] == ["sent", "opted_out", "opted_out", "opted_out"]
    # The messages themselves are kept for the township worker.
    assert db.session.scalar(select(SmsMessage.body).where(SmsMessage.provider_sid == "SMo3")) == "什么时候送水"
    assert "<Message>" in answer("SMo5", "START")
    assert "<Message>" in answer("SMo6", "什么时候送水")
