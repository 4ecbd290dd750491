"""单位: the units a user's cases may name (its township's own and its county's departments), each with its cases led
and cooperated on, its county-wide ledger, and a new one registered."""
from collections import Counter

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import login_required
from sqlalchemy import func, select

from models import UNIT_KINDS, Case, Unit, db, UNRESOLVED_CASE_STATUSES
from models.unit import case_cooperating_units

from ..auth import acting_scope, acting_user
from ..clock import local_today
from ..domain import units
from ..domain.projects import overdue_milestones
from ..domain.permissions import can
from ..forms import flash_when_saved, form_page, load_form
from ..i18n import say
from .schemas import UnitSchema

blueprint = Blueprint("units_pages", __name__)


def _index(errors: dict | None = None) -> str:
    scope = acting_scope()
    found = db.session.scalars(scope.restrict(select(Unit), Unit)
                               .order_by(Unit.township_id.is_not(None), Unit.kind, Unit.name)).all()
    cases = scope.restrict(select(Case.id), Case).where(Case.status.in_(UNRESOLVED_CASE_STATUSES))
    led = dict(db.session.execute(select(Case.lead_unit_id, func.count()).where(Case.id.in_(cases))
                                  .group_by(Case.lead_unit_id)).all())
    cooperating = dict(db.session.execute(
        select(case_cooperating_units.c.unit_id, func.count()).where(case_cooperating_units.c.case_id.in_(cases))
        .group_by(case_cooperating_units.c.unit_id)).all())
    # Projects with a step past due, per lead unit: the number the projects list it links to totals.
    late_projects = Counter(lead for lead, _ in {(m.project.lead_unit_id, m.project_id)
                                                 for m in overdue_milestones(db.session, scope, local_today())})
    return render_template("units/index.html", items=found, led=led, cooperating=cooperating, kinds=UNIT_KINDS,
                           late_projects=late_projects,
                           errors=errors or {}, values=request.form if request.method == "POST" else {},
                           may_add=can(acting_user(), "edit_registry"))


@blueprint.route("/units", methods=["GET", "POST"])
@login_required
@form_page(lambda errors: _index(errors))
def index():
    """单位: each with its unfinished cases led (牵头) and cooperated on (配合), linked to those lists."""
    if request.method == "GET":
        return _index()
    data = load_form(UnitSchema(), request.form, {"name": str, "kind": str, "contact": str, "phone": str})
    units.create_unit(db.session, acting_user(), data)
    flash_when_saved(say("unit.added"))
    return redirect(url_for("units_pages.index"))
