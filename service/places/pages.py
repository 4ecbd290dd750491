from flask import Blueprint, render_template
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
               has_active_agreement()).where(Household.village_id == place.id).order_by(Household.head_name)).all()
    return render_template("places/village.html", v=place, facilities=facilities, households=households,
                           picture=distance_picture(db.session, place, thresholds))
