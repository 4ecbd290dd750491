"""Twilio's webhooks: replies from villagers and delivery reports, each checked with X-Twilio-Signature."""
import logging

from flask import Blueprint, Response, abort, current_app, request
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from models import db

from ..context import current_rules
from ..domain.sms import apply_status, handle_inbound
from ..unit_of_work import atomic
from ..domain.catalogue import Message
from ..domain.identity import normalize_phone

log = logging.getLogger(__name__)
blueprint = Blueprint("sms_webhooks", __name__, url_prefix="/sms")


@blueprint.before_request
def verify_twilio_signature():
    """403, and nothing changed, unless the request carries Twilio's signature of exactly this URL and form."""
    request.max_content_length = current_app.config["MAX_WEBHOOK_BYTES"]
    token = current_app.config.get("TWILIO_AUTH_TOKEN")
    if not token:
        log.warning("SMS webhook refused: TWILIO_AUTH_TOKEN is not set, so no signature can be checked")
        abort(403, Message("webhook.disabled"))
    base = current_app.config.get("PUBLIC_BASE_URL")
    # Behind a proxy Twilio signed the public URL, not the one this process sees.
    url = base.rstrip("/") + request.full_path.rstrip("?") if base else request.url
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature or not RequestValidator(token).validate(url, request.form.to_dict(), signature):
        log.warning("SMS webhook refused: bad or missing X-Twilio-Signature for %s", url)
        abort(403, Message("webhook.bad_signature"))


def _phone(value: str) -> str:
    try:
        return normalize_phone(value)
    except ValueError:
        return value.strip()[:20]


@blueprint.route("/inbound", methods=["POST"])
@atomic
def inbound():
    """A villager's reply: matched to the delivery awaiting confirmation, answered with TwiML."""
    sid, sender = request.form.get("MessageSid", ""), request.form.get("From", "")
    if not sid or not sender:
        abort(400, Message("webhook.incomplete"))
    rules = current_rules()
    reply = handle_inbound(db.session, _phone(sender), request.form.get("Body", ""), sid[:64], rules.now,
                           rules.cases, rules.today)
    twiml = MessagingResponse()
    if reply is not None:
        twiml.message(reply)
    return Response(str(twiml), mimetype="text/xml")


@blueprint.route("/status", methods=["POST"])
@atomic
def status():
    """A delivery report for one of our messages (matched by MessageSid, or by the outbox id in the URL)."""
    sid = request.form.get("MessageSid") or None
    outbox_id = request.args.get("outbox", type=int)
    apply_status(db.session, sid and sid[:64], outbox_id if outbox_id and 0 < outbox_id < 2**31 else None,
                 request.form.get("MessageStatus", ""), request.form.get("ErrorCode"), current_rules().now)
    return "", 204
