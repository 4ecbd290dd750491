from datetime import date

from marshmallow import fields, validate

from models import CASE_CATEGORIES, CASE_KINDS, CASE_SOURCES, CASE_STATUSES, SEVERITIES

from ..api_common import filter_id, page_schema, PageArgs, ref, Schema, Text
from ..clock import local_today
from ..domain.case_rules import is_overdue, is_progress_overdue
from ..domain.ledger import STAT_GROUPS


class CaseEventSchema(Schema):
    id = fields.Integer()
    at = fields.DateTime()
    actor_id = fields.Integer(allow_none=True)
    action = fields.String()
    from_status = fields.String(allow_none=True)
    to_status = fields.String(allow_none=True)
    note = fields.String(allow_none=True)


class ProgressEntrySchema(Schema):
    """One 整改进展 entry: when, by whom, what was done."""

    id = fields.Integer()
    at = fields.DateTime()
    actor_id = fields.Integer(allow_none=True)
    note = fields.String()


# One instance, built once: a list of 20 cases built one per case (a fifth of the list's time).
PROGRESS_ENTRIES = ProgressEntrySchema(many=True)


class CaseEvidenceSchema(Schema):
    id = fields.Integer()
    filename = fields.String(allow_none=True)
    content_type = fields.String()
    uploaded_by_id = fields.Integer(allow_none=True)
    uploaded_at = fields.DateTime()


class MilestoneSchema(Schema):
    """倒排工期: a step due on a day; past due and not done, its case is overdue."""

    id = fields.Integer(dump_only=True)
    title = Text(required=True, validate=validate.Length(min=1, max=200))
    due_on = fields.Date(required=True)
    done_on = fields.Date(dump_only=True, allow_none=True)
    overdue = fields.Function(lambda m: m.done_on is None and m.due_on < local_today(), dump_only=True,
                              metadata={"type": "boolean"})


class MilestoneDoneSchema(Schema):
    done_on = fields.Date(required=True, allow_none=True, metadata={"description": "the day it was done; null: not done"})


class CaseSchema(Schema):
    id = fields.Integer(dump_only=True)
    kind = fields.String(required=True, validate=validate.OneOf(CASE_KINDS))
    township_id = fields.Integer(dump_only=True)
    village_id = ref(allow_none=True)
    household_id = ref(allow_none=True)
    facility_id = ref(allow_none=True)
    delivery_id = fields.Integer(dump_only=True, allow_none=True)
    title = Text(allow_none=True, validate=validate.Length(max=200))
    description = Text(allow_none=True, validate=validate.Length(max=2000))
    severity = fields.String(validate=validate.OneOf(SEVERITIES))
    lead_unit = Text(validate=validate.Length(min=1, max=100), metadata={"description": "牵头单位, as printed"})
    lead_unit_id = ref(allow_none=True, metadata={"description": "the 牵头单位 (a unit); the township's own by default"})
    cooperating_unit_ids = fields.List(ref(), validate=validate.Length(max=20), metadata={"description": "配合单位"})
    source = fields.String(validate=validate.OneOf(CASE_SOURCES), metadata={
        "description": "问题来源: inspection 督察反馈问题, assigned 上级交办, petition 信访件, hotline 热线, media 媒体暗访, "
                       "self_check 自查 (default), system 系统发现, villager 群众反映"})
    source_ref = Text(allow_none=True, validate=validate.Length(max=60), metadata={"description": "交办编号"})
    category = fields.String(validate=validate.OneOf(CASE_CATEGORIES),
                             metadata={"description": "deadline 限期整改 (default) or ongoing 长期坚持"})
    measures = Text(allow_none=True, validate=validate.Length(max=2000), metadata={"description": "整改措施"})
    standard = Text(allow_none=True, validate=validate.Length(max=2000), metadata={
        "description": "整改标准: what the rectification is reported against and a 回头查 checks; required for 销号"})
    relapse_of = fields.Integer(attribute="relapse_of_id", dump_only=True, allow_none=True,
                                metadata={"description": "the earlier case this one is a relapse (反弹) of"})
    callback = fields.Method("_callback", dump_only=True, allow_none=True, metadata={
        "type": "object", "description": "回访, once asked: {asked_at, answer: satisfied|unsatisfied|null}"})
    progress = fields.Method("_progress", dump_only=True,
                             metadata={"type": "array", "items": {"$ref": "#/components/schemas/ProgressEntry"},
                                       "description": "整改进展, oldest first"})

    def _callback(self, case) -> dict | None:
        asked = case.callback
        return None if asked is None else {"asked_at": asked["asked_at"].isoformat(), "answer": asked["answer"]}

    def _progress(self, case) -> list[dict]:
        return PROGRESS_ENTRIES.dump([e for e in case.events if e.action == "progress"])
    assignee_id = ref(allow_none=True)
    deadline = fields.Date(allow_none=True, metadata={
        "description": "整改时限; none for 长期坚持 (category ongoing), reviewed every ONGOING_REVIEW_DAYS instead"})
    deadline_reason = Text(load_only=True, validate=validate.Length(min=1, max=500), metadata={
        "description": "why a deadline already set is moved (required then; kept in the case's history)"})
    progress_due_on = fields.Date(dump_only=True, allow_none=True,
                                  metadata={"description": "长期坚持: the day the next progress entry is due"})
    progress_overdue = fields.Function(lambda c: is_progress_overdue(c, local_today()), dump_only=True,
                                       metadata={"type": "boolean", "description": "进展逾期"})
    milestones = fields.List(fields.Nested(MilestoneSchema), dump_only=True,
                             metadata={"description": "倒排工期, soonest first"})
    status = fields.String(dump_only=True)
    overdue = fields.Function(lambda c: is_overdue(c, local_today()), dump_only=True, metadata={
        "type": "boolean", "description": "open or in progress past its deadline or a milestone not yet done"})
    relapse_count = fields.Integer(dump_only=True)
    resolution_note = fields.String(dump_only=True, allow_none=True)
    resolved_by_id = fields.Integer(dump_only=True, allow_none=True)
    verified_by_id = fields.Integer(dump_only=True, allow_none=True)
    recheck_due_on = fields.Date(dump_only=True, allow_none=True)
    events = fields.List(fields.Nested(CaseEventSchema), dump_only=True, metadata={"description": "oldest first"})
    evidence = fields.List(fields.Nested(CaseEvidenceSchema), dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


class ProgressSchema(Schema):
    note = Text(required=True, validate=validate.Length(min=1, max=2000))


class TransitionSchema(Schema):
    to = fields.String(required=True, validate=validate.OneOf(CASE_STATUSES))
    note = Text(allow_none=True, validate=validate.Length(max=2000))
    standard = Text(allow_none=True, validate=validate.Length(max=2000),
                    metadata={"description": "整改标准, recorded with the move (销号 needs one)"})


OPENED_DAYS = validate.Range(min=date(2000, 1, 1), max=date(2100, 12, 31))


class CaseArgs(PageArgs):
    township_id = filter_id()
    village_id = filter_id()
    household_id = filter_id()
    facility_id = filter_id()
    assignee_id = filter_id()
    kind = fields.String(validate=validate.OneOf(CASE_KINDS))
    status = fields.String(validate=validate.OneOf(CASE_STATUSES))
    severity = fields.String(validate=validate.OneOf(SEVERITIES))
    region_id = filter_id(metadata={"description": "the cases of the townships in this region (any level)"})
    overdue = fields.Boolean()
    progress_overdue = fields.Boolean(metadata={"description": "长期坚持 whose progress entry is past due (进展逾期)"})
    recheck_due = fields.Boolean(metadata={"description": "verified and due for its re-check (回头看)"})
    relapsed = fields.Boolean(metadata={"description": "came back at least once after 销号 (反弹)"})
    unresolved = fields.Boolean(metadata={"description": "open or in progress (未整改)"})
    source = fields.String(validate=validate.OneOf(CASE_SOURCES), metadata={"description": "问题来源"})
    source_ref = Text(validate=validate.Length(max=60), metadata={"description": "交办编号"})
    category = fields.String(validate=validate.OneOf(CASE_CATEGORIES), metadata={"description": "限期整改 / 长期坚持"})
    lead_unit_id = filter_id(metadata={"description": "牵头单位"})
    cooperating_unit_id = filter_id(metadata={"description": "配合单位: the cases this unit cooperates on"})
    # Bounded: a day the local midnight of which cannot be written in UTC (0001-01-01) is no filter but a 422.
    opened_from = fields.Date(validate=OPENED_DAYS, metadata={"description": "opened on or after this local day"})
    opened_to = fields.Date(validate=OPENED_DAYS, metadata={"description": "opened on or before this local day"})


CasePageSchema = page_schema(CaseSchema)


class CaseStatsArgs(CaseArgs):
    group_by = fields.String(load_default="source", validate=validate.OneOf(STAT_GROUPS),
                             metadata={"description": "source, category, lead_unit or township"})


class CaseStatsCountsSchema(Schema):
    total = fields.Integer()
    rectified = fields.Integer(metadata={"description": "整改完成: resolved, verified or closed"})
    verified = fields.Integer(metadata={"description": "已销号: verified or closed"})
    verifying = fields.Integer(metadata={"description": "正在销号: resolved, not yet verified"})
    unfinished = fields.Integer(metadata={"description": "open or in progress"})
    overdue = fields.Integer()
    relapsed = fields.Integer()


class CaseStatsRowSchema(CaseStatsCountsSchema):
    key = fields.Raw(metadata={"description": "the code or id grouped by"})
    label = fields.String()


class CaseStatsSchema(Schema):
    group_by = fields.String()
    rows = fields.List(fields.Nested(CaseStatsRowSchema))
    totals = fields.Nested(CaseStatsCountsSchema)
    sentence = fields.String(metadata={"description": "the line a report prints (问题共…个，已完成整改…个…)"})
