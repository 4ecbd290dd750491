"""The township's inspection archive (迎检档案): one ZIP of PDFs and signed scans, with a SHA-256 manifest; how an
archive asked for is served (at once, kept, or built in the background) is in builds.py."""
import csv
import hashlib
import io
import logging
import os
import threading
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Callable, Iterable, Iterator
from zoneinfo import ZoneInfo

from sqlalchemy import select

from models import CaseEvidence, Township, Village

from ..context import thresholds, upkeep
from ..domain.case_rules import Upkeep
from ..domain.catalogue import say
from ..domain.needs_delivery import Thresholds
from ..domain.archive_gaps import archive_gaps
from ..domain.signed_copies import signed_copies_of
from ..domain.inspection_archive import archive_agreements, archive_households, data_version
from ..domain.periods import check_period
from ..domain.reports import (agreement_sheets, facility_register, household_records, ledger_record, township_summary,
                              water_test_report)
from ..domain.verification import register_verification, verification_code
from ..domain.tables import write_xlsx
from ..domain.scope import Scope, get_visible
from ..domain.survey import survey_sheets
from ..domain.text import file_name_part
from ..tasks import TaskQueue, task_queue
from ..pdf import PdfRenderer, render_many, renderer_for
from .kept_pdfs import KeptPdfs, templates_release
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
    upkeep: Upkeep = Upkeep()  # when facilities are due their upkeep (the 工程管护台账)

    @classmethod
    def of(cls, app, base_url: str | None = None) -> "ArchiveSettings":
        """The app's settings; PdfUnavailable at once when no Chinese font is installed."""
        kept = KeptPdfs(app.config["ARCHIVE_PDF_CACHE_DIR"], templates_release(app),
                        app.config["ARCHIVE_PDF_CACHE_MB"] * 1024 * 1024)
        return cls(thresholds(app.config), ZoneInfo(app.config["APP_TIMEZONE"]), Path(app.config["UPLOAD_DIR"]),
                   app.config["PDF_WORKERS"] or os.cpu_count() or 1, base_url, renderer_for(app),
                   datetime.now(timezone.utc).astimezone(ZoneInfo(app.config["APP_TIMEZONE"])).date(), kept,
                   task_queue(app), upkeep(app.config))

    def render_many(self, pages: Iterable[str]) -> Iterator[bytes]:
        """The PDF of each HTML document of `pages`, in order: on the worker hosts, or on this host's cores."""
        return self.queue.render_many(pages) if self.queue else render_many(self.renderer, pages, self.workers)


@dataclass(frozen=True)
class ArchivePlan:
    """What a township's archive for a period holds, checked once: the period, the caller's scope, the households
    it prints, and the fingerprint of its data (an archive kept under another fingerprint is stale)."""

    township_id: int
    date_from: date
    date_to: date
    households: list
    version: str


def plan_archive(session, scope: Scope, township_id: int, date_from: date, date_to: date) -> ArchivePlan:
    """The plan of an archive: FieldErrors for a bad period, NotFound outside the caller's scope."""
    check_period(date_from, date_to)
    get_visible(session, Township, township_id, scope)
    return ArchivePlan(township_id, date_from, date_to, archive_households(session, township_id, date_from, date_to),
                       data_version(session, township_id, date_from, date_to))


def build_archive(session, scope: Scope, township_id: int, date_from: date, date_to: date, target,
                  settings: ArchiveSettings, progress: Callable[[int, int], None] = lambda done, total: None,
                  plan: ArchivePlan | None = None):
    """Write the archive ZIP to `target` (a path or file object); `progress(done, total)` after each file.
    The verification codes of its pages are added to the session (the caller's unit of work commits them).
    `plan`: the plan already made for it (plan_archive), so that nothing is checked or listed twice."""
    plan = plan or plan_archive(session, scope, township_id, date_from, date_to)
    summary = township_summary(session, scope, township_id, date_from, date_to, settings.thresholds, settings.zone)
    tests = water_test_report(session, scope, township_id, date_from, date_to)
    households = plan.households
    agreements = archive_agreements(session, households, date_from, date_to)
    records = household_records(session, households, date_from, date_to, settings.zone, settings.today)
    ledger = ledger_record(session, scope, township_id, date_from, date_to, settings.zone, settings.today)
    register = facility_register(session, scope, township_id, min(date_to, settings.today), settings.upkeep)
    documents = [("00-汇总.pdf", summary, "township summary"), ("01-水质检测.pdf", tests, "water tests"),
                 ("02-问题台账.pdf", ledger, "case ledger"), ("03-工程管护台账.pdf", register, "facility register")]
    documents += [(f"送水记录/{file_name_part(r['household']['village'])}-{file_name_part(r['household']['head_name'])}"
                   f"-{int(r['household']['id'])}.pdf", r, "household delivery record") for r in records]
    documents += [(f"送水协议/协议{sheet['subject_id']}.pdf", sheet, "agreement sheet")
                  for sheet in agreement_sheets(session, agreements)]
    # The 排查表 of the year the period ends in, village by village.
    villages = session.scalars(select(Village).where(Village.township_id == township_id).order_by(Village.id)).all()
    documents += [(f"排查表/{file_name_part(sheet['village']['name'])}-{sheet['village']['id']}-{date_to.year}.pdf", sheet,
                   "survey sheet") for sheet in survey_sheets(session, villages, date_to.year, settings.zone,
                                                              settings.today)]
    scans = [(f"协议扫描件/协议{a.id}{Path(a.scan_path).suffix}", a.scan_path, "signed scan")
             for a in agreements if a.scan_path]
    # Every file that shows a ledger case's problem or its fix, by the case's number.
    case_numbers = {row["id"]: row["cells"][0] for row in ledger["rows"]}
    scans += [(f"问题材料/{case_numbers[e.case_id]:03d}-问题{e.case_id}-{e.id}{Path(e.path).suffix}", e.path, "case evidence")
              for e in session.scalars(select(CaseEvidence).where(CaseEvidence.case_id.in_(list(case_numbers)))
                                       .order_by(CaseEvidence.case_id, CaseEvidence.id))]
    # 签字件: each printout signed on paper and photographed back, beside the printed one.
    signed = signed_copies_of(session, [verification_code(record) for _, record, _ in documents])
    scans += [(f"签字件/{Path(name).stem}-签字{n}{Path(copy.path).suffix}", copy.path, "signed copy")
              for name, record, _ in documents for n, copy in enumerate(signed.get(verification_code(record), []), 1)]
    total = len(documents) + len(scans) + 1
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
        add("02-问题台账.xlsx", write_xlsx(ledger["headers"], [row["cells"] for row in ledger["rows"]]), "case ledger")
        for name, path, what in scans:
            try:
                data = (settings.upload_root / path).read_bytes()
            except OSError:  # the archive still goes out; the manifest says what is missing
                note = say("archive.scan_missing")
                manifest.append((name, "", 0, f"{what} missing ({note})"))
                progress(len(manifest), total)
                continue
            add(name, data, what)
        # What the archive should hold and does not: listed as missing, in the inspector's language.
        for gap in archive_gaps(session, scope, township_id, date_from, date_to, settings.zone)["items"]:
            manifest.append((f"缺失/{gap['kind']}", "", 0,
                             say("archive_gap.missing", label=gap["label"], subject=gap["subject"])))
        lines = io.StringIO()
        writer = csv.writer(lines)
        writer.writerow(["file", "sha256", "bytes", "content"])
        writer.writerows(manifest)
        archive.writestr("manifest.csv", lines.getvalue().encode("utf-8-sig"))
    settings.kept.prune()
    return manifest
