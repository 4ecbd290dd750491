"""/verify/<code>: what an inspector's phone opens from a printout's QR code, usually without a login.

A public page in Chinese saying whether the paper still matches today's data (核验一致 / 核验不一致), with the
document's kind, township, period and printing time in local time, and nothing personal (no name, ID number or
phone). An API client sending its bearer token gets JSON instead, for the records inside its scope.
"""
from datetime import datetime

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from models import ReportVerification, Township, db, utcnow

from ..auth import acting_scope, require_bearer_user
from ..clock import local_zone
from ..context import current_thresholds
from ..domain import verification
from ..domain.errors import NotFound
from ..domain.scope import Scope, get_visible
from ..domain.signed_copies import attach_signed_copy, signed_count
from ..domain.errors import FieldErrors
from ..i18n import say, tell
from ..unit_of_work import UnitOfWork
from ..uploads import IMAGES, store_upload
from ..extensions import limiter
from .render import PRINTED_FORMAT

blueprint = Blueprint("verify", __name__)


@blueprint.route("/verify/<code>")
@limiter.limit(lambda: current_app.config["VERIFY_LIMIT_PER_ADDRESS"])
def verify(code):
    """Whether a printed record still matches the data: its code rebuilt from today's data must be the same."""
    stored = db.session.get(ReportVerification, code.upper()[:20])
    if stored is None:
        raise NotFound("verify.unknown")
    api_client = bool(request.headers.get("Authorization"))
    if api_client:
        require_bearer_user()
        try:
            get_visible(db.session, verification.SUBJECTS[stored.kind], stored.subject_id, acting_scope())
        except NotFound:
            raise NotFound("verify.unknown") from None
    # The rebuilt record is hashed; of it the public page shows only the village, a masked name and the totals.
    status, facts = verification.verification(db.session, Scope(), stored, local_zone(), current_thresholds())
    printed_at, named = verification.printed_at_shown(db.session, stored, _printed(request.args.get("printed")))
    signed, signed_at = signed_count(db.session, stored.code)
    if api_client:
        return {"code": stored.code, "kind": stored.kind, "subject_id": stored.subject_id, "params": stored.params,
                "printed_at": printed_at.isoformat(), "matches": status != "mismatch", "status": status,
                "signed_copies": signed, **facts}
    township = db.session.get(Township, stored.township_id)
    return render_template("reports/verify.html", code=stored.code, kind=stored.kind, params=stored.params,
                           township=township.name if township else None, status=status, facts=facts,
                           printed_at=printed_at.astimezone(local_zone()).strftime("%Y-%m-%d %H:%M"),
                           printing_named=named, signed=signed,
                           signed_at=signed_at.astimezone(local_zone()).strftime("%Y-%m-%d") if signed_at else None,
                           may_attach=current_user.is_authenticated)


@blueprint.route("/verify/<code>/signed", methods=["POST"])
@login_required
def attach_signed(code):
    """签字件 from the phone: the signed paper photographed and attached to the printout its QR code opened."""
    upload = request.files.get("file")
    try:
        with UnitOfWork():
            attach_signed_copy(db.session, current_user.user, code,
                               lambda: store_upload(upload, IMAGES + ("application/pdf",), "signed"), utcnow())
        flash(say("signed.attached"))
    except FieldErrors as refused:
        flash(say("signed.refused", reasons="；".join(tell(m) or str(m) for messages in refused.errors.values()
                                                      for m in messages)))
    return redirect(url_for("verify.verify", code=code.upper()[:20]))


def _printed(value: str | None) -> datetime | None:
    """The printing minute a QR code names (local time), or None when it names none or nothing sensible."""
    try:
        return datetime.strptime((value or "")[:12], PRINTED_FORMAT).replace(tzinfo=local_zone())
    except ValueError:
        return None
