from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from models import Facility, Household, Village, Visit

from ..registry_api import Collection, collection_blueprint
from ..context import current_gaps, current_rules, current_thresholds
from ..kept_figures import current_kept_supply
from ..domain import registry
from ..clock import local_today
from ..domain.gaps import gap_clause
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
    # Never NULL (a household without a water source is simply not affected), so that "false" lists it.
    clause = (Household.water_source_id.is_not(None) & Household.water_source_id.in_(exceeded)) | \
        Household.id.in_(own)
    return stmt.where(clause if wanted else ~clause)


def _in_key_village(stmt, wanted: bool):
    return stmt.where(Household.village_id.in_(select(Village.id).where(Village.is_key.is_(wanted))))


def _visited(stmt, wanted: bool):
    today = local_today()
    visited = select(Visit.household_id).where(Visit.visited_on >= date(today.year, 1, 1), Visit.visited_on <= today)
    return stmt.where(Household.id.in_(visited) if wanted else Household.id.not_in(visited))


def _name_contains(stmt, text: str):
    return stmt.where(Household.head_name.contains(text, autoescape=True))


def _search(stmt, text: str):
    return stmt.where(household_search(text, current_vault(), local_today()))


collection = Collection(
    "households", Household, HouseholdSchema, HouseholdPageSchema, HouseholdArgs,
    lambda session, actor, data: registry.create_household(session, actor, data, current_vault(), current_rules()),
    lambda session, actor, record_id, data: registry.update_household(
        session, actor, record_id, data, current_vault(), current_rules()),
    "监测户 Monitored households, with derived needs_delivery and its reasons",
    special_filters={"needs_delivery": _needs_delivery, "gap": _gap, "head_name": _name_contains, "q": _search,
                     "quality_alert": _quality_alert, "is_key": _in_key_village, "visited": _visited},
    list_options=(selectinload(Household.water_source_facility), selectinload(Household.township)),
    annotate=lambda session, households: annotate_30d(session, households, current_rules().today,
                                                      current_kept_supply(), current_gaps()),
    numbers_looked_up=("id_number",),
    village_of=own_village,
)
blueprint = collection_blueprint(collection)
