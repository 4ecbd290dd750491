from marshmallow import fields

from models import db

from ..api_common import Schema
from ..auth import acting_scope
from ..domain.repairs import repair_times
from ..registry_api import collection_blueprint

from .queries import collection

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
