from flask import Blueprint, render_template, request
from flask_login import login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from models import FACILITY_KINDS, FACILITY_STATUSES, Facility, db

from ..api_common import paginate
from ..auth import acting_scope

blueprint = Blueprint("facilities_pages", __name__)


@blueprint.route("/facilities")
@login_required
def index():
    stmt = acting_scope().restrict(select(Facility), Facility)
    kind = request.args.get("kind", "")
    status = request.args.get("status", "")
    if kind in FACILITY_KINDS:
        stmt = stmt.where(Facility.kind == kind)
    if status in FACILITY_STATUSES:
        stmt = stmt.where(Facility.status == status)
    page = paginate(db.session, stmt, {"page": max(1, min(request.args.get("page", 1, type=int), 100_000)),
                                       "per_page": 30},
                    (selectinload(Facility.village), selectinload(Facility.manager), selectinload(Facility.household)))
    return render_template("facilities/index.html", page=page, kind=kind, status=status,
                           kinds=FACILITY_KINDS, statuses=FACILITY_STATUSES)
