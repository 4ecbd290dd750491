"""Benchmark: the daily planning and missed-marking jobs at county scale, against a baseline query.

    DATABASE_URL=... .venv/bin/python -m bench.planning [--repeat 7]

Seeds the county data set (docs/operations.md, "Benchmarks") when the database is empty. Each measurement runs inside a
transaction that is rolled back, so every repetition does the same work: planning 14 days from scratch
for every active agreement, and marking every planned delivery missed. The baseline is one
`SELECT count(*)` over the deliveries table, timed in the same run: report the ratios, not the seconds.
"""
import argparse
import statistics
import time
from datetime import timedelta

from sqlalchemy import delete, func, select

from models import Delivery, db, utcnow
from bench.common import ensure_data_set, timed_median
from service import create_app
from service.clock import local_today
from service.context import rules
from service.domain.planning import mark_missed, plan_deliveries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    app = create_app()
    with app.app_context():
        ensure_data_set()
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
            return len(mark_missed(db.session, rules(app.config, utcnow() + timedelta(days=15))))

        base, rows = timed_median(baseline, args.repeat)
        plan_runs = [timed_median(planning, 1)[1] for _ in range(args.repeat)]
        plan, planned = statistics.median(seconds for seconds, _ in plan_runs), plan_runs[-1][1]
        missed_seconds, missed = timed_median(missing, args.repeat)
        print(f"database: {db.engine.dialect.name}, deliveries: {rows}, medians of {args.repeat} runs")
        print(f"baseline   SELECT count(*) deliveries   {base * 1000:9.1f} ms   1.0x")
        print(f"plan_deliveries (14 days, {planned} rows) {plan * 1000:9.1f} ms   {plan / base:.1f}x baseline")
        print(f"mark_missed ({missed} rows)            {missed_seconds * 1000:9.1f} ms   "
              f"{missed_seconds / base:.1f}x baseline")


if __name__ == "__main__":
    main()
