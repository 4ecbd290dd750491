from datetime import date

from marshmallow import fields, validate

from models import CASE_SOURCES

from ..api_common import PageArgs, Schema, Text, filter_id, ref
from ..domain.rechecks import counts

DAYS = validate.Range(min=date(2000, 1, 1), max=date(2100, 12, 31))


class StartRecheckSchema(Schema):
    township_id = ref(metadata={"description": "the township whose finished cases are checked (or region_id)"})
    region_id = ref(metadata={"description": "a region's townships (or township_id)"})
    case_ids = fields.List(ref(), validate=validate.Length(min=1, max=2000),
                           metadata={"description": "the cases to check; without it, the filters choose"})
    source = fields.String(validate=validate.OneOf(CASE_SOURCES), metadata={"description": "问题来源"})
    closed_from = fields.Date(validate=DAYS, metadata={"description": "finished (销号, or resolved) on or after"})
    closed_to = fields.Date(validate=DAYS, metadata={"description": "finished on or before"})


class RecheckItemSchema(Schema):
    case_id = fields.Integer()
    township_id = fields.Integer()
    village_id = fields.Integer()
    standard = fields.String(allow_none=True, metadata={"description": "the 整改标准 it is checked against"})
    passed = fields.Boolean(allow_none=True, metadata={"description": "null until checked"})
    note = fields.String(allow_none=True)
    has_photo = fields.Function(lambda item: item.photo_path is not None, metadata={"type": "boolean"})
    checked_by_id = fields.Integer(allow_none=True)
    checked_at = fields.DateTime(allow_none=True)


class RecheckSchema(Schema):
    id = fields.Integer()
    township_id = fields.Integer(allow_none=True)
    region_id = fields.Integer(allow_none=True)
    chosen_by = fields.Dict(metadata={"description": "the case ids or filters it was started with"})
    started_by_id = fields.Integer(allow_none=True)
    started_at = fields.DateTime()
    counts = fields.Function(counts, metadata={"type": "object",
                                               "description": "{total, checked, passed, failed}"})
    items = fields.List(fields.Nested(RecheckItemSchema))


class RecheckArgs(PageArgs):
    township_id = filter_id()


class ResultSchema(Schema):
    case_id = ref(required=True)
    passed = fields.Boolean(required=True, metadata={"description": "false reopens the case as a relapse"})
    note = Text(required=True, validate=validate.Length(min=1, max=2000),
                metadata={"description": "what the check found, item by item against the standard"})
