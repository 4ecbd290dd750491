"""SMS as the service's voice for village staff and villagers (docs/domain.md, "Confirmations and SMS"): what
is said (confirmation requests, reminders, alerts, answers to replies) and what replies and delivery reports do.

Every outbound SMS is an outbox row written in the same transaction as its cause (`outbox.enqueue`); sending is
the outbox's (`outbox.drain_outbox`). Replies and delivery reports come back through the webhooks and
`handle_inbound` / `apply_status`.
"""
import unicodedata
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, exists, func, select, update

from models import AuditEvent, Case, Delivery, Household, SmsMessage, SmsOptOut, Staff, User, Village

from . import catalogue
from .errors import Conflict, FieldErrors, NotFound, TooManyRequests
from .cases import answer_callback, open_case
from .case_rules import CasePolicy
from .system_cases import open_dispute_case, record_complaint
from .outbox import enqueue, is_opted_out
from .permissions import require_capability
from .scope import Scope, get_visible

CONFIRM_WORDS = {"1", "是", "收到", "已收到", "确认", "Y", "YES", "OK"}
DISPUTE_WORDS = {"0", "否", "没有", "未收到", "没收到", "N", "NO"}
STOP_WORDS = {"TD", "退订", "STOP"}
START_WORDS = {"START"}
# What an opted-out number still gets: nothing we send is essential to the person receiving it.
STATUS_RANK = {"queued": 0, "sending": 1, "unknown": 1, "sent": 2, "delivered": 3, "undelivered": 3, "failed": 3}
TWILIO_STATUSES = {"accepted": "queued", "scheduled": "queued", "queued": "queued", "sending": "sending",
                   "sent": "sent", "delivered": "delivered", "undelivered": "undelivered", "failed": "failed",
                   "read": "delivered", "canceled": "cancelled"}


def normalize_reply(text: str) -> str:
    """Full-width to half-width, and white space, punctuation and symbols dropped: `  １！` → `1`."""
    folded = unicodedata.normalize("NFKC", text)
    return "".join(c for c in folded if unicodedata.category(c)[0] not in "PSZC").upper()


def reply_kind(text: str) -> str:
    word = normalize_reply(text)
    for kind, words in (("confirm", CONFIRM_WORDS), ("dispute", DISPUTE_WORDS), ("stop", STOP_WORDS),
                        ("start", START_WORDS)):
        if word in words:
            return kind
    return "unknown"


# The outbox ----------------------------------------------------------------------------------------------


def request_confirmation(session, delivery: Delivery, now: datetime, zone: ZoneInfo) -> str:
    """On logging a delivery: ask the household to confirm, or say why it cannot (no phone, opted out)."""
    household = delivery.household
    if not household.phone or is_opted_out(session, household.phone):
        return "no_phone"
    day = delivery.delivered_at.astimezone(zone).date()
    enqueue(session, [{"phone": household.phone, "purpose": "confirm_request", "related_type": "delivery",
                       "related_id": delivery.id, "household_id": household.id, "township_id": household.township_id,
                       "idempotency_key": f"confirm:delivery:{delivery.id}",
                       "body": catalogue.say("sms.confirm_request", date=catalogue.short_date(day), liters=delivery.liters)}], now)
    return "pending"


def _names_by_person(rows) -> dict:
    people: dict[int, dict] = {}
    for staff_id, phone, township_id, name, village in rows:
        person = people.setdefault(staff_id, {"phone": phone, "township_id": township_id, "names": []})
        person["names"].append(f"{name}({village})")
    return people


def _list_message(staff_id: int, person: dict, message: str, day: date, purpose: str, key: str,
                  urgent: bool = False) -> dict:
    """One outbox row to a person, naming `day` and as many of their households as fit in two segments."""
    names = person["names"]
    head = catalogue.say(message, date=catalogue.short_date(day), count=len(names), names="")
    body = catalogue.say(message, date=catalogue.short_date(day), count=len(names),
                         names=catalogue.name_list(names, catalogue.REMINDER_BUDGET - len(head)))
    return {"phone": person["phone"], "staff_id": staff_id, "township_id": person["township_id"], "purpose": purpose,
            "urgent": urgent, "related_type": "day", "idempotency_key": key, "body": body}


def send_reminders(session, day: date, when: str, now: datetime) -> int:
    """ONE SMS to each deliverer listing `day`'s households (`when`: "evening" before, "morning" of).

    One read and one bulk insert; the key remind:staff:<id>:<day>:<when> makes a second run send nothing.
    """
    rows = session.execute(
        select(Staff.id, Staff.phone, Staff.township_id, Household.head_name, Village.name)
        .join(Delivery, Delivery.deliverer_id == Staff.id)
        .join(Household, Household.id == Delivery.household_id)
        .join(Village, Village.id == Household.village_id)
        .where(Delivery.scheduled_for == day, Delivery.status == "planned",
               ~exists().where(SmsOptOut.phone == Staff.phone))
        .order_by(Staff.id, Village.name, Household.head_name)
    ).all()
    return enqueue(session, [
        _list_message(staff_id, person, f"sms.remind_{when}", day, f"remind_{when}",
                      f"remind:staff:{staff_id}:{day.isoformat()}:{when}", urgent=when == "morning")
        for staff_id, person in _names_by_person(rows).items()], now)


def send_daily_reminders(session, rules) -> int:
    """The reminder job: before noon, the morning-of reminder for today; after, the evening one for tomorrow."""
    if rules.now.astimezone(rules.zone).hour < 12:
        return send_reminders(session, rules.today, "morning", rules.now)
    return send_reminders(session, rules.today + timedelta(days=1), "evening", rules.now)


def alert_missed(session, delivery_ids: list[int], now: datetime, zone: ZoneInfo) -> int:
    """Each township lead gets one SMS listing its township's newly missed deliveries (held to the morning)."""
    if not delivery_ids:
        return 0
    rows = session.execute(
        select(Staff.id, Staff.phone, Staff.township_id, Household.head_name, Village.name, Delivery.scheduled_for)
        .join(Household, Household.township_id == Staff.township_id)
        .join(Delivery, Delivery.household_id == Household.id)
        .join(Village, Village.id == Household.village_id)
        .where(Delivery.id.in_(delivery_ids), Staff.role == "township_lead")
        .order_by(Staff.id, Village.name, Household.head_name)
    ).all()
    today = now.astimezone(zone).date().isoformat()
    people = _names_by_person([row[:5] for row in rows])
    days = {row[0]: row[5] for row in rows}
    return enqueue(session, [
        _list_message(staff_id, person, "sms.missed_alert", days[staff_id], "missed_alert",
                      f"missed:lead:{staff_id}:{today}")
        for staff_id, person in people.items()], now)


def expire_confirmations(session, now: datetime, after: timedelta) -> int:
    """Deliveries whose confirmation request got no reply in time become `expired` (未回复)."""
    return len(session.scalars(
        update(Delivery).where(Delivery.confirmation == "pending", Delivery.logged_at < now - after)
        .values(confirmation="expired").returning(Delivery.id).execution_options(synchronize_session=False)).all())


# Replies and delivery reports ---------------------------------------------------------------------------


def _pending_request(session, phone: str):
    """The delivery of the most recent confirmation request sent to this number that still awaits a reply, with
    when it was asked (None without one)."""
    return session.execute(
        select(Delivery, SmsMessage.created_at)
        .join(SmsMessage, (SmsMessage.related_id == Delivery.id) & (SmsMessage.related_type == "delivery"))
        .where(SmsMessage.phone == phone, SmsMessage.purpose == "confirm_request",
               SmsMessage.direction == "outbound", Delivery.confirmation == "pending")
        .order_by(SmsMessage.created_at.desc(), SmsMessage.id.desc()).limit(1)).first()


def _pending_callback(session, phone: str):
    """The case of the most recent 回访 asked of this number and not yet answered, with when it was asked."""
    return session.execute(
        select(Case, SmsMessage.created_at)
        .join(SmsMessage, (SmsMessage.related_id == Case.id) & (SmsMessage.related_type == "case"))
        .where(SmsMessage.phone == phone, SmsMessage.purpose == "callback", SmsMessage.direction == "outbound",
               Case.callback_asked_at.is_not(None), Case.callback_answer.is_(None))
        .order_by(SmsMessage.created_at.desc(), SmsMessage.id.desc()).limit(1)).first()


def handle_inbound(session, phone: str, body: str, sid: str, now: datetime, policy: CasePolicy,
                   today: date) -> str | None:
    """Store an inbound SMS once (by its MessageSid) and act on it; returns the reply to send back, or None when
    nothing may be sent: an opted-out number gets only the confirmation of its STOP or START."""
    if session.scalar(select(SmsMessage.id).where(SmsMessage.provider_sid == sid)) is not None:
        # The same webhook again: act once, answer as the first time.
        first = session.execute(select(SmsMessage.body, SmsMessage.status)
                                .where(SmsMessage.idempotency_key == f"reply:{sid}")).first()
        if first is None:
            return catalogue.say("sms.reply.unknown")
        return None if first.status == "opted_out" else first.body
    household = session.scalar(select(Household).where(Household.phone == phone).order_by(Household.id).limit(1))
    message = SmsMessage(direction="inbound", phone=phone, body=body[:1600], purpose="reply", provider_sid=sid,
                         status="received", township_id=household.township_id if household else None,
                         household_id=household.id if household else None, handled=False, created_at=now,
                         updated_at=now)
    kind, reply_values = reply_kind(body), {}
    request = _pending_request(session, phone) if kind in ("confirm", "dispute") else None
    callback = _pending_callback(session, phone) if kind in ("confirm", "dispute") else None
    if callback is not None and (request is None or callback[1] >= request[1]):
        # The later question is the one answered: 1 satisfied, 0 not (the case opens again).
        answer_callback(session, callback[0], kind == "confirm", now, today, policy)
        message.status, message.handled = "matched", True
        message.related_type, message.related_id = "case", callback[0].id
        reply = "callback_satisfied" if kind == "confirm" else "callback_unsatisfied"
    elif kind in ("confirm", "dispute"):
        delivery = request[0] if request is not None else None
        if delivery is None:
            message.status, reply = "unmatched", "no_pending"
        else:
            delivery.confirmation = "confirmed" if kind == "confirm" else "disputed"
            delivery.confirmed_at = now
            message.status, message.handled = "matched", True
            message.related_type, message.related_id = "delivery", delivery.id
            message.household_id, message.township_id = delivery.household_id, delivery.household.township_id
            reply = "confirmed" if kind == "confirm" else "disputed"
            if kind == "dispute":
                open_dispute_case(session, delivery, today, now, policy)
    elif kind == "stop":
        if session.get(SmsOptOut, phone) is None:
            session.add(SmsOptOut(phone=phone, since=now))
        session.execute(update(SmsMessage).where(SmsMessage.phone == phone, SmsMessage.status == "queued",
                                                 SmsMessage.direction == "outbound").values(status="opted_out"))
        message.status, message.handled, reply = "opt_out", True, "opt_out"
    elif kind == "start":
        session.execute(delete(SmsOptOut).where(SmsOptOut.phone == phone))
        message.status, message.handled, reply = "opt_in", True, "opt_in"
    elif household is not None and body.strip():
        # A registered household's own words: a complaint (群众反映), a case of its own, answered with its number.
        case_id = record_complaint(session, household, body.strip()[:2000], today, now, policy)
        message.handled, message.related_type, message.related_id = True, "case", case_id
        reply, reply_values = "complaint", {"case_id": case_id}
    else:
        message.status, reply = "unmatched", "unknown"
    session.add(message)
    silent = reply not in ("opt_out", "opt_in") and session.get(SmsOptOut, phone) is not None
    # The reply goes back in the webhook's answer (TwiML); it is recorded like every SMS out, and kept unsent
    # (已退订) for a number that opted out.
    text = catalogue.say(f"sms.reply.{reply}", **reply_values)
    session.add(SmsMessage(direction="outbound", phone=phone, body=text, purpose="auto_reply",
                           status="opted_out" if silent else "sent", idempotency_key=f"reply:{sid}",
                           related_type=message.related_type, related_id=message.related_id,
                           household_id=message.household_id, township_id=message.township_id,
                           sent_at=None if silent else now, created_at=now, updated_at=now))
    return None if silent else text


def apply_status(session, sid: str | None, outbox_id: int | None, twilio_status: str, error_code: str | None,
                 now: datetime) -> bool:
    """A delivery report from Twilio: move the row forward only (reports come late, twice, out of order)."""
    status = TWILIO_STATUSES.get(twilio_status)
    message = session.scalar(select(SmsMessage).where(SmsMessage.provider_sid == sid)) if sid else None
    if message is None and outbox_id is not None:
        message = session.get(SmsMessage, outbox_id)
    if message is None or message.direction != "outbound" or status is None:
        return False
    if STATUS_RANK.get(status, -1) <= STATUS_RANK.get(message.status, -1) and message.status != "unknown":
        return False
    message.status, message.updated_at = status, now
    message.provider_sid = message.provider_sid or sid
    message.sent_at = message.sent_at or now
    if error_code:
        message.error_code = str(error_code)[:20]
    return True


def reply_to_inbound(session, actor: User, message_id: int, text: str, nonce: str, now: datetime, zone: ZoneInfo,
                     daily_limit: int, urgent: bool = False) -> None:
    """A township worker's answer to an inbound SMS they can see, queued in the outbox and marked handled.

    Never to a number that opted out; at most `daily_limit` a day per user; held through quiet hours unless a
    township lead (or the county) marks it urgent. `nonce` comes with the form, so a double submit queues one.
    """
    message = get_visible(session, SmsMessage, message_id, Scope.of(actor))
    if message.direction != "inbound":
        raise NotFound("reply.not_found")
    require_capability(actor, "reply_sms")
    if is_opted_out(session, message.phone):
        raise Conflict("reply.opted_out")
    if urgent:
        require_capability(actor, "send_urgent_sms")
    local_midnight = datetime.combine(now.astimezone(zone).date(), time(), zone)
    sent_today = session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.actor_id == actor.id, AuditEvent.action == "manual_sms", AuditEvent.at >= local_midnight))
    if sent_today >= daily_limit:
        raise TooManyRequests("reply.daily_limit", count=sent_today)
    queued = enqueue(session, [{"phone": message.phone, "body": text, "purpose": "manual_reply", "urgent": urgent,
                                "related_type": "sms", "related_id": message.id, "household_id": message.household_id,
                                "township_id": message.township_id,
                                "idempotency_key": f"manual:{message.id}:{actor.id}:{nonce}"}], now)
    if queued:
        session.add(AuditEvent(actor_id=actor.id, action="manual_sms", entity="sms_messages", entity_id=message.id,
                               before=None, after={"urgent": urgent}, at=now))
    message.handled = True


def case_from_message(session, actor: User, message_id: int, village_id: int | None, today: date,
                      policy: CasePolicy) -> int:
    """A message from a number nobody registered, made a complaint (群众反映) in the village the worker names:
    the case quotes it, and the message is handled, pointing at the case."""
    message = get_visible(session, SmsMessage, message_id, Scope.of(actor))
    if message.direction != "inbound":
        raise NotFound("reply.not_found")
    if message.related_type == "case":
        raise Conflict("sms.already_a_case", case_id=message.related_id)
    if village_id is None:
        raise FieldErrors.one("village_id", "case.subject_needed")
    case = open_case(session, actor, {"kind": "other", "village_id": village_id, "source": "villager",
                                      "title": catalogue.say("case.complaint_title"),
                                      "description": f"{message.body}（{message.phone}）"[:2000]}, today, policy)
    message.handled, message.related_type, message.related_id = True, "case", case.id
    message.township_id = message.township_id or case.township_id
    return case.id
