from flask.views import MethodView
from flask_smorest import Blueprint

from models import db

from ..api_common import limit_json_body, page_of, page_schema
from ..auth import acting_scope, acting_user, require_bearer_user
from ..clock import local_today
from ..context import current_rules
from ..domain import emergencies
from ..unit_of_work import atomic
from .schemas import EmergencyArgs, EmergencyDetailSchema, EmergencySchema, EndSchema

blueprint = Blueprint("emergencies", __name__, url_prefix="/api/v1/emergencies",
                      description="应急送水 Emergencies: an area's households on daily delivery")
blueprint.before_request(limit_json_body)
blueprint.before_request(require_bearer_user)


def _detail(emergency):
    emergency.days = emergencies.daily_figures(db.session, emergency, local_today())
    return emergency


@blueprint.route("")
class Emergencies(MethodView):
    @blueprint.arguments(EmergencyArgs, location="query")
    @blueprint.response(200, page_schema(EmergencySchema))
    def get(self, args):
        """The emergencies of the caller's places, the latest first."""
        return page_of(emergencies.emergencies_in(db.session, acting_scope()), args)

    @blueprint.arguments(EmergencySchema)
    @blueprint.response(201, EmergencyDetailSchema)
    @atomic
    def post(self, data):
        """Declare one: every monitored household of the area is planned a delivery a day from `started_on`."""
        return _detail(emergencies.declare_emergency(db.session, acting_user(), data, current_rules()))


@blueprint.route("/<int:emergency_id>")
@blueprint.response(200, EmergencyDetailSchema)
def get_emergency(emergency_id):
    """One, with its daily figure of households reached."""
    return _detail(emergencies.get_emergency(db.session, acting_scope(), emergency_id))


@blueprint.route("/<int:emergency_id>/end", methods=["POST"])
@blueprint.arguments(EndSchema)
@blueprint.response(200, EmergencyDetailSchema)
@atomic
def end(data, emergency_id):
    """End it: what is still planned after its last day is called off; the record stays."""
    return _detail(emergencies.end_emergency(db.session, acting_user(), emergency_id, data.get("ended_on"),
                                             current_rules()))
