"""The delivery list as both the API and the pages read it: its filters."""
from sqlalchemy import select

from models import Delivery, Household, db

from ..domain.scope import townships_under


def filtered(stmt, args: dict):
    """`stmt` (of deliveries) narrowed by the list's filters: the API's list and the page's alike."""
    for key in ("household_id", "agreement_id", "status", "confirmation", "scheduled_for", "unplanned"):
        if key in args:
            stmt = stmt.where(getattr(Delivery, key) == args[key])
    for key, column in (("township_id", Household.township_id), ("village_id", Household.village_id)):
        if key in args:
            stmt = stmt.where(Delivery.household_id.in_(select(Household.id).where(column == args[key])))
    if "region_id" in args:
        townships = townships_under(db.session, args["region_id"])
        stmt = stmt.where(Delivery.household_id.in_(select(Household.id).where(Household.township_id.in_(townships))))
    if "date_from" in args:
        stmt = stmt.where(Delivery.scheduled_for >= args["date_from"])
    if "date_to" in args:
        stmt = stmt.where(Delivery.scheduled_for <= args["date_to"])
    return stmt
