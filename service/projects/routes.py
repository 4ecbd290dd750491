from flask.views import MethodView
from flask_smorest import Blueprint

from models import db

from ..api_common import limit_json_body, page_of, page_schema
from ..auth import acting_scope, acting_user, require_bearer_user
from ..clock import local_today
from ..context import current_rules
from ..domain import projects
from ..unit_of_work import atomic
from .schemas import (ProjectConnectionSchema, ProjectFundSchema, ProjectMilestoneChangeSchema, ProjectMilestoneSchema, ProjectArgs,
                      ProjectSchema)

blueprint = Blueprint("projects", __name__, url_prefix="/api/v1/projects",
                      description="城乡供水一体化 Projects: 进度表, funds, and connections that put households on piped "
                                  "supply")
blueprint.before_request(limit_json_body)
blueprint.before_request(require_bearer_user)


@blueprint.route("")
class Projects(MethodView):
    @blueprint.arguments(ProjectArgs, location="query")
    @blueprint.response(200, page_schema(ProjectSchema))
    def get(self, args):
        """The projects of the caller's places, by target day."""
        return page_of(projects.list_projects(db.session, acting_scope(), args, local_today()), args)

    @blueprint.arguments(ProjectSchema)
    @blueprint.response(201, ProjectSchema)
    @atomic
    def post(self, data):
        """A project of a township or a region, its villages and its milestones."""
        return projects.create_project(db.session, acting_user(), data, local_today())


@blueprint.route("/<int:project_id>")
@blueprint.response(200, ProjectSchema)
def get_project(project_id):
    """A project with its milestones, funds and connections."""
    return projects.get_project(db.session, acting_scope(), project_id)


@blueprint.route("/<int:project_id>/milestones", methods=["POST"])
@blueprint.arguments(ProjectMilestoneSchema)
@blueprint.response(201, ProjectMilestoneSchema)
@atomic
def add_milestone(data, project_id):
    """Another step of the 进度表."""
    return projects.add_milestone(db.session, acting_user(), project_id, data)


@blueprint.route("/<int:project_id>/milestones/<int:milestone_id>", methods=["PATCH"])
@blueprint.arguments(ProjectMilestoneChangeSchema)
@blueprint.response(200, ProjectMilestoneSchema)
@atomic
def change_milestone(data, project_id, milestone_id):
    """A step done (`done_on`), or moved."""
    return projects.update_milestone(db.session, acting_user(), project_id, milestone_id, data, local_today())


@blueprint.route("/<int:project_id>/funds", methods=["POST"])
@blueprint.arguments(ProjectFundSchema)
@blueprint.response(201, ProjectFundSchema)
@atomic
def add_fund(data, project_id):
    """资金到位: money received."""
    return projects.add_fund(db.session, acting_user(), project_id, data, local_today())


@blueprint.route("/<int:project_id>/connections", methods=["POST"])
@blueprint.arguments(ProjectConnectionSchema)
@blueprint.response(201, ProjectConnectionSchema)
@atomic
def connect(data, project_id):
    """通水验收 of a village (or of the households named): piped supply, needs worked out again, agreements no longer
    needed ended (已通自来水)."""
    return projects.connect_village(db.session, acting_user(), project_id, data, current_rules())
