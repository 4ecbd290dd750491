"""The registry's JSON collections: list, create, read and update, the same shape for each kind."""
from dataclasses import dataclass, field
from typing import Callable

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from models import db

from .auth import acting_scope, acting_user, require_bearer_user
from .api_common import counted_by_village, limit_json_body, paginate, spreadsheet_file
from .context import current_thresholds
from .domain.tables import write_csv, write_xlsx
from .domain.scope import Scope, get_visible
from .handlers import refuse_while_probing_numbers
from .unit_of_work import atomic

PAGING = ("page", "per_page")


@dataclass
class Collection:
    """What varies between the registry's collections; the routes themselves are the same."""

    name: str
    model: type
    schema: type
    page_schema: type
    args_schema: type
    create: Callable  # (session, actor, data) -> record
    update: Callable  # (session, actor, record_id, data) -> record
    description: str = ""
    # Filters that are not plain equality on a column: (stmt, value) -> stmt, by argument name.
    special_filters: dict = field(default_factory=dict)
    list_options: tuple = ()
    # Figures a page of records shows that are computed for the whole page at once: (session, records) -> None.
    annotate: Callable | None = None
    # Fields whose value is looked up across every township (a resident ID, a staff phone): a write that gives one
    # is refused while the user is past the hourly limit of answers about numbers outside its scope.
    numbers_looked_up: tuple = ()
    # Where a record's village is (count_by_village's `village_of`): its list's total is then kept village by
    # village. Only for records whose every filter reads what a village's revision follows (models/revision.py).
    village_of: Callable | None = None
    # The export (GET …/export.xlsx|csv, the list's filters): (records, thresholds) -> (headers, rows), and what
    # its rows read besides.
    export: Callable | None = None
    export_options: tuple = ()

    def refuse_while_probing(self, data: dict) -> None:
        if any(data.get(name) is not None for name in self.numbers_looked_up):
            refuse_while_probing_numbers()

    def page(self, session, scope: Scope, args: dict, options: tuple = ()) -> dict:
        """One page of the records inside `scope` that match the filters in `args` (API and pages alike);
        `options` load what a page shows besides."""
        total = counted_by_village(session, self.name, scope, args, self.village_of) if self.village_of else None
        page = paginate(session, self.query(scope, args), args, self.list_options + options, total=total)
        if self.annotate is not None:
            self.annotate(session, page["items"])
        return page

    def query(self, scope: Scope, args: dict):
        """The records inside `scope` that match the filters in `args` (paging arguments ignored)."""
        stmt = scope.restrict(select(self.model), self.model)
        for key, value in args.items():
            if key in PAGING:
                continue
            if key in self.special_filters:
                stmt = self.special_filters[key](stmt, value)
            else:
                stmt = stmt.where(getattr(self.model, key) == value)
        return stmt


def collection_blueprint(c: Collection) -> Blueprint:
    """A flask-smorest blueprint at /api/v1/<name> serving the collection `c`."""
    bp = Blueprint(c.name, __name__ + "." + c.name, url_prefix=f"/api/v1/{c.name}", description=c.description)
    bp.before_request(limit_json_body)
    bp.before_request(require_bearer_user)

    @bp.route("")
    class Items(MethodView):
        @bp.arguments(c.args_schema, location="query")
        @bp.response(200, c.page_schema)
        def get(self, args):
            """List, inside the caller's scope, with filters and pagination."""
            return c.page(db.session, acting_scope(), args)

        @bp.arguments(c.schema)
        @bp.response(201, c.schema)
        @bp.alt_response(403, response="DEFAULT_ERROR", description="outside the caller's scope or role")
        @atomic
        def post(self, data):
            """Create one."""
            c.refuse_while_probing(data)
            return c.create(db.session, acting_user(), data)

    if c.export is not None:
        @bp.route("/export.<any(xlsx, csv):fmt>", methods=["GET"])
        @bp.arguments(c.args_schema, location="query")
        @bp.response(200, description="the records in the caller's scope matching the list filters",
                     content_type="application/octet-stream")
        def export(args, fmt):
            """Export to .xlsx or .csv with the list's filters, inside the caller's scope (ID numbers masked)."""
            items = db.session.scalars(c.query(acting_scope(), args).options(*c.export_options)
                                       .order_by(c.model.id)).all()
            headers, rows = c.export(items, current_thresholds())
            return spreadsheet_file(write_xlsx(headers, rows) if fmt == "xlsx" else write_csv(headers, rows),
                                    c.name, fmt)

    @bp.route("/<int:record_id>")
    class Item(MethodView):
        @bp.response(200, c.schema)
        @bp.alt_response(404, response="DEFAULT_ERROR", description="absent or outside the caller's scope")
        def get(self, record_id):
            """Read one."""
            return get_visible(db.session, c.model, record_id, acting_scope())

        @bp.arguments(c.schema(partial=True))
        @bp.response(200, c.schema)
        @bp.alt_response(403, response="DEFAULT_ERROR", description="outside the caller's scope or role")
        @bp.alt_response(404, response="DEFAULT_ERROR", description="absent")
        @atomic
        def patch(self, data, record_id):
            """Change the given fields of one."""
            c.refuse_while_probing(data)
            return c.update(db.session, acting_user(), record_id, data)

    return bp
