"""Regions above the township (GB/T 2260) and the ranking of the places under a region.

A code is six digits: a province's ends in 0000 (370000), a city's in 00 (370100), a county's in neither
(370102); a city's code begins with its province's two digits, a county's with its city's four. A region's level
follows from its code, and its parent is the region one level up whose code it begins with: so no region can be
its own ancestor. Only the county's administrators (the deployment's top) register regions.
"""
from sqlalchemy import select

from models import REGION_LEVELS, Region, Township, User

from .audit import record_write, snapshot
from .catalogue import Message, label_of
from .errors import FieldErrors
from .scope import get_for_write, require_region_write

PREFIX = {"city": 2, "county": 4}  # the digits a region's code shares with its parent's


def level_of(code: str) -> str:
    """The level a six-digit code names."""
    return "province" if code.endswith("0000") else "city" if code.endswith("00") else "county"


def _check(session, data: dict, region: Region | None = None) -> None:
    code = data.get("code", region.code if region else None)
    level = data.get("level", region.level if region else None)
    parent_id = data.get("parent_id", region.parent_id if region else None)
    errors: dict = {}
    if not (isinstance(code, str) and len(code) == 6 and code.isascii() and code.isdigit()):
        errors["code"] = [Message("region.code_six_digits")]
    elif level_of(code) != level:
        errors["level"] = [Message("region.level_of_code", level=label_of("region_level", level_of(code)))]
    elif session.scalar(select(Region.id).where(Region.code == code, Region.id != (region.id if region else 0))):
        errors["code"] = [Message("value.taken")]
    elif level == "province":
        if parent_id is not None:
            errors["parent_id"] = [Message("region.province_has_no_parent")]
    else:
        parent = session.get(Region, parent_id) if parent_id else None
        wanted = REGION_LEVELS[REGION_LEVELS.index(level) - 1]
        if parent is None or parent.level != wanted or parent.code[:PREFIX[level]] != code[:PREFIX[level]]:
            errors["parent_id"] = [Message("region.parent", level=label_of("region_level", wanted),
                                           prefix=code[:PREFIX[level]])]
    if errors:
        raise FieldErrors(errors)


def create_region(session, actor: User, data: dict) -> Region:
    """A new province, city or county, under the region its code says it is in."""
    require_region_write(session, actor, data.get("parent_id"))
    _check(session, data)
    region = Region(**data)
    session.add(region)
    record_write(session, actor, "create", region, None)
    return region


def update_region(session, actor: User, region_id: int, data: dict) -> Region:
    """Rename or recode a region (its children's codes must still begin with its own)."""
    region = get_for_write(session, Region, region_id, actor, "register_township")
    before = snapshot(region)
    if data.get("level", region.level) != region.level:
        raise FieldErrors.one("level", "region.level_fixed")
    if data.keys() & {"code", "parent_id"}:  # a rename alone keeps a county the migration made without a parent
        _check(session, data, region)
    if data.get("code", region.code) != region.code and region.level != "county":
        shared = PREFIX[REGION_LEVELS[REGION_LEVELS.index(region.level) + 1]]
        children = session.scalars(select(Region.code).where(Region.parent_id == region.id)).all()
        if any(child[:shared] != data["code"][:shared] for child in children):
            raise FieldErrors.one("code", "region.children_elsewhere")
    for key, value in data.items():
        setattr(region, key, value)
    record_write(session, actor, "update", region, before)
    return region


# Ranking ----------------------------------------------------------------------------------------------------

SCORED = ("supply_assurance", "water_quality_pass_rate", "survey_coverage")


def score(figures: dict) -> float | None:
    """The documented score a region or township is ranked by, 0 to 100 (higher is better): the mean of its
    supply assurance, water-quality pass rate and survey coverage (those it has), of the share of its households
    needing delivery that have an agreement (no gap), and of the share of its households without an open case
    (overdue ones counted twice). None for a place without households."""
    if not figures["households"]:
        return None
    parts = [figures[name] for name in SCORED if figures.get(name) is not None]
    parts.append(100 * (1 - figures["gaps"] / figures["needs_delivery"]) if figures["needs_delivery"] else 100.0)
    burden = min(figures["households"], figures["open_cases"] + figures["overdue_cases"])
    parts.append(100 * (1 - burden / figures["households"]))
    return round(sum(parts) / len(parts), 1)


def ranked(places: list[dict]) -> list[dict]:
    """`places` with their `score` and `rank` (1 the best; equal scores share a rank; none without a score), best
    first."""
    for place in places:
        place["score"] = score(place)
    order = sorted(places, key=lambda place: (place["score"] is None, -(place["score"] or 0), place["name"]))
    rank, last = 0, object()
    for position, place in enumerate(order, start=1):
        if place["score"] is None:
            place["rank"] = None
            continue
        if place["score"] != last:
            rank, last = position, place["score"]
        place["rank"] = rank
    return order


def township_ranking(townships: list[dict], figures_of) -> list[dict]:
    """A county's townships, each with its figures, ranked (the county's own dashboard, with or without regions)."""
    return ranked([{"kind": "township", "id": t["township_id"], "name": t["township_name"], **figures_of([t])}
                   for t in townships])


def children_of(session, region: Region, townships: list[dict], figures_of) -> list[dict]:
    """The places one level under `region` (its cities, its counties, or a county's townships), each with the
    figures of its townships summed by `figures_of(list of township figures)`, ranked."""
    if region.level == "county":
        return township_ranking(townships, figures_of)
    children = session.execute(select(Region.id, Region.name, Region.level).where(Region.parent_id == region.id)
                               .order_by(Region.code)).all()
    county_of = dict(session.execute(select(Township.id, Township.county_id).where(
        Township.id.in_([t["township_id"] for t in townships]))).all())
    parent_of = dict(session.execute(select(Region.id, Region.parent_id).where(
        Region.id.in_(set(county_of.values())))).all())
    child_of = {township: county if region.level == "city" else parent_of.get(county)
                for township, county in county_of.items()}
    return ranked([{"kind": child.level, "id": child.id, "name": child.name,
                    **figures_of([t for t in townships if child_of.get(t["township_id"]) == child.id])}
                   for child in children])
