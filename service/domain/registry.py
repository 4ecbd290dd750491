"""Registering townships, villages, staff, facilities and households (docs/domain.md).

Each function validates what needs the database (references, uniqueness, scope), writes, and leaves
an AuditEvent. Field-level shape and ranges were already checked by the caller: the API's schemas, or the
roster import's columns, both bounded by `limits`.
"""
from datetime import date
from typing import Callable

from sqlalchemy import select

from models import (ACTIVE_CASE_STATUSES, FACILITY_STATUSES, FAILED_STATUSES, Agreement, Case, CaseEvent, Facility, Household,
                    Region, Staff, Township, User, Village)

from .catalogue import Message, label_of
from .errors import Conflict, FieldErrors
from .identity import IdNumberVault, mask_id_number, normalize_phone
from .audit import record_write, snapshot
from .system_cases import open_facility_case, resolve_system_cases, sync_care_cases, sync_gap_cases
from .care import next_test_due
from .geo import recompute_distances
from .monitoring import change_monitoring
from .repairs import record_status_change
from .rules import Rules
from .conflicts import IdNumberConflict, PhoneConflict
from .permissions import require_capability
from .scope import Scope, get_for_write, require_region_write, require_write


def _taken(session, column, value, exclude_id=None) -> bool:
    stmt = select(column.class_.id).where(column == value)
    if exclude_id is not None:
        stmt = stmt.where(column.class_.id != exclude_id)
    return session.scalar(stmt.limit(1)) is not None


def _require_unique(session, errors: dict, field: str, column, value, exclude_id=None) -> None:
    if value is not None and _taken(session, column, value, exclude_id):
        errors.setdefault(field, []).append(Message("value.taken"))


def _require_county(session, errors: dict, county_id: int | None) -> None:
    if county_id is not None and session.scalar(select(Region.id).where(Region.id == county_id,
                                                                        Region.level == "county")) is None:
        errors.setdefault("county_id", []).append(Message("region.county_needed"))


def _require_own_county(session, actor: User, county_id: int | None) -> None:
    # A county administrator limited to its county puts townships into that county only.
    if actor.region_id is not None:
        require_region_write(session, actor, county_id)


def _default_county(session, actor: User) -> int | None:
    """The county a new township is in when none is named: its administrator's county, or the only county."""
    if actor.region_id is not None:
        return actor.region_id  # a county administrator's (only they register townships)
    counties = session.scalars(select(Region.id).where(Region.level == "county").limit(2)).all()
    return counties[0] if len(counties) == 1 else None


def _village(session, village_id: int, field: str = "village_id") -> Village:
    village = session.get(Village, village_id)
    if village is None:
        raise FieldErrors.one(field, "village.unknown", id=village_id)
    return village


def _accountable(data: dict) -> dict:
    """The 包保责任人 (or a household's 帮扶责任人) given, its phone written as every phone is (E.164); FieldErrors
    naming it if it is not one."""
    for field in ("accountable", "support_person"):
        person = data.get(field)
        if person and person.get("phone"):
            try:
                data = {**data, field: {**person, "phone": normalize_phone(person["phone"])}}
            except ValueError:
                raise FieldErrors.one(field, "value.phone") from None
    return data


def _save(session, actor: User, record, data: dict, before: dict | None):
    data = _accountable(data)
    for key, value in data.items():
        setattr(record, key, value)
    if before is None:
        session.add(record)
    record_write(session, actor, "create" if before is None else "update", record, before)
    return record


# Townships and villages -------------------------------------------------------------------------


def create_township(session, actor: User, data: dict) -> Township:
    """A new township; only a county administrator registers townships."""
    require_capability(actor, "register_township")
    if "county_id" not in data:
        data = {**data, "county_id": _default_county(session, actor)}
    _require_own_county(session, actor, data["county_id"])
    errors: dict = {}
    _require_unique(session, errors, "code", Township.code, data.get("code"))
    _require_county(session, errors, data.get("county_id"))
    if errors:
        raise FieldErrors(errors)
    return _save(session, actor, Township(), data, None)


def update_township(session, actor: User, township_id: int, data: dict) -> Township:
    """Rename or recode a township (county administrators only)."""
    township = get_for_write(session, Township, township_id, actor, "register_township")
    if "county_id" in data:
        _require_own_county(session, actor, data["county_id"])
    errors: dict = {}
    _require_unique(session, errors, "code", Township.code, data.get("code"), township.id)
    _require_county(session, errors, data.get("county_id"))
    if errors:
        raise FieldErrors(errors)
    return _save(session, actor, township, data, snapshot(township))


def _check_village(session, data: dict, township_id: int, exclude_id=None) -> None:
    errors: dict = {}
    if "name" in data:
        stmt = select(Village.id).where(Village.township_id == township_id, Village.name == data["name"])
        if exclude_id is not None:
            stmt = stmt.where(Village.id != exclude_id)
        if session.scalar(stmt.limit(1)) is not None:
            errors["name"] = [Message("village.name_taken")]
    _require_unique(session, errors, "code", Village.code, data.get("code"), exclude_id)
    if errors:
        raise FieldErrors(errors)


def create_village(session, actor: User, data: dict) -> Village:
    """A new village in a township the actor works in."""
    if session.get(Township, data["township_id"]) is None:
        raise FieldErrors.one("township_id", "township.unknown", id=data["township_id"])
    require_write(actor, "register_village", data["township_id"])
    _check_village(session, data, data["township_id"])
    return _save(session, actor, Village(), data, None)


def update_village(session, actor: User, village_id: int, data: dict) -> Village:
    """Change a village's name, code or key-village flag; a village never moves township."""
    village = get_for_write(session, Village, village_id, actor, "register_village")
    if data.get("township_id", village.township_id) != village.township_id:
        raise FieldErrors.one("township_id", "village.no_move")
    data.pop("township_id", None)
    _check_village(session, data, village.township_id, village.id)
    return _save(session, actor, village, data, snapshot(village))


# Staff --------------------------------------------------------------------------------------------


def _refuse_if_referenced(session, key: str, references) -> None:
    """Conflict when any of the `references` queries finds a row: a move would leave it pointing across."""
    for stmt in references:
        if session.scalar(stmt.limit(1)) is not None:
            raise Conflict(key)



def _place_staff(session, actor: User, merged: dict) -> dict:
    """Resolve the staff member's township from its village and check role and scope."""
    role = merged["role"]
    if merged.get("village_id") is not None:
        village = _village(session, merged["village_id"])
        if merged.get("township_id") not in (None, village.township_id):
            raise FieldErrors.one("township_id", "staff.township_mismatch")
        merged["township_id"] = village.township_id
    elif merged.get("township_id") is not None and session.get(Township, merged["township_id"]) is None:
        raise FieldErrors.one("township_id", "township.unknown", id=merged["township_id"])
    if role == "village_staff" and merged.get("village_id") is None:
        raise FieldErrors.one("village_id", "staff.needs_village")
    if role == "township_lead" and merged.get("township_id") is None:
        raise FieldErrors.one("township_id", "staff.needs_township")
    if role == "county_admin":
        require_capability(actor, "register_county_staff")
        merged["township_id"] = merged["village_id"] = None
    require_write(actor, "edit_registry", merged.get("township_id"), merged.get("village_id"))
    return merged


def _refuse_phone_elsewhere(session, actor: User, phone: str | None, exclude_id: int | None = None) -> None:
    """A phone already a staff member's outside the actor's scope: say nothing of where (the county is told)."""
    if phone is None:
        return
    holder = session.execute(select(Staff.id, Staff.township_id, Staff.village_id)
                             .where(Staff.phone == phone, Staff.id != (exclude_id or 0)).limit(1)).first()
    if holder is not None and not Scope.of(actor).covers(holder.township_id, holder.village_id):
        raise PhoneConflict([holder.id])


def create_staff(session, actor: User, data: dict) -> Staff:
    """A new responsible person; the phone is their unique SMS address."""
    merged = _place_staff(session, actor, {"township_id": None, "village_id": None, **data})
    errors: dict = {}
    _refuse_phone_elsewhere(session, actor, merged["phone"])
    _require_unique(session, errors, "phone", Staff.phone, merged["phone"])
    if errors:
        raise FieldErrors(errors)
    return _save(session, actor, Staff(), merged, None)


def update_staff(session, actor: User, staff_id: int, data: dict) -> Staff:
    """Change a responsible person's details, role or place."""
    staff = get_for_write(session, Staff, staff_id, actor)
    current = {"role": staff.role, "township_id": staff.township_id, "village_id": staff.village_id}
    if "village_id" in data and "township_id" not in data:
        current["township_id"] = None
    merged = _place_staff(session, actor, {**current, **data})
    if merged["township_id"] != staff.township_id:
        _refuse_if_referenced(session, "staff.still_referenced", [
            select(Facility.id).where(Facility.manager_id == staff.id),
            select(Agreement.id).where(Agreement.provider_id == staff.id, Agreement.status.in_(("draft", "active"))),
        ])
    errors: dict = {}
    _refuse_phone_elsewhere(session, actor, data.get("phone"), staff.id)
    _require_unique(session, errors, "phone", Staff.phone, data.get("phone"), staff.id)
    if errors:
        raise FieldErrors(errors)
    return _save(session, actor, staff, merged, snapshot(staff))


# Facilities ---------------------------------------------------------------------------------------


def _check_facility(session, merged: dict, village: Village, today: date, exclude_id=None) -> None:
    errors: dict = {}
    if merged.get("household_id") is not None:
        household = session.get(Household, merged["household_id"])
        if household is None or household.village_id != village.id:
            errors["household_id"] = [Message("facility.household_elsewhere")]
    elif merged["ownership"] == "private":
        errors["household_id"] = [Message("facility.private_needs_household")]
    if merged.get("manager_id") is not None:
        manager = session.get(Staff, merged["manager_id"])
        if manager is None or manager.township_id not in (None, village.township_id):
            errors["manager_id"] = [Message("facility.manager_elsewhere")]
    if merged.get("yield_m3_day") is not None and merged["kind"] != "well":
        errors["yield_m3_day"] = [Message("facility.yield_only_wells")]
    if merged.get("last_cleaned_on") and merged["last_cleaned_on"] > today:
        errors["last_cleaned_on"] = [Message("date.in_future")]
    stmt = select(Facility.id).where(Facility.village_id == village.id, Facility.name == merged["name"])
    if exclude_id is not None:
        stmt = stmt.where(Facility.id != exclude_id)
    if session.scalar(stmt.limit(1)) is not None:
        errors.setdefault("name", []).append(Message("facility.name_taken"))
    _require_unique(session, errors, "code", Facility.code, merged.get("code"), exclude_id)
    if errors:
        raise FieldErrors(errors)


def _after_status_change(session, actor: User, facility: Facility, old_status: str | None, rules: Rules) -> None:
    """Record the change (for repair times), and open or resolve the facility's repair case."""
    record_status_change(session, actor, facility, old_status, rules.now)
    if facility.status in FAILED_STATUSES:
        open_facility_case(session, facility, rules.today, rules.now, rules.cases)
    elif facility.status == "working" and old_status in FAILED_STATUSES:
        resolve_system_cases(session, [f"facility:{facility.id}"], "facility_working", rules.now)


def create_facility(session, actor: User, data: dict, rules: Rules) -> Facility:
    """A new central water point, purifier or well in a village."""
    village = _village(session, data["village_id"])
    require_write(actor, "edit_registry", village.township_id, village.id)
    merged = {"status": "working", "ownership": "collective", **data, "township_id": village.township_id,
              "status_changed_at": rules.now}
    _check_facility(session, merged, village, rules.today)
    facility = _save(session, actor, Facility(), merged, None)
    facility.next_test_due = next_test_due(facility, rules.cases.upkeep, rules.zone)
    _after_status_change(session, actor, facility, None, rules)
    if facility.kind == "central_point":
        recompute_distances(session, {village.id})
        sync_gap_cases(session, rules.today, rules.now, rules.thresholds, rules.cases, {village.id})
    sync_care_cases(session, rules.today, rules.now, rules.cases, {village.id})
    return facility


def update_facility(session, actor: User, facility_id: int, data: dict, rules: Rules) -> Facility:
    """Change a facility; a status change is time-stamped and may open or resolve its repair case, and
    distances and gaps follow."""
    facility = get_for_write(session, Facility, facility_id, actor)
    before = snapshot(facility)
    village = _village(session, data.get("village_id", facility.village_id))
    require_write(actor, "edit_registry", village.township_id, village.id)
    current = {key: getattr(facility, key) for key in ("kind", "name", "code", "ownership", "household_id",
                                                       "manager_id", "yield_m3_day", "last_cleaned_on")}
    if village.id != facility.village_id:
        _refuse_if_referenced(session, "facility.still_referenced", [
            select(Household.id).where(Household.water_source_id == facility.id),
            select(Case.id).where(Case.facility_id == facility.id, Case.status.in_(ACTIVE_CASE_STATUSES))])
    merged = {**current, **data}
    if "last_cleaned_on" not in data:
        merged.pop("last_cleaned_on")
    _check_facility(session, merged, village, rules.today, facility.id)
    status_changed = data.get("status", facility.status) != facility.status
    if status_changed:
        data["status_changed_at"] = rules.now
    data["township_id"] = village.township_id
    _save(session, actor, facility, data, before)
    facility.next_test_due = next_test_due(facility, rules.cases.upkeep, rules.zone)
    if status_changed:
        _after_status_change(session, actor, facility, before["status"], rules)
    villages = {before["village_id"], facility.village_id}
    if "central_point" in (before["kind"], facility.kind):
        recompute_distances(session, villages)
    sync_gap_cases(session, rules.today, rules.now, rules.thresholds, rules.cases, villages)
    sync_care_cases(session, rules.today, rules.now, rules.cases, villages)
    return facility


def set_facility_status(session, actor: User, facility_id: int, status: str, note: str | None, rules: Rules,
                        evidence: Callable[[int], None] | None = None) -> Facility:
    """报修 (broken or low yield) or 恢复正常 (working): anyone who works in its village, village staff included;
    the township verifies the repair by the 销号 of its case.

    报修 opens the facility's repair case at once, with the note and (through `evidence(case_id)`) a photo;
    恢复正常 resolves it. Distances and gaps follow, as for any status change.
    """
    if status not in FACILITY_STATUSES or status == "retired":
        raise FieldErrors.one("status", "facility.status_choice")
    facility = get_for_write(session, Facility, facility_id, actor, "report_facility")
    old_status = facility.status
    if old_status != status:
        before = snapshot(facility)
        facility.status = status
        record_write(session, actor, "status", facility, before)
        _after_status_change(session, actor, facility, old_status, rules)
        if facility.kind == "central_point":
            recompute_distances(session, {facility.village_id})
        sync_gap_cases(session, rules.today, rules.now, rules.thresholds, rules.cases, {facility.village_id})
    if status in FAILED_STATUSES:
        case_id = session.scalar(select(Case.id).where(Case.dedupe_key == f"facility:{facility.id}",
                                                       Case.status.in_(ACTIVE_CASE_STATUSES)))
        if note:
            session.add(CaseEvent(case_id=case_id, action="reported", actor_id=actor.id, note=note, at=rules.now))
        if evidence is not None:
            evidence(case_id)
    return facility


# Households ---------------------------------------------------------------------------------------


def protect_id_number(data: dict, vault: IdNumberVault) -> dict:
    """`data` with its resident ID (if any) replaced by the stored forms: encrypted, keyed hash, masked."""
    id_number = data.pop("id_number", None)
    if id_number is not None:
        data["id_number_encrypted"] = vault.encrypt(id_number)
        data["id_number_hash"] = vault.lookup_hash(id_number)
        data["id_number_masked"] = mask_id_number(id_number)
    return data


def _check_household(session, actor: User, data: dict, village: Village, exclude_id=None) -> None:
    errors: dict = {}
    if data.get("id_number_hash") is not None:
        stmt = select(Household).where(Household.id_number_hash == data["id_number_hash"])
        if exclude_id is not None:
            stmt = stmt.where(Household.id != exclude_id)
        holder = session.scalar(stmt.limit(1))
        if holder is not None and not Scope.of(actor).covers(holder.township_id, holder.village_id):
            raise IdNumberConflict([holder.id])  # say nothing of where: the county is told instead
        if holder is not None:
            errors["id_number"] = [Message("row.id_registered")]
    if data.get("water_source_id") is not None:
        source = session.get(Facility, data["water_source_id"])
        if source is None or source.village_id != village.id:
            errors["water_source_id"] = [Message("household.source_elsewhere")]
        elif data.get("water_source") is None:
            data["water_source"] = source.kind
        elif data["water_source"] != source.kind:
            errors["water_source"] = [Message("household.source_mismatch", kind=label_of("kind", source.kind))]
    if errors:
        raise FieldErrors(errors)


def _distance_fields(data: dict) -> dict:
    """A distance given is a surveyed one; an explicit null asks for it to be computed."""
    if "distance_m" in data:
        data["distance_computed"] = False
    return data


def create_household(session, actor: User, data: dict, vault: IdNumberVault, rules: Rules) -> Household:
    """A new monitored household; its distance is computed when it has coordinates but no survey."""
    village = _village(session, data["village_id"])
    require_write(actor, "edit_registry", village.township_id, village.id)
    data = _distance_fields(protect_id_number(dict(data), vault))
    data["township_id"] = village.township_id
    if data.pop("monitoring_status", "monitored") != "monitored" or data.get("left_on") is not None:
        raise FieldErrors.one("monitoring_status", "monitoring.new_is_monitored")
    data.pop("left_on", None)
    if data.setdefault("monitored_since", rules.today) is None or data["monitored_since"] > rules.today:
        raise FieldErrors.one("monitored_since", "monitoring.entered_in_future")
    _check_household(session, actor, data, village)
    household = _save(session, actor, Household(), data, None)
    recompute_distances(session, {village.id})
    sync_gap_cases(session, rules.today, rules.now, rules.thresholds, rules.cases, {village.id})
    return household


def update_household(session, actor: User, household_id: int, data: dict, vault: IdNumberVault,
                     rules: Rules) -> Household:
    """Change a household; moving it or its coordinates recomputes a computed distance."""
    household = get_for_write(session, Household, household_id, actor)
    before = snapshot(household)
    village = _village(session, data.get("village_id", household.village_id))
    require_write(actor, "edit_registry", village.township_id, village.id)
    if village.id != household.village_id:
        _refuse_if_referenced(session, "household.still_referenced", [
            select(Facility.id).where(Facility.household_id == household.id),
            select(Agreement.id).where(Agreement.household_id == household.id,
                                       Agreement.status.in_(("draft", "active"))),
            select(Case.id).where(Case.household_id == household.id, Case.status.in_(ACTIVE_CASE_STATUSES))])
    data = _distance_fields(protect_id_number(dict(data), vault))
    data["township_id"] = village.township_id
    monitoring = {key: data.pop(key) for key in ("monitoring_status", "monitored_since", "left_on") if key in data}
    if "water_source_id" not in data and "village_id" in data and household.water_source_id is not None:
        data["water_source_id"] = household.water_source_id
    _check_household(session, actor, data, village, household.id)
    _save(session, actor, household, data, before)
    if monitoring:
        change_monitoring(session, actor, household, monitoring, rules)
    villages = {before["village_id"], household.village_id}
    recompute_distances(session, villages)
    sync_gap_cases(session, rules.today, rules.now, rules.thresholds, rules.cases, villages)
    return household
