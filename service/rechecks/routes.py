from flask.views import MethodView
from flask_smorest import Blueprint

from models import db

from ..api_common import limit_json_body, page_of, page_schema
from ..auth import acting_scope, acting_user, require_bearer_user
from ..context import current_rules
from ..domain import rechecks
from ..unit_of_work import atomic
from .schemas import RecheckArgs, RecheckItemSchema, RecheckSchema, ResultSchema, StartRecheckSchema

blueprint = Blueprint("rechecks", __name__, url_prefix="/api/v1/rechecks",
                      description="回头查 Re-checks: finished cases checked again, whenever called, against their 整改标准")
blueprint.before_request(limit_json_body)
blueprint.before_request(require_bearer_user)


@blueprint.route("")
class Rechecks(MethodView):
    @blueprint.arguments(RecheckArgs, location="query")
    @blueprint.response(200, page_schema(RecheckSchema))
    def get(self, args):
        """The 回头查 of the caller's places (a township's, with `township_id`), newest first."""
        return page_of(rechecks.rechecks_in(db.session, acting_scope(), args.get("township_id")), args)

    @blueprint.arguments(StartRecheckSchema)
    @blueprint.response(201, RecheckSchema)
    @atomic
    def post(self, data):
        """Start a 回头查 over a township's or region's finished cases (resolved, verified or closed, any age):
        those named, or those the filters choose."""
        return rechecks.start_recheck(db.session, acting_user(), data, current_rules())


@blueprint.route("/<int:recheck_id>")
@blueprint.response(200, RecheckSchema)
def get_recheck(recheck_id):
    """A 回头查 with each case's standard and result."""
    return rechecks.visible_recheck(db.session, acting_scope(), recheck_id)


@blueprint.route("/<int:recheck_id>/results", methods=["POST"])
@blueprint.arguments(ResultSchema)
@blueprint.response(201, RecheckItemSchema)
@atomic
def record_result(data, recheck_id):
    """A case checked against its standard: passed, or failed (the case opens again, a relapse)."""
    return rechecks.record_result(db.session, acting_user(), recheck_id, data["case_id"], data["passed"],
                                  data["note"], current_rules())
