from marshmallow import fields, validate

from models import MONITORING_STATUSES, MONITORING_TYPES, WATER_SOURCES, db

from ..api_common import filter_id, IdNumber, page_schema, PageArgs, Phone, ref, Schema, StrictFloat, StrictInt, Text
from ..context import current_gaps, current_rules, current_thresholds
from ..domain import limits
from ..domain.needs_delivery import REASONS, household_reasons
from ..domain.supply import Supply, annotate_30d


def _reasons(household) -> list[str]:
    return household_reasons(household, current_thresholds())


def _supply(household) -> Supply:
    # Lists give their households the figures in one batch (households.routes); a single read computes its own.
    if not hasattr(household, "supply_30d"):
        annotate_30d(db.session, [household], current_rules().today, gaps=current_gaps())
    return household.supply_30d


class SupportPersonSchema(Schema):
    """帮扶责任人: the cadre who answers for the household."""

    name = Text(required=True, validate=validate.Length(min=1, max=limits.NAME_LENGTH))
    phone = Text(allow_none=True, validate=validate.Length(max=30))


class HouseholdSchema(Schema):
    id = fields.Integer(dump_only=True)
    township_id = fields.Integer(dump_only=True)
    village_id = ref(required=True)
    head_name = Text(required=True, validate=validate.Length(min=1, max=limits.NAME_LENGTH))
    id_number = IdNumber(required=True, load_only=True, metadata={"example": "11010519491231002X"})
    id_number_masked = fields.String(dump_only=True)
    phone = Phone(allow_none=True, metadata={"example": "+8613800138000"})
    members = StrictInt(validate=validate.Range(*limits.MEMBERS))
    self_care = fields.Boolean()
    monitoring_type = fields.String(allow_none=True, validate=validate.OneOf(MONITORING_TYPES))
    lat = StrictFloat(allow_none=True, validate=validate.Range(*limits.LATITUDE))
    lon = StrictFloat(allow_none=True, validate=validate.Range(*limits.LONGITUDE))
    distance_m = StrictFloat(allow_none=True, validate=validate.Range(*limits.DISTANCE_M))
    distance_computed = fields.Boolean(dump_only=True)
    vertical_m = StrictFloat(allow_none=True, validate=validate.Range(*limits.VERTICAL_M))
    round_trip_min = StrictFloat(allow_none=True, validate=validate.Range(*limits.ROUND_TRIP_MIN))
    water_source = fields.String(allow_none=True, validate=validate.OneOf(WATER_SOURCES))
    water_source_id = ref(allow_none=True)
    monitoring_status = fields.String(validate=validate.OneOf(MONITORING_STATUSES), metadata={
        "description": "监测状态; a status other than monitored leaves the list on left_on (today by default), "
                       "monitored enters again from monitored_since (today by default)"})
    monitored_since = fields.Date(allow_none=True, metadata={"description": "纳入监测 (null: before the records)"})
    left_on = fields.Date(allow_none=True, metadata={"description": "退出监测: the first day off the list"})
    support_person = fields.Nested(SupportPersonSchema, allow_none=True,
                                   metadata={"description": "帮扶责任人 {name, phone}; null clears it"})
    needs_delivery = fields.Function(lambda h: bool(_reasons(h)), dump_only=True,
                                     metadata={"type": "boolean"})
    needs_delivery_reasons = fields.Function(
        _reasons, dump_only=True,
        metadata={"type": "array", "items": {"type": "string", "enum": list(REASONS)}},
    )
    supply_assurance_30d = fields.Function(
        lambda h: _supply(h).assurance, dump_only=True,
        metadata={"type": "number", "nullable": True,
                  "description": "percent of the last 30 days covered by deliveries; null without a delivery agreement"})
    liters_per_person_day_30d = fields.Function(
        lambda h: _supply(h).liters_per_person_day, dump_only=True,
        metadata={"type": "number", "nullable": True, "description": "liters delivered per person per covered day"})
    supply_short_30d = fields.Function(
        lambda h: _supply(h).short_of(current_rules().supply), dump_only=True,
        metadata={"type": "array", "items": {"type": "string", "enum": ["assurance", "quantity"]},
                  "description": "the standards the last 30 days fell under (SUPPLY_ASSURANCE_MIN, "
                                 "WATER_STANDARD_L_PER_PERSON_DAY)"})
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


class HouseholdArgs(PageArgs):
    township_id = filter_id()
    region_id = filter_id(metadata={"description": "in the townships of this region (any level)"})
    village_id = filter_id()
    needs_delivery = fields.Boolean()
    gap = fields.Boolean(metadata={"description": "needs delivery and has no active agreement (未签协议)"})
    self_care = fields.Boolean()
    monitoring_type = fields.String(validate=validate.OneOf(MONITORING_TYPES))
    monitoring_status = fields.String(load_default="monitored", validate=validate.OneOf(MONITORING_STATUSES + ("all",)),
                                      metadata={"description": "监测状态 (default monitored: households that left "
                                                               "are listed only when asked; all: every one)"})
    water_source_id = filter_id()
    quality_alert = fields.Boolean(metadata={"description": "drinks from a facility that is 水质超标 (its water source, "
                                                            "or its own purifier)"})
    is_key = fields.Boolean(metadata={"description": "in a key village (重点村)"})
    visited = fields.Boolean(metadata={"description": "visited (逐户排查) this year; false: not yet"})
    piped = fields.Boolean(metadata={"description": "on integrated (piped) supply (城乡供水一体化)"})
    visit_due = fields.Boolean(metadata={"description": "connected to piped supply and not visited since (the four "
                                                        "indicators to confirm)"})
    head_name = Text(validate=validate.Length(max=50), metadata={"description": "part of the name"})
    q = Text(validate=validate.Length(min=1, max=50),
             metadata={"description": "search: a whole resident ID, a phone number (whole or part), or part of a name"})


HouseholdPageSchema = page_schema(HouseholdSchema)
