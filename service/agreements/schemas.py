from datetime import date

from flask import current_app
from marshmallow import ValidationError, fields, validate, validates_schema

from models import AGREEMENT_REASONS, AGREEMENT_STATUSES

from ..api_common import PageArgs, Schema, StrictInt, Text, filter_id, page_schema, ref
from ..clock import local_today
from ..domain.agreements import liters_per_person_day, quantity_below_standard
from ..domain.catalogue import Message, Template


# An agreement's dates are real calendar days of the programme, not typos such as 9999-12-31.
AGREEMENT_DATES = validate.Range(min=date(2000, 1, 1), max=date(2100, 12, 31),
                                 error=Template("agreement.date_range"))


def _not_after_today(day: date) -> None:
    if day > local_today():
        raise ValidationError(Message("agreement.signed_in_future"))


def _below_standard(agreement) -> bool:
    return quantity_below_standard(agreement, agreement.household.members,
                                   current_app.config["WATER_STANDARD_L_PER_PERSON_DAY"])


class AgreementSchema(Schema):
    id = fields.Integer(dump_only=True)
    household_id = ref(required=True)
    provider_id = ref(required=True)
    source_facility_id = ref(allow_none=True, metadata={
        "description": "the central point or well its water comes from (each delivery's by default)"})
    reason = fields.String(required=True, validate=validate.OneOf(AGREEMENT_REASONS))
    interval_days = StrictInt(allow_none=True, validate=validate.Range(min=1, max=90),
                              metadata={"description": "every N days (or give weekdays)"})
    weekdays = fields.List(StrictInt(validate=validate.Range(min=1, max=7)), allow_none=True,
                           validate=validate.Length(max=7), metadata={"description": "ISO weekdays, 1 = Monday"})
    liters_per_delivery = StrictInt(required=True, validate=validate.Range(min=1, max=2000))
    start_on = fields.Date(required=True, validate=AGREEMENT_DATES)
    end_on = fields.Date(allow_none=True, validate=AGREEMENT_DATES)
    signed_on = fields.Date(allow_none=True, validate=[AGREEMENT_DATES, _not_after_today])
    status = fields.String(validate=validate.OneOf(AGREEMENT_STATUSES))
    status_note = Text(allow_none=True, validate=validate.Length(max=500))
    has_scan = fields.Function(lambda a: a.scan_path is not None, dump_only=True, metadata={"type": "boolean"})
    liters_per_person_day = fields.Function(
        lambda a: round(liters_per_person_day(a, a.household.members), 1), dump_only=True,
        metadata={"type": "number"})
    quantity_below_standard = fields.Function(_below_standard, dump_only=True, metadata={"type": "boolean"})
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)

    @validates_schema
    def one_schedule(self, data, partial, **kwargs):
        if data.get("interval_days") is not None and data.get("weekdays"):
            raise ValidationError(Message("agreement.schedule_twice"), "weekdays")
        if not partial and data.get("interval_days") is None and not data.get("weekdays"):
            raise ValidationError(Message("agreement.schedule_needed"), "interval_days")


class AgreementArgs(PageArgs):
    township_id = filter_id()
    region_id = filter_id(metadata={"description": "in the townships of this region (any level)"})
    village_id = filter_id()
    household_id = filter_id()
    provider_id = filter_id()
    status = fields.String(validate=validate.OneOf(AGREEMENT_STATUSES))
    reason = fields.String(validate=validate.OneOf(AGREEMENT_REASONS), metadata={"description": "why it is delivered"})
    due_for_renewal = fields.Boolean(metadata={"description": "active and ending within 30 days"})


AgreementPageSchema = page_schema(AgreementSchema)
