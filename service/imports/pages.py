from flask import Blueprint, Response, current_app, render_template, request
from flask_login import login_required

from models import db

from ..auth import acting_user
from ..context import current_context
from ..i18n import locale, tell
from ..domain.catalogue import labels
from ..domain.errors import PayloadTooLarge
from ..domain.permissions import require_capability
from .runner import run_import, template_xlsx

blueprint = Blueprint("imports_pages", __name__)
KINDS = tuple(labels("import_kind"))


@blueprint.route("/imports/<any(households, facilities, staff, water_tests, visits, tasks, monitoring):kind>/template.xlsx")
@login_required
def template(kind):
    response = Response(template_xlsx(kind),
                        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response.headers["Content-Disposition"] = f"attachment; filename={kind}-template.xlsx"
    return response


@blueprint.route("/imports", methods=["GET", "POST"])
@login_required
def index():
    """Upload a roster, see the report: every bad row with its column; nothing written unless all are good."""
    if request.method == "POST":  # before the upload is read
        require_capability(acting_user(), "import_rosters")
    report, refused, kind = None, None, request.form.get("kind", "households")
    if request.method == "POST" and kind in KINDS:
        upload = request.files.get("file")
        data = upload.stream.read(current_app.config["IMPORT_MAX_BYTES"] + 1) if upload else b""
        try:
            if len(data) > current_app.config["IMPORT_MAX_BYTES"]:
                megabytes = current_app.config["IMPORT_MAX_BYTES"] // 1024 // 1024
                raise PayloadTooLarge("file.too_large", megabytes=megabytes)
            report = run_import(db.session, acting_user(), kind, upload.filename if upload else "", data,
                                request.form.get("dry_run") == "1", current_context())
        except PayloadTooLarge as exc:
            refused = tell(exc.message)
    status = 413 if refused else 422 if report and report["errors"] else 200
    return render_template("imports/index.html", kinds=labels("import_kind", locale()), kind=kind, report=report, refused=refused), status
