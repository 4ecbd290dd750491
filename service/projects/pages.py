"""城乡供水一体化 projects from a phone: the list, a new project (its villages and the standard 进度表), and a
project's page, where a milestone is marked done, funds are recorded and a village's 通水验收 is entered."""
from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from models import Household, Region, Township, Unit, Village, db

from ..auth import acting_scope, acting_user
from ..clock import local_today
from ..context import current_rules
from ..domain import projects
from ..domain.permissions import can, require_capability
from ..forms import flash_when_saved, form_page, load_form, load_query, ticked_ids
from ..i18n import say
from .schemas import ProjectConnectionSchema, ProjectFundSchema, ProjectMilestoneChangeSchema, ProjectArgs, ProjectSchema

blueprint = Blueprint("projects_pages", __name__)
NEW_TYPES = {"name": str, "township_id": int, "region_id": int, "lead_unit_id": int, "target_on": str,
             "budget_wan": float, "note": str}


@blueprint.route("/projects")
@login_required
def index():
    """The projects of the user's places, each with its progress, funds and overdue steps."""
    args = load_query(ProjectArgs, request.args, per_page=100)
    items = projects.list_projects(db.session, acting_scope(), args, local_today())
    return render_template("projects/index.html", items=items, args=args, today=local_today(),
                           may_add=can(acting_user(), "manage_projects"))


def _new(errors: dict | None = None) -> str:
    scope = acting_scope()
    townships = db.session.scalars(scope.restrict(select(Township), Township).order_by(Township.name)).all()
    under = projects.townships_by_region(db.session)
    regions = [r for r in db.session.scalars(select(Region).order_by(Region.level, Region.name))
               if (covered := under.get(r.id)) and all(scope.covers(t) for t in covered)]
    villages = db.session.scalars(scope.restrict(select(Village), Village).options(selectinload(Village.township))
                                  .order_by(Village.township_id, Village.name)).all()
    units = db.session.scalars(scope.restrict(select(Unit), Unit).order_by(Unit.township_id.is_not(None), Unit.name)
                               ).all()
    return render_template("projects/new.html", townships=townships, regions=regions, villages=villages, units=units,
                           values=request.form if request.method == "POST" else {}, errors=errors or {})


@blueprint.route("/projects/new", methods=["GET", "POST"])
@login_required
@form_page(lambda errors: _new(errors))
def new():
    """A new project: its place, lead unit, target, budget and villages; the standard 进度表 back-scheduled."""
    require_capability(acting_user(), "manage_projects")
    if request.method == "GET":
        return _new()
    data = load_form(ProjectSchema(partial=("village_ids",)), request.form, NEW_TYPES)
    data["village_ids"] = ticked_ids("village_ids")
    project = projects.create_project(db.session, acting_user(), data, local_today())
    flash_when_saved(say("project.created", name=project.name))
    return redirect(url_for("projects_pages.detail", project_id=project.id))


def _detail(project_id: int, errors: dict | None = None) -> str:
    project = projects.get_project(db.session, acting_scope(), project_id)
    village_ids = [pv.village_id for pv in project.villages]
    waiting = db.session.execute(
        select(Household.village_id, Household.id, Household.head_name, Village.name.label("village"))
        .join(Village, Village.id == Household.village_id).where(
            Household.village_id.in_(village_ids), Household.monitoring_status == "monitored",
            Household.piped_since.is_(None)).order_by(Household.village_id, Household.head_name)).all()
    return render_template("projects/detail.html", p=project, today=local_today(), errors=errors or {},
                           waiting=waiting, may_manage=can(acting_user(), "manage_projects"),
                           received=round(sum(f.amount_wan for f in project.funds), 2))


@blueprint.route("/projects/<int:project_id>")
@login_required
def detail(project_id):
    return _detail(project_id)


@blueprint.route("/projects/<int:project_id>/milestones/<int:milestone_id>", methods=["POST"])
@login_required
@form_page(lambda errors, project_id, milestone_id: _detail(project_id, errors))
def milestone_done(project_id, milestone_id):
    """A step of the 进度表 done on a day."""
    data = load_form(ProjectMilestoneChangeSchema(), request.form, {"done_on": str})
    projects.update_milestone(db.session, acting_user(), project_id, milestone_id, data, local_today())
    flash_when_saved(say("project.milestone_done"))
    return redirect(url_for("projects_pages.detail", project_id=project_id, _anchor="milestones"))


@blueprint.route("/projects/<int:project_id>/funds", methods=["POST"])
@login_required
@form_page(_detail)
def add_fund(project_id):
    """资金到位."""
    data = load_form(ProjectFundSchema(), request.form, {"received_on": str, "amount_wan": float, "source": str})
    projects.add_fund(db.session, acting_user(), project_id, data, local_today())
    flash_when_saved(say("project.fund_recorded"))
    return redirect(url_for("projects_pages.detail", project_id=project_id, _anchor="funds"))


@blueprint.route("/projects/<int:project_id>/connections", methods=["POST"])
@login_required
@form_page(_detail)
def connect(project_id):
    """通水验收 of a village, whole or the households ticked."""
    data = load_form(ProjectConnectionSchema(), request.form, {"village_id": int, "connected_on": str, "note": str})
    data["household_ids"] = ticked_ids("household_ids")
    connection = projects.connect_village(db.session, acting_user(), project_id, data, current_rules())
    flash_when_saved(say("project.connected", households=connection.households, ended=connection.agreements_ended))
    return redirect(url_for("projects_pages.detail", project_id=project_id, _anchor="villages"))
