from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import extract, select

from models import Visit, db

from ..api_common import limit_json_body, page_schema, paginate
from ..auth import acting_scope, acting_user, require_bearer_user
from ..context import current_rules
from ..domain.survey import record_visit
from ..unit_of_work import atomic
from .schemas import VisitArgs, VisitSchema

blueprint = Blueprint("visits", __name__, url_prefix="/api/v1",
                      description="逐户排查 Visits: each household checked on 水量, 水质, 用水方便程度 and 供水保证率")
blueprint.before_request(limit_json_body)
blueprint.before_request(require_bearer_user)


@blueprint.route("/households/<int:household_id>/visits", methods=["POST"])
@blueprint.arguments(VisitSchema)
@blueprint.response(201, VisitSchema)
@atomic
def create_visit(data, household_id):
    """Record a visit: the four indicators and the result are judged from what was found."""
    return record_visit(db.session, acting_user(), household_id, data, current_rules())


@blueprint.route("/visits")
class Visits(MethodView):
    @blueprint.arguments(VisitArgs, location="query")
    @blueprint.response(200, page_schema(VisitSchema))
    def get(self, args):
        """Visits in the caller's scope, newest first (filter by household, place, year and result)."""
        stmt = acting_scope().restrict(select(Visit), Visit)
        for key in ("household_id", "village_id", "township_id", "result"):
            if key in args:
                stmt = stmt.where(getattr(Visit, key) == args[key])
        if "year" in args:
            stmt = stmt.where(extract("year", Visit.visited_on) == args["year"])
        return paginate(db.session, stmt, args, newest_first=True)
