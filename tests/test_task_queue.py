"""The task queue (BROKER_URL) on the real Redis at 127.0.0.1:6379: a Dramatiq worker renders an archive's PDFs, and
runs the outbox drain the scheduler sends it, one drain at a time across hosts."""
import json
import os
import time
import uuid
import zipfile
from datetime import date

import dramatiq
import pytest
import redis
from sqlalchemy import select

from models import JobRun, db
from schedules import runner
from service.domain.scope import Scope
from service.reports import archive
from service.reports.archive import ArchiveSettings, build_archive
from service.reports.builds import ArchiveBuilds
from service.tasks import task_queue

from .helpers import outbound, queue_one, text_of, year_of_deliveries

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def queue(app, monkeypatch):
    """The app's task queue on a namespace of its own, with a worker (two threads) consuming it."""
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as error:
        message = f"no Redis at {REDIS_URL} ({error}): the task queue is tested against a real one, as CI runs"
        if os.environ.get("REQUIRE_BROKER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    monkeypatch.setitem(app.config, "BROKER_URL", REDIS_URL)
    monkeypatch.setitem(app.config, "BROKER_NAMESPACE", f"water-test-{uuid.uuid4().hex[:8]}")
    app.extensions.pop("task_queue", None)
    queue = task_queue(app)
    runner.job_actor(app, queue)
    monkeypatch.setattr(runner, "_app", app)
    worker = dramatiq.Worker(queue.broker, worker_threads=2, worker_timeout=100)
    worker.start()
    yield queue
    worker.stop()
    queue.broker.flush_all()
    queue.broker.close()
    app.extensions.pop("task_queue")


def _until(condition, seconds: float = 30):
    """Wait for `condition()`, ending the test's transaction after each look (on SQLite it would hold the write lock
    the worker needs)."""
    deadline = time.monotonic() + seconds
    while not condition():
        db.session.rollback()
        assert time.monotonic() < deadline, "the worker did not finish in time"
        time.sleep(0.1)
    db.session.rollback()


def test_a_worker_renders_the_archives_pdfs(app, world, queue, tmp_path, monkeypatch):
    first, _, _ = year_of_deliveries(world, weeks=4, name_serial=1)
    second, _, _ = year_of_deliveries(world, weeks=4, name_serial=2)

    def not_here(*args, **kwargs):
        raise AssertionError("rendered in the web process although a broker is configured")

    monkeypatch.setattr(archive, "render_many", not_here)
    settings = ArchiveSettings.of(app, "https://water.example.gov.cn")
    assert settings.queue is queue
    target = tmp_path / "a.zip"
    with app.test_request_context():
        build_archive(db.session, Scope(), world.t_a.id, date(2025, 1, 1), date(2025, 2, 28), target, settings)
    db.session.commit()
    with zipfile.ZipFile(target) as made:
        records = {name: made.read(name) for name in made.namelist() if name.startswith("送水记录/")}
    assert len(records) == 2
    for household in (first, second):
        name = next(name for name in records if name.endswith(f"-{household.id}.pdf"))
        text, pages = text_of(records[name])
        assert household.head_name in text and "送水记录表" in text and pages >= 1


def test_the_scheduler_sends_the_outbox_drain_to_a_worker(app, world, queue, twilio):
    queue_one(urgent=True)
    assert runner.run_stored_job("drain_outbox") == "sent to the worker hosts"
    _until(lambda: len(twilio.accepted) == 1)
    _until(lambda: db.session.scalar(select(JobRun).where(JobRun.name == "drain_outbox")) is not None)
    run = db.session.scalar(select(JobRun).where(JobRun.name == "drain_outbox"))
    assert run.ok and "'sent': 1" in run.result
    assert [message.status for message in outbound()] == ["sent"]


def test_one_drain_at_a_time_across_hosts(app, world, queue, twilio):
    queue_one(urgent=True)
    actor = runner.job_actor(app, queue)
    with queue.one_at_a_time("job:drain_outbox", 60).acquire():  # as if another host were draining
        message = actor.send(queue.seal.close("drain_outbox"))
        # A message leaves the queue's hash only when acknowledged, after its actor returned.
        _until(lambda: queue.broker.client.hlen(f"{queue.broker.namespace}:{message.queue_name}.msgs") == 0)
        assert twilio.accepted == []
    assert [message.status for message in outbound()] == ["queued"]
    db.session.rollback()
    actor.send(queue.seal.close("drain_outbox"))
    _until(lambda: len(twilio.accepted) == 1)


def test_without_a_broker_everything_runs_here(app):
    assert app.config["BROKER_URL"] is None and task_queue(app) is None
    assert ArchiveSettings.of(app).queue is None


def test_a_small_archive_asked_for_is_rendered_in_the_request_not_queued(app, client, world, queue, monkeypatch):
    year_of_deliveries(world, weeks=4, name_serial=1)

    def not_on_the_queue(*args, **kwargs):
        raise AssertionError("a request waited on the worker hosts' queue")

    monkeypatch.setattr(type(queue), "render_many", not_on_the_queue)
    answer = client.get(f"/reports/townships/{world.t_a.id}/inspection.zip?from=2025-01-01&to=2025-02-28",
                        headers=world.headers(world.worker_a))
    assert answer.status_code == 200 and answer.mimetype == "application/zip"


def test_a_build_waiting_on_the_queue_is_not_taken_for_dead(tmp_path):
    builds = ArchiveBuilds(tmp_path, 600, quiet_seconds=660)
    _, state = builds.paths("k")
    state.write_text(json.dumps({"done": 0, "total": 0, "finished": False, "updated": time.time() - 120}))
    started = []
    builds.start(None, "k", lambda target, progress: started.append(target))
    assert started == [] and builds.progress("k")["updated"] < time.time() - 100


def test_forged_messages_on_redis_are_refused_and_nothing_personal_is_there(app, world, queue, tmp_path):
    """Anyone who can write to Redis could call an actor: a render with a link to a file, a job by name. Neither is
    sealed with the service's key, so neither runs, and the worker's log does not echo what it carried; what the
    service itself puts on Redis names nobody."""
    import logging

    from dramatiq.results import ResultFailure

    logged_records = []

    class Kept(logging.Handler):
        def emit(self, record):
            logged_records.append(self.format(record))

    kept = Kept(logging.DEBUG)
    watched = [logging.getLogger("dramatiq.worker.WorkerThread"), queue.actor("render_pdfs").logger]
    for logger in watched:
        logger.addHandler(kept)
        logger.setLevel(logging.DEBUG)
    static = queue.renderer().static_dir
    forged = ['<a rel="attachment" href="file:///etc/passwd">x</a>',
              f'<img src="file://{static}/%2E%2E/%2E%2E/instance/secret_key">']
    message = queue.actor("render_pdfs").send(forged)
    with pytest.raises(ResultFailure, match="ForgedMessage"):
        message.get_result(backend=queue.results, block=True, timeout=20_000)
    for logger in watched:
        logger.removeHandler(kept)
    logged = "\n".join(logged_records)
    assert f"render_pdfs[{message.message_id}]" in logged
    assert "etc/passwd" not in logged and "secret_key" not in logged
    # A message sealed by another service (another key) is refused too.
    from service.tasks import Seal

    other = Seal("another-secret", 600).close(forged)
    with pytest.raises(ResultFailure, match="ForgedMessage"):
        queue.actor("render_pdfs").send(other).get_result(backend=queue.results, block=True, timeout=20_000)
    # A job by name, plain or sealed, that the worker hosts are not to run.
    actor = runner.job_actor(app, queue)
    for argument in ("mark_missed", queue.seal.close("mark_missed"), queue.seal.close("no_such_job")):
        actor.send(argument)
    _until(lambda: queue.broker.client.hlen(f"{queue.broker.namespace}:jobs.msgs") == 0)  # acknowledged: done
    assert db.session.scalar(select(JobRun).where(JobRun.name == "mark_missed")) is None
    # The service's own batch renders, and Redis never held the household's name in the clear.
    household, _, _ = year_of_deliveries(world, weeks=2, name_serial=7)
    seen = []
    original = queue.broker.enqueue

    def watching(message, **kwargs):
        seen.append(json.dumps(message.asdict(), ensure_ascii=False))
        return original(message, **kwargs)

    queue.broker.enqueue = watching
    try:
        settings = ArchiveSettings.of(app, "https://water.example.gov.cn")
        with app.test_request_context():
            build_archive(db.session, Scope(), world.t_a.id, date(2025, 1, 1), date(2025, 1, 31), tmp_path / "a.zip",
                          settings)
    finally:
        queue.broker.enqueue = original
    db.session.rollback()
    assert seen and not any(household.head_name in payload for payload in seen)
    with zipfile.ZipFile(tmp_path / "a.zip") as made:
        record = next(name for name in made.namelist() if name.endswith(f"-{household.id}.pdf"))
        assert household.head_name in text_of(made.read(record))[0]
