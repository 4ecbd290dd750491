
from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import login_required
from sqlalchemy import case, select

from models import Household, SmsMessage, SmsOptOut, Staff, Village, db

from ..auth import acting_scope, acting_user
from ..context import current_context, current_rules
from ..domain.permissions import can
from ..domain.sms import case_from_message, reply_to_inbound
from ..forms import clean_text
from ..unit_of_work import atomic

blueprint = Blueprint("sms_pages", __name__)
SHOWN = 100


@blueprint.route("/sms")
@login_required
def index():
    """The township's SMS: the inbox (replies nobody has handled first) or the outbox (failed first)."""
    box = "outbox" if request.args.get("box") == "outbox" else "inbox"
    stmt = acting_scope().restrict(select(SmsMessage), SmsMessage).where(
        SmsMessage.direction == ("outbound" if box == "outbox" else "inbound"))
    status = request.args.get("status", "")
    if status:
        stmt = stmt.where(SmsMessage.status == status[:20])
    first = case((SmsMessage.status == "failed", 0), else_=1) if box == "outbox" else \
        case((SmsMessage.handled.is_(False), 0), else_=1)
    messages = db.session.scalars(stmt.order_by(first, SmsMessage.id.desc()).limit(SHOWN)).all()
    opted_out = set(db.session.scalars(select(SmsOptOut.phone).where(
        SmsOptOut.phone.in_({m.phone for m in messages}))))
    # Whose number it is, beside it: the household's head or the responsible person (two queries for the page).
    households = dict(db.session.execute(select(Household.id, Household.head_name).where(
        Household.id.in_({m.household_id for m in messages if m.household_id}))).all())
    staff = dict(db.session.execute(select(Staff.id, Staff.name).where(
        Staff.id.in_({m.staff_id for m in messages if m.staff_id}))).all())
    return render_template("sms/index.html", messages=messages, box=box, status=status, opted_out=opted_out,
                           households=households, staff=staff,
                           villages=db.session.scalars(acting_scope().restrict(select(Village), Village)
                                                       .order_by(Village.township_id, Village.name)).all()
                           if can(acting_user(), "work_case") else [],
                           may_mark_urgent=can(acting_user(), "send_urgent_sms"))


@blueprint.route("/sms/<int:message_id>/case", methods=["POST"])
@login_required
@atomic
def make_case(message_id):
    """立案 from a message no household's number sent: the worker names the village."""
    village = request.form.get("village_id", "")
    rules = current_rules()
    case_id = case_from_message(db.session, acting_user(), message_id, int(village) if village.isdigit() else None,
                                rules.today, rules.cases)
    return redirect(url_for("cases_pages.detail", case_id=case_id))


@blueprint.route("/sms/<int:message_id>/reply", methods=["POST"])
@login_required
@atomic
def reply(message_id):
    """Answer an inbound SMS from the inbox (queued in the outbox like every SMS out)."""
    text = clean_text(request.form.get("body"), 300)
    nonce = clean_text(request.form.get("nonce"), 40)
    if text and nonce:
        context = current_context()
        reply_to_inbound(db.session, acting_user(), message_id, text, nonce, context.rules.now, context.rules.zone,
                         context.manual_sms_per_day, urgent=request.form.get("urgent") == "1")
    return redirect(url_for("sms_pages.index"))
