"""Roster imports as one use case for the API, the page and the CLI: read the file, check every row, write
only a clean, real import, and record for the county any row that named a resident ID registered elsewhere."""
from ..context import Context
from ..domain import imports
from ..domain.catalogue import render
from ..domain.conflicts import record_id_conflicts, refuse_while_probing
from ..domain.errors import FieldErrors, TooManyRequests
from ..domain.permissions import require_capability
from ..domain.tables import write_xlsx
from .parsing import read_table_bounded
from ..unit_of_work import UnitOfWork

IMPORTERS = {"households": imports.import_households, "facilities": imports.import_facilities,
             "staff": imports.import_staff, "water_tests": imports.import_water_tests,
             "visits": imports.import_visits, "tasks": imports.import_tasks,
             "monitoring": imports.import_monitoring}
# Tasks handed down come from the county, the city or the province; rosters from whoever keeps the registry.
CAPABILITY = {"tasks": "hand_down_case"}


def template_xlsx(kind: str) -> bytes:
    """An empty roster with the canonical Chinese headers."""
    return write_xlsx([c.header for c in imports.COLUMNS[kind] if c.field != "id"], [])


def run_import(session, actor, kind: str, filename: str, data: bytes, dry_run: bool, context: Context,
               progress=lambda n: None) -> dict:
    """The import report; PayloadTooLarge (413) when the file would inflate past the context's limits, and
    TooManyRequests when the actor has named too many IDs registered outside its scope within the hour."""
    require_capability(actor, CAPABILITY.get(kind, "import_rosters"))
    # Rows name resident IDs and phones: past the hourly limit of answers about numbers outside its scope, a user
    # imports nothing until the hour has passed (conflicts.py).
    refuse_while_probing(session, actor, context.rules.now, context.conflicts_per_hour)
    # Nothing of the request's transaction is held while the file is read (on SQLite it would be the write lock).
    session.rollback()
    try:
        rows = read_table_bounded(filename, data, context.unpack_limits)
    except FieldErrors as exc:
        return {"dry_run": dry_run, "rows": 0, "created": 0, "updated": 0, "unchanged": 0,
                "errors": [{"row": 0, "column": "file", "message": render(text)} for text in exc.errors["file"]]}
    with UnitOfWork(session) as work:
        report = IMPORTERS[kind](session, actor, rows, context.vault, context.rules, dry_run, progress)
        if report["errors"] or dry_run:
            work.discard()
    conflicts = report.pop("conflicts", [])
    if conflicts:
        with UnitOfWork(session):
            throttled = record_id_conflicts(session, actor, conflicts, "import", context.rules.now,
                                            context.conflicts_per_hour)
        if throttled:
            raise TooManyRequests("id_conflict.throttled", retry_after=3600)
    return report
