"""入户排查 from a phone: the visit form of a household (kept on the phone for the hills, sent once by its queue) and
a visit's photo."""
from flask import Blueprint, redirect, render_template, request, send_from_directory, url_for
from flask_login import login_required

from models import Household, Visit, db

from ..auth import acting_scope, acting_user
from ..context import current_gaps, current_rules
from ..domain import survey
from ..domain.errors import NotFound
from ..domain.scope import get_visible
from ..domain.supply import annotate_30d
from ..domain.survey import record_visit, source_quality
from ..field_reports import field_report, noted
from ..forms import flash_when_saved, form_page, load_form
from ..i18n import label, say
from ..uploads import IMAGES, store_upload, thumbnail, upload_root
from .schemas import VisitSchema

blueprint = Blueprint("survey_pages", __name__)


VISIT_TYPES = {"visited_on": str, "liters_per_person_day": float, "quality": str, "piped": bool,
               "round_trip_minutes": float, "assurance_percent": float, "note": str, "late_reason": str}


def _visit_form(household_id: int, errors: dict | None = None) -> str:
    household = get_visible(db.session, Household, household_id, acting_scope())
    rules = current_rules()
    annotate_30d(db.session, [household], rules.today, gaps=current_gaps())
    values = request.form if request.method == "POST" else {"visited_on": rules.today.isoformat()}
    return render_template("households/visit.html", h=household, supply=household.supply_30d,
                           source_quality=source_quality(db.session, household), values=values, errors=errors or {},
                           limits=survey.judgement_table(survey.is_water_short(rules)), backdate_days=rules.backdate_days)


@blueprint.route("/households/<int:household_id>/visit", methods=["GET", "POST"])
@login_required
@form_page(_visit_form)
@field_report("visit")
def visit(household_id):
    """入户排查: the four indicators as found (what is left blank is taken from the records)."""
    if request.method == "GET":
        return _visit_form(household_id)
    data = load_form(VisitSchema(), request.form, VISIT_TYPES)
    if not data.get("quality"):
        data.pop("quality", None)
    photo = request.files.get("photo")
    record = record_visit(db.session, acting_user(), household_id, data, current_rules(),
                          (lambda: store_upload(photo, IMAGES, "visits")) if photo and photo.filename else None)
    noted(visit_id=record.id)
    flash_when_saved(say("survey.recorded", result=label("survey_result", record.result)))
    return redirect(url_for("households_pages.detail", household_id=household_id))


@blueprint.route("/households/<int:household_id>/visits/<int:visit_id>/photo")
@login_required
def visit_photo(household_id, visit_id):
    """A visit's photo (`?size=thumbnail` for the household page's row of small ones)."""
    get_visible(db.session, Household, household_id, acting_scope())
    visit = db.session.get(Visit, visit_id)
    if visit is None or visit.household_id != household_id or visit.photo_path is None:
        raise NotFound("record.not_found", kind="photo", id=visit_id)
    if request.args.get("size") == "thumbnail":
        return send_from_directory(upload_root(), thumbnail(visit.photo_path), mimetype="image/jpeg")
    return send_from_directory(upload_root(), visit.photo_path)
