from marshmallow import fields, validate

from models import FACILITY_KINDS, FACILITY_STATUSES, OWNERSHIPS, SAMPLE_POINTS, SUPPLY_CLASSES

from ..api_common import filter_id, page_schema, PageArgs, ref, Schema, StrictFloat, Text
from ..domain import limits


class FacilitySchema(Schema):
    id = fields.Integer(dump_only=True)
    township_id = fields.Integer(dump_only=True)
    village_id = ref(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(FACILITY_KINDS))
    name = Text(required=True, validate=validate.Length(min=1, max=limits.FACILITY_NAME_LENGTH))
    code = Text(allow_none=True, validate=validate.Length(min=1, max=limits.CODE_LENGTH))
    ownership = fields.String(validate=validate.OneOf(OWNERSHIPS))
    status = fields.String(validate=validate.OneOf(FACILITY_STATUSES))
    status_changed_at = fields.DateTime(dump_only=True)
    household_id = ref(allow_none=True)
    manager_id = ref(allow_none=True)
    responsible_unit = Text(allow_none=True, validate=validate.Length(max=limits.UNIT_LENGTH))
    yield_m3_day = StrictFloat(allow_none=True, validate=validate.Range(*limits.YIELD_M3_DAY))
    lat = StrictFloat(allow_none=True, validate=validate.Range(*limits.LATITUDE))
    lon = StrictFloat(allow_none=True, validate=validate.Range(*limits.LONGITUDE))
    last_cleaned_on = fields.Date(allow_none=True)
    supply_class = fields.String(allow_none=True, validate=validate.OneOf(SUPPLY_CLASSES),
                                 metadata={"description": "large_central, small_central (< 1,000 m³/day or < 10,000 "
                                                          "people) or dispersed: small ones take GB 5749's relaxed limits"})
    chlorinated = fields.Boolean(metadata={"description": "disinfected with chlorine: free chlorine is judged at the tap"})
    quality_exceeded = fields.Boolean(dump_only=True, metadata={"description": "水质超标: the latest test of some "
                                                                               "sample point exceeded a limit"})
    last_source_check_on = fields.Date(dump_only=True, allow_none=True, metadata={"description": "the last 水源保护检查 recorded"})
    last_filter_change_on = fields.Date(dump_only=True, allow_none=True, metadata={"description": "the last 滤芯更换 recorded"})
    test_every_days = fields.Integer(allow_none=True, validate=validate.Range(1, 730), metadata={
        "description": "days between water tests of a well or central point; null: its supply class's setting"})
    last_tested_on = fields.Date(dump_only=True, allow_none=True)
    next_test_due = fields.Date(dump_only=True, allow_none=True, metadata={
        "description": "the day its next water test is due (null for a purifier: sampled with its household)"})
    intensive = fields.Function(lambda f: f.intensive_since is not None, dump_only=True, metadata={
        "type": "boolean", "description": "加密监测: tested every INTENSIVE_TEST_EVERY_DAYS since an exceedance, "
                                          "until two passes in a row"})
    intensive_since = fields.Date(dump_only=True, allow_none=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


class FacilityArgs(PageArgs):
    township_id = filter_id()
    region_id = filter_id(metadata={"description": "in the townships of this region (any level)"})
    village_id = filter_id()
    household_id = filter_id()
    kind = fields.String(validate=validate.OneOf(FACILITY_KINDS))
    status = fields.String(validate=validate.OneOf(FACILITY_STATUSES))
    ownership = fields.String(validate=validate.OneOf(OWNERSHIPS))
    supply_class = fields.String(validate=validate.OneOf(SUPPLY_CLASSES))
    quality_exceeded = fields.Boolean(metadata={"description": "水质超标: its latest test of some point exceeded a limit"})
    care_missing = fields.Boolean(metadata={"description": "管护责任未落实: in service without a responsible unit or a manager"})
    cleaning_overdue = fields.Boolean(metadata={"description": "last cleaned (or, never, registered) more than "
                                                               "CLEANING_EVERY_DAYS ago"})
    upkeep_overdue = fields.Boolean(metadata={"description": "管护逾期: due a cleaning, a source check or a filter change"})
    test_overdue = fields.Boolean(metadata={"description": "检测逾期: past its next_test_due"})
    intensive = fields.Boolean(metadata={"description": "加密监测 (tested intensively since an exceedance)"})


FacilityPageSchema = page_schema(FacilitySchema)


class WaterTestFormSchema(Schema):
    """The facility page's water-test form: the sample (its results come one field a parameter, and the domain
    judges them as the API's POST /water-tests does)."""

    sampled_on = fields.Date(required=True)
    sample_point = fields.String(required=True, validate=validate.OneOf(SAMPLE_POINTS))
    lab = Text(allow_none=True, validate=validate.Length(max=100))
