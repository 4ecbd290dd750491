"""What several test modules share: logging in through the pages, signed webhooks, the outbox, PDF text, and
histories of deliveries made through the API or written straight to the database."""
import io
import re
import subprocess
from dataclasses import replace
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from pypdf import PdfReader
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from models import Delivery, SmsMessage, db
from service.clock import local_today
from service.context import current_rules
from service.domain.deliveries import complete_delivery
from service.domain.planning import mark_missed, plan_deliveries

from .conftest import PASSWORD, TWILIO_TOKEN, household_payload, make_agreement, make_household

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A real 2 × 2 PNG: uploads are read as images (their pixel count), not only by their first bytes.
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x02\x00\x00\x00\x02\x08\x02\x00\x00\x00\xfd\xd4\x9as\x00\x00\x00\x16IDATx\x9cc<q\xe2\x04\x03\x03\x03\x13\x03\x03\x03\x03\x03\x03\x00\x1cJ\x02\\r\x98\xf28\x00\x00\x00\x00IEND\xaeB`\x82")
# A fixed local noon for the outbox's clock: never in quiet hours.
MIDDAY = datetime(2026, 11, 25, 12, 0, tzinfo=timezone(timedelta(hours=8)))
YEAR_START = date(2025, 1, 6)  # a Monday; a year of weeks that are all past


# Pages ------------------------------------------------------------------------------------------------------


def sql_statements(work) -> tuple[object, list[str]]:
    """What `work()` answers, and the SQL statements it sends to the database."""
    from sqlalchemy import event

    seen = []
    listener = lambda conn, cursor, statement, *rest: seen.append(statement)  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        answer = work()
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    return answer, seen


def csrf_token(client, path="/login") -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf[-_]token" (?:value|content)="([^"]+)"', page).group(1)


def login_without_csrf(client, username):
    """A page login as a script without a CSRF token would send it (the form's check set aside for it)."""
    client.application.config["WTF_CSRF_ENABLED"] = False
    try:
        return client.post("/login", data={"username": username, "password": PASSWORD})
    finally:
        client.application.config["WTF_CSRF_ENABLED"] = True


def login(client, username, password=PASSWORD):
    token = csrf_token(client)
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token})


# SMS --------------------------------------------------------------------------------------------------------


def post_signed(app, path, form, base="http://localhost"):
    """A Twilio webhook, signed as Twilio signs it."""
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(base + path, form)
    return app.test_client().post(path, data=form, headers={"X-Twilio-Signature": signature})


def outbound(**where):
    stmt = select(SmsMessage).where(SmsMessage.direction == "outbound")
    for key, value in where.items():
        stmt = stmt.where(getattr(SmsMessage, key) == value)
    return db.session.scalars(stmt.order_by(SmsMessage.id)).all()


def queue_one(phone="+8613800000001", key="k1", urgent=False, at=MIDDAY):
    db.session.add(SmsMessage(direction="outbound", phone=phone, body="测试", purpose="manual_reply", status="queued",
                              idempotency_key=key, urgent=urgent, next_attempt_at=at, attempts=0))
    db.session.commit()


# Printed records --------------------------------------------------------------------------------------------


def text_of(pdf: bytes) -> tuple[str, int]:
    """The PDF's text by pypdf and by pdftotext (both must find the Chinese), and its page count."""
    reader = PdfReader(io.BytesIO(pdf))
    by_pypdf = "\n".join(page.extract_text() for page in reader.pages)
    by_poppler = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout
    return by_pypdf + "\n" + by_poppler.decode(), len(reader.pages)


def year_of_deliveries(world, weeks=52, name_serial=1, **household):
    """A household served weekly from YEAR_START, each delivery logged on its day but the last two (missed)."""
    household = make_household(world, name_serial, distance_m=1500.0, phone="+8613800000001", **household)
    agreement = make_agreement(world, household, interval_days=7, start_on=YEAR_START, liters_per_delivery=300)
    db.session.commit()
    plan_deliveries(db.session, YEAR_START, weeks * 7)
    db.session.commit()
    days = db.session.scalars(select(Delivery).where(Delivery.household_id == household.id)
                              .order_by(Delivery.scheduled_for)).all()
    rules = current_rules()
    for delivery in days[:-2]:
        at = datetime.combine(delivery.scheduled_for, datetime.min.time(), timezone.utc) + timedelta(hours=2)
        logged_then = replace(rules, now=at + timedelta(minutes=5), today=delivery.scheduled_for)  # as on its day
        complete_delivery(db.session, world.worker_a, delivery.id, {"liters": 300, "delivered_at": at}, logged_then)
    db.session.commit()
    mark_missed(db.session, rules)  # the last two were never logged
    db.session.commit()
    return household, agreement, days


# Households and deliveries through the API ------------------------------------------------------------------


def api_household(client, world, serial=1, **values):
    payload = household_payload(world, serial, distance_m=1200, **values)
    return client.post("/api/v1/households", json=payload, headers=world.headers(world.admin)).json


def api_agreement(client, world, household, **values):
    body = {"household_id": household["id"], "provider_id": world.staff_a.id, "reason": "distance",
            "interval_days": 1, "liters_per_delivery": 120, "start_on": local_today().isoformat(), **values}
    return client.post("/api/v1/agreements", json=body, headers=world.headers(world.worker_a))


def planned_through_the_api(client, world, **agreement_values):
    """A household with an active daily agreement and its next three days planned: (household, agreement, items)."""
    household = api_household(client, world)
    agreement = api_agreement(client, world, household, status="active",
                              signed_on=local_today().isoformat(), **agreement_values).json
    plan_deliveries(db.session, local_today(), 3)
    db.session.commit()
    items = client.get(f"/api/v1/deliveries?agreement_id={agreement['id']}",
                       headers=world.headers(world.worker_a)).json["items"]
    return household, agreement, items


def upload(client, world, kind, data: bytes, name: str, dry_run=False, user=None):
    url = f"/api/v1/imports/{kind}" + ("?dry_run=1" if dry_run else "")
    return client.post(url, headers=world.headers(user or world.worker_a),
                       data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


# Supply histories written straight to the database ----------------------------------------------------------


def days_between(first: date, last: date, step: int = 1) -> list[date]:
    return [first + timedelta(days=n) for n in range(0, (last - first).days + 1, step)]


def delivery_history(world, serial: int, statuses: dict[date, str], members: int = 2, liters: int = 100,
                     start_on: date = date(2026, 9, 26), **agreement):
    """A household whose agreement planned a delivery on each day of `statuses`, which became that status."""
    household = make_household(world, serial, members=members, distance_m=1500.0)
    agreement = make_agreement(world, household, **{"interval_days": 1, "start_on": start_on,
                                                    "liters_per_delivery": liters, **agreement})
    for day, status in statuses.items():
        done = status == "delivered"
        noon = datetime.combine(day, time(12), timezone.utc)
        db.session.add(Delivery(household_id=household.id, agreement_id=agreement.id, scheduled_for=day,
                                status=status, liters=liters if done else None, delivered_at=noon if done else None))
    db.session.commit()
    return household


def recent_history(world, serial: int, missed_every: int | None, days: int = 45, members: int = 2):
    """Daily deliveries over the `days` before today; every `missed_every`-th one missed."""
    today = local_today()
    start = today - timedelta(days=days)
    statuses = {day: "missed" if missed_every and n % missed_every == 0 else "delivered"
                for n, day in enumerate(days_between(start, today - timedelta(days=1)))}
    return delivery_history(world, serial, statuses, members=members, start_on=start, signed_on=start)
