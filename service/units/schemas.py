from marshmallow import fields, validate

from models import UNIT_KINDS

from ..api_common import Schema, Text, ref


class UnitSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = Text(required=True, validate=validate.Length(min=1, max=100))
    kind = fields.String(required=True, validate=validate.OneOf(UNIT_KINDS),
                         metadata={"description": "department 县直部门, township 镇街, village 村委会, company 企业, other"})
    phone = Text(allow_none=True, validate=validate.Length(max=20))
    contact = Text(allow_none=True, validate=validate.Length(max=50), metadata={"description": "the person to call"})
    township_id = ref(allow_none=True, metadata={"description": "the township's own unit; none: the county's"})
    county_id = ref(allow_none=True, metadata={"description": "a county department's county (a region); "
                                                             "none on a township's own unit"})
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)
