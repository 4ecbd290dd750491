"""应急送水 (SPEC §4): a drought, a contamination or an outage declared for townships or villages puts every monitored
household there on daily delivery from its first day, by a named team, from a named source, until it is ended.

Its deliveries are planned, reminded, logged and confirmed as any delivery (they carry `emergency_id`); a household
that already has an agreement's delivery on a day gets that one only (one delivery and one confirmation a day, not
two). Liters are the household's members times the quantity setting. Ending it calls off what is still planned after
its last day and keeps everything else.
"""
from datetime import date, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from models import Delivery, Emergency, Household, Staff, User, Village

from .audit import record_write
from .catalogue import Message
from .deliveries import source_problem
from .errors import Conflict, FieldErrors, NotFound
from .planning import plan_deliveries
from .scope import Scope, find, require_write
from .sql import insert_ignoring_duplicates

LOADED = (selectinload(Emergency.villages).selectinload(Village.township), selectinload(Emergency.team),
          selectinload(Emergency.source_facility))


def _villages(session, actor: User, data: dict) -> list[Village]:
    """The villages named, or every village of the townships named; each inside the actor's place."""
    if bool(data.get("township_ids")) == bool(data.get("village_ids")):
        raise FieldErrors.one("village_ids", "emergency.one_of_townships_or_villages")
    if data.get("village_ids"):
        villages = session.scalars(select(Village).where(Village.id.in_(data["village_ids"]))).all()
        if len(villages) != len(set(data["village_ids"])):
            raise FieldErrors.one("village_ids", "emergency.place_unknown")
    else:
        villages = session.scalars(select(Village).where(Village.township_id.in_(data["township_ids"]))).all()
        if {v.township_id for v in villages} != set(data["township_ids"]):
            raise FieldErrors.one("township_ids", "emergency.place_unknown")
    for township in {v.township_id for v in villages}:
        require_write(actor, "declare_emergency", township)
    return villages


def declare_emergency(session, actor: User, data: dict, rules) -> Emergency:
    """Declare an emergency and plan its deliveries at once (today's among them)."""
    villages = _villages(session, actor, data)
    errors: dict = {}
    team = session.scalars(select(Staff).where(Staff.id.in_(data["team_ids"]))).all()
    townships = {v.township_id for v in villages}
    if not team or len(team) != len(set(data["team_ids"])) or any(s.township_id not in townships for s in team):
        errors["team"] = [Message("emergency.team_elsewhere")]
    problem = source_problem(session, data.get("source_facility_id"), townships)
    if problem:
        errors["source_facility_id"] = [problem]
    if data["started_on"] > rules.today + timedelta(days=rules.horizon_days):
        errors["started_on"] = [Message("emergency.too_far_ahead")]
    if errors:
        raise FieldErrors(errors)
    emergency = Emergency(kind=data["kind"], started_on=data["started_on"], note=data.get("note"),
                          source_facility_id=data.get("source_facility_id"), liters_per_person=liters_per_person(rules),
                          declared_by_id=actor.id, villages=villages, team=team)
    session.add(emergency)
    record_write(session, actor, "declare", emergency, None)
    plan_emergency_deliveries(session, rules.today, rules.horizon_days, [emergency.id])
    return emergency


def plan_emergency_deliveries(session, today: date, horizon_days: int, emergency_ids=None) -> int:
    """Plan each emergency in force a delivery a day for every monitored household of its villages, from today (or
    its first day) for `horizon_days`, except on a day the household already has another delivery planned or made;
    one read and one bulk insert, whatever the numbers. Returns how many were planned."""
    last = today + timedelta(days=horizon_days - 1)
    stmt = select(Emergency).where(Emergency.started_on <= last,
                                   (Emergency.ended_on.is_(None)) | (Emergency.ended_on >= today)).options(*LOADED)
    if emergency_ids is not None:
        stmt = stmt.where(Emergency.id.in_(list(emergency_ids)))
    emergencies = session.scalars(stmt).all()
    if not emergencies:
        return 0
    village_ids = {v.id for e in emergencies for v in e.villages}
    households = session.execute(select(Household.id, Household.township_id, Household.village_id, Household.members).where(
        Household.village_id.in_(village_ids), Household.monitoring_status == "monitored")).all()
    taken = set(session.execute(select(Delivery.household_id, Delivery.scheduled_for).where(
        Delivery.household_id.in_([h.id for h in households]), Delivery.scheduled_for >= today,
        Delivery.scheduled_for <= last, Delivery.status != "cancelled")).all())
    rows = []
    for emergency in emergencies:
        first, end = max(emergency.started_on, today), min(last, emergency.ended_on or last)
        by_village = {s.village_id: s.id for s in emergency.team if s.village_id is not None}
        in_area = {v.id for v in emergency.villages}
        for household in households:
            if household.village_id not in in_area:
                continue
            day = first
            while day <= end:
                if (household.id, day) not in taken:
                    taken.add((household.id, day))
                    rows.append({"emergency_id": emergency.id, "household_id": household.id,
                                 "township_id": household.township_id, "scheduled_for": day,
                                 "status": "planned", "unplanned": False,
                                 "deliverer_id": by_village.get(household.village_id, emergency.team[0].id),
                                 "source_facility_id": emergency.source_facility_id})
                day += timedelta(days=1)
    if not rows:
        return 0
    return len(session.execute(insert_ignoring_duplicates(session, Delivery).returning(Delivery.id), rows).all())


def plan_all_deliveries(session, today: date, horizon_days: int) -> int:
    """The nightly plan: every active agreement's days, then every emergency's (a household's agreement first)."""
    return plan_deliveries(session, today, horizon_days) + plan_emergency_deliveries(session, today, horizon_days)


def end_emergency(session, actor: User, emergency_id: int, ended_on: date | None, rules) -> Emergency:
    """End it on a day (today by default): its deliveries planned after that day are called off; the record stays."""
    emergency = get_emergency(session, Scope.of(actor), emergency_id)
    for township in {v.township_id for v in emergency.villages}:
        require_write(actor, "declare_emergency", township)
    if emergency.ended_on is not None:
        raise Conflict("emergency.already_ended")
    ended_on = ended_on or rules.today
    if ended_on < emergency.started_on or ended_on > rules.today + timedelta(days=rules.horizon_days):
        raise FieldErrors.one("ended_on", "emergency.end_outside")
    emergency.ended_on, emergency.ended_by_id, emergency.ended_at = ended_on, actor.id, rules.now
    session.execute(update(Delivery).where(Delivery.emergency_id == emergency.id, Delivery.status == "planned",
                                           Delivery.scheduled_for > ended_on)
                    .values(status="cancelled").execution_options(synchronize_session=False))
    record_write(session, actor, "end", emergency, None)
    return emergency


def get_emergency(session, scope: Scope, emergency_id: int) -> Emergency:
    """The emergency, when some village of it is inside the reader's place; NotFound otherwise."""
    emergency = find(session, Emergency, emergency_id, *LOADED)  # an id no column holds is not found either
    if emergency is None or not any(scope.covers(v.township_id, v.id) for v in emergency.villages):
        raise NotFound("record.not_found", kind="emergency", id=emergency_id)
    return emergency


def emergencies_in(session, scope: Scope) -> list[Emergency]:
    """The emergencies the reader sees, the latest declared first."""
    return [e for e in session.scalars(select(Emergency).options(*LOADED).order_by(Emergency.started_on.desc(),
                                                                                    Emergency.id.desc()))
            if any(scope.covers(v.township_id, v.id) for v in e.villages)]


def daily_figures(session, emergency: Emergency, today: date) -> list[dict]:
    """Each day of the emergency so far: the monitored households of its area, those reached that day (a delivery made,
    its own or their agreement's) and those who confirmed it by SMS."""
    area = select(Household.id).where(Household.village_id.in_([v.id for v in emergency.villages]),
                                      Household.monitoring_status == "monitored")
    households = session.scalar(select(func.count()).select_from(area.subquery()))
    last = min(today, emergency.ended_on or today)
    counts = {day: (reached, confirmed) for day, reached, confirmed in session.execute(
        select(Delivery.scheduled_for, func.count(func.distinct(Delivery.household_id)),
               func.count(func.distinct(Delivery.household_id)).filter(Delivery.confirmation == "confirmed"))
        .where(Delivery.household_id.in_(area), Delivery.status == "delivered",
               Delivery.scheduled_for >= emergency.started_on, Delivery.scheduled_for <= last)
        .group_by(Delivery.scheduled_for))}
    days, day = [], emergency.started_on
    while day <= last:
        reached, confirmed = counts.get(day, (0, 0))
        days.append({"day": day, "households": households, "reached": reached, "confirmed": confirmed})
        day += timedelta(days=1)
    return days


def liters_per_person(rules) -> int:
    """A person's water a day in an emergency: the quantity standard (20 L in a water-short area, else 35 L)."""
    return 20 if rules.supply.water_short else round(rules.supply.liters_per_person_day)
