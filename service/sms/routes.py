from flask_smorest import Blueprint
from marshmallow import fields, validate
from sqlalchemy import select

from models import SMS_DIRECTIONS, SMS_STATUSES, SmsMessage, db

from ..api_common import filter_id, limit_json_body, page_schema, PageArgs, paginate, Schema
from ..auth import acting_scope, require_bearer_user
from ..domain.identity import normalize_phone

blueprint = Blueprint("sms", __name__, url_prefix="/api/v1/sms", description="短信 Every SMS in and out")
blueprint.before_request(limit_json_body)
blueprint.before_request(require_bearer_user)


class SmsSchema(Schema):
    id = fields.Integer()
    direction = fields.String()
    phone = fields.String()
    body = fields.String()
    purpose = fields.String()
    status = fields.String()
    provider_sid = fields.String(allow_none=True)
    attempts = fields.Integer()
    error_code = fields.String(allow_none=True)
    related_type = fields.String(allow_none=True)
    related_id = fields.Integer(allow_none=True)
    household_id = fields.Integer(allow_none=True)
    staff_id = fields.Integer(allow_none=True)
    township_id = fields.Integer(allow_none=True)
    handled = fields.Boolean()
    sent_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()


class SmsArgs(PageArgs):
    direction = fields.String(validate=validate.OneOf(SMS_DIRECTIONS))
    status = fields.String(validate=validate.OneOf(SMS_STATUSES))
    purpose = fields.String(validate=validate.Length(max=30))
    household_id = filter_id()
    staff_id = filter_id()
    township_id = filter_id()
    phone = fields.String(validate=validate.Length(max=30))


SmsPageSchema = page_schema(SmsSchema)


@blueprint.route("")
@blueprint.arguments(SmsArgs, location="query")
@blueprint.response(200, SmsPageSchema)
def list_sms(args):
    """SMS in the caller's township (inbound from unknown numbers: county administrators only), newest first."""
    stmt = acting_scope().restrict(select(SmsMessage), SmsMessage)
    for key in ("direction", "status", "purpose", "household_id", "staff_id", "township_id"):
        if key in args:
            stmt = stmt.where(getattr(SmsMessage, key) == args[key])
    if "phone" in args:
        try:
            stmt = stmt.where(SmsMessage.phone == normalize_phone(args["phone"]))
        except ValueError:
            stmt = stmt.where(SmsMessage.phone == args["phone"])
    return paginate(db.session, stmt, args, newest_first=True)
