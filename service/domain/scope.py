"""Who may see and change what: a user's township or village scope."""
from dataclasses import dataclass

from sqlalchemy import Select, func, select

from sqlalchemy.orm import object_session

from models import Case, Household, Project, Region, Township, Unit, User, Village

from .errors import FieldErrors, Forbidden, NotFound
from .permissions import COUNTY, REACH, REGION, VILLAGE, require_capability


@dataclass(frozen=True)
class Scope:
    """The part of the county a user works in; both ids None means the whole county, `township_ids` a region's
    townships."""

    township_id: int | None = None
    village_id: int | None = None
    township_ids: frozenset | None = None
    unit_id: int | None = None  # a unit's staff: of the cases, only those its unit leads or cooperates on
    # A region holding most of the database's townships (a province's login): its agreements are narrowed row by
    # row instead of through the list of its households (tens of thousands, read before the first row of a page),
    # since nearly every row is in.
    broad: bool = False

    @classmethod
    def of(cls, user: User) -> "Scope":
        reach = REACH[user.role]
        if user.role == "unit_staff":
            return cls._of_unit(object_session(user), user.unit_id)
        if user.region_id is not None and reach in (COUNTY, REGION):
            return cls.of_region(object_session(user), user.region_id)
        if reach == COUNTY:
            return cls()
        if reach == VILLAGE:
            return cls(user.township_id, user.village_id)
        return cls(user.township_id)

    @classmethod
    def of_region(cls, session, region_id: int, unit_id: int | None = None) -> "Scope":
        """The townships under the region (a city's, a province's, a county's)."""
        ids = frozenset(townships_under(session, region_id))
        every = session.scalar(select(func.count()).select_from(Township))
        return cls(township_ids=ids, unit_id=unit_id, broad=2 * len(ids) > every)

    @classmethod
    def _of_unit(cls, session, unit_id: int) -> "Scope":
        """A unit's places: its township's (a township's own unit), its county's (a department), or the whole county
        (a database without regions)."""
        unit = session.get(Unit, unit_id)
        if unit.township_id is not None:
            return cls(unit.township_id, unit_id=unit.id)
        if unit.county_id is not None:
            return cls.of_region(session, unit.county_id, unit.id)
        return cls(unit_id=unit.id)

    def covers_case(self, case: Case) -> bool:
        """Whether the case is inside this scope: its place, and for a unit's staff its unit's."""
        return self.covers(case.township_id, case.village_id) and (
            self.unit_id is None or case.lead_unit_id == self.unit_id or self.unit_id in case.cooperating_unit_ids)

    def _restrict_cases(self, stmt: Select) -> Select:
        return stmt.where((Case.lead_unit_id == self.unit_id) | Case.cooperating_units.any(Unit.id == self.unit_id))

    @property
    def is_county(self) -> bool:
        return self.township_id is None and self.township_ids is None

    def covers(self, township_id: int | None, village_id: int | None = None) -> bool:
        """Whether a record in that township (and village, when it has one) is inside this scope."""
        if self.is_county:
            return True
        if self.township_ids is not None:
            return township_id in self.township_ids
        if township_id != self.township_id:
            return False
        return self.village_id is None or village_id == self.village_id

    def restrict(self, stmt: Select, model) -> Select:
        """The statement narrowed to rows of `model` inside this scope."""
        if self.unit_id is not None and model is Case:
            stmt = self._restrict_cases(stmt)
        if self.is_county:
            return stmt
        if model is Region:  # the names of the regions above are no one's secret
            return stmt
        if self.township_ids is not None:
            return self._restrict_to_region(stmt, model)
        if model is Township:
            return stmt.where(Township.id == self.township_id)
        if model is Unit:  # the township's own units, and its county's departments
            return stmt.where((Unit.township_id == self.township_id) | _departments_of([self.township_id]))
        if model is Village:
            stmt = stmt.where(Village.township_id == self.township_id)
            return stmt.where(Village.id == self.village_id) if self.village_id else stmt
        if not hasattr(model, "township_id"):
            # Agreements and deliveries belong to the place of their household.
            return stmt.where(model.household_id.in_(self.restrict(select(Household.id), Household)))
        stmt = stmt.where(model.township_id == self.township_id)
        if self.village_id is not None and hasattr(model, "village_id"):
            stmt = stmt.where(model.village_id == self.village_id)
        elif self.village_id is not None and hasattr(model, "household_id"):
            stmt = stmt.where(model.household_id.in_(self.restrict(select(Household.id), Household)))
        return stmt

    def _restrict_to_region(self, stmt: Select, model) -> Select:
        ids = sorted(self.township_ids)
        if model is Township:
            return stmt.where(Township.id.in_(ids))
        if model is Unit:
            return stmt.where(Unit.township_id.in_(ids) | _departments_of(ids))
        if not hasattr(model, "township_id"):
            if self.broad:
                return stmt.where(select(Household.id).where(Household.id == model.household_id,
                                                             Household.township_id.in_(ids)).exists())
            return stmt.where(model.household_id.in_(select(Household.id).where(Household.township_id.in_(ids))))
        return stmt.where(model.township_id.in_(ids))


def _departments_of(township_ids):
    """The county departments those townships' users see: their counties' (and those of a database without
    regions, which belong to no county)."""
    counties = select(Township.county_id).where(Township.id.in_(township_ids), Township.county_id.is_not(None))
    return Unit.township_id.is_(None) & (Unit.county_id.is_(None) | Unit.county_id.in_(counties))


def regions_under(session, region_id: int) -> list[int]:
    """The region and every region below it."""
    children = select(Region.id).where(Region.parent_id == region_id)
    return session.scalars(select(Region.id).where(
        (Region.id == region_id) | Region.id.in_(children) | Region.parent_id.in_(children))).all()


def townships_under(session, region_id: int) -> list[int]:
    """The townships in a region, whatever its level: a county's, its city's counties', a province's cities'."""
    levels = select(Region.id).where(Region.parent_id == region_id)
    counties = select(Region.id).where((Region.id == region_id) | Region.id.in_(levels) |
                                       Region.parent_id.in_(levels), Region.level == "county")
    return session.scalars(select(Township.id).where(Township.county_id.in_(counties))).all()


def record_place(record) -> tuple[int | None, int | None]:
    """The (township_id, village_id) a record belongs to, for scope checks."""
    if isinstance(record, Region):  # above every township: only the county's administrators write it
        return None, None
    if isinstance(record, Unit) and record.township_id is None:  # a county's department: see `_covers_unit`
        return None, None
    if isinstance(record, Township):
        return record.id, None
    if isinstance(record, Village):
        return record.township_id, record.id
    if hasattr(record, "household") and not hasattr(record, "village_id"):  # an agreement, a delivery
        return record.household.township_id, record.household.village_id
    return record.township_id, getattr(record, "village_id", None)


MAX_ID = 2**31 - 1


def find(session, model, record_id: int, *options):
    """The record by its id (with loader `options`), or None (also for an id no column could hold), without any
    scope check."""
    if not 0 < record_id <= MAX_ID:
        return None
    return session.get(model, record_id, options=list(options))


def _get(session, model, record_id: int, lock: bool = False):
    # An id past the column's range cannot exist (and PostgreSQL would refuse to compare it).
    if not 0 < record_id <= MAX_ID:
        return None
    # A locked read re-reads the row as committed by whoever held the lock before.
    return session.get(model, record_id, with_for_update=True, populate_existing=True) if lock \
        else session.get(model, record_id)


def get_visible(session, model, record_id: int, scope: Scope):
    """The record if it exists inside the scope; NotFound otherwise, so that nothing outside leaks."""
    record = _get(session, model, record_id)
    if isinstance(record, Unit) and record.township_id is None:
        seen = _covers_department(session, scope, record)
    elif isinstance(record, Case):
        seen = scope.covers_case(record)
    elif isinstance(record, Project):  # a region's project is seen wherever one of its townships is
        seen = any(scope.covers(t) for t in ([record.township_id] if record.township_id is not None
                                             else townships_under(session, record.region_id)))
    else:  # the names of the regions above are no one's secret
        seen = record is not None and (isinstance(record, Region) or scope.covers(*record_place(record)))
    if not seen:
        raise NotFound("record.not_found", kind=model.__name__.lower(), id=record_id)
    return record


def get_for_write(session, model, record_id: int, actor: User, capability: str = "edit_registry", lock: bool = False):
    """The record an actor is about to change: NotFound if absent, Forbidden if outside its scope; `lock`
    holds its row until the transaction ends (SELECT … FOR UPDATE)."""
    record = _get(session, model, record_id, lock)
    if record is None:
        raise NotFound("record.not_found", kind=model.__name__.lower(), id=record_id)
    if isinstance(record, Unit) and record.township_id is None:
        require_department_write(session, actor, capability, record.county_id)
    elif isinstance(record, Region):
        require_region_write(session, actor, record.id)
    elif isinstance(record, Project) and record.region_id is not None:  # every township of its region the actor's
        require_capability(actor, capability)
        townships = townships_under(session, record.region_id)
        if not townships or not all(Scope.of(actor).covers(t) for t in townships):
            raise Forbidden("scope.outside")
    else:
        require_write(actor, capability, *record_place(record))
        if isinstance(record, Case) and not Scope.of(actor).covers_case(record):  # another unit's case
            raise Forbidden("scope.outside")
    return record


def require_write(actor: User, capability: str, township_id: int | None, village_id: int | None = None) -> None:
    """Forbidden unless the actor has `capability` and that place is inside its scope."""
    require_capability(actor, capability)
    if not Scope.of(actor).covers(township_id, village_id):
        raise Forbidden("scope.outside")


def _covers_department(session, scope: Scope, unit: Unit) -> bool:
    if scope.is_county or unit.county_id is None:
        return True
    township_ids = scope.township_ids if scope.township_ids is not None else [scope.township_id]
    return session.scalar(select(Township.id).where(Township.id.in_(sorted(township_ids)),
                                                    Township.county_id == unit.county_id).limit(1)) is not None


def require_department_write(session, actor: User, capability: str, county_id: int | None) -> None:
    """Forbidden unless the actor has `capability` for the departments of that county: a county administrator
    of that county (or of the whole database)."""
    require_capability(actor, capability)
    if REACH[actor.role] != COUNTY or (actor.region_id is not None and actor.region_id != county_id):
        raise Forbidden("scope.outside")


def require_region_write(session, actor: User, region_id: int | None) -> None:
    """Forbidden unless the actor registers regions and `region_id` (a region, or a new region's parent) is its
    own region or below it; a county administrator without a region reaches every region."""
    require_capability(actor, "register_township")
    if actor.region_id is None:
        return
    if region_id is None or region_id not in regions_under(session, actor.region_id):
        raise Forbidden("scope.outside")


def place_to_work(session, actor: User, township_id: int | None, region_id: int | None,
                  capability: str) -> list[int]:
    """The townships of a township or a region (exactly one of them given, else FieldErrors naming `township_id`) in
    which the actor may do `capability`: all of them inside its place, or Forbidden."""
    if (township_id is None) == (region_id is None):
        raise FieldErrors.one("township_id", "place.one_of_township_or_region")
    if township_id is not None:
        if _get(session, Township, township_id) is None:
            raise FieldErrors.one("township_id", "record.not_found", kind="township", id=township_id)
        require_write(actor, capability, township_id)
        return [township_id]
    scope = Scope.of(actor)
    get_visible(session, Region, region_id, scope)
    require_capability(actor, capability)
    townships = townships_under(session, region_id)
    if not townships or not all(scope.covers(t) for t in townships):
        raise Forbidden("scope.outside")
    return townships
