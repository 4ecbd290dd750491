"""Benchmark: the county's whole ledger (问题台账) exported as .xlsx, against openpyxl writing the same rows.

    DATABASE_URL=... .venv/bin/python -m bench.ledger [--repeat 5]

Seeds the county data set when the database is empty (docs/operations.md, "Benchmarks"), gives a third of its
cases a progress entry and a cooperating unit (inside a transaction rolled back at the end), then times the export
as `GET /api/v1/cases/export.xlsx` does it (the cases with what the ledger prints, their rows, the workbook) next
to the baseline: openpyxl writing the very rows it wrote. The issue's bar: within 3x.
"""
import argparse

from sqlalchemy import select

from bench.common import ensure_data_set, timed_median
from models import Case, CaseEvent, Unit, db, utcnow
from service import create_app
from service.cases.routes import LEDGER_LOADED
from service.clock import local_zone
from service.domain.ledger import LEDGER_HEADERS, ledger_rows
from service.domain.tables import write_xlsx


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    app = create_app()
    with app.app_context():
        ensure_data_set()
        unit = Unit(name="县水利局（基准）", kind="department")
        db.session.add(unit)
        db.session.flush()
        ids = db.session.scalars(select(Case.id).order_by(Case.id)).all()
        db.session.execute(CaseEvent.__table__.insert(), [
            {"case_id": i, "action": "progress", "note": "已安排人员整改，本周完成", "at": utcnow()} for i in ids[::3]])
        db.session.execute(Case.cooperating_units.property.secondary.insert(),
                           [{"case_id": i, "unit_id": unit.id} for i in ids[::3]])
        db.session.flush()
        zone = local_zone()

        def export() -> bytes:
            db.session.expire_all()
            cases = db.session.scalars(select(Case).options(*LEDGER_LOADED).order_by(Case.id)).all()
            return write_xlsx(list(LEDGER_HEADERS), ledger_rows(cases, zone))

        rows = ledger_rows(db.session.scalars(select(Case).options(*LEDGER_LOADED).order_by(Case.id)).all(), zone)
        base, _ = timed_median(lambda: write_xlsx(list(LEDGER_HEADERS), rows), args.repeat, rollback=False)
        whole, data = timed_median(export, args.repeat, rollback=False)
        db.session.rollback()
        print(f"cases: {len(ids)} ({len(ids[::3])} with progress and a cooperating unit); workbook {len(data):,} bytes")
        print(f"openpyxl writing the rows (baseline): {base * 1000:8.1f} ms")
        print(f"the ledger's export:                  {whole * 1000:8.1f} ms  ({whole / base:.2f}x the baseline)")


if __name__ == "__main__":
    main()
