"""Engine settings that make SQLite safe beside a scheduler (see docs/operations.md, "What our libraries do")."""
from sqlalchemy import event
from sqlalchemy.engine import Engine

_configured = False


def _on_connect(dbapi_connection, _record):
    # Let SQLAlchemy, not the driver, open transactions, so that "begin" below is ours.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    for pragma in ("journal_mode=WAL", "busy_timeout=15000", "foreign_keys=ON", "synchronous=NORMAL"):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def _on_begin(connection):
    # A read transaction cannot be upgraded to a write under contention: take the write lock first.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


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

    _configured = True
