"""The delivery list as both the API and the pages read it: its filters."""
from sqlalchemy import select

from models import Delivery, Household, db

from ..domain.scope import townships_under


def filtered(stmt, args: dict):
    """`stmt` (of deliveries) narrowed by the list's filters: the API's list and the page's alike."""
    for key in ("household_id", "agreement_id", "status", "confirmation", "scheduled_for", "unplanned"):
        if key in args:
            stmt = stmt.where(getattr(Delivery, key) == args[key])
    if "township_id" in args:
        stmt = stmt.where(Delivery.township_id == args["township_id"])
    if "village_id" in args:
        in_village = select(Household.id).where(Household.village_id == args["village_id"])
        stmt = stmt.where(Delivery.household_id.in_(in_village))
    if "region_id" in args:
        stmt = stmt.where(Delivery.township_id.in_(townships_under(db.session, args["region_id"])))
    if "date_from" in args:
        stmt = stmt.where(Delivery.scheduled_for >= args["date_from"])
    if "date_to" in args:
        stmt = stmt.where(Delivery.scheduled_for <= args["date_to"])
    return stmt
