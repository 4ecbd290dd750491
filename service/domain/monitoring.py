"""Households on the 防返贫 monitoring list: entering it, leaving it (风险消除, 迁出, 死亡), and the county's list
imported to reconcile the registry with it (SPEC §4, monitoring status).

A household is monitored from `monitored_since` (NULL: since before the service's records) until the day before
`left_on`. One that left keeps every record; it drops out of today's lists and figures, its agreements end the
day before it left (with that reason), their planned deliveries from that day are withdrawn, and its open cases
say so. Entering again keeps the earlier period (MonitoringPeriod), so that a past day is counted as it was.
"""
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import insert, select, update

from models import (ACTIVE_CASE_STATUSES, LEFT_STATUSES, Agreement, AuditEvent, Case, CaseEvent, Delivery, Household,
                    MonitoringPeriod, User)

from .agreements import end_early
from .audit import audit_row
from .catalogue import Message
from .errors import Conflict, FieldErrors
from .system_cases import resolve_system_cases, sync_gap_cases

WATCHED = ("monitoring_status", "monitored_since", "left_on")


@dataclass(frozen=True)
class Leaving:
    household: Household
    status: str  # one of LEFT_STATUSES
    left_on: date  # its first day off the list


def leaving_errors(household: Household, status: str, left_on: date, today: date) -> dict:
    """What is wrong with the household leaving on `left_on` for `status`, by field (empty when nothing)."""
    errors: dict = {}
    if status not in LEFT_STATUSES:
        errors["monitoring_status"] = [Message("monitoring.status_unknown")]
    if left_on > today:
        errors["left_on"] = [Message("monitoring.left_in_future")]
    elif household.monitored_since is not None and left_on <= household.monitored_since:
        errors["left_on"] = [Message("monitoring.left_before_entering")]
    return errors


def entering_errors(household: Household, since: date, today: date) -> dict:
    """What is wrong with the household being monitored (again) from `since`, by field."""
    if since > today:
        return {"monitored_since": [Message("monitoring.entered_in_future")]}
    if household.left_on is not None and since < household.left_on:
        return {"monitored_since": [Message("monitoring.entered_before_left")]}
    return {}


def leave_monitoring(session, actor: User | None, leaving: list[Leaving], rules) -> None:
    """These households leave the monitoring list, each on its day, in a fixed number of statements: their
    agreements end, planned deliveries from that day are cancelled, gap cases close and open cases note it."""
    if not leaving:
        return
    befores = {item.household.id: _watched(item.household) for item in leaving}
    for item in leaving:
        item.household.monitoring_status, item.household.left_on = item.status, item.left_on
    session.flush()
    by_household = {item.household.id: item for item in leaving}
    agreements = session.scalars(select(Agreement).where(Agreement.household_id.in_(by_household),
                                                         Agreement.status.in_(("draft", "active")))).all()
    for agreement in agreements:
        item = by_household[agreement.household_id]
        end_early(agreement, item.left_on - timedelta(days=1), item.status)
    session.flush()
    for left_on in {item.left_on for item in leaving}:
        # What is still planned from that day, an agreement's or an emergency's (应急送水), is called off.
        ended = [a.id for a in agreements if by_household[a.household_id].left_on == left_on]
        households = [h for h, item in by_household.items() if item.left_on == left_on]
        session.execute(update(Delivery).where(
            Delivery.agreement_id.in_(ended) | (Delivery.household_id.in_(households) &
                                                Delivery.emergency_id.is_not(None)),
            Delivery.status == "planned", Delivery.scheduled_for >= left_on)
            .values(status="cancelled").execution_options(synchronize_session=False))
    resolve_system_cases(session, [f"household:{h}" for h in by_household], "household_left", rules.now,
                         kinds=("missing_agreement",))
    still_open = session.execute(select(Case.id, Case.household_id).where(
        Case.household_id.in_(by_household), Case.status.in_(ACTIVE_CASE_STATUSES))).all()
    if still_open:
        session.execute(insert(CaseEvent), [
            {"case_id": case_id, "action": "household_left", "note": by_household[household_id].status,
             "at": rules.now, "actor_id": actor.id if actor else None} for case_id, household_id in still_open])
    _audit(session, actor, "leave_monitoring", befores, [item.household for item in leaving], rules.now)
    sync_gap_cases(session, rules.today, rules.now, rules.thresholds, rules.cases,
                   {item.household.village_id for item in leaving})


def enter_monitoring(session, actor: User | None, entering: list[tuple[Household, date]], rules) -> None:
    """These households are (again) on the monitoring list, each from its day; an earlier period is kept."""
    if not entering:
        return
    befores = {household.id: _watched(household) for household, _ in entering}
    periods = []
    for household, since in entering:
        if household.monitoring_status != "monitored":
            periods.append({"household_id": household.id, "entered_on": household.monitored_since,
                            "left_on": household.left_on, "reason": household.monitoring_status})
            household.monitoring_status, household.left_on = "monitored", None
        household.monitored_since = since
    session.flush()
    if periods:
        session.execute(insert(MonitoringPeriod), periods)
    _audit(session, actor, "enter_monitoring", befores, [household for household, _ in entering], rules.now)
    sync_gap_cases(session, rules.today, rules.now, rules.thresholds, rules.cases,
                   {household.village_id for household, _ in entering})


def _watched(household: Household) -> dict:
    """What a change of monitoring changes, as the audit keeps it (days as ISO text)."""
    return {key: value.isoformat() if isinstance(value, date) else value
            for key, value in ((key, getattr(household, key)) for key in WATCHED)}


def _audit(session, actor, action: str, befores: dict, households: list[Household], now) -> None:
    session.execute(insert(AuditEvent), [audit_row(actor, action, "households", h.id, befores[h.id], _watched(h), now)
                                         for h in households])


def change_monitoring(session, actor: User, household: Household, data: dict, rules) -> None:
    """Apply what a write says of the household's monitoring: a status other than `monitored` leaves (on `left_on`,
    today by default); `monitored` for one that left enters again (from `monitored_since`, today by default);
    `monitored_since` alone corrects the day a monitored household entered."""
    status = data.get("monitoring_status", household.monitoring_status)
    if status != "monitored":
        if household.monitoring_status != "monitored":
            if data.keys() & {"left_on", "monitored_since"} or status != household.monitoring_status:
                raise Conflict("monitoring.already_left")
            return
        left_on = data.get("left_on") or rules.today
        errors = leaving_errors(household, status, left_on, rules.today)
        if errors:
            raise FieldErrors(errors)
        leave_monitoring(session, actor, [Leaving(household, status, left_on)], rules)
        return
    if data.get("left_on") is not None:
        raise FieldErrors.one("left_on", "monitoring.left_needs_status")
    if household.monitoring_status != "monitored" or "monitored_since" in data:
        since = data.get("monitored_since") or rules.today
        errors = entering_errors(household, since, rules.today)
        if errors:
            raise FieldErrors(errors)
        enter_monitoring(session, actor, [(household, since)], rules)
