from datetime import date

from marshmallow import fields, validate

from ..api_common import filter_id, page_schema, PageArgs, ref, Schema, Text
from ..clock import local_today

PERIOD_DAYS = validate.Range(min=date(2000, 1, 1), max=date(2100, 12, 31))


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


class ArchiveGapsArgs(Schema):
    date_from = fields.Date(data_key="from", load_default=lambda: local_today().replace(month=1, day=1),
                            validate=PERIOD_DAYS, metadata={"description": "the period's first day (1 January)"})
    date_to = fields.Date(data_key="to", load_default=local_today, validate=PERIOD_DAYS,
                          metadata={"description": "its last day (today)"})


class ArchiveGapSchema(Schema):
    kind = fields.String(metadata={"description": "agreement_scan, case_evidence, case_standard or facility_care"})
    label = fields.String(metadata={"description": "what is missing and what to do"})
    subject = fields.String()
    village = fields.String()
    link = fields.String(metadata={"description": "the page to do it on"})


class ArchiveGapsSchema(Schema):
    township_id = fields.Integer()
    date_from = fields.String(attribute="from", data_key="from")
    date_to = fields.String(attribute="to", data_key="to")
    items = fields.List(fields.Nested(ArchiveGapSchema))
    total = fields.Integer()
    by_kind = fields.Dict(keys=fields.String(), values=fields.Integer())
