"""Benchmark: the API's reads under load at county or province scale, at every level (the county's administrator,
the province's, a city's, a township's), each one's p95 next to /healthz's under the same load.

    DATABASE_URL=... .venv/bin/python -m bench.api [--scale county] [--clients 8] [--seconds 5] [--workers 2]

Migrates and seeds the data set when the database is empty, keeps every village's figures in the database as the
scheduler's `keep_figures` job does (so that the first answers after the start are those of a deploy), starts
gunicorn with `--workers` workers on a free local port (as docs/operations.md runs it in production), and drives each read with `--clients` concurrent
clients (a keep-alive session each) for `--seconds`: requests per second and the 95th-percentile latency, and that
p95 as a ratio to /healthz's, measured the same way in the same run (the baseline: these machines are shared).
"""
import argparse
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests
from sqlalchemy import func, select

from bench.common import ensure_data_set
from models import Household, Region, User, db
from schedules.runner import execute
from service import create_app
from demo.data import DEMO_PASSWORD

# (login, path): {province}, {city} and {county} are the demo's regions' ids, {township} the demo township's.
READS = (("admin", "/healthz"), ("admin", "/api/v1/dashboard"), ("sheng01", "/api/v1/dashboard?region_id={province}"),
         ("shi01", "/api/v1/dashboard?region_id={city}"), ("sheng01", "/api/v1/dashboard?region_id={county}"),
         ("zhen01", "/api/v1/dashboard?township_id={township}"),
         ("admin", "/api/v1/households?needs_delivery=true"), ("admin", "/api/v1/cases"),
         ("admin", "/api/v1/households"), ("admin", "/api/v1/deliveries"),
         ("sheng01", "/api/v1/households?needs_delivery=true"), ("sheng01", "/api/v1/cases?overdue=true"),
         ("sheng01", "/api/v1/households"), ("sheng01", "/api/v1/deliveries"), ("shi01", "/api/v1/cases"),
         ("zhen01", "/api/v1/households?needs_delivery=true"), ("zhen01", "/api/v1/deliveries"))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_up(base: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            requests.get(base + "/healthz", timeout=2)
            return
        except requests.RequestException:
            time.sleep(0.3)
    raise SystemExit("gunicorn did not start")


def load(url: str, headers: dict, clients: int, seconds: float) -> tuple[float, float, int]:
    """(requests per second, p95 in seconds, failed requests) of `clients` clients asking for `url`."""
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client():
        session, mine, failed = requests.Session(), [], 0
        while time.monotonic() < deadline:
            start = time.perf_counter()
            answer = session.get(url, headers=headers, timeout=60)
            mine.append(time.perf_counter() - start)
            failed += answer.status_code >= 500 and not url.endswith("/healthz")
        with lock:
            latencies.extend(mine)
            failures[0] += failed

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return len(latencies) / elapsed, statistics.quantiles(latencies, n=20)[-1], failures[0]


def _places() -> dict:
    """The ids READS name: the demo's province, first city and first county, and the demo township (zhen01's)."""
    first = lambda level: db.session.scalar(select(Region.id).where(Region.level == level).order_by(Region.code))
    township = db.session.scalar(select(User.township_id).where(User.username == "zhen01"))
    return {"province": first("province"), "city": first("city"), "county": first("county"), "township": township}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", choices=("county", "province"), default="county",
                        help="the data set seeded into an empty database")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    app = create_app()
    with app.app_context():
        ensure_data_set(args.scale)
        database = app.extensions["sqlalchemy"].engine.dialect.name
        households = db.session.scalar(select(func.count()).select_from(Household))
        places = _places()
        # What the scheduler's keep_figures job has done before any web process starts (it runs every minute).
        started = time.perf_counter()
        kept = execute(db.session, "keep_figures", app.config)
        print(f"keep_figures: {kept} villages' figures kept in {time.perf_counter() - started:.1f} s", flush=True)
    reads = [(login, path.format(**places)) for login, path in READS]
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen([str(gunicorn), "-w", str(args.workers), "-b", f"127.0.0.1:{port}", "--log-level",
                               "warning", "wsgi:app"], env={"RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379",
                                                            **os.environ, "PORT": str(port)})
    try:
        _wait_until_up(base)
        headers = {login: {"Authorization": "Bearer " + requests.post(
            base + "/api/v1/auth/token", json={"username": login, "password": DEMO_PASSWORD}).json()["token"]}
            for login in {login for login, _ in reads}}
        first = {}
        for login, path in reads:  # the first answer after a start, then a second of each so that every worker's
            start = time.perf_counter()  # caches are warm, as in a working day
            requests.get(base + path, headers=headers[login], timeout=120)
            first[path, login] = time.perf_counter() - start
            load(base + path, headers[login], args.clients, 1.0)
        print(f"database: {database}, {households} households, gunicorn {args.workers} workers, "
              f"{args.clients} clients, {args.seconds:g} s per read")
        print(f"{'login':8} {'read':48} {'first':>8} {'req/s':>7} {'p95':>9}  p95 / healthz")
        baseline = None
        for login, path in reads:
            rate, p95, failed = load(base + path, headers[login], args.clients, args.seconds)
            baseline = baseline or p95
            note = f"  ({failed} answers 5xx)" if failed else ""
            print(f"{login:8} {path:48} {first[path, login] * 1000:6.0f} ms {rate:7.1f} {p95 * 1000:7.1f} ms  "
                  f"{p95 / baseline:5.1f}x{note}")
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
