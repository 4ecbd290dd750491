"""Local dates: timestamps are stored in UTC, but a 'day' is the day in APP_TIMEZONE (SPEC §3)."""
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from flask import current_app


def local_today() -> date:
    """Today in the app's time zone (07:00 in Beijing is still yesterday in UTC)."""
    return datetime.now(timezone.utc).astimezone(ZoneInfo(current_app.config["APP_TIMEZONE"])).date()
