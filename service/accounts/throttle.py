"""Throttled logins (Flask-Limiter): per account, and more loosely per address.

Only failed attempts count, so a township office whose staff share one address is not locked out by one
account being guessed: the guessed account hits its own limit long before the address does.
"""
from flask import current_app, request
from flask_limiter.util import get_remote_address

from models import db, utcnow

from ..domain.users import record_login_throttled
from ..extensions import limiter
from ..unit_of_work import UnitOfWork, may_write


def _username() -> str:
    """The username a login attempt names, from the form or the JSON body ("" when it names none)."""
    if request.form.get("username"):
        return request.form["username"].strip()[:50]
    try:
        body = request.get_json(silent=True)
    except Exception:  # a body the JSON guard refuses later; it names no account
        return ""
    name = body.get("username") if isinstance(body, dict) else None
    return name.strip()[:50] if isinstance(name, str) else ""


def _account_key() -> str:
    return "login-account:" + _username().lower()


def _failed(response) -> bool:
    return response.status_code == 401


def _breached(_limit) -> None:
    with UnitOfWork():
        record_login_throttled(db.session, _username(), get_remote_address(), utcnow())


def throttled(view):
    """The login throttle for `view` (the page's and the API's)."""
    per_account = limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], key_func=_account_key,
                                deduct_when=_failed, on_breach=_breached)
    per_address = limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], key_func=get_remote_address,
                                deduct_when=_failed, on_breach=_breached)
    # A breach is recorded even when the page is only asked for (GET): the view may write.
    return may_write(per_address(per_account(view)))
