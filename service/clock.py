"""Local time at the edge: timestamps are stored in UTC, but a 'day' is the day in APP_TIMEZONE (docs/domain.md)."""
from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

from flask import current_app


def local_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["APP_TIMEZONE"])


def local_today() -> date:
    """Today in the app's time zone (07:00 in Beijing is still yesterday in UTC)."""
    return datetime.now(timezone.utc).astimezone(local_zone()).date()


def as_aware(moment: datetime | None) -> datetime | None:
    """A time typed without a zone is local time (a phone's clock), not UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=local_zone())


def local_time(moment: datetime | None) -> str:
    """A moment as a page shows it: month, day and minute in local time."""
    return moment.astimezone(local_zone()).strftime("%m-%d %H:%M") if moment else "—"


def local_midnight(day: date) -> datetime:
    """The instant a local day begins (aware, in the app's time zone)."""
    return datetime.combine(day, time(), local_zone())
