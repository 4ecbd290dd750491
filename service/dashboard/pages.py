from flask import Blueprint, render_template, request
from flask_login import login_required

from models import Region, Township, db

from ..auth import acting_scope, acting_user
from ..context import current_rules
from ..kept_figures import current_kept_figures
from ..domain.dashboard import dashboard as dashboard_figures, totals_of
from ..domain.archive_gaps import archive_gaps
from ..domain.permissions import can
from ..domain.regions import children_of, township_ranking
from ..domain.scope import Scope, get_visible, townships_under
from ..i18n import locale
from ..pictures import dashboard_pictures

blueprint = Blueprint("dashboard_pages", __name__)


def _id(name: str) -> int | None:
    value = request.args.get(name, type=int)
    return value if value and 0 < value < 2**31 else None


@blueprint.route("/dashboard")
@login_required
def index():
    """动态清零: a township's, the county's, or a region's (its own, for a city's or province's login) with its
    children ranked; a click on a child goes down a level."""
    township_id, region_id = _id("township_id"), _id("region_id") or acting_user().region_id
    rules, scope, kept = current_rules(), acting_scope(), current_kept_figures()
    region = get_visible(db.session, Region, region_id, scope) if region_id and not township_id else None
    figures = dashboard_figures(db.session, scope, rules.today, rules.thresholds, township_id, kept, rules.zone,
                                rules.cases.upkeep,
                                townships_under(db.session, region.id) if region else None)
    children = children_of(db.session, region, figures["townships"], totals_of) if region else \
        township_ranking(figures["townships"], totals_of) if township_id is None and len(figures["townships"]) > 1 \
        else []  # the county's own page ranks its townships too
    above_county = region is not None and region.level != "county"
    # The pictures draw the same villages' data, so they stay current as long as the figures do; they are drawn
    # for the user's scope (a region's: its townships inside it), which is part of what they are kept under.
    drawn_for = Scope(township_ids=frozenset(t["township_id"] for t in figures["townships"])) if region else scope

    def draw():
        return dashboard_pictures(db.session, drawn_for, rules.today, rules.zone, figures,
                                  rules.supply.assurance_min, township_id, children if above_county else None)

    pictures = kept.derived(figures, ("pictures", drawn_for, township_id, region.id if region else None, locale()),
                            draw) \
        if figures["villages"] else draw()
    # Every tile and figure of a township's page links to that township's list (whose total is the figure).
    place = {"township_id": township_id} if township_id else {"region_id": region.id} if region else {}
    # A township's page names its 包保责任人.
    township = db.session.get(Township, figures["townships"][0]["township_id"]) \
        if len(figures["townships"]) == 1 else None
    # 档案还缺: this year's missing papers of a township's archive, linking to their list.
    gaps = archive_gaps(db.session, scope, township.id, rules.today.replace(month=1, day=1), rules.today,
                        rules.zone)["total"] if township is not None and can(acting_user(), "print_archive") else None
    return render_template("dashboard/index.html", d=figures, pictures=pictures, region=region, children=children,
                           township=township, archive_gaps=gaps,
                           level=region.level if region else "county", place=place,
                           township_place=place)
