from flask import Blueprint, render_template, request
from flask_login import login_required
from sqlalchemy.orm import selectinload

from models import FACILITY_KINDS, FACILITY_STATUSES, Facility, db

from ..auth import acting_scope
from ..forms import load_query
from .routes import collection
from .schemas import FacilityArgs

blueprint = Blueprint("facilities_pages", __name__)
SHOWN = (selectinload(Facility.village), selectinload(Facility.manager), selectinload(Facility.household))


@blueprint.route("/facilities")
@login_required
def index():
    args = load_query(FacilityArgs, request.args, per_page=30)
    page = collection.page(db.session, acting_scope(), args, SHOWN)
    return render_template("facilities/index.html", page=page, args=args, kinds=FACILITY_KINDS,
                           statuses=FACILITY_STATUSES)
