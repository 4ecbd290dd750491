"""明察暗访 from a phone: the draws of the user's places, a new draw, and each drawn household's finding (the service
says where it differs from the records)."""
from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import login_required
from sqlalchemy import select

from models import Township, db

from ..auth import acting_scope, acting_user
from ..context import current_rules
from ..domain import spot_checks
from ..domain.permissions import can, require_capability
from ..forms import flash_when_saved, form_page, load_form
from ..i18n import say
from ..uploads import IMAGES, store_upload
from .schemas import DrawSchema, FindingSchema

blueprint = Blueprint("spot_checks_pages", __name__)
DRAW_TYPES = {"township_id": int, "size": int, "seed": str}
FINDING_TYPES = {"household_id": int, "visited_on": str, "liters_per_person_day": float, "quality": str,
                 "piped": bool, "round_trip_minutes": float, "assurance_percent": float, "receives_delivery": str,
                 "deliveries_30d": int, "note": str}


def _index(errors: dict | None = None) -> str:
    scope = acting_scope()
    return render_template("spot_checks/index.html", items=spot_checks.spot_checks_in(db.session, scope),
                           townships=db.session.scalars(scope.restrict(select(Township), Township)
                                                        .order_by(Township.name)).all(),
                           rate=spot_checks.match_rate, errors=errors or {},
                           values=request.form if request.method == "POST" else {"size": "10"},
                           may_draw=can(acting_user(), "spot_check"))


@blueprint.route("/spot-checks", methods=["GET", "POST"])
@login_required
@form_page(lambda errors: _index(errors))
def index():
    """明察暗访: the draws, each with its 核实相符率, and (for a lead or the county) a new one."""
    if request.method == "GET":
        return _index()
    require_capability(acting_user(), "spot_check")
    data = load_form(DrawSchema(), request.form, DRAW_TYPES)
    check = spot_checks.draw_spot_check(db.session, acting_user(), data, current_rules())
    flash_when_saved(say("spot_check.drawn", count=len(check.households)))
    return redirect(url_for("spot_checks_pages.detail", spot_check_id=check.id))


def _detail(spot_check_id: int, errors: dict | None = None) -> str:
    check = spot_checks.visible_spot_check(db.session, acting_scope(), spot_check_id)
    return render_template("spot_checks/detail.html", c=check, figures=spot_checks.match_rate(check),
                           errors=errors or {}, failed=request.form.get("household_id", type=int),
                           today=current_rules().today, may_find=can(acting_user(), "spot_check"))


@blueprint.route("/spot-checks/<int:spot_check_id>")
@login_required
def detail(spot_check_id):
    return _detail(spot_check_id)


@blueprint.route("/spot-checks/<int:spot_check_id>/findings", methods=["POST"])
@login_required
@form_page(_detail)
def record_finding(spot_check_id):
    """What was found at one household; the page then shows where it differs from the records."""
    data = load_form(FindingSchema(), request.form, FINDING_TYPES)  # 送水: blank unknown, 1 yes, 0 no
    photo = request.files.get("photo")
    item = spot_checks.record_finding(db.session, acting_user(), spot_check_id, data, current_rules(),
                                      (lambda: store_upload(photo, IMAGES, "spot_checks"))
                                      if photo and photo.filename else None)
    flash_when_saved(say("spot_check.matches") if item.matches_records else say("spot_check.differs"))
    return redirect(url_for("spot_checks_pages.detail", spot_check_id=spot_check_id,
                            _anchor=f"household-{item.household_id}"))
