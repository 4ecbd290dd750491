"""Water-delivery agreements (送水服务协议): their lifecycle, renewals and the households without one."""
from datetime import date, timedelta
from typing import Callable

from sqlalchemy import ColumnElement, delete, or_, select, update

from models import Agreement, Delivery, Facility, Household, Staff, User

from .catalogue import Message, label_of
from .errors import Conflict, FieldConflict, FieldErrors, NotFound
from .audit import record_write, snapshot
from .system_cases import sync_gap_cases
from .planning import cancel_planned, plan_deliveries
from .needs_delivery import Thresholds, household_reasons
from .scope import get_for_write, get_visible, require_write

# draft → active → expired (automatic, past its end) or terminated; a draft may be abandoned (terminated).
TRANSITIONS = {("draft", "active"), ("draft", "terminated"), ("active", "terminated")}
RENEWAL_WINDOW_DAYS = 30
SCHEDULE_FIELDS = ("interval_days", "weekday_mask", "start_on", "end_on")


def weekday_mask(weekdays: list[int]) -> int:
    """The bit mask of ISO weekdays (1 = Monday → bit 0)."""
    return sum(1 << (day - 1) for day in set(weekdays))


def delivery_interval_days(agreement: Agreement) -> float:
    """The average number of days between deliveries."""
    if agreement.interval_days is not None:
        return float(agreement.interval_days)
    return 7 / len(agreement.weekdays)


def liters_per_person_day(agreement: Agreement, members: int) -> float:
    return agreement.liters_per_delivery / delivery_interval_days(agreement) / max(members, 1)


def quantity_below_standard(agreement: Agreement, members: int, standard_l_per_person_day: float) -> bool:
    """Whether the agreed water falls under the quantity standard (35 L a person a day by default)."""
    return liters_per_person_day(agreement, members) < standard_l_per_person_day


def renewal_due_clause(today: date) -> ColumnElement[bool]:
    """SQL: an active agreement that ends within the renewal window."""
    return (Agreement.status == "active") & Agreement.end_on.is_not(None) & \
        (Agreement.end_on <= today + timedelta(days=RENEWAL_WINDOW_DAYS))


def _schedule(data: dict) -> dict:
    """Turn the API's `weekdays` list into the stored mask; a schedule is one or the other."""
    if "weekdays" in data:
        days = data.pop("weekdays")
        data["weekday_mask"] = weekday_mask(days) if days else None
        if days and "interval_days" not in data:
            data["interval_days"] = None
    elif data.get("interval_days") is not None:
        data["weekday_mask"] = None
    return data


def _check(session, agreement: Agreement, household: Household, thresholds: Thresholds,
           reason_given: bool = True) -> None:
    """The agreement's own rules; the reason is checked when given (a household's needs may change later)."""
    errors: dict = {}
    if (agreement.interval_days is None) == (agreement.weekday_mask is None):
        errors["interval_days"] = [Message("agreement.schedule_needed")]
    if agreement.end_on is not None and agreement.end_on < agreement.start_on:
        errors["end_on"] = [Message("agreement.ends_before_start")]
    provider = session.get(Staff, agreement.provider_id)
    if provider is None or provider.township_id != household.township_id or provider.role == "county_admin":
        errors["provider_id"] = [Message("agreement.provider_elsewhere")]
    if reason_given and agreement.reason != "other" and agreement.reason not in household_reasons(household, thresholds):
        errors["reason"] = [Message("agreement.reason_not_household")]
    if agreement.status in ("draft", "active") and household.monitoring_status != "monitored":
        errors["household_id"] = [Message("agreement.household_left")]
    if agreement.status == "active" and agreement.signed_on is None:
        errors["signed_on"] = [Message("agreement.keeps_signed_on")]
    if agreement.source_facility_id is not None:
        source = session.get(Facility, agreement.source_facility_id)
        if source is None or source.township_id != household.township_id or \
                source.kind not in ("central_point", "well") or source.status == "retired":
            errors["source_facility_id"] = [Message("delivery.source_unknown")]
    if errors:
        raise FieldErrors(errors)


def _refuse_a_second(session, agreement: Agreement) -> None:
    """Conflict when the household already has a draft or active agreement for part of the same period: say so
    when the second is written, not when it would be activated. A renewal starts after the current one ends."""
    last_day = agreement.end_on or date.max
    other = session.scalar(select(Agreement.id).where(
        Agreement.household_id == agreement.household_id, Agreement.status.in_(("draft", "active")),
        Agreement.start_on <= last_day, or_(Agreement.end_on.is_(None), Agreement.end_on >= agreement.start_on))
        .order_by(Agreement.id).limit(1))
    if other is not None:
        raise FieldConflict.one("start_on", "agreement.overlaps", id=other)


def _enter(session, agreement: Agreement, status: str, today: date) -> None:
    """Apply a status change and its consequences for planned deliveries."""
    if (agreement.status, status) not in TRANSITIONS and agreement.status != status:
        raise Conflict("agreement.cannot_move", frm=label_of("agreement_status", agreement.status),
                       to=label_of("agreement_status", status))
    if status == "active":
        if agreement.signed_on is None:
            raise FieldErrors.one("signed_on", "agreement.unsigned")
        if agreement.end_on is not None and agreement.end_on < today:
            raise FieldErrors.one("end_on", "agreement.ended")
        other = session.scalar(select(Agreement.id).where(
            Agreement.household_id == agreement.household_id, Agreement.status == "active",
            Agreement.id != (agreement.id or 0)))
        if other is not None:
            raise Conflict("agreement.second_active", id=other)
    if status == "terminated":
        cancel_planned(session, [agreement.id], from_day=today)
        end_early(agreement, today - timedelta(days=1))
    agreement.status = status


def end_early(agreement: Agreement, last_day: date, reason: str | None = None) -> None:
    """End an agreement before its time: an active one keeps `last_day` (never before its start) as its last day in
    force, so that a figure for a past day still finds it and none after; the service's `reason` is kept. Its planned
    deliveries are the caller's to call off."""
    if agreement.status == "active":
        last_day = max(agreement.start_on, last_day)
        if agreement.end_on is None or agreement.end_on > last_day:
            agreement.end_on = last_day
    agreement.status = "terminated"
    if reason is not None:
        agreement.end_reason = reason


def create_agreement(session, actor: User, data: dict, rules) -> Agreement:
    """A new agreement (a draft, or active at once when signed) for a household in the actor's scope."""
    household = session.get(Household, data["household_id"])
    if household is None:
        raise FieldErrors.one("household_id", "household.unknown", id=data["household_id"])
    require_write(actor, "manage_agreements", household.township_id, household.village_id)
    status = data.pop("status", "draft")
    agreement = Agreement(status="draft", **_schedule(dict(data)))
    _check(session, agreement, household, rules.thresholds)
    _refuse_a_second(session, agreement)
    session.add(agreement)
    session.flush()
    _enter(session, agreement, status, rules.today)
    if agreement.status == "active":
        plan_deliveries(session, rules.today, rules.horizon_days, [agreement.id])
    record_write(session, actor, "create", agreement, None)
    _sync_gaps(session, household.village_id, rules)
    return agreement


def update_agreement(session, actor: User, agreement_id: int, data: dict, rules) -> Agreement:
    """Change an agreement; a status change follows the lifecycle, a schedule change re-plans."""
    agreement = get_for_write(session, Agreement, agreement_id, actor, "manage_agreements")
    if agreement.status in ("expired", "terminated"):
        raise Conflict("agreement.kept", status=label_of("agreement_status", agreement.status))
    if data.get("household_id", agreement.household_id) != agreement.household_id:
        raise FieldErrors.one("household_id", "agreement.no_move")
    before = snapshot(agreement)
    status = data.pop("status", agreement.status)
    for key, value in _schedule(dict(data)).items():
        setattr(agreement, key, value)
    today = rules.today
    with session.no_autoflush:  # check first: a flush would hit the database's constraints with a worse message
        _check(session, agreement, agreement.household, rules.thresholds, reason_given="reason" in data)
    session.flush()
    after = snapshot(agreement)
    if agreement.status == "active" and any(before[k] != after[k] for k in SCHEDULE_FIELDS):
        # Planned (not yet logged) days of the old schedule are withdrawn, and the new ones planned at once.
        session.execute(delete(Delivery).where(Delivery.agreement_id == agreement.id, Delivery.status == "planned",
                                               Delivery.scheduled_for >= today))
    if before["provider_id"] != after["provider_id"]:
        session.execute(update(Delivery).where(Delivery.agreement_id == agreement.id, Delivery.status == "planned")
                        .values(deliverer_id=agreement.provider_id).execution_options(synchronize_session=False))
    if before["source_facility_id"] != after["source_facility_id"]:
        session.execute(update(Delivery).where(Delivery.agreement_id == agreement.id, Delivery.status == "planned")
                        .values(source_facility_id=agreement.source_facility_id)
                        .execution_options(synchronize_session=False))
    _enter(session, agreement, status, today)
    if agreement.status == "active":
        plan_deliveries(session, today, rules.horizon_days, [agreement.id])
    record_write(session, actor, "update", agreement, before)
    _sync_gaps(session, agreement.household.village_id, rules)
    return agreement


def _sync_gaps(session, village_id: int, rules) -> None:
    sync_gap_cases(session, rules.today, rules.now, rules.thresholds, rules.cases, {village_id})


def get_agreement_scan(session, agreement_id: int, scope) -> Agreement:
    """The agreement whose signed scan is asked for; NotFound when it has none."""
    agreement = get_visible(session, Agreement, agreement_id, scope)
    if agreement.scan_path is None:
        raise NotFound("agreement.no_scan")
    return agreement


def attach_scan(session, actor: User, agreement_id: int, save: Callable[[], tuple[str, str]], now) -> Agreement:
    """Attach the signed paper's scan; `save` stores the file once the actor may (the old file is kept)."""
    agreement = get_for_write(session, Agreement, agreement_id, actor, "manage_agreements")
    before = snapshot(agreement)
    agreement.scan_path, agreement.scan_content_type = save()
    agreement.scan_uploaded_at = now
    record_write(session, actor, "attach_scan", agreement, before)
    return agreement


def agreement_overlaps(date_from: date, date_to: date):
    """SQL: an agreement (signed, not a draft) in force at some time in the period."""
    return (Agreement.status != "draft") & (Agreement.start_on <= date_to) & \
        or_(Agreement.end_on.is_(None), Agreement.end_on >= date_from)
