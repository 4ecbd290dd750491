from flask import Blueprint, Response, current_app, render_template, request
from flask_login import login_required

from models import db

from ..auth import acting_user
from ..clock import current_rules
from ..errors import PayloadTooLarge
from ..domain.tables import UnpackLimits
from ..households.vault import id_number_vault
from .runner import run_import, template_xlsx

blueprint = Blueprint("imports_pages", __name__)
KINDS = {"households": "监测户", "facilities": "设施", "staff": "责任人"}


@blueprint.route("/imports/<any(households, facilities, staff):kind>/template.xlsx")
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
    report, refused, kind = None, None, request.form.get("kind", "households")
    if request.method == "POST" and kind in KINDS:
        upload = request.files.get("file")
        data = upload.stream.read(current_app.config["IMPORT_MAX_BYTES"] + 1) if upload else b""
        try:
            if len(data) > current_app.config["IMPORT_MAX_BYTES"]:
                raise PayloadTooLarge(f"文件超过 {current_app.config['IMPORT_MAX_BYTES'] // 1024 // 1024} MB，请分批导入")
            report = run_import(db.session, acting_user(), kind, upload.filename if upload else "", data,
                                request.form.get("dry_run") == "1", id_number_vault(), current_rules(),
                                UnpackLimits.from_config(current_app.config),
                                current_app.config["ID_CONFLICTS_PER_HOUR"])
        except PayloadTooLarge as exc:
            refused = exc.message
    status = 413 if refused else 422 if report and report["errors"] else 200
    return render_template("imports/index.html", kinds=KINDS, kind=kind, report=report, refused=refused), status
