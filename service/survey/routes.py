from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate
from sqlalchemy import extract, select

from models import RESULTS, VERDICTS, Visit, db

from ..api_common import PageArgs, Schema, StrictFloat, Text, filter_id, limit_json_body, page_schema, paginate
from ..auth import acting_scope, acting_user, require_bearer_user
from ..context import current_rules
from ..domain.survey import record_visit
from ..unit_of_work import atomic

blueprint = Blueprint("visits", __name__, url_prefix="/api/v1",
                      description="逐户排查 Visits: each household checked on 水量, 水质, 用水方便程度 and 供水保证率")
blueprint.before_request(limit_json_body)
blueprint.before_request(require_bearer_user)


class VisitSchema(Schema):
    id = fields.Integer(dump_only=True)
    household_id = fields.Integer(dump_only=True)
    township_id = fields.Integer(dump_only=True)
    village_id = fields.Integer(dump_only=True)
    visited_on = fields.Date(required=True)
    surveyor_id = fields.Integer(dump_only=True, allow_none=True)
    liters_per_person_day = StrictFloat(allow_none=True, validate=validate.Range(min=0, max=10_000), metadata={
        "description": "a delivery household's own 30-day figure when not given"})
    quality = fields.String(load_only=True, allow_none=True, validate=validate.OneOf(VERDICTS), metadata={
        "description": "as the surveyor judged it; when not given, by the latest test of the household's source"})
    piped = fields.Boolean(allow_none=True)
    round_trip_minutes = StrictFloat(allow_none=True, validate=validate.Range(min=0, max=1440))
    assurance_percent = StrictFloat(allow_none=True, validate=validate.Range(min=0, max=100), metadata={
        "description": "a delivery household's own 30-day figure when not given"})
    note = Text(allow_none=True, validate=validate.Length(max=2000))
    indicators = fields.Dict(dump_only=True, metadata={
        "description": "{quantity, quality, convenience, assurance}: each met, basic or failed"})
    result = fields.String(dump_only=True, metadata={"description": "safe 安全, basic 基本安全 or unsafe 不安全"})
    created_at = fields.DateTime(dump_only=True)


class VisitArgs(PageArgs):
    household_id = filter_id()
    village_id = filter_id()
    township_id = filter_id()
    year = fields.Integer(validate=validate.Range(min=2000, max=2100))
    result = fields.String(validate=validate.OneOf(RESULTS))


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
