"""Benchmark: printing records, next to WeasyPrint rendering the same HTML string directly in the same run.

    .venv/bin/python -m bench.reports [--repeat 5] [--archive-households 200]

Uses a fresh SQLite database with a one-year household record (52 weekly rows), a 500-row village month and
a township of N households for the archive, built twice (the second time its records are kept from the first).
Our overhead is the difference between the two columns.
"""
import argparse
import resource
import tempfile
from datetime import date, datetime, timedelta, timezone
from io import BytesIO

from flask import render_template
from flask_migrate import upgrade
from weasyprint import HTML

from models import Agreement, Delivery, Household, Staff, Township, User, Village, db
from bench.common import timed, timed_median
from service import create_app
from service.clock import local_today, local_zone
from service.domain import reports
from service.domain.scope import Scope
from service.domain.identity import IdNumberVault, id_check_char, mask_id_number
from service.reports.archive import ArchiveSettings, build_archive
from service.pdf import renderer_for
from service.reports.render import render_record

YEAR_START = date(2025, 1, 6)


def build_data(households: int) -> tuple[int, int]:
    """A township whose first village has `households` households with a year of weekly deliveries each."""
    vault = IdNumberVault.from_secret("bench")
    township = Township(name="城关镇", code="370101")
    db.session.add(township)
    db.session.flush()
    village = Village(township_id=township.id, name="张家村")
    db.session.add(village)
    db.session.flush()
    staff = Staff(name="刘村干", phone="+8613900000001", role="village_staff", township_id=township.id,
                  village_id=village.id)
    db.session.add(staff)
    db.session.add(User(username="admin", role="county_admin", password_hash="x"))
    db.session.flush()
    rows = []
    for serial in range(households):
        first17 = f"370101{1950 + serial % 50}0101{serial:03d}"[:17]
        number = first17 + id_check_char(first17)
        h = Household(township_id=township.id, village_id=village.id, head_name=f"户主{serial}", members=3,
                      id_number_encrypted=vault.encrypt(number), id_number_hash=vault.lookup_hash(number),
                      id_number_masked=mask_id_number(number), phone="+8613800000001", distance_m=1500)
        db.session.add(h)
        db.session.flush()
        agreement = Agreement(household_id=h.id, provider_id=staff.id, reason="distance", interval_days=7,
                              liters_per_delivery=735, start_on=YEAR_START, signed_on=YEAR_START, status="active")
        db.session.add(agreement)
        db.session.flush()
        for week in range(52):
            day = YEAR_START + timedelta(weeks=week)
            at = datetime.combine(day, datetime.min.time(), timezone.utc) + timedelta(hours=2)
            rows.append({"agreement_id": agreement.id, "household_id": h.id, "township_id": township.id,
                         "scheduled_for": day,
                         "status": "delivered", "unplanned": False, "delivered_at": at, "liters": 735,
                         "deliverer_id": staff.id, "confirmation": "confirmed", "confirmed_at": at, "logged_at": at})
    db.session.execute(db.insert(Delivery), rows)
    db.session.commit()
    return township.id, village.id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--archive-households", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.db", "ARCHIVE_DIR": folder,
                          "ARCHIVE_PDF_CACHE_DIR": f"{folder}/kept"})
        with app.app_context(), app.test_request_context():
            upgrade()
            township_id, village_id = build_data(args.archive_households)
            renderer = renderer_for(app)
            scope = Scope()
            household_id = db.session.scalar(db.select(Household.id).limit(1))

            def year_record():
                return reports.household_record(db.session, scope, household_id, date(2025, 1, 1),
                                                date(2025, 12, 31), local_zone(), local_today())

            def village_month():  # 200 households x 4-5 weeks: the 500-row table the issue asks for
                record = reports.village_month(db.session, scope, village_id, "2025-03", local_zone(), local_today())
                record["rows"] = (record["rows"] * 3)[:500]
                return record

            for name, make in (("household record, one year (52 rows)", year_record),
                               ("village month (500 rows)", village_month)):
                record = make()
                html = render_template(f"reports/{record['kind']}.html", r=record, code="0" * 16, qr="data:,",
                                       generated="2026-01-01 00:00")
                ours = timed_median(lambda: render_record(db.session, make()), args.repeat)[0]
                plain = timed_median(lambda: HTML(string=html).write_pdf(), args.repeat)[0]
                tuned = timed_median(lambda: renderer.render(html), args.repeat)[0]
                print(f"{name:40s} ours {ours:6.2f} s   plain WeasyPrint {plain:6.2f} s   "
                      f"same renderer, HTML given {tuned:6.2f} s   ours/plain {ours / plain:.2f}x")
            def archive():
                buffer = BytesIO()
                manifest = build_archive(db.session, scope, township_id, date(2025, 1, 1), date(2025, 12, 31),
                                         buffer, ArchiveSettings.of(app))
                db.session.commit()
                return manifest, buffer

            first, (manifest, buffer) = timed(archive)
            again, _ = timed(archive)
            print(f"archive of {args.archive_households} households ({len(manifest)} files, "
                  f"{len(buffer.getvalue()) / 1e6:.1f} MB): {first:.1f} s; asked again, nothing changed: {again:.1f} s "
                  f"({again / first:.2f}x, its records kept)")
            print(f"peak memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
