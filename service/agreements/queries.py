"""The agreements list as both the API and the pages read it: its filters (the household's place, due for renewal)."""
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from models import Agreement, Household, db

from ..clock import local_today
from ..context import current_rules
from ..domain import agreements
from ..domain.scope import townships_under
from ..registry_api import Collection
from .schemas import AgreementArgs, AgreementPageSchema, AgreementSchema


def _in_place(column):
    def restrict(stmt, value):
        return stmt.where(Agreement.household_id.in_(select(Household.id).where(column == value)))
    return restrict


def _in_region(stmt, region_id: int):
    townships = townships_under(db.session, region_id)
    return stmt.where(Agreement.household_id.in_(select(Household.id).where(Household.township_id.in_(townships))))


def _renewal(stmt, wanted: bool):
    clause = agreements.renewal_due_clause(local_today())
    return stmt.where(clause if wanted else ~clause)


collection = Collection(
    "agreements", Agreement, AgreementSchema, AgreementPageSchema, AgreementArgs,
    lambda session, actor, data: agreements.create_agreement(session, actor, data, current_rules()),
    lambda session, actor, record_id, data: agreements.update_agreement(session, actor, record_id, data,
                                                                        current_rules()),
    "送水服务协议 Water-delivery agreements: draft → active (signed) → expired / terminated",
    special_filters={"township_id": _in_place(Household.township_id), "village_id": _in_place(Household.village_id),
                     "region_id": _in_region,
                     "due_for_renewal": _renewal},
    list_options=(selectinload(Agreement.household),),
)
