from flask import Blueprint, redirect, request, url_for
from flask_login import login_required

from models import db

from ..auth import acting_user
from ..context import current_rules
from ..i18n import say
from ..domain.catalogue import Message
from ..domain.errors import FieldErrors
from ..domain.water_quality import record_water_test, standard
from ..facilities.pages import facility_page
from ..forms import clean_text, flash_when_saved, form_page, load_form
from .schemas import WaterTestSchema

blueprint = Blueprint("water_pages", __name__)


def _results(form) -> dict:
    """The values typed, one field per parameter of the standard (`r_<code>`); blank ones were not measured."""
    results, errors = {}, {}
    for code in standard().limits:
        raw = form.get(f"r_{code}", "").strip().replace("，", ".").replace(",", ".")
        if not raw:
            continue
        try:
            results[code] = float(raw)
        except ValueError:
            errors[code] = [Message("water.not_a_number")]
    if errors:
        raise FieldErrors({"results": errors})
    return results


@blueprint.route("/facilities/<int:facility_id>/water-tests", methods=["POST"])
@login_required
@form_page(facility_page)
def record(facility_id):
    """记录水质检测 from the facility's page: the same rules as the API's POST /water-tests."""
    # The values come one field each (`r_<code>`), not as the API's `results` object.
    data = load_form(WaterTestSchema(partial=("results",)),
                     {**request.form, "lab": clean_text(request.form.get("lab"), 100) or ""},
                     {"sampled_on": str, "sample_point": str, "lab": str})
    test = record_water_test(db.session, acting_user(), {**data, "facility_id": facility_id,
                                                         "results": _results(request.form)}, current_rules())
    flash_when_saved(say("water.recorded_passed") if test.passed else say("water.recorded_failed"))
    return redirect(url_for("facilities_pages.detail", facility_id=facility_id) + "#water-tests")
