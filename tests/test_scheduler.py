"""The scheduler: catching up once after downtime, settings changes, failures, one active process."""
import os
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import func, select, text

from models import JobRun, db
from schedules import jobs as job_catalogue
from schedules.runner import build_scheduler, execute, sync_jobs

from .conftest import flask_cli

ROOT = Path(__file__).resolve().parent.parent


def runs(name: str) -> int:
    count = db.session.scalar(select(func.count()).select_from(JobRun).where(JobRun.name == name, JobRun.ok))
    db.session.commit()  # never hold a transaction (on SQLite, a write lock) while the scheduler works
    return count


def stored_next_run(name: str) -> float:
    """When the job store says job `name` runs next (seconds since the epoch)."""
    db.session.rollback()
    return db.session.scalar(text("SELECT next_run_time FROM apscheduler_jobs WHERE id = :id"), {"id": name})


def wait_for(predicate, seconds=15.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


class StoreOnly(BackgroundScheduler):
    """A scheduler that writes its job store but never runs a job (to set the store up for a test)."""

    def _process_jobs(self):
        return None


def store_overdue_job(app, name: str, days_late: int) -> None:
    """Leave the job store as a scheduler that has been down for `days_late` days would find it."""
    scheduler = build_scheduler(app, StoreOnly)
    scheduler.start(paused=True)
    sync_jobs(scheduler, app.config)
    scheduler.modify_job(name, next_run_time=datetime.now(timezone.utc) - timedelta(days=days_late))
    scheduler.shutdown(wait=False)


def test_a_scheduler_that_was_down_runs_a_missed_job_once(app):
    db.session.commit()
    store_overdue_job(app, "plan_deliveries", days_late=3)
    scheduler = build_scheduler(app)
    scheduler.start(paused=True)
    sync_jobs(scheduler, app.config)
    scheduler.resume()
    try:
        assert wait_for(lambda: runs("plan_deliveries") >= 1)
        # Once its next run is in the future the scheduler cannot run it again: no waiting to see that it does not.
        assert wait_for(lambda: scheduler.get_job("plan_deliveries").next_run_time > datetime.now(timezone.utc))
        next_run = scheduler.get_job("plan_deliveries").next_run_time
    finally:
        scheduler.shutdown(wait=True)
    assert runs("plan_deliveries") == 1
    assert next_run > datetime.now(timezone.utc)
    assert runs("mark_missed") == 0


def test_changed_settings_reschedule_and_unchanged_ones_keep_the_next_run(app):
    db.session.commit()
    store_overdue_job(app, "mark_missed", days_late=1)
    scheduler = build_scheduler(app)
    scheduler.start(paused=True)
    try:
        overdue = scheduler.get_job("mark_missed").next_run_time
        sync_jobs(scheduler, app.config)
        assert scheduler.get_job("mark_missed").next_run_time == overdue
        sync_jobs(scheduler, {**app.config, "PLAN_DELIVERIES_AT": "04:45"})
        job = scheduler.get_job("plan_deliveries")
        assert job.next_run_time.astimezone(job.trigger.timezone).strftime("%H:%M") == "04:45"
        assert scheduler.get_job("mark_missed").next_run_time == overdue
        assert {job.misfire_grace_time for job in scheduler.get_jobs()} == {24 * 3600}
        assert all(job.coalesce for job in scheduler.get_jobs())
    finally:
        scheduler.shutdown(wait=False)


def test_a_failing_job_is_recorded(app, monkeypatch):
    def broken(session, context):
        raise ValueError("boom")

    monkeypatch.setitem(job_catalogue.JOBS, "broken", job_catalogue.Job("fails", broken))
    with pytest.raises(RuntimeError, match="boom"):
        execute(db.session, "broken", app.config)
    run = db.session.scalars(select(JobRun).where(JobRun.name == "broken")).one()
    assert run.ok is False and "boom" in run.result


def test_jobs_run_and_healthz_report(app, client, world):
    result = flask_cli(app, "jobs", "run", "plan_deliveries")
    assert result.exit_code == 0 and "plan_deliveries: 0" in result.output
    health = client.get("/healthz").json
    assert "plan_deliveries" in health["scheduler"]["last_success"]


def _start(env, log_path):
    log = open(log_path, "w")
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "scheduler"], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT)


def test_two_scheduler_processes_run_a_job_once(app, tmp_path):
    db.session.commit()
    store_overdue_job(app, "plan_deliveries", days_late=2)
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "SECRET_KEY": "test-secret-key",
           "ID_NUMBER_KEY": "test-id-number-key", "PYTHONUNBUFFERED": "1"}
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    first = _start(env, logs[0])
    try:
        assert wait_for(lambda: "scheduler active" in logs[0].read_text(), 30), logs[0].read_text()
        second = _start(env, logs[1])
        try:
            assert wait_for(lambda: "scheduler standby" in logs[1].read_text(), 30), logs[1].read_text()
            assert wait_for(lambda: runs("plan_deliveries") == 1)
            first.terminate()
            first.wait(20)
            assert wait_for(lambda: "scheduler active" in logs[1].read_text(), 30), logs[1].read_text()
            # The standby took over a store whose next run is in the future: it has nothing to catch up on.
            assert stored_next_run("plan_deliveries") > time.time()
            assert runs("plan_deliveries") == 1
        finally:
            second.terminate()
            second.wait(20)
    finally:
        if first.poll() is None:
            first.kill()
    assert first.returncode == 0 and second.returncode == 0


def retired_entry_point(name: str):
    """Stands for the entry point an older release stored (deleted before the scheduler starts again)."""


def test_jobs_stored_under_a_retired_entry_point_are_stored_again(app, monkeypatch):
    db.session.commit()
    scheduler = build_scheduler(app, StoreOnly)
    scheduler.start(paused=True)
    for name, job in job_catalogue.JOBS.items():
        scheduler.add_job(f"{__name__}:retired_entry_point", job.trigger(app.config), args=[name], id=name, name=name)
    scheduler.shutdown(wait=False)
    monkeypatch.delattr(sys.modules[__name__], "retired_entry_point")
    scheduler = build_scheduler(app, StoreOnly)
    scheduler.start(paused=True)
    try:
        sync_jobs(scheduler, app.config)
        assert {job.func_ref for job in scheduler.get_jobs()} == {"schedules.runner:run_stored_job"}
        assert {job.id for job in scheduler.get_jobs()} == set(job_catalogue.JOBS)
    finally:
        scheduler.shutdown(wait=False)


def test_a_job_whose_commit_fails_is_still_recorded(app, monkeypatch):
    from sqlalchemy.exc import IntegrityError

    from models import Township

    def duplicate(session, context):
        session.add_all([Township(name="甲镇", code="X1"), Township(name="乙镇", code="X1")])  # the code is unique

    monkeypatch.setitem(job_catalogue.JOBS, "duplicate", job_catalogue.Job("fails at commit", duplicate))
    with pytest.raises(RuntimeError, match="IntegrityError"):
        execute(db.session, "duplicate", app.config)
    run = db.session.scalars(select(JobRun).where(JobRun.name == "duplicate")).one()
    assert run.ok is False and IntegrityError.__name__ in run.result
    assert db.session.scalar(select(func.count()).select_from(Township).where(Township.code == "X1")) == 0
