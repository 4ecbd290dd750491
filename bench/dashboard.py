"""Benchmark: the dynamic-zero dashboard at county scale, for the county administrator, against a baseline.

    DATABASE_URL=... .venv/bin/python -m bench.dashboard [--repeat 9]

Seeds the county data set (SPEC §6: 20,000 households, 3,000 agreements, ~150,000 deliveries, ~5,000 cases)
when the database is empty. The baseline is one `SELECT count(*)` over the cases table in the same run.
"""
import argparse
import statistics
import time

from flask import current_app
from sqlalchemy import func, select

from models import Case, Township, db
from schedules import create_app
from service.clock import local_today
from service.demo import SCALES, seed
from service.domain.dashboard import dashboard
from service.domain.needs_delivery import Thresholds
from service.domain.scope import Scope
from service.households.vault import id_number_vault


def median_seconds(work, repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        runs.append(time.perf_counter() - start)
        db.session.rollback()
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    app = create_app()
    with app.app_context():
        if not db.session.scalar(select(func.count()).select_from(Township)):
            print("seeding the county data set ...", flush=True)
            seed(db.session, SCALES["county"], id_number_vault(), local_today())
            db.session.commit()
        cases = db.session.scalar(select(func.count()).select_from(Case))
        thresholds = Thresholds.from_config(current_app.config)
        base = median_seconds(lambda: db.session.scalar(select(func.count()).select_from(Case)), args.repeat)
        county = median_seconds(lambda: dashboard(db.session, Scope(), local_today(), thresholds), args.repeat)
        township = median_seconds(lambda: dashboard(db.session, Scope(1), local_today(), thresholds), args.repeat)
        print(f"database: {db.engine.dialect.name}, cases: {cases}, medians of {args.repeat} runs")
        print(f"baseline  SELECT count(*) cases        {base * 1000:8.1f} ms   1.0x")
        print(f"dashboard, whole county (300 villages) {county * 1000:8.1f} ms   {county / base:.1f}x baseline")
        print(f"dashboard, one township                {township * 1000:8.1f} ms   {township / base:.1f}x baseline")


if __name__ == "__main__":
    main()
