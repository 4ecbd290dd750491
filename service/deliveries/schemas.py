from marshmallow import fields, validate

from models import CONFIRMATIONS, DELIVERY_STATUSES

from ..api_common import filter_id, page_schema, PageArgs, ref, Schema, StrictInt, Text
from ..domain.deliveries import CORRECTABLE, effective_values

LITERS = validate.Range(min=1, max=2000)


class CorrectionSchema(Schema):
    id = fields.Integer(dump_only=True)
    corrected_by_id = fields.Integer(dump_only=True)
    corrected_at = fields.DateTime(dump_only=True)
    reason = Text(required=True, validate=validate.Length(min=1, max=500))
    liters = StrictInt(allow_none=True, validate=LITERS)
    delivered_at = fields.DateTime(allow_none=True)
    deliverer_id = ref(allow_none=True)
    note = Text(allow_none=True, validate=validate.Length(max=500))


def _effective(key):
    return lambda d: effective_values(d)[key]


class DeliverySchema(Schema):
    id = fields.Integer(dump_only=True)
    agreement_id = fields.Integer(dump_only=True, allow_none=True)
    household_id = fields.Integer(dump_only=True)
    scheduled_for = fields.Date(dump_only=True)
    unplanned = fields.Boolean(dump_only=True)
    status = fields.String(dump_only=True)
    delivered_at = fields.Function(lambda d: _iso(effective_values(d)["delivered_at"]), dump_only=True,
                                   metadata={"type": "string", "format": "date-time", "nullable": True})
    liters = fields.Function(_effective("liters"), dump_only=True, metadata={"type": "integer", "nullable": True})
    deliverer_id = fields.Function(_effective("deliverer_id"), dump_only=True,
                                   metadata={"type": "integer", "nullable": True})
    note = fields.Function(_effective("note"), dump_only=True, metadata={"type": "string", "nullable": True})
    source_facility_id = fields.Integer(dump_only=True, allow_none=True,
                                        metadata={"description": "the facility the water came from"})
    original = fields.Function(lambda d: {k: _iso(getattr(d, k)) for k in CORRECTABLE}, dump_only=True,
                               metadata={"type": "object", "description": "the values as first logged"})
    confirmation = fields.String(dump_only=True, allow_none=True)
    has_photo = fields.Function(lambda d: d.photo_path is not None, dump_only=True, metadata={"type": "boolean"})
    logged_by_id = fields.Integer(dump_only=True, allow_none=True)
    logged_at = fields.DateTime(dump_only=True, allow_none=True)
    corrections = fields.List(fields.Nested(CorrectionSchema), dump_only=True,
                              metadata={"description": "oldest first"})


def _iso(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


class CompleteSchema(Schema):
    liters = StrictInt(required=True, validate=LITERS)
    delivered_at = fields.DateTime(metadata={"description": "defaults to now; without a zone it is local time"})
    deliverer_id = ref(allow_none=True)
    note = Text(allow_none=True, validate=validate.Length(max=500))
    source_facility_id = ref(allow_none=True, metadata={
        "description": "the central point or well the water came from (its agreement's by default); one marked "
                       "水质超标 is refused (422)"})


class UnplannedDeliverySchema(CompleteSchema):
    household_id = ref(required=True)
    agreement_id = ref(allow_none=True)


class PlannedChangeSchema(Schema):
    deliverer_id = ref(allow_none=True)
    note = Text(allow_none=True, validate=validate.Length(max=500))
    status = fields.String(validate=validate.OneOf(("planned", "cancelled")))


class IdempotencyHeader(Schema):
    key = fields.String(data_key="Idempotency-Key", validate=validate.Length(min=1, max=100),
                        metadata={"description": "a retried request with the same key acts once"})


class DeliveryArgs(PageArgs):
    township_id = filter_id()
    region_id = filter_id(metadata={"description": "in the townships of this region (any level)"})
    village_id = filter_id()
    household_id = filter_id()
    agreement_id = filter_id()
    status = fields.String(validate=validate.OneOf(DELIVERY_STATUSES))
    confirmation = fields.String(validate=validate.OneOf(CONFIRMATIONS))
    scheduled_for = fields.Date()
    unplanned = fields.Boolean()
    date_from = fields.Date(data_key="from", metadata={"description": "scheduled on or after"})
    date_to = fields.Date(data_key="to", metadata={"description": "scheduled on or before"})


DeliveryPageSchema = page_schema(DeliverySchema)
