"""应急送水 from a phone: the emergencies of the user's places, one declared over townships or villages (its team,
its source), and its page with the households reached each day and the button that ends it."""
from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from models import EMERGENCY_KINDS, Staff, Township, Village, db

from ..auth import acting_scope, acting_user
from ..clock import local_today
from ..context import current_rules
from ..domain import emergencies
from ..domain.deliveries import delivery_sources
from ..domain.permissions import can, require_capability
from ..forms import flash_when_saved, form_page, load_form, ticked_ids
from ..i18n import say
from .schemas import EmergencySchema, EndSchema

blueprint = Blueprint("emergencies_pages", __name__)


def _index(errors: dict | None = None) -> str:
    scope = acting_scope()
    may_declare = can(acting_user(), "declare_emergency")
    townships = db.session.scalars(scope.restrict(select(Township), Township).order_by(Township.name)).all() \
        if may_declare else []
    villages = db.session.scalars(scope.restrict(select(Village), Village).options(selectinload(Village.township))
                                  .order_by(Village.township_id, Village.name)).all() if may_declare else []
    team = db.session.scalars(scope.restrict(select(Staff), Staff).where(Staff.role != "county_admin")
                              .options(selectinload(Staff.village)).order_by(Staff.township_id, Staff.name)).all() \
        if may_declare else []
    sources = delivery_sources(db.session, scope, [t.id for t in townships]) if may_declare else []
    return render_template("emergencies/index.html", items=emergencies.emergencies_in(db.session, scope),
                           kinds=EMERGENCY_KINDS, townships=townships, villages=villages, team=team, sources=sources,
                           may_declare=may_declare, errors=errors or {}, today=local_today(),
                           values=request.form if request.method == "POST" else {})


@blueprint.route("/emergencies", methods=["GET", "POST"])
@login_required
@form_page(lambda errors: _index(errors))
def index():
    """应急送水: those of the user's places, and (for a lead, the county, a city) a new one declared."""
    if request.method == "GET":
        return _index()
    require_capability(acting_user(), "declare_emergency")
    data = load_form(EmergencySchema(partial=("team",)), request.form,
                     {"kind": str, "started_on": str, "source_facility_id": int, "note": str})
    data.update(team_ids=ticked_ids("team"), **{name: ids for name in ("township_ids", "village_ids") if (ids := ticked_ids(name))})
    emergency = emergencies.declare_emergency(db.session, acting_user(), data, current_rules())
    flash_when_saved(say("emergency.declared"))
    return redirect(url_for("emergencies_pages.detail", emergency_id=emergency.id))


def _detail(emergency_id: int, errors: dict | None = None) -> str:
    emergency = emergencies.get_emergency(db.session, acting_scope(), emergency_id)
    return render_template("emergencies/detail.html", e=emergency, today=local_today(), errors=errors or {},
                           days=emergencies.daily_figures(db.session, emergency, local_today()),
                           may_end=can(acting_user(), "declare_emergency") and emergency.ended_on is None)


@blueprint.route("/emergencies/<int:emergency_id>")
@login_required
def detail(emergency_id):
    return _detail(emergency_id)


@blueprint.route("/emergencies/<int:emergency_id>/end", methods=["POST"])
@login_required
@form_page(_detail)
def end(emergency_id):
    """End it on a day: later planned deliveries are called off."""
    data = load_form(EndSchema(), request.form, {"ended_on": str})
    emergencies.end_emergency(db.session, acting_user(), emergency_id, data.get("ended_on"), current_rules())
    flash_when_saved(say("emergency.ended"))
    return redirect(url_for("emergencies_pages.detail", emergency_id=emergency_id))
