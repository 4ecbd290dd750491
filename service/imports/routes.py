from flask import current_app, request
from flask_smorest import Blueprint
from marshmallow import fields

from models import db

from ..api_common import limit_json_body, Schema, spreadsheet_file, UploadSchema
from ..auth import acting_user, require_bearer_user
from ..context import current_context
from ..domain.tables import XLSX
from ..domain.errors import PayloadTooLarge
from ..domain.permissions import require_capability
from .runner import CAPABILITY, run_import, template_xlsx

blueprint = Blueprint("imports", __name__, url_prefix="/api/v1", description="导入 Rosters: import, and their templates")
blueprint.before_request(limit_json_body)
blueprint.before_request(require_bearer_user)


@blueprint.before_request
def may_import_before_reading():
    """Who may import is checked before a byte of the upload is read: a login that may not import cannot make the
    server parse a file."""
    if request.endpoint == "imports.import_roster":
        require_capability(acting_user(), CAPABILITY.get(request.view_args["kind"], "import_rosters"))


class ImportArgs(Schema):
    # Text, not Boolean: every 422 of this endpoint is then the import report its clients parse.
    dry_run = fields.String(load_default="0", metadata={"description": "1: check only, write nothing"})


class ImportError_(Schema):
    row = fields.Integer(metadata={"description": "as the spreadsheet shows it: the header is row 1"})
    column = fields.String()
    message = fields.String()


class Reconciled(Schema):
    row = fields.Integer(allow_none=True, metadata={"description": "the list's row, when it is from the list"})
    household_id = fields.Integer(allow_none=True, metadata={"description": "when registered"})
    head_name = fields.String()
    id_number_masked = fields.String()
    township = fields.String(allow_none=True)
    village = fields.String(allow_none=True)
    monitoring_status = fields.String()
    left_on = fields.String()
    monitored_since = fields.String()


class ImportReport(Schema):
    dry_run = fields.Boolean()
    rows = fields.Integer()
    created = fields.Integer()
    updated = fields.Integer()
    unchanged = fields.Integer()
    errors = fields.List(fields.Nested(ImportError_))
    # The monitoring list only: who leaves, who enters (again), and who is on one side only.
    leaving = fields.List(fields.Nested(Reconciled))
    entering = fields.List(fields.Nested(Reconciled))
    only_in_list = fields.List(fields.Nested(Reconciled), metadata={"description": "listed, not registered"})
    only_in_registry = fields.List(fields.Nested(Reconciled), metadata={
        "description": "registered and monitored in the list's townships, not listed"})


@blueprint.route("/imports/<any(households, facilities, staff, water_tests, visits, tasks, monitoring):kind>", methods=["POST"])
@blueprint.arguments(ImportArgs, location="query")
@blueprint.arguments(UploadSchema, location="files")
@blueprint.response(200, ImportReport)
@blueprint.alt_response(422, schema=ImportReport, description="some rows are bad: the report lists them, nothing written")
@blueprint.alt_response(413, response="DEFAULT_ERROR", description="the file, or what it unpacks to, is too large")
def import_roster(args, files, kind):
    """Import a roster (.xlsx or .csv, UTF-8 or GB18030): checked whole first, written only when every row is good."""
    upload = files.get("file")
    data = upload.stream.read(current_app.config["IMPORT_MAX_BYTES"] + 1) if upload else b""
    if len(data) > current_app.config["IMPORT_MAX_BYTES"]:
        raise PayloadTooLarge("file.too_large", megabytes=current_app.config["IMPORT_MAX_BYTES"] // 1024 // 1024)
    dry_run = args["dry_run"].strip().lower() in ("1", "true", "yes", "on")
    report = run_import(db.session, acting_user(), kind, upload.filename if upload else "", data, dry_run,
                        current_context())
    return report, (422 if report["errors"] else 200)


@blueprint.route("/imports/<any(households, facilities, staff, water_tests, visits, tasks, monitoring):kind>/template.xlsx",
                 methods=["GET"])
@blueprint.response(200, description="an empty roster with the canonical headers",
                    content_type=XLSX)
def template(kind):
    """The roster template: the canonical Chinese headers, ready to fill in."""
    return spreadsheet_file(template_xlsx(kind), f"{kind}-template", "xlsx")
