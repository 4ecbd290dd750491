"""回头查 from a phone: the township's re-checks, one started over its finished cases, and each case checked against
its 整改标准 with a note and a photo."""
from flask import Blueprint, redirect, render_template, request, send_from_directory, url_for
from flask_login import login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from models import Case, RecheckItem, Township, Village, db

from ..auth import acting_scope, acting_user
from ..context import current_rules
from ..domain import rechecks
from ..domain.errors import FieldErrors, NotFound
from ..domain.permissions import can, require_capability
from ..forms import clean_text, flash_when_saved, form_page, load_form
from ..i18n import say
from ..uploads import IMAGES, store_upload, thumbnail, upload_root
from .schemas import StartRecheckSchema

blueprint = Blueprint("rechecks_pages", __name__)
START_TYPES = {"township_id": int, "source": str, "closed_from": str, "closed_to": str}


def _index(errors: dict | None = None) -> str:
    scope = acting_scope()
    townships = db.session.scalars(scope.restrict(select(Township), Township).order_by(Township.name)).all()
    return render_template("rechecks/index.html", items=rechecks.rechecks_in(db.session, scope),
                           townships=townships, counts=rechecks.counts, errors=errors or {},
                           values=request.form if request.method == "POST" else {},
                           may_start=can(acting_user(), "start_recheck"))


@blueprint.route("/rechecks", methods=["GET", "POST"])
@login_required
@form_page(lambda errors: _index(errors))
def index():
    """回头查: the re-checks of the user's places, and (for a lead or the county) a new one over a township's finished
    cases, chosen by source and the days they were finished."""
    if request.method == "GET":
        return _index()
    require_capability(acting_user(), "start_recheck")
    data = load_form(StartRecheckSchema(), request.form, START_TYPES)
    recheck = rechecks.start_recheck(db.session, acting_user(), data, current_rules())
    flash_when_saved(say("recheck.started", total=len(recheck.items)))
    return redirect(url_for("rechecks_pages.detail", recheck_id=recheck.id))


def _detail(recheck_id: int, errors: dict | None = None) -> str:
    recheck = rechecks.visible_recheck(db.session, acting_scope(), recheck_id)
    cases = {c.id: c for c in db.session.scalars(
        select(Case).where(Case.id.in_([i.case_id for i in recheck.items]))
        .options(selectinload(Case.village).selectinload(Village.township), selectinload(Case.household),
                 selectinload(Case.facility)))}
    return render_template("rechecks/detail.html", r=recheck, cases=cases, counts=rechecks.counts(recheck),
                           errors=errors or {}, failed_case=request.form.get("case_id", type=int),
                           may_check=can(acting_user(), "check_recheck"))


@blueprint.route("/rechecks/<int:recheck_id>")
@login_required
def detail(recheck_id):
    return _detail(recheck_id)


@blueprint.route("/rechecks/<int:recheck_id>/results", methods=["POST"])
@login_required
@form_page(_detail)
def record_result(recheck_id):
    """One case checked: 合格 or 不合格 (opened again), a note of what was found, and a photo."""
    case_id = request.form.get("case_id", type=int)
    passed = {"1": True, "0": False}.get(request.form.get("passed", ""))
    if passed is None:
        raise FieldErrors.one("passed", "recheck.result_needed")
    photo = request.files.get("photo")
    rechecks.record_result(db.session, acting_user(), recheck_id, case_id or 0, passed,
                           clean_text(request.form.get("note"), 2000), current_rules(),
                           (lambda: store_upload(photo, IMAGES, "rechecks")) if photo and photo.filename else None)
    flash_when_saved(say("recheck.recorded_passed") if passed else say("recheck.recorded_failed"))
    return redirect(url_for("rechecks_pages.detail", recheck_id=recheck_id, _anchor=f"case-{case_id}"))


@blueprint.route("/rechecks/<int:recheck_id>/photos/<int:item_id>")
@login_required
def photo(recheck_id, item_id):
    """A result's photo (`?size=thumbnail` for the list)."""
    recheck = rechecks.visible_recheck(db.session, acting_scope(), recheck_id)
    item: RecheckItem | None = next((i for i in recheck.items if i.id == item_id), None)
    if item is None or item.photo_path is None:
        raise NotFound("record.not_found", kind="photo", id=item_id)
    if request.args.get("size") == "thumbnail":
        return send_from_directory(upload_root(), thumbnail(item.photo_path), mimetype="image/jpeg")
    return send_from_directory(upload_root(), item.photo_path, mimetype=item.photo_type)
