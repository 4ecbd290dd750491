from marshmallow import fields, validate

from models import RESULTS, VERDICTS

from ..api_common import PageArgs, Schema, StrictFloat, Text, filter_id


class VisitSchema(Schema):
    id = fields.Integer(dump_only=True)
    household_id = fields.Integer(dump_only=True)
    township_id = fields.Integer(dump_only=True)
    village_id = fields.Integer(dump_only=True)
    visited_on = fields.Date(required=True)
    surveyor_id = fields.Integer(dump_only=True, allow_none=True)
    surveyor_name = fields.String(dump_only=True, allow_none=True, metadata={
        "description": "who visited, as a paper survey wrote it (imported visits)"})
    liters_per_person_day = StrictFloat(allow_none=True, validate=validate.Range(min=0, max=10_000), metadata={
        "description": "a delivery household's own 30-day figure when not given"})
    quality = fields.String(load_only=True, allow_none=True, validate=validate.OneOf(VERDICTS), metadata={
        "description": "as the surveyor judged it; when not given, by the latest test of the household's source"})
    piped = fields.Boolean(allow_none=True)
    round_trip_minutes = StrictFloat(allow_none=True, validate=validate.Range(min=0, max=1440))
    assurance_percent = StrictFloat(allow_none=True, validate=validate.Range(min=0, max=100), metadata={
        "description": "a delivery household's own 30-day figure when not given"})
    note = Text(allow_none=True, validate=validate.Length(max=2000))
    late_reason = Text(allow_none=True, validate=validate.Length(max=200), metadata={
        "description": "补录原因: required when visited_on is more than DELIVERY_BACKDATE_DAYS before today"})
    has_photo = fields.Function(lambda v: v.photo_path is not None, dump_only=True, metadata={"type": "boolean"})
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
