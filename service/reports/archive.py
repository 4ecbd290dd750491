"""The township's inspection archive (迎检档案): one ZIP of PDFs and signed scans, with a SHA-256 manifest."""
import csv
import hashlib
import io
import json
import logging
import os
import threading
import time
import uuid
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Callable, Iterable, Iterator
from zoneinfo import ZoneInfo

from models import db

from ..context import thresholds
from ..domain.catalogue import say
from ..domain.needs_delivery import Thresholds
from ..domain.reports import (agreement_sheets, archive_agreements, archive_households, check_period,
                              household_records, register_verification, township_summary, verification_code,
                              water_test_report)
from ..domain.scope import Scope
from ..domain.text import file_name_part
from ..tasks import TaskQueue, task_queue
from ..unit_of_work import UnitOfWork
from .pdf import KeptPdfs, PdfRenderer, render_many, renderer_for, templates_release
from .render import record_html, verify_url

log = logging.getLogger(__name__)
_building: set[str] = set()
_building_lock = threading.Lock()


@dataclass(frozen=True)
class ArchiveSettings:
    """What building an archive needs to know, read from the settings before it starts (a background build
    runs in a thread of its own, where nothing should depend on which request started it)."""

    thresholds: Thresholds
    zone: ZoneInfo
    upload_root: Path
    workers: int  # processes rendering PDFs
    base_url: str | None  # where the printed QR codes lead
    renderer: PdfRenderer
    today: date  # the printing date (planned days after it are not yet due)
    kept: KeptPdfs  # records rendered before, by the fingerprint of what they print
    queue: TaskQueue | None = None  # with a broker, the worker hosts render instead of `workers` processes here

    @classmethod
    def of(cls, app, base_url: str | None = None) -> "ArchiveSettings":
        """The app's settings; PdfUnavailable at once when no Chinese font is installed."""
        kept = KeptPdfs(app.config["ARCHIVE_PDF_CACHE_DIR"], templates_release(app),
                        app.config["ARCHIVE_PDF_CACHE_MB"] * 1024 * 1024)
        return cls(thresholds(app.config), ZoneInfo(app.config["APP_TIMEZONE"]), Path(app.config["UPLOAD_DIR"]),
                   app.config["PDF_WORKERS"] or os.cpu_count() or 1, base_url, renderer_for(app),
                   datetime.now(timezone.utc).astimezone(ZoneInfo(app.config["APP_TIMEZONE"])).date(), kept,
                   task_queue(app))

    def render_many(self, pages: Iterable[str]) -> Iterator[bytes]:
        """The PDF of each HTML document of `pages`, in order: on the worker hosts, or on this host's cores."""
        return self.queue.render_many(pages) if self.queue else render_many(self.renderer, pages, self.workers)


def build_archive(session, scope: Scope, township_id: int, date_from: date, date_to: date, target,
                  settings: ArchiveSettings, progress: Callable[[int, int], None] = lambda done, total: None):
    """Write the archive ZIP to `target` (a path or file object); `progress(done, total)` after each file.
    The verification codes of its pages are added to the session (the caller's unit of work commits them)."""
    check_period(date_from, date_to)
    summary = township_summary(session, scope, township_id, date_from, date_to, settings.thresholds, settings.zone)
    tests = water_test_report(session, scope, township_id, date_from, date_to)
    households = archive_households(session, township_id, date_from, date_to)
    agreements = archive_agreements(session, households, date_from, date_to)
    records = household_records(session, households, date_from, date_to, settings.zone, settings.today)
    documents = [("00-汇总.pdf", summary, "township summary"), ("01-水质检测.pdf", tests, "water tests")]
    documents += [(f"送水记录/{file_name_part(r['household']['village'])}-{file_name_part(r['household']['head_name'])}"
                   f"-{int(r['household']['id'])}.pdf", r, "household delivery record") for r in records]
    documents += [(f"送水协议/协议{sheet['subject_id']}.pdf", sheet, "agreement sheet")
                  for sheet in agreement_sheets(session, agreements)]
    scans = [(f"协议扫描件/协议{a.id}{Path(a.scan_path).suffix}", a.scan_path) for a in agreements if a.scan_path]
    total = len(documents) + len(scans)
    # A record printed before with the same data is taken as it was; only the others are rendered (in order).
    qr_base = verify_url("", settings.base_url)
    keys = [settings.kept.key(verification_code(record), record["kind"], qr_base) for _, record, _ in documents]
    for _, record, _ in documents:
        register_verification(session, record)
    missing = [index for index, key in enumerate(keys) if not settings.kept.has(key)]
    # Made as the renderers ask for them: the first records are rendered while the last are still being written.
    rendered = settings.render_many(record_html(session, documents[index][1], settings.base_url, settings.zone)
                                    for index in missing)
    manifest = []
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        def add(name: str, data: bytes, what: str):
            archive.writestr(name, data)
            manifest.append((name, hashlib.sha256(data).hexdigest(), len(data), what))
            progress(len(manifest), total)

        wanted = set(missing)
        for index, (name, record, what) in enumerate(documents):
            pdf = next(rendered) if index in wanted else settings.kept.get(keys[index])
            if pdf is None:  # deleted since it was looked for
                pdf = settings.renderer.render(record_html(session, record, settings.base_url, settings.zone))
                wanted.add(index)
            if index in wanted:
                settings.kept.put(keys[index], pdf)
            add(name, pdf, what)
        for name, path in scans:
            try:
                data = (settings.upload_root / path).read_bytes()
            except OSError:  # the archive still goes out; the manifest says what is missing
                manifest.append((name, "", 0, f"signed scan missing ({say('archive.scan_missing')})"))
                progress(len(manifest), total)
                continue
            add(name, data, "signed scan")
        lines = io.StringIO()
        writer = csv.writer(lines)
        writer.writerow(["file", "sha256", "bytes", "content"])
        writer.writerows(manifest)
        archive.writestr("manifest.csv", lines.getvalue().encode("utf-8-sig"))
    settings.kept.prune()
    return manifest


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
