"""The scheduler process: APScheduler with a persistent job store, one active process at a time.

Only the holder of a lock runs jobs (PostgreSQL: a session advisory lock on its own autocommit connection;
SQLite: an exclusive lock on a file beside the database), so standby processes can wait safely. Jobs
coalesce with a generous misfire grace, so a scheduler that was down runs each missed job once on return.
"""
import fcntl
import logging
import os
import signal
import socket
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import delete
from sqlalchemy.engine import make_url

from models import JobRun, SchedulerHeartbeat, db, utcnow
from service.context import build_context
from service.tasks import ForgedMessage, TaskQueue, task_queue
from service.unit_of_work import UnitOfWork

from .jobs import JOBS

log = logging.getLogger(__name__)
ADVISORY_LOCK_KEY = 0x5A7E_0001  # "safe water", scheduler
_app = None  # the app jobs run in; APScheduler stores only the textual reference STORED_ENTRY_POINT
STORED_ENTRY_POINT = "schedules.runner:run_stored_job"


def execute(session, name: str, config, now: datetime | None = None):
    """Run job `name` now as one unit of work and record the run (ok or not) in job_runs."""
    now = now or utcnow()
    run = JobRun(name=name, started_at=now)
    try:
        with UnitOfWork(session):
            result = JOBS[name].run(session, build_context(config, now))
        run.ok, run.result = True, str(result)
    except Exception as exc:
        run.ok, run.result = False, f"{type(exc).__name__}: {exc}"[:2000]
        log.exception("job %s failed", name)
    with UnitOfWork(session):
        run.finished_at = utcnow()
        session.add(run)
        # Frequent jobs (the outbox every few seconds) would fill the table: keep a month of runs.
        session.execute(delete(JobRun).where(JobRun.name == name, JobRun.started_at < now - timedelta(days=30)))
    if not run.ok:
        raise RuntimeError(f"job {name} failed: {run.result}")
    return result


def run_stored_job(name: str):
    """The entry point the job store keeps for every job: run here, or sent to the worker hosts when a task
    queue takes it (BROKER_JOBS)."""
    queue = task_queue(_app)
    if queue is not None and name in queue.jobs:
        job_actor(_app, queue).send(queue.seal.close(name))
        return "sent to the worker hosts"
    with _app.app_context():
        try:
            return execute(db.session, name, _app.config)
        finally:
            db.session.remove()


# A run is stopped after JOB_SECONDS; its lock across hosts lasts longer, so that it is always released by the run
# that holds it (a host that died releases it when it expires). A tick not taken up within a few minutes is dropped
# (no worker host running): the next one will do.
JOB_SECONDS = 600
JOB_LOCK_SECONDS = JOB_SECONDS + 60
JOB_MESSAGE_MAX_AGE_SECONDS = 300


def job_actor(app, queue: TaskQueue):
    """The actor that runs a scheduled job on a worker host, one run of a job at a time across all hosts (a second
    drain beside a running one would break the outbox's rate limit); a run that finds its job running is dropped,
    the next tick brings another. Its message is sealed (service.tasks.Seal) and names one of the jobs this
    deployment sends to worker hosts (BROKER_JOBS): anything else is refused, not run."""

    def run_job(sealed: str):
        name = queue.seal.open(sealed)
        if name not in JOBS or name not in queue.jobs:
            raise ForgedMessage(f"not a job the worker hosts run: {str(name)[:40]}")
        with queue.one_at_a_time(f"job:{name}", JOB_LOCK_SECONDS).acquire(raise_on_failure=False) as acquired:
            if not acquired:
                return None
            with app.app_context():
                try:
                    return str(execute(db.session, name, app.config))
                finally:
                    db.session.remove()

    return queue.declare("run_job", run_job, queue_name="jobs", max_retries=0, time_limit=JOB_SECONDS * 1000,
                         max_age=JOB_MESSAGE_MAX_AGE_SECONDS * 1000, throws=(ForgedMessage,))


def build_scheduler(app, scheduler_class=BackgroundScheduler):
    """A scheduler on the app's database, with catch-up-once defaults; not started."""
    global _app
    _app = app
    with app.app_context():
        engine = db.engine
    grace = int(app.config["SCHEDULER_MISFIRE_GRACE_HOURS"] * 3600)
    return scheduler_class(
        jobstores={"default": SQLAlchemyJobStore(engine=engine)},
        job_defaults={"coalesce": True, "misfire_grace_time": grace, "max_instances": 1},
        timezone=ZoneInfo(app.config["APP_TIMEZONE"]),
    )


def sync_jobs(scheduler, config) -> None:
    """Store each job with its trigger from settings; a job whose trigger is unchanged keeps its next run
    time, so that a run missed while the scheduler was down still happens (once) on start."""
    for name, job in JOBS.items():
        trigger = job.trigger(config)
        try:
            existing = scheduler.get_job(name)
        except LookupError:  # stored by an older release under an entry point that no longer exists
            existing = None
        if existing is None or repr(existing.trigger) != repr(trigger) or existing.func_ref != STORED_ENTRY_POINT:
            scheduler.add_job(STORED_ENTRY_POINT, trigger, args=[name], id=name, name=name,
                              replace_existing=True)
    for stored in scheduler.get_jobs():
        if stored.id not in JOBS:
            scheduler.remove_job(stored.id)


def beat(app) -> None:
    """Record that the active scheduler is alive (one row), for /healthz."""
    with app.app_context():
        try:
            with UnitOfWork():
                heartbeat = db.session.get(SchedulerHeartbeat, 1) or SchedulerHeartbeat(id=1)
                heartbeat.beat_at, heartbeat.holder = utcnow(), f"{socket.gethostname()}:{os.getpid()}"[:100]
                db.session.add(heartbeat)
        except Exception:  # a missed beat shows in /healthz; the scheduler itself goes on
            log.exception("scheduler heartbeat failed")
        finally:
            db.session.remove()


class SchedulerLock:
    """The single-active-scheduler lock, held for as long as this object lives."""

    def __init__(self, database_url: str, instance_path: str):
        url = make_url(database_url)
        self.url, self.instance_path = url, instance_path
        self.connection = self.file = None

    def try_acquire(self) -> bool:
        if self.url.get_backend_name() == "postgresql":
            if self.connection is None:
                dsn = self.url.set(drivername="postgresql").render_as_string(hide_password=False)
                self.connection = psycopg.connect(dsn, autocommit=True)
            return self.connection.execute("SELECT pg_try_advisory_lock(%s)", (ADVISORY_LOCK_KEY,)).fetchone()[0]
        if self.file is None:
            path = Path(self.url.database or self.instance_path + "/memory").with_suffix(".scheduler.lock")
            self.file = open(path, "w")  # noqa: SIM115 - held open on purpose
        try:
            fcntl.flock(self.file, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False

    def still_held(self) -> bool:
        """False when the PostgreSQL session holding the lock is gone (then another process may hold it)."""
        if self.connection is None:
            return True
        try:
            self.connection.execute("SELECT 1")
            return True
        except psycopg.Error:
            return False


def run_scheduler(app, poll_seconds: float = 1.0, stop: threading.Event | None = None) -> int:
    """Wait for the lock, then run the scheduler until stopped or the lock is lost; returns an exit code."""
    stop = stop or threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    lock = SchedulerLock(app.config["SQLALCHEMY_DATABASE_URI"], app.instance_path)
    announced = False
    while not lock.try_acquire():
        if not announced:
            log.warning("scheduler standby: another scheduler process is active")
            print("scheduler standby", flush=True)
            announced = True
        if stop.wait(poll_seconds):
            return 0
    scheduler = build_scheduler(app)
    scheduler.start(paused=True)
    sync_jobs(scheduler, app.config)
    scheduler.resume()
    print(f"scheduler active at {datetime.now(timezone.utc).isoformat()}", flush=True)
    beat(app)
    last_beat = time.monotonic()
    try:
        while not stop.wait(poll_seconds):
            if not lock.still_held():
                log.error("scheduler lock lost; stopping so that a standby can take over")
                return 1
            if time.monotonic() - last_beat >= app.config["SCHEDULER_HEARTBEAT_SECONDS"]:
                beat(app)
                last_beat = time.monotonic()
        return 0
    finally:
        scheduler.shutdown(wait=True)
