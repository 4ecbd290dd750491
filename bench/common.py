"""What the benchmarks share: timing medians of rolled-back runs, and a database with the county in it."""
import statistics
import tempfile
import time
from contextlib import contextmanager

from flask_migrate import upgrade
from sqlalchemy import func, select

from models import Township, db
from service.clock import local_today
from demo.data import SCALES, seed
from service.context import current_vault


def timed(work) -> tuple[float, object]:
    """Seconds of one `work()`, and its result."""
    start = time.perf_counter()
    result = work()
    return time.perf_counter() - start, result


def timed_median(work, repeat: int, rollback: bool = True) -> tuple[float, object]:
    """Median seconds of `work()` over `repeat` runs, each rolled back so every run does the same work (unless
    `rollback` is False: the runs read what the caller's open transaction holds), and the last run's result."""
    seconds, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = work()
        seconds.append(time.perf_counter() - start)
        if rollback:
            db.session.rollback()
    return statistics.median(seconds), result


def ensure_data_set(scale: str = "county") -> None:
    """Bring the database (DATABASE_URL) to the latest schema, and seed the county data set (or `scale`'s,
    docs/operations.md, "Benchmarks") when it is empty: a new database file works as it is."""
    upgrade()
    if not db.session.scalar(select(func.count()).select_from(Township)):
        print(f"seeding the {scale} data set ...", flush=True)
        seed(db.session, SCALES[scale], current_vault(), local_today())
        db.session.commit()


@contextmanager
def fresh_county():
    """An app on a new SQLite database in a temporary folder, the county seeded into it, inside its app and
    request contexts (what an import needs); yields the app."""
    from service import create_app

    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.db", "ALLOWED_HOSTS": ["localhost"]})
        with app.app_context(), app.test_request_context():
            upgrade()
            seed(db.session, SCALES["county"], current_vault(), local_today())
            db.session.commit()
            yield app
