"""Engine settings that make SQLite safe beside a scheduler (see docs/operations.md, "What our libraries do")."""
from flask import current_app, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
READS_ONLY = "water.reads_only"

_configured = False


def _on_connect(dbapi_connection, _record):
    # Let SQLAlchemy, not the driver, open transactions, so that "begin" below is ours.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    for pragma in ("journal_mode=WAL", "busy_timeout=15000", "foreign_keys=ON", "synchronous=NORMAL"):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def note_reading_request() -> None:
    """before_request: a GET, HEAD or OPTIONS request whose view is not marked as writing
    (unit_of_work.may_write) only reads."""
    request.environ[READS_ONLY] = request.method in SAFE_METHODS and \
        not getattr(current_app.view_functions.get(request.endpoint), "writes", False)


def reading_request() -> bool:
    """This request was noted as one that only reads (scripts in a test request context are not). Noted on the
    request itself: `g` belongs to the app context, which a request inside another one shares."""
    return has_request_context() and request.environ.get(READS_ONLY, False)


def _on_begin(connection):
    # A read transaction cannot be upgraded to a write under contention: a transaction that may write takes the
    # write lock first. One that only reads need not wait for it (WAL readers never block), or readers would
    # queue behind each other across processes.
    connection.exec_driver_sql("BEGIN" if reading_request() else "BEGIN IMMEDIATE")


def _refuse_writes_while_reading(_session) -> None:
    # Such a write would never be committed (only units of work commit), and on SQLite it would need the write lock
    # its transaction did not take.
    if reading_request():
        raise RuntimeError(f"{request.method} {request.endpoint} writes: mark its view with unit_of_work.may_write")


def configure_engines() -> None:
    """Hook every SQLite engine this process creates (the app's, Alembic's, the job store's)."""
    global _configured
    if _configured:
        return

    @event.listens_for(Engine, "connect")
    def connect(dbapi_connection, record):
        if type(dbapi_connection).__module__.startswith("sqlite3"):
            _on_connect(dbapi_connection, record)

    @event.listens_for(Engine, "begin")
    def begin(connection):
        if connection.dialect.name == "sqlite":
            _on_begin(connection)

    @event.listens_for(Session, "before_flush")
    def flushing(session, _context, _instances):
        _refuse_writes_while_reading(session)

    @event.listens_for(Session, "do_orm_execute")
    def executing(state):
        if state.is_insert or state.is_update or state.is_delete:
            _refuse_writes_while_reading(state.session)

    _configured = True
