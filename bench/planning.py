"""Benchmark: the daily planning and missed-marking jobs at county scale, against a baseline query.

    DATABASE_URL=... .venv/bin/python -m bench.planning [--repeat 7]

Seeds the county data set (SPEC §6) when the database is empty. Each measurement runs inside a
transaction that is rolled back, so every repetition does the same work: planning 14 days from scratch
for every active agreement, and marking every planned delivery missed. The baseline is one
`SELECT count(*)` over the deliveries table, timed in the same run: report the ratios, not the seconds.
"""
import argparse
import statistics
import time
from datetime import timedelta

from sqlalchemy import delete, func, select

from models import Delivery, Township, db, utcnow
from schedules import create_app
from service.clock import local_today
from service.demo import SCALES, seed
from service.domain.rules import Rules
from service.domain.planning import mark_missed, plan_deliveries
from service.households.vault import id_number_vault


def timed(work, repeat: int) -> tuple[float, object]:
    """Median seconds of `work()` over `repeat` rolled-back runs, and the last result."""
    seconds, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = work()
        seconds.append(time.perf_counter() - start)
        db.session.rollback()
    return statistics.median(seconds), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    app = create_app()
    with app.app_context():
        if not db.session.scalar(select(func.count()).select_from(Township)):
            print("seeding the county data set ...", flush=True)
            seed(db.session, SCALES["county"], id_number_vault(), local_today())
            db.session.commit()
        today = local_today()

        def baseline():
            return db.session.scalar(select(func.count()).select_from(Delivery))

        def planning():
            db.session.execute(delete(Delivery).where(Delivery.status == "planned", Delivery.scheduled_for >= today))
            db.session.flush()
            start = time.perf_counter()
            planned = plan_deliveries(db.session, today, 14)
            return time.perf_counter() - start, planned

        def missing():
            return len(mark_missed(db.session, Rules.from_config(app.config, today + timedelta(days=15), utcnow())))

        base, rows = timed(baseline, args.repeat)
        plan_runs = [timed(planning, 1)[1] for _ in range(args.repeat)]
        plan, planned = statistics.median(seconds for seconds, _ in plan_runs), plan_runs[-1][1]
        missed_seconds, missed = timed(missing, args.repeat)
        print(f"database: {db.engine.dialect.name}, deliveries: {rows}, medians of {args.repeat} runs")
        print(f"baseline   SELECT count(*) deliveries   {base * 1000:9.1f} ms   1.0x")
        print(f"plan_deliveries (14 days, {planned} rows) {plan * 1000:9.1f} ms   {plan / base:.1f}x baseline")
        print(f"mark_missed ({missed} rows)            {missed_seconds * 1000:9.1f} ms   "
              f"{missed_seconds / base:.1f}x baseline")


if __name__ == "__main__":
    main()
