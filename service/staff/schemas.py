from marshmallow import fields, validate

from models import STAFF_ROLES

from ..api_common import filter_id, page_schema, PageArgs, Phone, ref, Schema, Text
from ..domain import limits


class StaffSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = Text(required=True, validate=validate.Length(min=1, max=limits.NAME_LENGTH))
    phone = Phone(required=True)
    role = fields.String(required=True, validate=validate.OneOf(STAFF_ROLES))
    township_id = ref(allow_none=True)
    village_id = ref(allow_none=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


class StaffArgs(PageArgs):
    township_id = filter_id()
    village_id = filter_id()
    role = fields.String(validate=validate.OneOf(STAFF_ROLES))


StaffPageSchema = page_schema(StaffSchema)
