"""The one SQLAlchemy extension object and the declarative base every model shares."""
from datetime import datetime, timezone
from typing import ClassVar

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, MetaData
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

# Named constraints keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    # Whether a figure kept between requests reads this table's rows (models/revision.py): a write to a counted table
    # raises its villages' revisions. Each model that no figure reads says `counted = False` beside its table name.
    counted: ClassVar[bool] = True


db = SQLAlchemy(model_class=Base)

# Tables our migrations create for a library that describes them itself (APScheduler's job store).
EXTERNAL_TABLES = {"apscheduler_jobs"}


def utcnow() -> datetime:
    """The current instant, timezone-aware, in UTC (timestamps are stored in UTC)."""
    return datetime.now(timezone.utc)


def as_utc(value: datetime) -> datetime:
    """A stored timestamp as an aware UTC time (an aggregate such as max() comes back naive on SQLite)."""
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC that always reads back timezone-aware, also on SQLite."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        return as_utc(value) if value is not None else None


class Timestamps:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
