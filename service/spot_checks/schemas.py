from datetime import date

from marshmallow import fields, validate

from models import VERDICTS

from ..api_common import PageArgs, Schema, Text, ref
from ..domain.spot_checks import MAX_SAMPLE, match_rate


class DrawSchema(Schema):
    township_id = ref(metadata={"description": "the township drawn from (or region_id)"})
    region_id = ref(metadata={"description": "a region's townships, each its share (or township_id)"})
    size = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_SAMPLE))
    seed = Text(validate=validate.Length(min=1, max=40),
                metadata={"description": "the same seed and place draw the same households; a new one if none"})


class DifferenceSchema(Schema):
    field = fields.String()
    found = fields.Raw(allow_none=True)
    recorded = fields.Raw(allow_none=True)


class DrawnHouseholdSchema(Schema):
    id = fields.Integer(attribute="household_id", metadata={"description": "the household's id"})
    township_id = fields.Integer()
    village_id = fields.Integer()
    head_name = fields.Function(lambda item: item.household.head_name)
    visited_on = fields.Date(allow_none=True)
    matches_records = fields.Boolean(allow_none=True, metadata={"description": "null until visited"})
    differences = fields.List(fields.Nested(DifferenceSchema), allow_none=True)
    case_id = fields.Integer(allow_none=True, metadata={"description": "the case a difference opened"})


class SpotCheckSchema(Schema):
    id = fields.Integer()
    township_id = fields.Integer(allow_none=True)
    region_id = fields.Integer(allow_none=True)
    size = fields.Integer()
    seed = fields.String()
    drawn_by_id = fields.Integer(allow_none=True)
    drawn_at = fields.DateTime()
    figures = fields.Function(match_rate, metadata={
        "type": "object", "description": "{drawn, found, matches, match_rate (核实相符率, percent)}"})
    households = fields.List(fields.Nested(DrawnHouseholdSchema))


class SpotCheckArgs(PageArgs):
    pass


class FindingSchema(Schema):
    household_id = ref(required=True)
    visited_on = fields.Date(required=True, validate=validate.Range(min=date(2000, 1, 1), max=date(2100, 12, 31)))
    liters_per_person_day = fields.Float(allow_none=True, validate=validate.Range(min=0, max=1000))
    quality = fields.String(allow_none=True, validate=validate.OneOf(VERDICTS),
                            metadata={"description": "水质 as found: met, basic or failed"})
    piped = fields.Boolean(allow_none=True)
    round_trip_minutes = fields.Float(allow_none=True, validate=validate.Range(min=0, max=600))
    assurance_percent = fields.Float(allow_none=True, validate=validate.Range(min=0, max=100))
    receives_delivery = fields.Boolean(allow_none=True, metadata={"description": "the household says water is delivered"})
    deliveries_30d = fields.Integer(allow_none=True, validate=validate.Range(min=0, max=100),
                                    metadata={"description": "deliveries the household says it received in 30 days"})
    note = Text(allow_none=True, validate=validate.Length(max=2000))


class FindingAnswerSchema(DrawnHouseholdSchema):
    found = fields.Dict(allow_none=True, metadata={"description": "the verdicts judged from the finding"})
    recorded = fields.Dict(allow_none=True, metadata={"description": "what the records said that day"})
