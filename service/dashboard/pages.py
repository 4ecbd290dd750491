from flask import Blueprint, render_template, request
from flask_login import login_required

from models import db

from ..auth import acting_scope
from ..context import current_rules
from ..kept_figures import current_kept_figures
from ..domain.dashboard import dashboard as dashboard_figures
from ..pictures import dashboard_pictures

blueprint = Blueprint("dashboard_pages", __name__)


@blueprint.route("/dashboard")
@login_required
def index():
    township_id = request.args.get("township_id", type=int)
    township_id = township_id if township_id and 0 < township_id < 2**31 else None
    rules, scope, kept = current_rules(), acting_scope(), current_kept_figures()
    figures = dashboard_figures(db.session, scope, rules.today, rules.thresholds, township_id, kept, rules.zone,
                                rules.cases.cleaning_every_days)
    # The pictures draw the same villages' data, so they stay current as long as the figures do; they are drawn
    # for the user's scope, which is part of what they are kept under.
    def draw():
        return dashboard_pictures(db.session, scope, rules.today, rules.zone, figures, rules.supply.assurance_min,
                                  township_id)

    pictures = kept.derived(figures, ("pictures", scope, township_id), draw) if figures["villages"] else draw()
    return render_template("dashboard/index.html", d=figures, pictures=pictures)
