from flask import Blueprint, jsonify, render_template, url_for
from flask_login import login_required
from sqlalchemy import select

from models import Facility, Household, Village, db

from ..auth import acting_scope
from ..context import current_thresholds
from ..domain.gaps import has_active_agreement
from ..domain.needs_delivery import needs_delivery_clause
from ..domain.scope import get_visible
from ..pictures import distance_picture

blueprint = Blueprint("places_pages", __name__)


@blueprint.route("/villages/<int:village_id>")
@login_required
def village(village_id):
    """The village's facilities, its households (needs delivery, agreement) and its distance map."""
    place = get_visible(db.session, Village, village_id, acting_scope())
    thresholds = current_thresholds()
    facilities = db.session.scalars(select(Facility).where(Facility.village_id == place.id)
                                    .order_by(Facility.kind, Facility.name)).all()
    households = db.session.execute(
        select(Household.id, Household.head_name, Household.distance_m, needs_delivery_clause(thresholds),
               has_active_agreement(), Household.phone).where(Household.village_id == place.id)
        .order_by(Household.head_name)).all()
    return render_template("places/village.html", v=place, facilities=facilities, households=households,
                           picture=distance_picture(db.session, place, thresholds))


@blueprint.route("/villages/<int:village_id>/offline.json")
@login_required
def pages_to_keep(village_id):
    """The pages a phone keeps to work in the village without signal (带到村里): the village with its households and
    facilities, each household's page and survey form, each facility's page."""
    place = get_visible(db.session, Village, village_id, acting_scope())
    households = db.session.scalars(select(Household.id).where(Household.village_id == place.id)).all()
    facilities = db.session.scalars(select(Facility.id).where(Facility.village_id == place.id)).all()
    urls = [url_for("places_pages.village", village_id=place.id)]
    for household_id in households:
        urls += [url_for("households_pages.detail", household_id=household_id),
                 url_for("survey_pages.visit", household_id=household_id)]
    urls += [url_for("facilities_pages.detail", facility_id=facility_id) for facility_id in facilities]
    return jsonify(village_id=place.id, name=place.name, urls=urls)
