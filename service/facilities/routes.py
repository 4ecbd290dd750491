from flask import current_app
from marshmallow import fields

from models import Facility, db

from ..api_common import Schema
from ..auth import acting_scope
from ..clock import local_today
from ..context import current_rules
from ..domain.care import care_missing_clause, cleaning_overdue_clause
from ..domain.repairs import repair_times
from ..registry_api import Collection, collection_blueprint
from ..domain import registry
from .schemas import FacilityArgs, FacilityPageSchema, FacilitySchema

collection = Collection(
    "facilities", Facility, FacilitySchema, FacilityPageSchema, FacilityArgs,
    lambda session, actor, data: registry.create_facility(session, actor, data, current_rules()),
    lambda session, actor, record_id, data: registry.update_facility(session, actor, record_id, data, current_rules()),
    "设施 Facilities: central water points, purifiers, wells",
    special_filters={
        "care_missing": lambda stmt, wanted: stmt.where(care_missing_clause() == wanted),
        "cleaning_overdue": lambda stmt, wanted: stmt.where(
            cleaning_overdue_clause(local_today(), current_app.config["CLEANING_EVERY_DAYS"]) == wanted)},
)
blueprint = collection_blueprint(collection)


RepairTimes = Schema.from_dict(
    {"township_id": fields.Integer(), "repairs": fields.Integer(), "still_broken": fields.Integer(),
     "median_days": fields.Float(allow_none=True), "p90_days": fields.Float(allow_none=True)}, name="RepairTimes")


@blueprint.route("/repair-times", methods=["GET"])
@blueprint.response(200, RepairTimes(many=True))
def repair_times_report():
    """Days from broken (or low-yield) to working again for purifiers and wells: median and 90th percentile
    per township, with how many are still out of order."""
    return repair_times(db.session, acting_scope())
