from flask.views import MethodView
from flask_smorest import Blueprint

from models import db

from ..api_common import limit_json_body, page_of, page_schema
from ..auth import acting_scope, acting_user, require_bearer_user
from ..context import current_rules
from ..domain import spot_checks
from ..unit_of_work import atomic
from .schemas import DrawSchema, FindingAnswerSchema, FindingSchema, SpotCheckArgs, SpotCheckSchema

blueprint = Blueprint("spot_checks", __name__, url_prefix="/api/v1/spot-checks",
                      description="明察暗访 Spot checks: households drawn at random, findings compared with the records")
blueprint.before_request(limit_json_body)
blueprint.before_request(require_bearer_user)


@blueprint.route("")
class SpotChecks(MethodView):
    @blueprint.arguments(SpotCheckArgs, location="query")
    @blueprint.response(200, page_schema(SpotCheckSchema))
    def get(self, args):
        """The draws of the caller's places, newest first."""
        return page_of(spot_checks.spot_checks_in(db.session, acting_scope()), args)

    @blueprint.arguments(DrawSchema)
    @blueprint.response(201, SpotCheckSchema)
    @atomic
    def post(self, data):
        """Draw `size` monitored households of a township or region at random, stratified by township; the same
        `seed` and place draw the same households."""
        return spot_checks.draw_spot_check(db.session, acting_user(), data, current_rules())


@blueprint.route("/<int:spot_check_id>")
@blueprint.response(200, SpotCheckSchema)
def get_spot_check(spot_check_id):
    """A draw with each household's finding, and its 核实相符率."""
    return spot_checks.visible_spot_check(db.session, acting_scope(), spot_check_id)


@blueprint.route("/<int:spot_check_id>/findings", methods=["POST"])
@blueprint.arguments(FindingSchema)
@blueprint.response(201, FindingAnswerSchema)
@atomic
def record_finding(data, spot_check_id):
    """What was found at a drawn household; the service compares it with the records (`matches_records`,
    `differences`) and opens a case (明察暗访) when they differ."""
    return spot_checks.record_finding(db.session, acting_user(), spot_check_id, data, current_rules())
