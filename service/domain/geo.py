"""Distances from households to their village's nearest working central water point (one under repair still
counts: its households get 应急送水 under the repair case until its deadline)."""
import math

from sqlalchemy import bindparam, or_, select, update

from models import Facility, Household

from .repairs import under_repair

EARTH_RADIUS_M = 6_371_008.8


def great_circle_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The haversine distance in metres between two WGS-84 points."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def nearest_distance_m(lat: float, lon: float, points: list[tuple[float, float]]) -> float | None:
    """The distance to the nearest of `points`, to 0.1 m; None when there is none."""
    if not points:
        return None
    return round(min(great_circle_m(lat, lon, plat, plon) for plat, plon in points), 1)


def recompute_distances(session, village_ids) -> int:
    """Recompute every computed (not surveyed) household distance in those villages; returns changes.

    Two queries per call whatever the number of households, then one executemany for the changes.
    A derived value, like needs-delivery itself: it leaves no AuditEvent (the facility change that
    caused it does).
    """
    village_ids = set(village_ids)
    if not village_ids:
        return 0
    session.flush()
    points: dict[int, list[tuple[float, float]]] = {}
    for village_id, lat, lon in session.execute(
        select(Facility.village_id, Facility.lat, Facility.lon).where(
            Facility.village_id.in_(village_ids),
            Facility.kind == "central_point",
            or_(Facility.status == "working", under_repair()),
            Facility.lat.is_not(None),
            Facility.lon.is_not(None),
        )
    ):
        points.setdefault(village_id, []).append((lat, lon))
    changes = []
    for hid, village_id, lat, lon, old, was_computed in session.execute(
        select(
            Household.id, Household.village_id, Household.lat, Household.lon,
            Household.distance_m, Household.distance_computed,
        ).where(
            Household.village_id.in_(village_ids),
            or_(Household.distance_computed.is_(True), Household.distance_m.is_(None)),
        )
    ):
        new = None
        if lat is not None and lon is not None:
            new = nearest_distance_m(lat, lon, points.get(village_id, []))
        if (new, new is not None) != (old, was_computed):
            changes.append({"hid": hid, "new_distance": new, "computed": new is not None})
    if changes:
        table = Household.__table__
        session.execute(
            update(table)
            .where(table.c.id == bindparam("hid"))
            .values(distance_m=bindparam("new_distance"), distance_computed=bindparam("computed")),
            changes,
        )
        changed = {row["hid"] for row in changes}
        for obj in list(session.identity_map.values()):
            if isinstance(obj, Household) and obj.id in changed:
                session.expire(obj, ["distance_m", "distance_computed"])
    return len(changes)


def local_m(lat: float, lon: float, origin_lat: float, origin_lon: float) -> tuple[float, float]:
    """Meters east and north of the origin (equirectangular: exact enough across a village)."""
    east = math.radians(lon - origin_lon) * EARTH_RADIUS_M * math.cos(math.radians(origin_lat))
    north = math.radians(lat - origin_lat) * EARTH_RADIUS_M
    return round(east, 1), round(north, 1)


def stranded_households(session, facility: Facility, thresholds) -> list[Household]:
    """The households a failed facility leaves without water (应急送水): those drinking from it, and for a central
    point those whose nearest other working point is beyond the distance threshold while it was within."""
    drinking = select(Household).where(Household.water_source_id == facility.id)
    households = {h.id: h for h in session.scalars(drinking)}
    if facility.kind == "central_point" and facility.lat is not None and facility.lon is not None:
        others = [(lat, lon) for lat, lon in session.execute(select(Facility.lat, Facility.lon).where(
            Facility.village_id == facility.village_id, Facility.kind == "central_point", Facility.id != facility.id,
            Facility.status == "working", Facility.lat.is_not(None), Facility.lon.is_not(None)))]
        for household in session.scalars(select(Household).where(
                Household.village_id == facility.village_id, Household.lat.is_not(None), Household.lon.is_not(None),
                or_(Household.distance_computed.is_(True), Household.distance_m.is_(None)))):
            with_it = great_circle_m(household.lat, household.lon, facility.lat, facility.lon)
            without = nearest_distance_m(household.lat, household.lon, others)
            if with_it <= thresholds.distance_m and (without is None or without > thresholds.distance_m):
                households[household.id] = household
    return sorted(households.values(), key=lambda h: h.head_name)
