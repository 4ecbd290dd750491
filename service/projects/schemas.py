from datetime import date

from marshmallow import fields, validate

from ..api_common import PageArgs, Schema, StrictFloat, Text, filter_id, ref
from ..clock import local_today

DAYS = validate.Range(min=date(2000, 1, 1), max=date(2100, 12, 31))


class ProjectMilestoneSchema(Schema):
    id = fields.Integer(dump_only=True)
    title = Text(required=True, validate=validate.Length(min=1, max=200))
    due_on = fields.Date(required=True, validate=DAYS)
    done_on = fields.Date(allow_none=True, validate=DAYS)
    overdue = fields.Function(lambda m: m.done_on is None and m.due_on < local_today(), dump_only=True,
                              metadata={"type": "boolean"})


class ProjectMilestoneChangeSchema(Schema):
    done_on = fields.Date(allow_none=True, validate=DAYS, metadata={"description": "done on this day; null: not yet"})
    due_on = fields.Date(validate=DAYS)
    title = Text(validate=validate.Length(min=1, max=200))


class ProjectFundSchema(Schema):
    id = fields.Integer(dump_only=True)
    received_on = fields.Date(required=True, validate=DAYS)
    amount_wan = StrictFloat(required=True, validate=validate.Range(min=0, min_inclusive=False, max=10_000_000),
                             metadata={"description": "万元"})
    source = Text(required=True, validate=validate.Length(min=1, max=100),
                  metadata={"description": "中央、省级、市县配套、专项债…"})


class ProjectConnectionSchema(Schema):
    id = fields.Integer(dump_only=True)
    village_id = ref(required=True)
    connected_on = fields.Date(required=True, validate=DAYS, metadata={"description": "通水验收 day"})
    household_ids = fields.List(ref(), load_only=True, validate=validate.Length(max=5000), metadata={
        "description": "the households reached, when not the whole village"})
    note = Text(allow_none=True, validate=validate.Length(max=500))
    partial = fields.Boolean(dump_only=True)
    households = fields.Integer(dump_only=True, metadata={"description": "how many went on piped supply"})
    agreements_ended = fields.Integer(dump_only=True, metadata={"description": "ended, 已通自来水"})


class ProjectSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = Text(required=True, validate=validate.Length(min=1, max=100))
    township_id = ref(allow_none=True, metadata={"description": "a township's project (or region_id)"})
    region_id = ref(allow_none=True, metadata={"description": "a county's or city's project (or township_id)"})
    lead_unit_id = ref(required=True)
    target_on = fields.Date(required=True, validate=DAYS)
    budget_wan = StrictFloat(allow_none=True, validate=validate.Range(min=0, max=10_000_000))
    note = Text(allow_none=True, validate=validate.Length(max=2000))
    village_ids = fields.List(ref(), required=True, validate=validate.Length(min=1, max=2000), load_only=True)
    villages = fields.Function(lambda p: [{"id": pv.village_id, "name": pv.village.name} for pv in p.villages],
                               dump_only=True, metadata={"type": "array", "items": {"type": "object"}})
    milestones = fields.List(fields.Nested(ProjectMilestoneSchema), metadata={
        "description": "without it, the standard 前期, 招标, 迁占, 施工, 验收, 通水, back-scheduled from target_on"})
    funds = fields.List(fields.Nested(ProjectFundSchema), dump_only=True)
    received_wan = fields.Function(lambda p: round(sum(f.amount_wan for f in p.funds), 2), dump_only=True,
                                   metadata={"type": "number"})
    connections = fields.List(fields.Nested(ProjectConnectionSchema), dump_only=True)
    created_at = fields.DateTime(dump_only=True)


class ProjectArgs(PageArgs):
    township_id = filter_id()
    region_id = filter_id()
    lead_unit_id = filter_id()
    overdue = fields.Boolean(metadata={"description": "with a milestone past due and not done"})
