"""Units (单位): who leads (牵头) and who cooperates (配合) in a case. A township's staff keep its own units (its
office, village committees, local companies); the county keeps its departments, which every township may name."""
from sqlalchemy import select

from models import Region, Township, Unit, User

from .audit import record_write, snapshot
from .catalogue import Message
from .errors import FieldConflict, FieldErrors
from .scope import get_for_write, require_department_write, require_write


def _refuse_a_second(session, name: str, township_id: int | None, county_id: int | None,
                     exclude_id: int | None = None) -> None:
    same = select(Unit.id).where(Unit.name == name, Unit.id != (exclude_id or 0))
    if township_id:
        same = same.where(Unit.township_id == township_id)
    else:
        same = same.where(Unit.township_id.is_(None),
                          Unit.county_id == county_id if county_id else Unit.county_id.is_(None))
    if session.scalar(same) is not None:
        raise FieldConflict.one("name", "unit.name_taken")


def create_unit(session, actor: User, data: dict) -> Unit:
    """A new unit: the actor's township's own, or (a county administrator, without a township) a department of
    its county."""
    data = {**data}
    if "township_id" not in data and actor.township_id is not None:
        data["township_id"] = actor.township_id
    if data.get("township_id") is not None:
        if data.pop("county_id", None) is not None:
            raise FieldErrors.one("county_id", "unit.township_or_county")
        if session.get(Township, data["township_id"]) is None:
            raise FieldErrors.one("township_id", "township.unknown", id=data["township_id"])
        require_write(actor, "edit_registry", data["township_id"])
    else:
        if "county_id" not in data:
            data["county_id"] = actor.region_id if actor.region_id is not None else _only_county(session)
        if data["county_id"] is not None and session.scalar(select(Region.id).where(
                Region.id == data["county_id"], Region.level == "county")) is None:
            raise FieldErrors.one("county_id", "region.county_needed")
        require_department_write(session, actor, "edit_registry", data["county_id"])
    _refuse_a_second(session, data["name"], data.get("township_id"), data.get("county_id"))
    unit = Unit(**data)
    session.add(unit)
    session.flush()
    record_write(session, actor, "create", unit, None)
    return unit


def update_unit(session, actor: User, unit_id: int, data: dict) -> Unit:
    """Change a unit's name, kind or contact; it stays where it is."""
    unit = get_for_write(session, Unit, unit_id, actor)
    for field in ("township_id", "county_id"):
        if data.get(field, getattr(unit, field)) != getattr(unit, field):
            raise FieldErrors.one(field, "unit.no_move")
    before = snapshot(unit)
    if "name" in data:
        _refuse_a_second(session, data["name"], unit.township_id, unit.county_id, unit.id)
    for key, value in data.items():
        setattr(unit, key, value)
    record_write(session, actor, "update", unit, before)
    return unit


def _only_county(session) -> int | None:
    counties = session.scalars(select(Region.id).where(Region.level == "county").limit(2)).all()
    return counties[0] if len(counties) == 1 else None


def township_unit(session, township: Township) -> Unit:
    """The township's own unit (its office), made the first time a case names it."""
    unit = session.scalar(select(Unit).where(Unit.township_id == township.id, Unit.name == township.name))
    if unit is None:
        unit = Unit(name=township.name, kind="township", township_id=township.id)
        session.add(unit)
        session.flush()
    return unit


def namable_in(township_id: int):
    """The units a case of that township may name: the township's own and its county's departments."""
    county = select(Township.county_id).where(Township.id == township_id).scalar_subquery()
    department = Unit.township_id.is_(None) & (Unit.county_id.is_(None) | (Unit.county_id == county))
    return (Unit.township_id == township_id) | department


def unit_named(session, name: str, township_id: int) -> int | None:
    """The id of the unit of that name a case of that township may name (its own before its county's)."""
    return session.scalar(select(Unit.id).where(Unit.name == name, namable_in(township_id))
                          .order_by(Unit.township_id.is_(None)).limit(1))


def case_units(session, township_id: int, lead_unit_id: int | None, cooperating_ids: list[int] | None) \
        -> tuple[Unit | None, list[Unit] | None]:
    """The lead and cooperating units a case names, each the township's own or a department of its county;
    FieldErrors naming the field otherwise."""
    wanted = {i for i in [lead_unit_id, *(cooperating_ids or [])] if i is not None}
    found = {unit.id: unit for unit in session.scalars(select(Unit).where(
        Unit.id.in_(wanted), namable_in(township_id)))}
    errors = {}
    if lead_unit_id is not None and lead_unit_id not in found:
        errors["lead_unit_id"] = [Message("unit.unknown", id=lead_unit_id)]
    missing = [i for i in cooperating_ids or [] if i not in found]
    if missing:
        errors["cooperating_unit_ids"] = [Message("unit.unknown", id=missing[0])]
    elif lead_unit_id is not None and lead_unit_id in (cooperating_ids or []):
        errors["cooperating_unit_ids"] = [Message("unit.lead_cooperates")]
    if errors:
        raise FieldErrors(errors)
    cooperating = None if cooperating_ids is None else [found[i] for i in dict.fromkeys(cooperating_ids)]
    return found.get(lead_unit_id), cooperating
