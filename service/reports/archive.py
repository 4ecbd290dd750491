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
from datetime import date
from pathlib import Path
from typing import Callable

from flask import current_app
from sqlalchemy import func, or_, select

from models import Agreement, Case, Delivery, DeliveryCorrection, Household, Staff, Township, Village, db

from ..clock import current_thresholds, local_zone
from ..domain.reports import agreement_sheet, check_period, household_records, township_summary
from ..domain.scope import Scope
from ..text import file_name_part
from ..uploads import upload_root
from .pdf import render_many, renderer_for
from .render import record_html

log = logging.getLogger(__name__)
_building: set[str] = set()
_building_lock = threading.Lock()


def data_version(session, township_id: int, date_from: date, date_to: date) -> str:
    """A fingerprint of what the archive would contain, so a cached archive is never served stale."""
    in_township = Household.township_id == township_id
    deliveries = session.execute(
        select(func.count(), func.max(Delivery.id), func.max(Delivery.logged_at), func.max(Delivery.confirmed_at))
        .join(Household, Household.id == Delivery.household_id)
        .where(in_township, Delivery.scheduled_for >= date_from, Delivery.scheduled_for <= date_to)).one()
    corrections = session.execute(select(func.count(), func.max(DeliveryCorrection.id))
                                  .join(Delivery, Delivery.id == DeliveryCorrection.delivery_id)
                                  .join(Household, Household.id == Delivery.household_id).where(in_township)).one()
    changed = session.execute(select(func.max(Household.updated_at), func.count()).where(in_township)).one()
    agreements = session.execute(select(func.max(Agreement.updated_at), func.count()).join(Household)
                                 .where(in_township)).one()
    cases = session.execute(select(func.max(Case.updated_at), func.count()).where(Case.township_id == township_id)).one()
    # Names printed on the pages: villages, the township, staff.
    names = session.execute(select(func.max(Village.updated_at), func.max(Township.updated_at))
                            .join(Township, Township.id == Village.township_id)
                            .where(Village.township_id == township_id)).one()
    staff = session.execute(select(func.max(Staff.updated_at)).where(Staff.township_id == township_id)).one()
    return hashlib.sha256(repr((deliveries, corrections, changed, agreements, cases, names, staff))
                          .encode()).hexdigest()[:16]


def archive_households(session, township_id: int, date_from: date, date_to: date) -> list[Household]:
    """Households with a delivery in the period or an agreement overlapping it."""
    delivered = select(Delivery.household_id).where(Delivery.scheduled_for >= date_from,
                                                    Delivery.scheduled_for <= date_to)
    agreed = select(Agreement.household_id).where(Agreement.status != "draft", Agreement.start_on <= date_to,
                                                  or_(Agreement.end_on.is_(None), Agreement.end_on >= date_from))
    return session.scalars(select(Household).where(
        Household.township_id == township_id, or_(Household.id.in_(delivered), Household.id.in_(agreed)))
        .order_by(Household.village_id, Household.id)).all()


def build_archive(session, scope: Scope, township_id: int, date_from: date, date_to: date, target,
                  progress: Callable[[int, int], None] = lambda done, total: None, base_url: str | None = None):
    """Write the archive ZIP to `target` (a path or file object); `progress(done, total)` after each file."""
    check_period(date_from, date_to)
    summary = township_summary(session, scope, township_id, date_from, date_to,
                               current_thresholds())
    households = archive_households(session, township_id, date_from, date_to)
    agreements = session.scalars(select(Agreement).where(
        Agreement.household_id.in_([h.id for h in households]), Agreement.status != "draft",
        Agreement.start_on <= date_to, or_(Agreement.end_on.is_(None), Agreement.end_on >= date_from))
        .order_by(Agreement.id)).all()
    records = household_records(session, households, date_from, date_to, local_zone())
    documents = [("00-汇总.pdf", summary, "township summary")]
    documents += [(f"送水记录/{file_name_part(r['household']['village'])}-{file_name_part(r['household']['head_name'])}"
                   f"-{int(r['household']['id'])}.pdf", r, "household delivery record") for r in records]
    documents += [(f"送水协议/协议{a.id}.pdf", agreement_sheet(session, scope, a.id), "agreement sheet")
                  for a in agreements]
    scans = [(f"协议扫描件/协议{a.id}{Path(a.scan_path).suffix}", a.scan_path) for a in agreements if a.scan_path]
    total = len(documents) + len(scans)
    pages = [record_html(session, record, base_url) for _, record, _ in documents]
    manifest = []
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        def add(name: str, data: bytes, what: str):
            archive.writestr(name, data)
            manifest.append((name, hashlib.sha256(data).hexdigest(), len(data), what))
            progress(len(manifest), total)

        workers = current_app.config["PDF_WORKERS"] or os.cpu_count() or 1
        for (name, _, what), pdf in zip(documents, render_many(renderer_for(current_app), pages, workers),
                                        strict=True):
            add(name, pdf, what)
        for name, path in scans:
            try:
                data = (upload_root() / path).read_bytes()
            except OSError:  # the archive still goes out; the manifest says what is missing
                manifest.append((name, "", 0, "signed scan missing (扫描件缺失，请重新上传)"))
                progress(len(manifest), total)
                continue
            add(name, data, "signed scan")
        lines = io.StringIO()
        writer = csv.writer(lines)
        writer.writerow(["file", "sha256", "bytes", "content"])
        writer.writerows(manifest)
        archive.writestr("manifest.csv", lines.getvalue().encode("utf-8-sig"))
    session.commit()  # the verification codes of every page
    return manifest


FAILURE_REASONS = {FileNotFoundError: "缺少需要打包的文件", PermissionError: "无法读写档案文件夹",
                   MemoryError: "内存不足"}


def failure_reason(error: Exception) -> str:
    """What a person is told about a failed build: a reason in Chinese, never a server path."""
    return next((reason for kind, reason in FAILURE_REASONS.items() if isinstance(error, kind)), "生成 PDF 时出错")


class ArchiveBuilds:
    """Archives built in the background, kept under instance/archives/ with a state file beside each.

    A failed build is recorded with its reason and retried with exponential backoff (on a poll after the
    wait), never on every poll; its partial file is removed.
    """

    def __init__(self, folder: Path, max_age_seconds: int, retry_base_seconds: int = 30):
        self.folder, self.max_age, self.retry_base = folder, max_age_seconds, retry_base_seconds
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
        if state and not state.get("finished") and time.time() - state.get("updated", 0) < 60:
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
