"""The phone's field forms (报修, 恢复正常, 报告问题, 入户排查, 整改进展) as their queue sends them: once each by the
form's Idempotency-Key (a replay answers as the first send did), with the tap's time, the phone's clock and
position kept beside what the form made, and JSON for the phone's script (a plain form still gets its redirect)."""
from functools import wraps

from flask import g, jsonify, request

from models import db

from .auth import acting_user
from .context import current_rules
from .domain import field_reports
from .domain.idempotency import checked_key, request_digest, require_same_request
from .forms import form_asked
from .handlers import wants_json
from .i18n import say


def noted(**made) -> None:
    """Tell the field report what the form made (`case_id`, `visit_id`, `facility_id`)."""
    g.field_report_made = made


def field_report(kind: str):
    """Keep the view's form as a field report of `kind` when it carries an `idempotency_key`. Sits inside form_page:
    the report is written in the view's unit of work, so that a form is either made and kept, or neither."""

    def decorate(view):
        @wraps(view)
        def report(**view_args):
            key = checked_key(request.form.get("idempotency_key"), "idempotency_key")
            if not key:
                return view(**view_args)
            actor = acting_user()
            digest = request_digest(kind, request.path, form_asked())
            done = field_reports.find_field_report(db.session, actor, key)
            if done is not None:  # sent before (a retry whose first answer was lost): nothing is made twice
                require_same_request(done.request_digest, digest, "idempotency_key")
                return _answer(done, say("field_report.already"), 200)
            position = field_reports.position_of(request.form)
            sent_later = request.headers.get("X-Sent-Later") == "1"
            received = current_rules().now
            tapped_at, _ = field_reports.clock_of(request.form.get("tapped_at"), request.headers.get("X-Phone-Now"),
                                                  received)
            g.event_time = tapped_at  # what the view records happened at the tap (current_rules)
            try:
                response = view(**view_args)
            finally:
                g.pop("event_time", None)
            made = g.pop("field_report_made", {})
            kept = field_reports.record_field_report(
                db.session, actor, key, kind, response.location, received, request_digest=digest,
                tapped_ms=request.form.get("tapped_at"), phone_now_ms=request.headers.get("X-Phone-Now"),
                position=position, sent_later=sent_later, **made)
            saved = g.get("saved_messages", [])
            if sent_later:  # nobody is on a page to read it: the queue's own line says it was sent
                g.pop("saved_messages", None)
            return _answer(kept, saved[-1] if saved else "", 201) if wants_json() else response

        return report

    return decorate


def _answer(report, message: str, status: int):
    return jsonify(key=report.idempotency_key, kind=report.kind, url=report.answer_url, case_id=report.case_id,
                   visit_id=report.visit_id, message=message), status
