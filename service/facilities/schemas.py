from marshmallow import Schema, fields, validate

from models import FACILITY_KINDS, FACILITY_STATUSES, OWNERSHIPS

from ..api_common import PageArgs, StrictFloat, Text, filter_id, page_schema, ref
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
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


class FacilityArgs(PageArgs):
    township_id = filter_id()
    village_id = filter_id()
    household_id = filter_id()
    kind = fields.String(validate=validate.OneOf(FACILITY_KINDS))
    status = fields.String(validate=validate.OneOf(FACILITY_STATUSES))
    ownership = fields.String(validate=validate.OneOf(OWNERSHIPS))


FacilityPageSchema = page_schema(FacilitySchema)
