from flask import Blueprint
from sqlalchemy import func, select, text

from models import JobRun, db

blueprint = Blueprint("health", __name__)


def _last_runs(ok: bool) -> dict:
    rows = db.session.execute(select(JobRun.name, func.max(JobRun.finished_at)).where(JobRun.ok.is_(ok))
                              .group_by(JobRun.name))
    return {name: finished.isoformat() for name, finished in rows if finished is not None}


@blueprint.route("/healthz")
def healthz():
    """200 when the database answers and its schema is migrated, with each job's last run; 503 otherwise."""
    try:
        revision = db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()
        database = {"ok": revision is not None, "dialect": db.engine.dialect.name, "revision": revision}
        scheduler = {"last_success": _last_runs(True), "last_failure": _last_runs(False)}
    except Exception as exc:  # any driver error means "not healthy", which is the answer itself
        db.session.rollback()
        database = {"ok": False, "dialect": db.engine.dialect.name, "error": type(exc).__name__}
        scheduler = None
    ok = database["ok"]
    return {"status": "ok" if ok else "unavailable", "database": database, "scheduler": scheduler}, (200 if ok else 503)
