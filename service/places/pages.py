from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_login import login_required
from sqlalchemy import false, select

from models import ACTIVE_CASE_STATUSES, Case, Facility, Household, Township, Village, db

from ..auth import acting_scope, acting_user
from ..domain import registry
from ..domain.archive_gaps import archive_gaps as find_archive_gaps
from ..domain.permissions import can
from ..forms import flash_when_saved, form_page, load_form, load_query
from ..domain.errors import FieldErrors
from ..i18n import say, tell
from ..unit_of_work import UnitOfWork
from .schemas import AccountableSchema, ArchiveGapsArgs
from ..context import current_rules, current_thresholds
from ..domain.gaps import has_active_agreement
from ..domain.needs_delivery import needs_delivery_clause
from ..domain.scope import get_visible
from ..domain.monitored import monitored_clause
from ..pictures import distance_picture

blueprint = Blueprint("places_pages", __name__)


def _village(village_id: int, errors: dict | None = None) -> str:
    place = get_visible(db.session, Village, village_id, acting_scope())
    thresholds = current_thresholds()
    facilities = db.session.scalars(select(Facility).where(Facility.village_id == place.id)
                                    .order_by(Facility.kind, Facility.name)).all()
    households = db.session.execute(
        select(Household.id, Household.head_name, Household.distance_m, needs_delivery_clause(thresholds),
               has_active_agreement(), Household.phone).where(Household.village_id == place.id, monitored_clause())
        .order_by(Household.head_name)).all()
    return render_template("places/village.html", v=place, facilities=facilities, households=households,
                           picture=distance_picture(db.session, place, thresholds), errors=errors or {},
                           may_name=can(acting_user(), "register_village"))


@blueprint.route("/villages/<int:village_id>")
@login_required
def village(village_id):
    """The village's 包保责任人, facilities, households (needs delivery, agreement) and distance map."""
    return _village(village_id)


@blueprint.route("/villages/<int:village_id>/accountable", methods=["POST"])
@login_required
@form_page(_village)
def accountable(village_id):
    """包保责任人 of the village named (or cleared with a blank name)."""
    person = load_form(AccountableSchema(), request.form, {"name": str, "title": str, "phone": str}) \
        if request.form.get("name", "").strip() else None
    registry.update_village(db.session, acting_user(), village_id, {"accountable": person})
    flash_when_saved(say("place.accountable_saved"))
    return redirect(url_for("places_pages.village", village_id=village_id))


@blueprint.route("/townships/<int:township_id>/accountable", methods=["POST"])
@login_required
def township_accountable(township_id):
    """包保责任人 of a township named by the county (or cleared with a blank name); back to the township's page, which
    says what was wrong if it was not saved."""
    try:
        person = load_form(AccountableSchema(), request.form, {"name": str, "title": str, "phone": str}) \
            if request.form.get("name", "").strip() else None
        with UnitOfWork():
            registry.update_township(db.session, acting_user(), township_id, {"accountable": person})
        flash(say("place.accountable_saved"))
    except FieldErrors as refused:
        flash(say("place.accountable_refused", reasons="；".join(tell(m) or str(m) for messages in
                                                                  refused.errors.values() for m in messages)))
    return redirect(url_for("dashboard_pages.index", township_id=township_id))


@blueprint.route("/townships/<int:township_id>/archive-gaps")
@login_required
def archive_gaps(township_id):
    """档案资料 still missing for the period (this year by default), village by village, each linked to where to add it."""
    args = load_query(ArchiveGapsArgs, request.args)
    gaps = find_archive_gaps(db.session, acting_scope(), township_id, args["date_from"], args["date_to"],
                             current_rules().zone)
    by_village: dict[str, list] = {}
    for item in gaps["items"]:
        by_village.setdefault(item["village"], []).append(item)
    return render_template("places/archive_gaps.html", gaps=gaps, by_village=by_village,
                           township=db.session.get(Township, township_id))


@blueprint.route("/villages/<int:village_id>/offline.json")
@login_required
def pages_to_keep(village_id):
    """The pages a phone keeps to work in the village without signal (带到村里): the village with its households and
    facilities, each household's page and survey form, each facility's page, each of its cases still being worked
    (to add 整改进展 there), and the cases assigned to the user wherever they are, with its 我的任务."""
    place = get_visible(db.session, Village, village_id, acting_scope())
    households = db.session.scalars(select(Household.id).where(Household.village_id == place.id,
                                                               monitored_clause())).all()
    facilities = db.session.scalars(select(Facility.id).where(Facility.village_id == place.id)).all()
    urls = [url_for("places_pages.village", village_id=place.id)]
    for household_id in households:
        urls += [url_for("households_pages.detail", household_id=household_id),
                 url_for("survey_pages.visit", household_id=household_id)]
    urls += [url_for("facilities_pages.detail", facility_id=facility_id) for facility_id in facilities]
    working = acting_scope().restrict(select(Case.id), Case).where(Case.status.in_(ACTIVE_CASE_STATUSES))
    actor = acting_user()
    mine = Case.assignee_id == actor.staff_id if actor.staff_id is not None else false()
    cases = db.session.scalars(working.where((Case.village_id == place.id) | mine).order_by(Case.id)).all()
    urls += [url_for("cases_pages.detail", case_id=case_id) for case_id in cases]
    if actor.staff_id is not None:
        urls.append(url_for("cases_pages.mine"))
    return jsonify(village_id=place.id, name=place.name, urls=urls)
