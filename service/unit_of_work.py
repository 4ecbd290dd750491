"""The transaction boundary: one unit of work per use case, for API routes, pages, CLI commands and jobs alike.

Only this module commits. A use case runs inside a unit of work: its writes are committed together when it
returns and rolled back together when it raises, so that one request is one transaction and nothing is ever
half-written. Domain functions never commit; work that must commit in steps (the outbox, which never holds a
transaction across a send) is handed `transaction` and opens one per step.
"""
from contextlib import contextmanager
from functools import wraps

from models import db


class UnitOfWork:
    """`with UnitOfWork(session) as work:` commits on a normal exit, rolls back on an exception or `discard()`."""

    def __init__(self, session=None):
        self.session = session or db.session
        self.discarded = False

    def discard(self) -> None:
        """Roll back instead of committing when the block ends (a dry run, a file with bad rows)."""
        self.discarded = True

    def __enter__(self) -> "UnitOfWork":
        return self

    def __exit__(self, exc_type, exc, traceback) -> bool:
        if exc_type is None and not self.discarded:
            try:
                self.session.commit()
            except BaseException:  # a commit refused by the database leaves nothing half-done behind either
                self.session.rollback()
                raise
        else:
            self.session.rollback()
        return False


@contextmanager
def transaction(session=None):
    """One transaction on `session` (the app's by default), yielding the session; committed when the block ends."""
    with UnitOfWork(session) as work:
        yield work.session


def atomic(function):
    """A view or a command as one unit of work on the app's session."""

    @wraps(function)
    def run(*args, **kwargs):
        with UnitOfWork():
            return function(*args, **kwargs)

    return may_write(run)


def may_write(view):
    """Marks a view that writes even when it answers GET (a printout registers its verification code). Other GET
    views only read, and on SQLite their transactions do not queue for the write lock (service/database.py)."""
    view.writes = True
    return view
