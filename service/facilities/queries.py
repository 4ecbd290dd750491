"""The facility list as both the API and the pages read it: its filters (care missing, upkeep and tests overdue,
加密监测)."""

from models import Facility, Village, db

from sqlalchemy import select
from sqlalchemy.orm import selectinload
from ..domain.catalogue import label
from ..domain import imports
from ..clock import local_today
from ..context import current_rules
from ..domain.care import (care_missing_clause, cleaning_overdue_clause, intensive_clause, test_overdue_clause,
                           upkeep_overdue_clause)
from ..domain.scope import townships_under
from ..registry_api import Collection
from ..domain import registry
from .schemas import FacilityArgs, FacilityPageSchema, FacilitySchema

def facility_rows(items, thresholds):
    """The facilities export: the roster's headers and rows."""
    headers = [c.header for c in imports.FACILITY_COLUMNS] + ["管理员", "最近水源保护检查", "最近滤芯更换", "最近检测",
                                                             "下次应检"]
    return headers, [[f.township.name, f.village.name, label("kind", f.kind), f.name, f.code,
                      label("ownership", f.ownership), label("facility_status", f.status),
                      f.household.id_number_masked if f.household else None, f.manager.phone if f.manager else None,
                      f.responsible_unit, f.yield_m3_day, f.lat, f.lon, f.last_cleaned_on,
                      label("supply_class", f.supply_class) if f.supply_class else None,
                      "是" if f.chlorinated else "否", f.manager.name if f.manager else None, f.last_source_check_on,
                      f.last_filter_change_on, f.last_tested_on, f.next_test_due] for f in items]


collection = Collection(
    "facilities", Facility, FacilitySchema, FacilityPageSchema, FacilityArgs,
    lambda session, actor, data: registry.create_facility(session, actor, data, current_rules()),
    lambda session, actor, record_id, data: registry.update_facility(session, actor, record_id, data, current_rules()),
    "设施 Facilities: central water points, purifiers, wells",
    special_filters={
        "region_id": lambda stmt, region_id: stmt.where(Facility.village_id.in_(select(Village.id).where(
            Village.township_id.in_(townships_under(db.session, region_id))))),
        "care_missing": lambda stmt, wanted: stmt.where(care_missing_clause() == wanted),
        "cleaning_overdue": lambda stmt, wanted: stmt.where(
            cleaning_overdue_clause(local_today(), current_rules().cases.upkeep) == wanted),
        "upkeep_overdue": lambda stmt, wanted: stmt.where(
            upkeep_overdue_clause(local_today(), current_rules().cases.upkeep) == wanted),
        "test_overdue": lambda stmt, wanted: stmt.where(test_overdue_clause(local_today()) == wanted),
        "intensive": lambda stmt, wanted: stmt.where(intensive_clause() == wanted)},
    export=facility_rows,
    export_options=(selectinload(Facility.township), selectinload(Facility.village), selectinload(Facility.household),
                    selectinload(Facility.manager)),
)
