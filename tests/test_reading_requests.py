"""GET requests only read: on SQLite they do not queue for the write lock, and a GET view that tries to write is
refused unless it is marked as writing (service/database.py)."""
import sqlite3

import pytest
from flask.testing import FlaskClient

from models import db
from service.database import note_reading_request

from .conftest import make_household


def _sqlite_path(app) -> str:
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if not url.startswith("sqlite:///"):
        pytest.skip("the write lock that readers must not wait for is SQLite's")
    return url.removeprefix("sqlite:///")


def test_a_read_goes_on_while_another_process_holds_the_write_lock(app, client, world):
    headers = world.headers(world.admin)
    db.session.commit()
    other = sqlite3.connect(_sqlite_path(app), timeout=1, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # a job in the scheduler's process, writing
    try:
        assert client.get("/api/v1/households", headers=headers).status_code == 200
        assert client.get("/api/v1/dashboard", headers=headers).status_code == 200
    finally:
        other.execute("ROLLBACK")
        other.close()


def test_a_get_view_that_writes_unmarked_is_refused(app, world):
    with app.test_request_context("/api/v1/households", method="GET"):
        note_reading_request()
        with pytest.raises(RuntimeError, match="may_write"):
            make_household(world, 1)
    db.session.rollback()


def test_a_request_inside_another_leaves_the_outer_one_as_it_was(app, world):
    with app.test_request_context("/", method="GET"):  # a script's context, as the benchmarks use
        FlaskClient(app).get("/healthz")  # a request sharing its app context
        make_household(world, 1)  # the script may still write
        db.session.rollback()
