"""The household list as both the API and the pages read it: its filters (needs delivery, gap, name, search, quality
alert, key village, visited) and each row's 30-day supply."""
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from models import Agreement, Facility, Household, Village, Visit, db

from ..domain.needs_delivery import household_reasons
from ..domain.catalogue import label
from ..domain import imports
from ..domain.scope import townships_under
from ..registry_api import Collection
from ..context import current_gaps, current_rules, current_thresholds
from ..kept_figures import current_kept_supply
from ..domain import registry
from ..clock import local_today
from ..domain.gaps import gap_clause
from ..domain.projects import visit_due_clause
from ..domain.search import household_search
from ..domain.kept import own_village
from ..domain.supply import annotate_30d
from ..domain.needs_delivery import needs_delivery_clause
from .schemas import HouseholdArgs, HouseholdPageSchema, HouseholdSchema
from ..context import current_vault


def _needs_delivery(stmt, wanted: bool):
    clause = needs_delivery_clause(current_thresholds())
    return stmt.where(clause if wanted else ~clause)


def _gap(stmt, wanted: bool):
    clause = gap_clause(current_thresholds())
    return stmt.where(clause if wanted else ~clause)


def _quality_alert(stmt, wanted: bool):
    exceeded = select(Facility.id).where(Facility.quality_exceeded)
    own = select(Facility.household_id).where(Facility.quality_exceeded, Facility.household_id.is_not(None))
    # Delivered water is its source's water.
    delivered = select(Agreement.household_id).where(Agreement.status == "active",
                                                     Agreement.source_facility_id.in_(exceeded))
    # Never NULL (a household without a water source is simply not affected), so that "false" lists it.
    clause = (Household.water_source_id.is_not(None) & Household.water_source_id.in_(exceeded)) | \
        Household.id.in_(own) | Household.id.in_(delivered)
    return stmt.where(clause if wanted else ~clause)


def _in_key_village(stmt, wanted: bool):
    return stmt.where(Household.village_id.in_(select(Village.id).where(Village.is_key.is_(wanted))))


def _visited(stmt, wanted: bool):
    today = local_today()
    visited = select(Visit.household_id).where(Visit.visited_on >= date(today.year, 1, 1), Visit.visited_on <= today)
    return stmt.where(Household.id.in_(visited) if wanted else Household.id.not_in(visited))


def _monitoring_status(stmt, status: str):
    return stmt if status == "all" else stmt.where(Household.monitoring_status == status)


def _name_contains(stmt, text: str):
    return stmt.where(Household.head_name.contains(text, autoescape=True))


def _search(stmt, text: str):
    return stmt.where(household_search(text, current_vault(), local_today()))


def household_rows(items, thresholds):
    """The households export's headers (the roster's, and what is derived) and rows, ID numbers masked."""
    headers = [c.header for c in imports.HOUSEHOLD_COLUMNS] + ["需送水", "需送水原因", "计算距离(米)", "监测状态",
                                                              "纳入日期", "退出日期", "帮扶责任人", "帮扶责任人电话"]
    rows = []
    for h in items:
        reasons = household_reasons(h, thresholds)
        rows.append([h.township.name, h.village.name, h.head_name, h.id_number_masked, h.phone, h.members,
                     "是" if h.self_care else "否", h.lat, h.lon, None if h.distance_computed else h.distance_m,
                     h.vertical_m, h.round_trip_min, label("water_source", h.water_source) if h.water_source else None,
                     label("monitoring_type", h.monitoring_type) if h.monitoring_type else None, h.id,
                     "是" if reasons else "否", "、".join(label("reason", r, thresholds) for r in reasons),
                     h.distance_m if h.distance_computed else None, label("monitoring_status", h.monitoring_status),
                     h.monitored_since, h.left_on, h.support_person_name, h.support_person_phone])
    return headers, rows


collection = Collection(
    "households", Household, HouseholdSchema, HouseholdPageSchema, HouseholdArgs,
    lambda session, actor, data: registry.create_household(session, actor, data, current_vault(), current_rules()),
    lambda session, actor, record_id, data: registry.update_household(
        session, actor, record_id, data, current_vault(), current_rules()),
    "监测户 Monitored households, with derived needs_delivery and its reasons",
    special_filters={"region_id": lambda stmt, region_id: stmt.where(
                         Household.township_id.in_(townships_under(db.session, region_id))),
                     "needs_delivery": _needs_delivery, "gap": _gap, "head_name": _name_contains, "q": _search,
                     "quality_alert": _quality_alert, "is_key": _in_key_village, "visited": _visited,
                     "monitoring_status": _monitoring_status,
                     "piped": lambda stmt, wanted: stmt.where(Household.piped_since.is_not(None) == wanted),
                     "visit_due": lambda stmt, wanted: stmt.where(visit_due_clause() == wanted)},
    list_options=(selectinload(Household.water_source_facility), selectinload(Household.township)),
    annotate=lambda session, households: annotate_30d(session, households, current_rules().today,
                                                      current_kept_supply(), current_gaps()),
    numbers_looked_up=("id_number",),
    village_of=own_village,
    export=household_rows,
    export_options=(selectinload(Household.township), selectinload(Household.village),
                    selectinload(Household.water_source_facility)),
)
