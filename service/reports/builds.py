"""Archives asked for over HTTP: served when kept, built in the request for a small township, otherwise built in the
background under instance/archives/ while the person waiting sees its progress."""
import hashlib
import json
import logging
import threading
import time
import uuid
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

from models import db

from ..domain.catalogue import say
from ..domain.scope import Scope
from ..unit_of_work import UnitOfWork
from .archive import ArchivePlan, ArchiveSettings, build_archive

log = logging.getLogger(__name__)
_building: set[str] = set()
_building_lock = threading.Lock()


FAILURE_REASONS = {FileNotFoundError: "archive.files_missing", PermissionError: "archive.no_access",
                   MemoryError: "archive.no_memory"}


def failure_reason(error: Exception) -> str:
    """What a person is told about a failed build: a reason in Chinese, never a server path."""
    return say(next((key for kind, key in FAILURE_REASONS.items() if isinstance(error, kind)), "archive.failed"))


class ArchiveBuilds:
    """Archives built in the background, kept under instance/archives/ with a state file beside each.

    A failed build is recorded with its reason and retried with exponential backoff (on a poll after the
    wait), never on every poll; its partial file is removed.
    """

    def __init__(self, folder: Path, max_age_seconds: int, retry_base_seconds: int = 30, quiet_seconds: float = 60):
        """`quiet_seconds`: how long a build may go without progress before another process takes it for dead
        (longer with a task queue, where a batch may wait its turn behind other archives')."""
        self.folder, self.max_age, self.retry_base = folder, max_age_seconds, retry_base_seconds
        self.quiet = quiet_seconds
        folder.mkdir(parents=True, exist_ok=True)

    def paths(self, key: str) -> tuple[Path, Path]:
        return self.folder / f"{key}.zip", self.folder / f"{key}.json"

    def ready(self, key: str) -> Path | None:
        zip_path, _ = self.paths(key)
        if zip_path.exists() and time.time() - zip_path.stat().st_mtime < self.max_age:
            return zip_path
        return None

    def progress(self, key: str) -> dict | None:
        _, state = self.paths(key)
        try:
            return json.loads(state.read_text())
        except (OSError, ValueError):
            return None

    def start(self, app, key: str, work: Callable) -> None:
        """Run `work(target, progress)` in a thread unless a build of `key` is running somewhere or failed
        too recently to be tried again."""
        state = self.progress(key) or {}
        if state and not state.get("finished") and time.time() - state.get("updated", 0) < self.quiet:
            return  # another worker is building it
        if state.get("error") and time.time() < state.get("retry_at", 0):
            return
        with _building_lock:
            if key in _building:
                return
            _building.add(key)
        attempts = state.get("attempts", 0) + 1
        zip_path, state_path = self.paths(key)

        def report(done: int, total: int, finished: bool = False, error: str | None = None):
            retry_at = time.time() + self.retry_base * 2 ** (attempts - 1) if error else None
            state_path.write_text(json.dumps({"done": done, "total": total, "finished": finished,
                                              "updated": time.time(), "error": error, "attempts": attempts,
                                              "retry_at": retry_at}))

        def run():
            partial = zip_path.with_suffix(f".{uuid.uuid4().hex}.part")
            with app.app_context():
                try:
                    with UnitOfWork():  # the verification codes of its pages
                        manifest = work(partial, report)
                    partial.replace(zip_path)
                    report(len(manifest), len(manifest), True)
                except Exception as exc:  # recorded for the person waiting; retried after the backoff
                    report(0, 0, True, failure_reason(exc))
                    log.exception("archive %s failed (attempt %d)", key, attempts)
                finally:
                    partial.unlink(missing_ok=True)
                    db.session.remove()
                    with _building_lock:
                        _building.discard(key)

        report(0, 0)
        threading.Thread(target=run, daemon=True).start()


@dataclass(frozen=True)
class ArchiveAnswer:
    """A ready archive's path, or the state of one being built (done, total, error, attempts, retry_at)."""

    path: Path | None
    state: dict


def ask_for_archive(app, session, scope: Scope, plan: ArchivePlan, settings: ArchiveSettings, builds: ArchiveBuilds,
                    sync_households: int) -> ArchiveAnswer:
    """The archive of `plan`: kept from before (same data, same QR address), built now when the township has at most
    `sync_households` households to print (on this host: a request never waits on the worker hosts' queue), or
    started in the background."""
    key = hashlib.sha256(f"{plan.township_id}:{plan.date_from}:{plan.date_to}:{plan.version}:{settings.base_url}"
                         .encode()).hexdigest()[:24]
    ready = builds.ready(key)
    if ready:
        return ArchiveAnswer(ready, {})
    if len(plan.households) <= sync_households:
        zip_path, _ = builds.paths(key)
        # Written aside and renamed once whole: a failed or concurrent build never serves half an archive.
        partial = zip_path.with_suffix(f".{uuid.uuid4().hex}.part")
        try:
            with UnitOfWork(session):  # its verification codes
                build_archive(session, scope, plan.township_id, plan.date_from, plan.date_to, partial,
                              replace(settings, queue=None), plan=plan)
            partial.replace(zip_path)
        finally:
            partial.unlink(missing_ok=True)
        return ArchiveAnswer(zip_path, {})
    # The background build reads again in a session of its own (the plan's records belong to this request's).
    builds.start(app, key, lambda target, progress: build_archive(
        db.session, scope, plan.township_id, plan.date_from, plan.date_to, target, settings, progress))
    return ArchiveAnswer(None, builds.progress(key) or {"done": 0, "total": 0})
