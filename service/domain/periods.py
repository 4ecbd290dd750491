"""The periods printed records and bulletins cover."""
from datetime import date, timedelta

from .errors import FieldErrors

MAX_PERIOD_DAYS = 2 * 366


def check_period(date_from: date, date_to: date) -> None:
    """A period runs forwards and spans at most two years."""
    if date_from > date_to:
        raise FieldErrors.one("from", "period.reversed")
    if (date_to - date_from).days > MAX_PERIOD_DAYS:
        raise FieldErrors.one("to", "period.too_long")


def month_period(month: str) -> tuple[date, date]:
    """`2026-11` → (2026-11-01, 2026-11-30)."""
    try:
        year, number = (int(part) for part in month.split("-"))
        first = date(year, number, 1)
        following = date(year + number // 12, number % 12 + 1, 1)
    except ValueError:
        raise FieldErrors.one("month", "period.month")
    return first, following - timedelta(days=1)
