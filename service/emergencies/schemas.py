from datetime import date

from marshmallow import fields, validate

from models import EMERGENCY_KINDS

from ..api_common import PageArgs, Schema, Text, ref

DAYS = validate.Range(min=date(2000, 1, 1), max=date(2100, 12, 31))


class EmergencySchema(Schema):
    id = fields.Integer(dump_only=True)
    kind = fields.String(required=True, validate=validate.OneOf(EMERGENCY_KINDS),
                         metadata={"description": "drought 干旱, contamination 水源污染, outage 停水"})
    township_ids = fields.List(ref(), load_only=True, validate=validate.Length(min=1, max=500),
                               metadata={"description": "every village of these townships (or village_ids)"})
    village_ids = fields.List(ref(), load_only=True, validate=validate.Length(min=1, max=5000))
    villages = fields.Function(lambda e: [{"id": v.id, "name": v.name} for v in e.villages], dump_only=True,
                               metadata={"type": "array", "items": {"type": "object"}})
    started_on = fields.Date(required=True, validate=DAYS)
    ended_on = fields.Date(dump_only=True, allow_none=True)
    team = fields.List(ref(), required=True, attribute="team_ids", validate=validate.Length(min=1, max=200),
                       metadata={"description": "the staff who deliver (送水队)"})
    source_facility_id = ref(allow_none=True, metadata={"description": "where the water is fetched"})
    liters_per_person = fields.Integer(dump_only=True, metadata={"description": "a day, from the quantity setting"})
    note = Text(allow_none=True, validate=validate.Length(max=2000))
    created_at = fields.DateTime(dump_only=True)


class EndSchema(Schema):
    ended_on = fields.Date(validate=DAYS, metadata={"description": "its last day (today by default)"})


class EmergencyDaySchema(Schema):
    day = fields.Date()
    households = fields.Integer(metadata={"description": "monitored households of the area"})
    reached = fields.Integer(metadata={"description": "households with a delivery made that day"})
    confirmed = fields.Integer(metadata={"description": "of them, confirmed by SMS"})


class EmergencyDetailSchema(EmergencySchema):
    days = fields.List(fields.Nested(EmergencyDaySchema), dump_only=True)


class EmergencyArgs(PageArgs):
    pass
