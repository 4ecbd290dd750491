"""明察暗访 / 随机抽查: a county or a township draws a random sample of monitored households (stratified by township,
reproducible from its seed); a checker visits each and records what was found; the service, not the checker,
compares the finding with the records (the latest visit's indicators, the agreement and the last 30 days of
deliveries, the source's latest test) and says where they disagree. A disagreement opens a case (source
spot_check); each level shows its 核实相符率, findings that match the records out of all (docs/domain.md, "Cases")."""
import random
import secrets
from datetime import date, timedelta
from typing import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from models import INDICATORS, Agreement, Delivery, Household, SpotCheck, SpotCheckHousehold, User, Village, Visit
from models import latest_visit_ids

from . import catalogue
from .agreements import agreement_overlaps
from .audit import record_write
from .cases import open_case
from .errors import Conflict, FieldErrors, NotFound
from .scope import Scope, find, place_to_work, require_write
from .survey import is_water_short, judge, judge_convenience, result_of, source_quality
from .monitored import monitored_clause

MAX_SAMPLE = 500
# What a draw's page shows of each household, loaded with it.
LOADED = (selectinload(SpotCheck.households).selectinload(SpotCheckHousehold.household)
          .selectinload(Household.village).selectinload(Village.township),
          selectinload(SpotCheck.households).selectinload(SpotCheckHousehold.checked_by).selectinload(User.staff))


def stratified_sample(households_by_township: dict[int, list[int]], size: int, seed: str) -> list[int]:
    """`size` households drawn at random, each township's share in proportion to its households (largest
    remainder), each township's drawn with its own generator seeded by `seed` and its id: the same seed and place
    give the same households."""
    total = sum(len(ids) for ids in households_by_township.values())
    size = min(size, total)
    if size == 0:
        return []
    exact = {t: size * len(ids) / total for t, ids in households_by_township.items()}
    shares = {t: int(share) for t, share in exact.items()}
    by_remainder = sorted(exact, key=lambda t: (-(exact[t] - shares[t]), t))
    for township in by_remainder[:size - sum(shares.values())]:
        shares[township] += 1
    drawn = []
    for township in sorted(households_by_township):
        ids = sorted(households_by_township[township])
        drawn += sorted(random.Random(f"{seed}:{township}").sample(ids, shares[township]))
    return drawn


def draw_spot_check(session, actor: User, data: dict, rules) -> SpotCheck:
    """A random sample of the monitored households of a township or region (`size`, `seed` or a new one)."""
    township_id, region_id = data.get("township_id"), data.get("region_id")
    townships = place_to_work(session, actor, township_id, region_id, "spot_check")
    size = data["size"]
    if not 1 <= size <= MAX_SAMPLE:
        raise FieldErrors.one("size", "spot_check.size", most=MAX_SAMPLE)
    seed = data.get("seed") or secrets.token_hex(6)
    rows = session.execute(select(Household.township_id, Household.id).where(Household.township_id.in_(townships),
                                                                            monitored_clause()))
    by_township: dict[int, list[int]] = {}
    for township, household in rows:
        by_township.setdefault(township, []).append(household)
    drawn = stratified_sample(by_township, size, seed)
    if not drawn:
        raise FieldErrors.one("size", "spot_check.no_households")
    places = dict((h, (t, v)) for h, t, v in session.execute(
        select(Household.id, Household.township_id, Household.village_id).where(Household.id.in_(drawn))))
    check = SpotCheck(township_id=township_id, region_id=region_id, size=size, seed=seed, drawn_by_id=actor.id,
                      drawn_at=rules.now, households=[
                          SpotCheckHousehold(household_id=h, township_id=places[h][0], village_id=places[h][1])
                          for h in drawn])
    session.add(check)
    session.flush()
    record_write(session, actor, "create", check, None)
    return check


def _found_verdicts(data: dict, rules) -> dict:
    """The four indicators as the checker found them (those it measured), judged as a visit is."""
    found = {}
    if data.get("liters_per_person_day") is not None:
        found["quantity"] = judge("quantity", data["liters_per_person_day"], is_water_short(rules))
    if data.get("quality"):
        found["quality"] = data["quality"]
    if data.get("piped") or data.get("round_trip_minutes") is not None:
        found["convenience"] = judge_convenience(data.get("piped"), data.get("round_trip_minutes"))
    if data.get("assurance_percent") is not None:
        found["assurance"] = judge("assurance", data["assurance_percent"], False)
    if len(found) == len(INDICATORS):
        found["result"] = result_of(found)
    return found


def records_on(session, household: Household, day: date, zone) -> dict:
    """What the records say of a household on a day: its latest visit's verdicts, whether an agreement was active,
    its deliveries made in the 30 days before, and its source's latest test."""
    visit = session.scalar(select(Visit).where(Visit.id.in_(latest_visit_ids(
        Visit.household_id == household.id, Visit.visited_on <= day))))
    recorded = {name: getattr(visit, name) for name in INDICATORS} if visit else dict.fromkeys(INDICATORS)
    recorded["result"] = visit.result if visit else None
    recorded["visit_id"] = visit.id if visit else None
    # In force that day: signed (never a draft) and within its dates, whether it has ended since or not.
    recorded["agreement"] = session.scalar(select(func.count()).select_from(Agreement).where(
        Agreement.household_id == household.id, Agreement.status != "draft", agreement_overlaps(day, day))) > 0
    recorded["deliveries_30d"] = session.scalar(select(func.count()).select_from(Delivery).where(
        Delivery.household_id == household.id, Delivery.status == "delivered",
        Delivery.scheduled_for > day - timedelta(days=30), Delivery.scheduled_for <= day))
    recorded["water_test"] = source_quality(session, household)
    return recorded


def compare(found: dict, data: dict, recorded: dict) -> list[dict]:
    """Where the finding and the records disagree, field by field: each indicator found against the latest visit's
    (no visit on record disagrees too: the household was counted checked without one), delivery received against
    the agreement, deliveries counted against those logged, the water found against the source's test."""
    differences = [{"field": name, "found": value, "recorded": recorded.get(name)}
                   for name, value in found.items() if name != "result" and value != recorded.get(name)]
    if data.get("receives_delivery") is not None and data["receives_delivery"] != recorded["agreement"]:
        differences.append({"field": "agreement", "found": data["receives_delivery"],
                            "recorded": recorded["agreement"]})
    if data.get("deliveries_30d") is not None and data["deliveries_30d"] != recorded["deliveries_30d"]:
        differences.append({"field": "deliveries_30d", "found": data["deliveries_30d"],
                            "recorded": recorded["deliveries_30d"]})
    if "quality" in found and recorded["water_test"] is not None and found["quality"] != recorded["water_test"]:
        differences.append({"field": "water_test", "found": found["quality"], "recorded": recorded["water_test"]})
    return differences


def record_finding(session, actor: User, spot_check_id: int, data: dict, rules,
                   photo: Callable[[], tuple[str, str]] | None = None) -> SpotCheckHousehold:
    """What the checker found at a drawn household, compared by the service with the records; where they differ,
    a case (明察暗访) for the household, listing each difference."""
    check = find(session, SpotCheck, spot_check_id)
    item = next((i for i in check.households if i.household_id == data["household_id"]), None) if check else None
    if check is None or item is None:
        raise NotFound("record.not_found", kind="spot_check" if check is None else "household",
                       id=data["household_id"] if check else spot_check_id)
    require_write(actor, "spot_check", item.township_id, item.village_id)
    if item.checked_at is not None:
        raise Conflict("spot_check.already_found")
    visited_on = data["visited_on"]
    if visited_on > rules.today:
        raise FieldErrors.one("visited_on", "date.in_future")
    if visited_on < check.drawn_at.astimezone(rules.zone).date():
        raise FieldErrors.one("visited_on", "spot_check.before_draw")
    found = _found_verdicts(data, rules)
    if not found and data.get("receives_delivery") is None and data.get("deliveries_30d") is None:
        raise FieldErrors.one("liters_per_person_day", "spot_check.nothing_found")
    household = session.get(Household, item.household_id)
    recorded = records_on(session, household, visited_on, rules.zone)
    differences = compare(found, data, recorded)
    for name in ("visited_on", "liters_per_person_day", "quality", "piped", "round_trip_minutes", "assurance_percent",
                 "receives_delivery", "deliveries_30d", "note"):
        setattr(item, name, data.get(name))
    item.found, item.recorded, item.differences = found, recorded, differences
    item.matches_records = not differences
    item.checked_by_id, item.checked_at = actor.id, rules.now
    if photo is not None:
        item.photo_path = photo()[0]
    if differences:
        case = open_case(session, actor, {
            "kind": "other", "household_id": household.id, "source": "spot_check", "severity": "high",
            "title": catalogue.say("spot_check.case_title"),
            "description": catalogue.say("spot_check.case_description", day=visited_on.isoformat(),
                                         differences=describe(differences))}, rules.today, rules.cases, rules.now)
        item.case_id = case.id
    record_write(session, actor, "update", item, None)
    return item


def describe(differences: list[dict]) -> str:
    """The differences in words: 水量 实查不达标，记录达标；…"""
    def value(field, v):
        if v is None:
            return catalogue.say("spot_check.none_recorded")
        if field in INDICATORS or field == "water_test":
            return catalogue.label("verdict", v)
        if isinstance(v, bool):
            return catalogue.say("spot_check.yes") if v else catalogue.say("spot_check.no")
        return str(v)
    return "；".join(catalogue.say("spot_check.difference", field=catalogue.label("spot_field", d["field"]),
                                  found=value(d["field"], d["found"]), recorded=value(d["field"], d["recorded"]))
                    for d in differences)


def visible_spot_check(session, scope: Scope, spot_check_id: int) -> SpotCheck:
    """A draw whose every household is inside the scope."""
    check = find(session, SpotCheck, spot_check_id, *LOADED)
    if check is None or scope.unit_id is not None or not all(scope.covers(i.township_id, i.village_id) for i in check.households):
        raise NotFound("record.not_found", kind="spot_check", id=spot_check_id)
    return check


def spot_checks_in(session, scope: Scope) -> list[SpotCheck]:
    """The draws whose every household is inside the scope, newest first."""
    if scope.unit_id is not None:
        return []
    stmt = select(SpotCheck).order_by(SpotCheck.id.desc()).options(selectinload(SpotCheck.households))
    if not scope.is_county:
        stmt = stmt.where(SpotCheck.id.in_(scope.restrict(select(SpotCheckHousehold.spot_check_id),
                                                          SpotCheckHousehold)))
    return [c for c in session.scalars(stmt) if all(scope.covers(i.township_id, i.village_id) for i in c.households)]


def match_rate(check: SpotCheck) -> dict:
    """核实相符率 of a draw: findings that match the records out of all findings."""
    found = [i for i in check.households if i.checked_at is not None]
    matches = sum(bool(i.matches_records) for i in found)
    return {"drawn": len(check.households), "found": len(found), "matches": matches,
            "match_rate": round(100 * matches / len(found), 1) if found else None}

