"""Throttled logins, per account and per client address (docs/operations.md, "Security").

An attempt is counted against its account *before* the password is checked, atomically in the limiter's storage,
so that parallel guesses cannot all pass the check before the first failure is counted; a correct password gives
its count back. An address counts only its failures, and an address past its limit never stops a correct password
of an account that is not itself throttled: its failures are slowed and answered 429 instead, so that a township
office behind one address (or made-up usernames sprayed from it) cannot lock out everyone else there.
"""
import time
from collections.abc import Callable

from flask import current_app
from flask_limiter.util import get_remote_address
from limits import parse_many

from models import User, db, utcnow

from ..domain.errors import TooManyRequests
from ..domain.users import record_login_throttled
from ..extensions import limiter
from ..unit_of_work import UnitOfWork


def _retry_after(items, *identifiers) -> int:
    now = time.time()
    return max([int(limiter.limiter.get_window_stats(item, *identifiers).reset_time - now) + 1 for item in items]
               + [1])


def _refuse(username: str, items, *identifiers) -> TooManyRequests:
    with UnitOfWork():
        record_login_throttled(db.session, username, get_remote_address(), utcnow())
    return TooManyRequests("login.throttled", retry_after=_retry_after(items, *identifiers))


def throttled_login(username: str, check: Callable[[], User | None]) -> User | None:
    """`check()` (the password check) behind the login throttle: the user, None for a wrong password, or
    TooManyRequests with Retry-After."""
    strategy = limiter.limiter
    account = ("login-account", username.strip().lower()[:50])
    per_account = parse_many(current_app.config["LOGIN_LIMIT_PER_ACCOUNT"])
    # Every limit is hit (no short-circuit), so that each window counts the attempt.
    if not all([strategy.hit(item, *account) for item in per_account]):
        raise _refuse(username, per_account, *account)
    user = check()
    if user is not None:
        for item in per_account:  # a correct password gives its attempt back
            strategy.storage.incr(item.key_for(*account), item.get_expiry(), amount=-1)
        return user
    address = ("login-address", get_remote_address() or "")
    per_address = parse_many(current_app.config["LOGIN_LIMIT_PER_ADDRESS"])
    if not all([strategy.hit(item, *address) for item in per_address]):
        time.sleep(current_app.config["LOGIN_SLOW_SECONDS"])  # slows a spray from one address, never a right password
        raise _refuse(username, per_address, *address)
    return None


def memory_storage_warning(config) -> str | None:
    """What /healthz and the start-up log say when the throttle counts in this process's memory only."""
    if config["RATELIMIT_STORAGE_URI"].startswith("memory://"):
        return ("login throttle counts in memory (memory://): per process, forgotten on restart; set "
                "RATELIMIT_STORAGE_URI=redis://… for several workers or hosts")
    return None
