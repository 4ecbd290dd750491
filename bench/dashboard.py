"""Benchmark: the dynamic-zero dashboard at county scale, for the county administrator, against a baseline.

    DATABASE_URL=... .venv/bin/python -m bench.dashboard [--repeat 9]

Seeds the county data set (docs/operations.md, "Benchmarks": 20,000 households, 3,000 agreements, ~150,000
deliveries, ~5,000 cases)
when the database is empty. The baseline is one `SELECT count(*)` over the cases table in the same run. Also
timed: the first dashboard of a process just started, from the figures the scheduler keeps in the database
(`keep_figures`; the data set's are emptied first, so that "from nothing" is), the county's figures kept between
visits while no village changes (as the pages and the API keep them) and
just after one household changed (a write: its village's figures are worked out again), the
pictures alone (the last year's trends and the townships compared, drawn as SVG) and the whole
dashboard page as the county administrator gets it (figures, pictures, template).
"""
import argparse
import statistics
import time

from flask import current_app
from flask_login import login_user
from sqlalchemy import delete, func, select

from models import Case, Household, User, Village, VillageFigures, db, utcnow
from bench.common import ensure_data_set, timed_median
from service import create_app
from service.clock import local_today
from service.domain.dashboard import KeptFigures, dashboard, keep_village_figures
from service.unit_of_work import transaction
from service.accounts.pages import SessionUser
from service.context import current_rules, thresholds as configured_thresholds
from service.dashboard.pages import index as dashboard_page
from service.pictures import dashboard_pictures
from service.domain.scope import Scope


def _after_one_change(kept: KeptFigures, thresholds) -> float:
    """Seconds of the county's dashboard through `kept` just after a write to one household (as when a delivery is
    logged): that village's figures are worked out again, the others' are kept."""
    household = db.session.scalar(select(Household).order_by(func.random()).limit(1))
    household.updated_at = utcnow()
    db.session.commit()
    start = time.perf_counter()
    dashboard(db.session, Scope(), local_today(), thresholds, None, kept)
    seconds = time.perf_counter() - start
    db.session.rollback()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    app = create_app()
    with app.app_context():
        ensure_data_set()
        cases = db.session.scalar(select(func.count()).select_from(Case))
        villages = db.session.scalar(select(func.count()).select_from(Village))
        thresholds = configured_thresholds(current_app.config)
        rules = current_rules()
        db.session.execute(delete(VillageFigures))  # from nothing: none kept by the scheduler either
        db.session.commit()
        base = timed_median(lambda: db.session.scalar(select(func.count()).select_from(Case)), args.repeat)[0]
        county = timed_median(lambda: dashboard(db.session, Scope(), local_today(), thresholds), args.repeat)[0]
        township = timed_median(lambda: dashboard(db.session, Scope(1), local_today(), thresholds), args.repeat)[0]
        keep_village_figures(lambda: transaction(db.session), rules.today, rules.thresholds, rules.zone,
                             rules.cases.upkeep)
        stored = timed_median(lambda: dashboard(db.session, Scope(), rules.today, rules.thresholds, None, None,
                                                rules.zone, rules.cases.upkeep), args.repeat)[0]
        kept = KeptFigures()
        cached = timed_median(lambda: dashboard(db.session, Scope(), local_today(), thresholds, None, kept),
                              args.repeat)[0]
        changed = statistics.median(_after_one_change(kept, thresholds) for _ in range(args.repeat))
        figures = dashboard(db.session, Scope(), rules.today, thresholds)
        pictures = timed_median(lambda: dashboard_pictures(db.session, Scope(), rules.today, rules.zone, figures,
                                                           rules.supply.assurance_min), args.repeat)[0]
        admin = db.session.scalar(select(User).where(User.role == "county_admin").limit(1))
        with current_app.test_request_context("/dashboard"):
            login_user(SessionUser(admin))
            page = timed_median(dashboard_page, args.repeat)[0]
        print(f"database: {db.engine.dialect.name}, cases: {cases}, medians of {args.repeat} runs")
        print(f"baseline  SELECT count(*) cases        {base * 1000:8.1f} ms   1.0x")
        print(f"dashboard, whole county ({villages} villages){county * 1000:8.1f} ms   {county / base:.1f}x baseline")
        print(f"dashboard, one township                {township * 1000:8.1f} ms   {township / base:.1f}x baseline")
        print(f"dashboard, county, a process's first,  {stored * 1000:8.1f} ms   {stored / base:.1f}x baseline")
        print("  from the figures the scheduler kept")
        print(f"dashboard, county, figures kept       {cached * 1000:8.1f} ms   {cached / base:.1f}x baseline")
        print(f"  the same, after one village changed  {changed * 1000:8.1f} ms   {changed / base:.1f}x baseline")
        print(f"its pictures, whole county             {pictures * 1000:8.1f} ms   {pictures / base:.1f}x baseline")
        print(f"dashboard page with pictures, county   {page * 1000:8.1f} ms   {page / base:.1f}x baseline")


if __name__ == "__main__":
    main()
