from flask import Blueprint, render_template, request
from flask_login import login_required

from models import db

from ..auth import acting_scope
from ..clock import local_today
from ..context import current_thresholds
from ..domain.dashboard import dashboard as dashboard_figures

blueprint = Blueprint("dashboard_pages", __name__)


@blueprint.route("/dashboard")
@login_required
def index():
    township_id = request.args.get("township_id", type=int)
    figures = dashboard_figures(db.session, acting_scope(), local_today(), current_thresholds(),
                                 township_id if township_id and 0 < township_id < 2**31 else None)
    return render_template("dashboard/index.html", d=figures)
