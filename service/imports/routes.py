from flask import Response, current_app, request
from flask_smorest import Blueprint
from marshmallow import fields
from sqlalchemy.orm import selectinload

from models import Facility, Household, Staff, db

from ..api_common import limit_json_body, Schema, UploadSchema
from ..auth import acting_scope, acting_user, require_bearer_user
from ..context import current_context, current_thresholds
from ..domain import imports
from ..domain.needs_delivery import household_reasons
from ..domain.catalogue import label
from ..domain.tables import XLSX, write_csv, write_xlsx
from ..domain.errors import FieldErrors, PayloadTooLarge
from ..domain.permissions import require_capability
from ..facilities.routes import collection as facilities
from ..facilities.schemas import FacilityArgs
from ..households.routes import collection as households
from ..households.schemas import HouseholdArgs
from ..staff.routes import collection as staff
from ..staff.schemas import StaffArgs
from .runner import CAPABILITY, run_import, template_xlsx

blueprint = Blueprint("imports", __name__, url_prefix="/api/v1", description="导入导出 Rosters: import, export")
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


class ImportReport(Schema):
    dry_run = fields.Boolean()
    rows = fields.Integer()
    created = fields.Integer()
    updated = fields.Integer()
    unchanged = fields.Integer()
    errors = fields.List(fields.Nested(ImportError_))


@blueprint.route("/imports/<any(households, facilities, staff, water_tests, visits, tasks):kind>", methods=["POST"])
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


def _file(data: bytes, name: str, fmt: str) -> Response:
    mimetype = "text/csv" if fmt == "csv" else XLSX
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f"attachment; filename={name}.{fmt}"
    return response


@blueprint.route("/imports/<any(households, facilities, staff, water_tests, visits, tasks):kind>/template.xlsx",
                 methods=["GET"])
@blueprint.response(200, description="an empty roster with the canonical headers",
                    content_type=XLSX)
def template(kind):
    """The roster template: the canonical Chinese headers, ready to fill in."""
    return _file(template_xlsx(kind), f"{kind}-template", "xlsx")


def household_rows(items, thresholds):
    headers = [c.header for c in imports.HOUSEHOLD_COLUMNS] + ["需送水", "需送水原因", "计算距离(米)"]
    rows = []
    for h in items:
        reasons = household_reasons(h, thresholds)
        rows.append([h.township.name, h.village.name, h.head_name, h.id_number_masked, h.phone, h.members,
                     "是" if h.self_care else "否", h.lat, h.lon, None if h.distance_computed else h.distance_m,
                     h.vertical_m, h.round_trip_min, label("water_source", h.water_source) if h.water_source else None,
                     label("monitoring_type", h.monitoring_type) if h.monitoring_type else None, h.id,
                     "是" if reasons else "否", "、".join(label("reason", r, thresholds) for r in reasons),
                     h.distance_m if h.distance_computed else None])
    return headers, rows


def facility_rows(items, thresholds):
    headers = [c.header for c in imports.FACILITY_COLUMNS]
    return headers, [[f.township.name, f.village.name, label("kind", f.kind), f.name, f.code,
                      label("ownership", f.ownership), label("facility_status", f.status),
                      f.household.id_number_masked if f.household else None, f.manager.phone if f.manager else None,
                      f.responsible_unit, f.yield_m3_day, f.lat, f.lon, f.last_cleaned_on,
                      label("supply_class", f.supply_class) if f.supply_class else None,
                      "是" if f.chlorinated else "否"] for f in items]


def staff_rows(items, thresholds):
    headers = [c.header for c in imports.STAFF_COLUMNS]
    return headers, [[s.name, s.phone, label("staff_role", s.role), s.township.name if s.township else None,
                      s.village.name if s.village else None] for s in items]


EXPORTS = {
    "households": (households, HouseholdArgs, household_rows,
                   (selectinload(Household.township), selectinload(Household.village),
                    selectinload(Household.water_source_facility))),
    "facilities": (facilities, FacilityArgs, facility_rows,
                   (selectinload(Facility.township), selectinload(Facility.village),
                    selectinload(Facility.household), selectinload(Facility.manager))),
    "staff": (staff, StaffArgs, staff_rows, (selectinload(Staff.township), selectinload(Staff.village))),
}


@blueprint.route("/<any(households, facilities, staff):kind>/export.<any(xlsx, csv):fmt>", methods=["GET"])
@blueprint.response(200, description="the records in the caller's scope matching the list filters",
                    content_type="application/octet-stream")
def export(kind, fmt):
    """Export to .xlsx or .csv with the list's filters, inside the caller's scope (ID numbers masked)."""
    collection, args_schema, to_rows, options = EXPORTS[kind]
    try:
        args = args_schema().load({k: v for k, v in request.args.items() if k not in ("page", "per_page")})
    except Exception as exc:  # a marshmallow ValidationError: the filters' own messages
        raise FieldErrors(getattr(exc, "messages", {"query": [str(exc)]})) from None
    items = db.session.scalars(collection.query(acting_scope(), args).options(*options)
                               .order_by(collection.model.id)).all()
    headers, rows = to_rows(items, current_thresholds())
    data = write_xlsx(headers, rows) if fmt == "xlsx" else write_csv(headers, rows)
    return _file(data, kind, fmt)
