"""The API docs page, served with the app's own copy of Swagger UI (works offline, no CDN)."""
from pathlib import Path

import swagger_ui_bundle
from flask import Blueprint, abort, render_template, send_from_directory

blueprint = Blueprint("docs", __name__)
SWAGGER_UI = Path(swagger_ui_bundle.swagger_ui_path)
ALLOWED = {"swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "favicon-32x32.png"}


@blueprint.route("/api/v1/docs")
def api_docs():
    return render_template("api_docs.html")


@blueprint.route("/api/v1/docs/assets/<name>")
def swagger_asset(name: str):
    if name not in ALLOWED:
        abort(404)
    return send_from_directory(SWAGGER_UI, name, max_age=86400)
