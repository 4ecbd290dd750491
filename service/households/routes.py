from sqlalchemy.orm import selectinload

from models import Household

from ..registry_api import Collection, collection_blueprint
from ..context import current_rules, current_thresholds
from ..kept_figures import current_kept_supply
from ..domain import registry
from ..clock import local_today
from ..domain.gaps import gap_clause
from ..domain.search import household_search
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
    special_filters={"needs_delivery": _needs_delivery, "gap": _gap, "head_name": _name_contains, "q": _search},
    list_options=(selectinload(Household.water_source_facility), selectinload(Household.township)),
    annotate=lambda session, households: annotate_30d(session, households, current_rules().today,
                                                      current_kept_supply()),
    numbers_looked_up=("id_number",),
)
blueprint = collection_blueprint(collection)
