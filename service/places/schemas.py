from marshmallow import fields, validate

from ..api_common import filter_id, page_schema, PageArgs, ref, Schema, Text


class AccountableSchema(Schema):
    """包保责任人: the person who answers for the place."""

    name = Text(required=True, validate=validate.Length(min=1, max=50))
    title = Text(allow_none=True, validate=validate.Length(max=60), metadata={"description": "职务, e.g. 副镇长"})
    phone = Text(allow_none=True, validate=validate.Length(max=30))


ACCOUNTABLE = {"allow_none": True, "metadata": {"description": "包保责任人 {name, title, phone}; null clears it"}}


class TownshipSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = Text(required=True, validate=validate.Length(min=1, max=60))
    code = Text(required=True, validate=validate.Length(min=1, max=20))
    county_id = ref(allow_none=True, metadata={"description": "the county (a region) it is in"})
    accountable = fields.Nested(AccountableSchema, **ACCOUNTABLE)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


class TownshipArgs(PageArgs):
    code = Text(validate=validate.Length(max=20))
    county_id = filter_id()


class VillageSchema(Schema):
    id = fields.Integer(dump_only=True)
    township_id = ref(required=True)
    name = Text(required=True, validate=validate.Length(min=1, max=60))
    code = Text(allow_none=True, validate=validate.Length(min=1, max=20))
    is_key = fields.Boolean(metadata={"description": "重点村 key village"})
    accountable = fields.Nested(AccountableSchema, **ACCOUNTABLE)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


class VillageArgs(PageArgs):
    township_id = filter_id()
    is_key = fields.Boolean()
    code = Text(validate=validate.Length(max=20))


TownshipPageSchema = page_schema(TownshipSchema)
VillagePageSchema = page_schema(VillageSchema)
