from datetime import date

from marshmallow import fields, validate

from models import CARE_KINDS, Facility, db

from ..api_common import Schema, Text
from ..auth import acting_scope, acting_user
from ..clock import local_today
from ..context import current_rules
from ..domain import system_cases, water_quality
from ..domain.scope import get_visible
from ..domain.repairs import repair_times
from ..unit_of_work import atomic
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


class CareSchema(Schema):
    """管护: a cleaning (清洗消毒), a source-protection check (水源保护检查) or a filter change (滤芯更换)."""

    id = fields.Integer(dump_only=True)
    facility_id = fields.Integer(dump_only=True)
    kind = fields.String(required=True, validate=validate.OneOf(CARE_KINDS),
                         metadata={"description": "cleaning 清洗消毒 (any facility), source_protection 水源保护检查 "
                                                  "(wells, central points) or filter_change 滤芯更换 (purifiers)"})
    done_on = fields.Date(load_default=local_today,
                          validate=validate.Range(min=date(2000, 1, 1), max=date(2100, 12, 31)),
                          metadata={"description": "the day it was done (today by default; not in the future)"})
    note = Text(allow_none=True, validate=validate.Length(max=500))
    created_at = fields.DateTime(dump_only=True)


@blueprint.route("/<int:record_id>/care", methods=["POST"])
@blueprint.arguments(CareSchema)
@blueprint.response(201, CareSchema)
@atomic
def record_care(data, record_id):
    """管护: record upkeep done at the facility (its overdue case of that kind resolves)."""
    return system_cases.record_facility_care(db.session, acting_user(), record_id, data["kind"], data["done_on"],
                                             data.get("note"), current_rules())


class SeriesArgs(Schema):
    parameter = fields.String(metadata={"description": "a parameter code of the standard in force (by default the "
                                                      "one the facility page draws: its latest exceedance's, else "
                                                      "the one tested most)"})


SeriesPoint = Schema.from_dict({"sampled_on": fields.Date(), "sample_point": fields.String(),
                                "value": fields.Float(), "passed": fields.Boolean()}, name="SeriesPoint")


class SeriesSchema(Schema):
    parameter = fields.String()
    name = fields.String()
    unit = fields.String()
    min = fields.Float(allow_none=True)
    max = fields.Float(allow_none=True, metadata={"description": "the limit this facility's water is judged against"})
    words = fields.String(metadata={"description": "the limit as GB 5749-2022 words it (不得检出, ≤1 NTU)"})
    points = fields.List(fields.Nested(SeriesPoint))


@blueprint.route("/<int:record_id>/water-tests", methods=["GET"])
@blueprint.arguments(SeriesArgs, location="query")
@blueprint.response(200, SeriesSchema)
def water_test_series(args, record_id):
    """A parameter's results over time at the facility, oldest first, with the limit it is judged against."""
    facility = get_visible(db.session, Facility, record_id, acting_scope())
    return water_quality.parameter_series(db.session, facility, args.get("parameter") or water_quality.shown_parameter(
        db.session, facility) or "turbidity")
