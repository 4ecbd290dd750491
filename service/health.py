from datetime import timedelta

from flask import Blueprint, current_app
from sqlalchemy import func, select, text

from models import JobRun, SchedulerHeartbeat, db, utcnow

from .accounts.throttle import memory_storage_warning

blueprint = Blueprint("health", __name__)


def _last_runs(ok: bool) -> dict:
    rows = db.session.execute(select(JobRun.name, func.max(JobRun.finished_at)).where(JobRun.ok.is_(ok))
                              .group_by(JobRun.name))
    return {name: finished.isoformat() for name, finished in rows if finished is not None}


@blueprint.route("/healthz")
def healthz():
    """200 when the database answers, its schema is migrated and the scheduler has beaten lately, with each
    job's last run; 503 (with Retry-After) otherwise."""
    try:
        revision = db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()
        database = {"ok": revision is not None, "dialect": db.engine.dialect.name, "revision": revision}
        heartbeat = db.session.get(SchedulerHeartbeat, 1)
        stale_after = timedelta(seconds=current_app.config["SCHEDULER_STALE_SECONDS"])
        beating = heartbeat is not None and utcnow() - heartbeat.beat_at <= stale_after
        scheduler = {"ok": beating, "last_beat": heartbeat.beat_at.isoformat() if heartbeat else None,
                     "last_success": _last_runs(True), "last_failure": _last_runs(False)}
    except Exception as exc:  # any driver error means "not healthy", which is the answer itself
        database = {"ok": False, "dialect": db.engine.dialect.name, "error": type(exc).__name__}
        scheduler = {"ok": False}
    ok = database["ok"] and scheduler["ok"]
    headers = {} if ok else {"Retry-After": "30"}
    warning = memory_storage_warning(current_app.config)
    throttle = {"storage": current_app.config["RATELIMIT_STORAGE_URI"].split(":", 1)[0],
                **({"warning": warning} if warning else {})}
    return {"status": "ok" if ok else "unavailable", "database": database, "scheduler": scheduler,
            "login_throttle": throttle}, (200 if ok else 503), headers
