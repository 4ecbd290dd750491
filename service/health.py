from flask import Blueprint
from sqlalchemy import text

from models import db

blueprint = Blueprint("health", __name__)


@blueprint.route("/healthz")
def healthz():
    """200 when the database answers and its schema is migrated; 503 otherwise."""
    try:
        revision = db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()
        database = {"ok": revision is not None, "dialect": db.engine.dialect.name, "revision": revision}
    except Exception as exc:  # any driver error means "not healthy", which is the answer itself
        db.session.rollback()
        database = {"ok": False, "dialect": db.engine.dialect.name, "error": type(exc).__name__}
    ok = database["ok"]
    return {"status": "ok" if ok else "unavailable", "database": database,
            "scheduler": {"state": "not_configured"}}, (200 if ok else 503)
