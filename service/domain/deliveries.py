"""Logging deliveries (送水记录): once, from a phone, never edited in place.

See docs/domain.md, "Agreements and deliveries".
"""
from datetime import date, datetime, time, timedelta
from typing import Callable

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from models import Agreement, Delivery, DeliveryCorrection, Facility, Household, Staff, User

from . import catalogue
from .catalogue import Message, label_of
from .errors import Conflict, FieldErrors, Forbidden
from .idempotency import checked_key, request_digest, require_same_request
from .audit import record_write, snapshot
from .permissions import require_capability
from .scope import get_for_write, require_write
from .sms import request_confirmation

CORRECTABLE = ("liters", "delivered_at", "deliverer_id", "note")
# Phones' clocks drift; a delivery time this far ahead of the server is still "now".
CLOCK_SKEW = timedelta(minutes=5)


def effective_values(delivery: Delivery) -> dict:
    """The delivery's values after its corrections, applied oldest first."""
    values = {key: getattr(delivery, key) for key in CORRECTABLE}
    for correction in delivery.corrections:
        for key in CORRECTABLE:
            if getattr(correction, key) is not None:
                values[key] = getattr(correction, key)
    return values


def _scoped_key(actor: User, key: str | None) -> str | None:
    # Keys are the client's: the same key from two users names two different requests. The stored key adds the
    # user's prefix, within the column's 120 characters on every database.
    key = checked_key(key)
    return f"u{actor.id}:{key}" if key else None


def _by_key(session, key: str | None) -> Delivery | None:
    return session.scalar(select(Delivery).where(Delivery.idempotency_key == key)) if key else None


def earliest_log(planned_day: date, rules) -> datetime:
    """The earliest time a delivery planned for `planned_day` may say it was made: local midnight,
    `rules.backdate_days` before that day (an unplanned delivery counts from today), and never more than
    `rules.backdate_days` before today, however it arrives (a form, the API, a tap queued on a phone)."""
    return datetime.combine(max(planned_day, rules.today) - timedelta(days=rules.backdate_days), time(), rules.zone)


def _check_log(session, data: dict, household: Household, planned_day: date, rules) -> None:
    errors: dict = {}
    earliest = earliest_log(planned_day, rules)
    if data["delivered_at"] > rules.now + CLOCK_SKEW:
        errors["delivered_at"] = [Message("delivery.in_future")]
    elif data["delivered_at"] < earliest:
        errors["delivered_at"] = [Message("delivery.too_early", earliest=earliest.date().isoformat(),
                                           days=rules.backdate_days)]
    if data.get("deliverer_id") is not None:
        deliverer = session.get(Staff, data["deliverer_id"])
        if deliverer is None or deliverer.township_id not in (None, household.township_id):
            errors["deliverer_id"] = [Message("delivery.deliverer_elsewhere")]
    problem = source_problem(session, data.get("source_facility_id"), {household.township_id})
    if problem:
        errors["source_facility_id"] = [problem]
    if errors:
        raise FieldErrors(errors)


def source_problem(session, facility_id: int | None, township_ids) -> Message | None:
    """Why water cannot come from this facility (None when it can, or when no source is named): it must be a
    central point or well in service in one of these townships (one elsewhere is not named, whatever it is), and
    water from one marked 水质超标 is refused."""
    if facility_id is None:
        return None
    source = session.get(Facility, facility_id)
    if source is None or source.township_id not in township_ids or source.kind not in ("central_point", "well") \
            or source.status == "retired":
        return Message("delivery.source_unknown")
    if source.quality_exceeded:
        return Message("delivery.source_exceeded", name=source.name)
    return None


def complete_delivery(session, actor: User, delivery_id: int, data: dict, rules,
                      idempotency_key: str | None = None, sent_later: bool = False,
                      queued_by: str | None = None, asked: dict | None = None) -> tuple[Delivery, bool]:
    """Log a planned (or missed) delivery as delivered; returns it and whether this call logged it.

    The same idempotency key again returns the delivery as first logged, so a double tap logs once.
    `sent_later`: the tap was queued on a phone without signal and arrives now; if the delivery was counted
    missed meanwhile although the tap was on its day, its record says so instead of asking the worker why.
    `queued_by`: the login that tapped it on the phone; sent under another login it is refused, not logged as theirs.
    `asked`: what the request asked, as sent (a form before its times are worked out), for the key's digest; `data`
    when not given. The same key with another request is refused.
    """
    if queued_by and queued_by != actor.username:
        raise Forbidden("delivery.other_user")
    idempotency_key = _scoped_key(actor, idempotency_key)
    digest = request_digest("complete", delivery_id, data if asked is None else asked)
    replay = _by_key(session, idempotency_key)
    if replay is not None:
        if replay.id != delivery_id:
            raise FieldErrors.one("Idempotency-Key", "idempotency.reused")
        require_same_request(replay.request_digest, digest)
        return replay, False
    # Locked (PostgreSQL) so that two taps racing each other log once; SQLite writes one at a time anyway.
    delivery = get_for_write(session, Delivery, delivery_id, actor, "log_delivery", lock=True)
    if idempotency_key is not None and delivery.idempotency_key == idempotency_key:
        require_same_request(delivery.request_digest, digest)
        return delivery, False  # a retry that raced the first request and waited for its lock
    if delivery.status not in ("planned", "missed"):
        raise Conflict("delivery.already", status=label_of("delivery_status", delivery.status))
    if delivery.status == "missed" and not (data.get("note") or "").strip():
        # Logged after it was counted missed: the record says why, for whoever checks the missed-delivery case.
        tapped_on_its_day = data.get("delivered_at") is not None and \
            data["delivered_at"].astimezone(rules.zone).date() == delivery.scheduled_for
        if not (sent_later and tapped_on_its_day):
            raise FieldErrors.one("note", "delivery.late_note")
        tapped = data["delivered_at"].astimezone(rules.zone).strftime("%m-%d %H:%M")
        data = {**data, "note": catalogue.say("delivery.sent_later", tapped=tapped)}
    now = rules.now
    data = {"delivered_at": now, "source_facility_id": delivery.source_facility_id, **data}
    _check_log(session, data, delivery.household, delivery.scheduled_for, rules)
    before = snapshot(delivery)
    delivery.source_facility_id = data["source_facility_id"]
    delivery.status = "delivered"
    delivery.delivered_at = data["delivered_at"]
    delivery.liters = data["liters"]
    delivery.deliverer_id = data.get("deliverer_id") or actor.staff_id or delivery.deliverer_id
    delivery.note = data.get("note")
    delivery.logged_by_id, delivery.logged_at, delivery.idempotency_key = actor.id, now, idempotency_key
    delivery.request_digest = digest if idempotency_key else None
    session.flush()
    delivery.confirmation = request_confirmation(session, delivery, now, rules.zone)
    record_write(session, actor, "complete", delivery, before)
    return delivery, True


def log_unplanned_delivery(session, actor: User, data: dict, rules,
                           idempotency_key: str | None = None) -> tuple[Delivery, bool]:
    """Log a delivery that no schedule planned; returns it and whether this call logged it."""
    idempotency_key = _scoped_key(actor, idempotency_key)
    digest = request_digest("unplanned", data)
    replay = _by_key(session, idempotency_key)
    if replay is not None:
        require_same_request(replay.request_digest, digest)
        return replay, False
    household = session.get(Household, data["household_id"])
    if household is None:
        raise FieldErrors.one("household_id", "household.unknown", id=data["household_id"])
    require_write(actor, "log_delivery", household.township_id, household.village_id)
    if data.get("agreement_id") is not None:
        agreement = session.get(Agreement, data["agreement_id"])
        if agreement is None or agreement.household_id != household.id:
            raise FieldErrors.one("agreement_id", "delivery.agreement_elsewhere")
    now = rules.now
    data = {"delivered_at": now, "source_facility_id": agreement.source_facility_id if data.get("agreement_id")
            is not None else None, **data}
    _check_log(session, data, household, rules.today, rules)
    if idempotency_key is not None:
        # Retries racing each other: the second waits here until the first commits, then replays it.
        session.execute(select(Household.id).where(Household.id == household.id).with_for_update())
        replay = _by_key(session, idempotency_key)
        if replay is not None:
            require_same_request(replay.request_digest, digest)
            return replay, False
    delivery = Delivery(
        household_id=household.id, agreement_id=data.get("agreement_id"), unplanned=True, status="delivered",
        scheduled_for=data["delivered_at"].astimezone(rules.zone).date(), delivered_at=data["delivered_at"],
        liters=data["liters"], deliverer_id=data.get("deliverer_id") or actor.staff_id, note=data.get("note"),
        source_facility_id=data["source_facility_id"],
        logged_by_id=actor.id, logged_at=now, idempotency_key=idempotency_key,
        request_digest=digest if idempotency_key else None,
    )
    session.add(delivery)
    session.flush()
    delivery.confirmation = request_confirmation(session, delivery, now, rules.zone)
    record_write(session, actor, "log_unplanned", delivery, None)
    return delivery, True


def change_planned_delivery(session, actor: User, delivery_id: int, data: dict) -> Delivery:
    """Reassign, annotate or cancel a delivery still planned; a logged one changes only by correction.

    Cancelling takes a township role and a note: otherwise a delivery nobody made could be made to vanish
    instead of becoming missed.
    """
    delivery = get_for_write(session, Delivery, delivery_id, actor, "log_delivery", lock=True)
    if delivery.status != "planned":
        raise Conflict("delivery.logged_is_kept", status=label_of("delivery_status", delivery.status))
    if data.get("status", "planned") not in ("planned", "cancelled"):
        raise Conflict("delivery.planned_changes")
    if data.get("status") == "cancelled":
        require_capability(actor, "cancel_delivery")
        if not (data.get("note") or "").strip():
            raise FieldErrors.one("note", "delivery.cancel_note")
    if data.get("deliverer_id") is not None:
        deliverer = session.get(Staff, data["deliverer_id"])
        if deliverer is None or deliverer.township_id != delivery.household.township_id:
            raise FieldErrors.one("deliverer_id", "delivery.deliverer_elsewhere")
    before = snapshot(delivery)
    for key, value in data.items():
        setattr(delivery, key, value)
    record_write(session, actor, "update", delivery, before)
    return delivery


def correct_delivery(session, actor: User, delivery_id: int, data: dict, rules) -> DeliveryCorrection:
    """Record a correction of a logged delivery: who, why and the new values; the original stays."""
    now = rules.now
    delivery = get_for_write(session, Delivery, delivery_id, actor, "log_delivery")
    if delivery.status != "delivered":
        raise Conflict("delivery.correct_delivered_only", status=label_of("delivery_status", delivery.status))
    if not any(data.get(key) is not None for key in CORRECTABLE):
        raise FieldErrors.one("liters", "delivery.correction_empty", fields=", ".join(CORRECTABLE))
    if data.get("delivered_at") is not None or data.get("deliverer_id") is not None:
        _check_log(session, {**data, "delivered_at": data.get("delivered_at") or delivery.delivered_at},
                   delivery.household, delivery.scheduled_for, rules)
    correction = DeliveryCorrection(delivery_id=delivery.id, corrected_by_id=actor.id, corrected_at=now, **data)
    session.add(correction)
    record_write(session, actor, "create", correction, None)
    session.refresh(delivery, ["corrections"])
    return correction


def attach_photo(session, actor: User, delivery_id: int, save: Callable[[], str]) -> Delivery:
    """Attach a photo to a delivery; `save` stores the file (called only once the actor may do this)."""
    delivery = get_for_write(session, Delivery, delivery_id, actor, "log_delivery")
    before = snapshot(delivery)
    delivery.photo_path = save()
    record_write(session, actor, "attach_photo", delivery, before)
    return delivery


def delivery_sources(session, scope, township_ids) -> list[Facility]:
    """The central points and wells in service that water may be fetched from, in these townships (those marked
    水质超标 included, so that a form can say why one is refused), village by village."""
    return session.scalars(scope.restrict(select(Facility), Facility).where(
        Facility.township_id.in_(list(township_ids)), Facility.kind.in_(("central_point", "well")),
        Facility.status != "retired").options(selectinload(Facility.village))
        .order_by(Facility.village_id, Facility.name)).all()
