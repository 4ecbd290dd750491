"""Throttled logins: the guesser is throttled, never the owner (docs/operations.md, "Security"; OWASP ASVS V2.2.1).

An attempt is counted against its account *from its address* before the password is checked, atomically in the
limiter's storage, so that parallel guesses cannot all pass the check before the first failure is counted; a
correct password gives its count back. Past that limit the pair (address, account) is answered 429: whoever guesses
from elsewhere, the owner on another address logs in. An account's failures from every address together, and an
address's failures over every account, are counted too: past those limits failures are answered later
(`LOGIN_SLOW_SECONDS`), and the address's with 429, but a right password is never refused or slowed for them, so
that nobody who knows a username can lock its owner out. `Retry-After` is the time until the exhausted limits let
one more attempt through.
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


def retry_after(items, *identifiers) -> int:
    """Whole seconds until every exhausted limit of `items` admits one more attempt (at least 1)."""
    now = time.time()
    waits = []
    for item in items:
        stats = limiter.limiter.get_window_stats(item, *identifiers)
        if stats.remaining <= 0:
            waits.append(stats.reset_time - now)
    return max(1, int(max(waits, default=0)) + 1)


def _refuse(username: str, items, *identifiers) -> TooManyRequests:
    with UnitOfWork():
        record_login_throttled(db.session, username, get_remote_address(), utcnow())
    return TooManyRequests("login.throttled", retry_after=retry_after(items, *identifiers))


def _hit_all(items, *identifiers) -> bool:
    # Every limit is hit (no short-circuit), so that each window counts the attempt.
    return all([limiter.limiter.hit(item, *identifiers) for item in items])


def throttled_login(username: str, check: Callable[[], User | None]) -> User | None:
    """`check()` (the password check) behind the login throttle: the user, None for a wrong password, or
    TooManyRequests with Retry-After."""
    config = current_app.config
    name, address = username.strip().lower()[:50], get_remote_address() or ""
    guesser = ("login-guesser", address, name)
    per_guesser = parse_many(config["LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS"])
    if not _hit_all(per_guesser, *guesser):
        raise _refuse(username, per_guesser, *guesser)
    user = check()
    if user is not None:
        for item in per_guesser:  # a correct password gives its attempt back
            limiter.limiter.storage.incr(item.key_for(*guesser), item.get_expiry(), amount=-1)
        return user
    per_account = parse_many(config["LOGIN_LIMIT_PER_ACCOUNT"])
    per_address = parse_many(config["LOGIN_LIMIT_PER_ADDRESS"])
    account_over = not _hit_all(per_account, "login-account", name)
    address_over = not _hit_all(per_address, "login-address", address)
    if account_over or address_over:
        time.sleep(config["LOGIN_SLOW_SECONDS"])  # slows guessing; a right password is never slowed for it
    if address_over:
        raise _refuse(username, per_address, "login-address", address)
    return None


def memory_storage_warning(config) -> str | None:
    """What /healthz and the start-up log say when the throttle counts in this process's memory only."""
    if config["RATELIMIT_STORAGE_URI"].startswith("memory://"):
        return ("login throttle counts in memory (memory://): per process, forgotten on restart; set "
                "RATELIMIT_STORAGE_URI=redis://… for several workers or hosts")
    return None
