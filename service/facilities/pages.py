from datetime import date

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from models import (ACTIVE_CASE_STATUSES, FACILITY_KINDS, FACILITY_STATUSES, FAILED_STATUSES, Case, Facility,
                    FacilityCare, FacilityStatusChange, WaterTest, db)

from ..auth import acting_scope, acting_user
from ..context import current_rules, current_thresholds
from ..domain.care import CARE_FOR
from ..domain.geo import stranded_households
from ..clock import local_today
from ..domain import registry, system_cases, water_quality
from ..domain.errors import FieldErrors
from ..domain.catalogue import Message
from ..i18n import label, say
from ..domain.scope import get_visible
from ..field_reports import field_report, noted
from ..pictures import water_series_picture
from ..forms import clean_text, flash_when_saved, form_page, load_form, load_query
from ..uploads import IMAGES, photo_evidence, store_upload
from .queries import collection
from .schemas import FacilityArgs, WaterTestFormSchema

blueprint = Blueprint("facilities_pages", __name__)
SHOWN = (selectinload(Facility.village), selectinload(Facility.township), selectinload(Facility.manager),
         selectinload(Facility.household))


@blueprint.route("/facilities")
@login_required
def index():
    args = load_query(FacilityArgs, request.args, per_page=30)
    page = collection.page(db.session, acting_scope(), args, SHOWN)
    return render_template("facilities/index.html", page=page, args=args, kinds=FACILITY_KINDS,
                           statuses=FACILITY_STATUSES)


def facility_page(facility_id: int, errors: dict | None = None) -> str:
    """The facility with its repair, water-quality and care cases, status history, care records and water tests
    (and its forms)."""
    facility = get_visible(db.session, Facility, facility_id, acting_scope())
    active = {case.dedupe_key.split(":")[0]: case for case in db.session.scalars(select(Case).where(
        Case.dedupe_key.in_([f"{prefix}:{facility.id}" for prefix in
                             ("facility", "water:facility", "care:facility", "cleaning:facility",
                              "source_check:facility", "filter:facility", "test_due:facility")]),
        Case.status.in_(ACTIVE_CASE_STATUSES)))}
    care = db.session.scalars(select(FacilityCare).where(FacilityCare.facility_id == facility.id)
                              .order_by(FacilityCare.done_on.desc(), FacilityCare.id.desc()).limit(5)).all()
    changes = db.session.scalars(select(FacilityStatusChange).where(FacilityStatusChange.facility_id == facility.id)
                                 .order_by(FacilityStatusChange.id.desc()).limit(10)).all()
    stranded = stranded_households(db.session, facility, current_thresholds()) \
        if facility.status in FAILED_STATUSES else []
    parameter = request.args.get("parameter") or water_quality.shown_parameter(db.session, facility)
    picture = water_series_picture(water_quality.parameter_series(db.session, facility, parameter)) \
        if parameter in water_quality.standard().limits else None
    return render_template("facilities/detail.html", f=facility, repair=active.get("facility"),
                           stranded=stranded, care=care,
                           care_cases=[case for key in ("care", "cleaning", "source_check", "filter", "test_due")
                                       if (case := active.get(key))],
                           care_kinds=CARE_FOR, upkeep=current_rules().cases.upkeep, series_picture=picture,
                           quality_case=active.get("water"), changes=changes,
                           tests=water_quality.recent_tests(db.session, WaterTest.facility_id == facility.id,
                                                            None if request.args.get("tests") == "all" else 10),
                           test_count=water_quality.test_count(db.session, facility.id),
                           standard=water_quality.standard(),
                           errors=errors or {}, today=local_today())


@blueprint.route("/facilities/<int:facility_id>")
@login_required
def detail(facility_id):
    return facility_page(facility_id)


@blueprint.route("/facilities/<int:facility_id>/care", methods=["POST"])
@login_required
@form_page(facility_page)
def record_care(facility_id):
    """管护: a cleaning or a source-protection check, with its date, a note and a photo."""
    rules, actor = current_rules(), acting_user()
    photo = request.files.get("photo")
    day = request.form.get("done_on", "")
    try:
        done_on = date.fromisoformat(day) if day else None
    except ValueError:
        raise FieldErrors.one("done_on", "value.date") from None
    kind = request.form.get("kind", "")
    system_cases.record_facility_care(db.session, actor, facility_id, kind, done_on, clean_text(request.form.get("note"), 500),
                               rules, (lambda: store_upload(photo, IMAGES, "care")) if photo and photo.filename else None)
    flash_when_saved(say("care.recorded", kind=label("care_kind", kind)))
    return redirect(url_for("facilities_pages.detail", facility_id=facility_id))


@blueprint.route("/facilities/<int:facility_id>/status", methods=["POST"])
@login_required
@form_page(facility_page)
@field_report("facility_status")
def change_status(facility_id):
    """报修 (with a note and a photo, opening the repair case at once) or 恢复正常 (resolving it)."""
    rules, actor = current_rules(), acting_user()
    facility = registry.set_facility_status(db.session, actor, facility_id, request.form.get("status", ""),
                                            clean_text(request.form.get("note"), 500), rules,
                                            photo_evidence(actor, rules.now))
    noted(facility_id=facility.id)
    flash_when_saved(say("facility.status", name=facility.name, status=label("facility_status", facility.status)))
    return redirect(url_for("facilities_pages.detail", facility_id=facility_id))


def _results(form) -> dict:
    """The values typed, one field per parameter of the standard (`r_<code>`); blank ones were not measured."""
    results, errors = {}, {}
    for code in water_quality.standard().current:
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
def record_water_test(facility_id):
    """记录水质检测 from the facility's page: the same rules as the API's POST /water-tests."""
    # The values come one field each (`r_<code>`), not as the API's `results` object.
    data = load_form(WaterTestFormSchema(),
                     {**request.form, "lab": clean_text(request.form.get("lab"), 100) or ""},
                     {"sampled_on": str, "sample_point": str, "lab": str})
    test = water_quality.record_water_test(db.session, acting_user(), {**data, "facility_id": facility_id,
                                                         "results": _results(request.form)}, current_rules())
    flash_when_saved(say("water.recorded_passed") if test.passed else say("water.recorded_failed"))
    return redirect(url_for("facilities_pages.detail", facility_id=facility_id) + "#water-tests")
