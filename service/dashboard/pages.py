from flask import Blueprint, render_template, request
from flask_login import login_required

from models import db

from ..auth import acting_scope
from ..context import current_rules, current_supply_cache
from ..domain.dashboard import dashboard as dashboard_figures
from ..pictures import dashboard_pictures

blueprint = Blueprint("dashboard_pages", __name__)


@blueprint.route("/dashboard")
@login_required
def index():
    township_id = request.args.get("township_id", type=int)
    township_id = township_id if township_id and 0 < township_id < 2**31 else None
    rules, scope = current_rules(), acting_scope()
    figures = dashboard_figures(db.session, scope, rules.today, rules.thresholds, township_id,
                                 current_supply_cache())
    return render_template("dashboard/index.html", d=figures, pictures=dashboard_pictures(
        db.session, scope, rules.today, rules.zone, figures, rules.supply.assurance_min, township_id))
