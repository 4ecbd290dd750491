from ..domain import imports
from ..domain.conflicts import record_id_conflicts
from ..domain.tables import UnpackLimits, read_table, write_xlsx
from ..errors import FieldErrors
from ..facilities.schemas import FacilitySchema
from ..households.schemas import HouseholdSchema
from ..staff.schemas import StaffSchema

IMPORTERS = {"households": (imports.import_households, HouseholdSchema),
             "facilities": (imports.import_facilities, FacilitySchema),
             "staff": (imports.import_staff, StaffSchema)}


def template_xlsx(kind: str) -> bytes:
    """An empty roster with the canonical Chinese headers."""
    return write_xlsx([c.header for c in imports.COLUMNS[kind] if c.field != "id"], [])


def run_import(session, actor, kind: str, filename: str, data: bytes, dry_run: bool, vault, rules,
               limits: UnpackLimits, conflicts_per_hour: int, progress=lambda n: None) -> dict:
    """Read and import a roster (API, page and CLI alike); commits only a clean, real import.
    PayloadTooLarge (413) when the file would inflate past `limits`; rows naming IDs registered outside the
    actor's scope are recorded for the county (TooManyRequests past `conflicts_per_hour`)."""
    importer, schema = IMPORTERS[kind]
    try:
        rows = read_table(filename, data, limits)
    except FieldErrors as exc:
        return {"dry_run": dry_run, "rows": 0, "created": 0, "updated": 0, "unchanged": 0,
                "errors": [{"row": 0, "column": "file", "message": text} for text in exc.errors["file"]]}
    report = importer(session, actor, rows, schema(), vault, rules, dry_run, progress)
    if report["errors"] or dry_run:
        session.rollback()
    else:
        session.commit()
    conflicts = report.pop("conflicts", [])
    if conflicts:
        record_id_conflicts(session, actor, conflicts, "import", rules.now, conflicts_per_hour)
        session.commit()
    return report
