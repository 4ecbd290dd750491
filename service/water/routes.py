from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from models import WaterTest, db

from ..api_common import limit_json_body, paginate
from ..auth import acting_scope, acting_user, require_bearer_user
from ..context import current_rules
from ..domain.scope import get_visible
from ..domain.water_quality import record_water_test, standard
from ..unit_of_work import atomic
from .schemas import StandardSchema, WaterTestArgs, WaterTestPageSchema, WaterTestSchema

blueprint = Blueprint("water_tests", __name__, url_prefix="/api/v1/water-tests",
                      description="水质检测 Water-quality tests, judged against GB 5749-2022")
blueprint.before_request(limit_json_body)
blueprint.before_request(require_bearer_user)


def _filtered(stmt, args: dict):
    for key in ("township_id", "village_id", "facility_id", "household_id", "passed", "sample_point"):
        if key in args:
            stmt = stmt.where(getattr(WaterTest, key) == args[key])
    if "date_from" in args:
        stmt = stmt.where(WaterTest.sampled_on >= args["date_from"])
    if "date_to" in args:
        stmt = stmt.where(WaterTest.sampled_on <= args["date_to"])
    return stmt


@blueprint.route("")
class WaterTests(MethodView):
    @blueprint.arguments(WaterTestArgs, location="query")
    @blueprint.response(200, WaterTestPageSchema)
    def get(self, args):
        """Tests in the caller's scope, newest first (filter by place, facility, household, result, period)."""
        stmt = _filtered(acting_scope().restrict(select(WaterTest), WaterTest), args)
        return paginate(db.session, stmt, args, newest_first=True)

    @blueprint.arguments(WaterTestSchema)
    @blueprint.response(201, WaterTestSchema)
    @atomic
    def post(self, data):
        """Record a sample of a facility or a household: answered with `passed` and its `exceedances`; one opens
        (or reopens) the subject's water_quality case, and the facility shows 水质超标 until the same sample point
        passes again."""
        return record_water_test(db.session, acting_user(), data, current_rules())


@blueprint.route("/limits")
class Limits(MethodView):
    @blueprint.response(200, StandardSchema)
    def get(self):
        """The limits in force (GB 5749-2022, Table 1), with the relaxed ones for small and dispersed supplies."""
        return standard().as_table()


@blueprint.route("/<int:test_id>")
class WaterTestItem(MethodView):
    @blueprint.response(200, WaterTestSchema)
    @blueprint.alt_response(404, response="DEFAULT_ERROR")
    def get(self, test_id):
        """One test, as judged when it was recorded."""
        return get_visible(db.session, WaterTest, test_id, acting_scope())
