"""Authentication at the edge: bearer tokens for the API, the session cookie for pages."""
import hashlib
from datetime import datetime, timedelta, timezone

from flask import current_app, g, request
from flask_login import current_user
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from models import User, db

from .domain.scope import Scope
from .domain.errors import Unauthorized

MAX_TOKEN_CHARS = 1000


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="api-token")


def password_stamp(user: User) -> str:
    # A changed password invalidates the tokens issued before it.
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def issue_token(user: User) -> tuple[str, datetime]:
    """A signed bearer token for the user and the instant it expires."""
    ttl = timedelta(hours=current_app.config["TOKEN_TTL_HOURS"])
    token = _serializer().dumps({"uid": user.id, "pw": password_stamp(user), "v": user.token_version})
    return token, datetime.now(timezone.utc).replace(microsecond=0) + ttl


def user_from_token(token: str) -> User | None:
    """The active user a valid, unexpired token was issued to, or None."""
    max_age = current_app.config["TOKEN_TTL_HOURS"] * 3600
    try:
        payload = _serializer().loads(token, max_age=max_age)
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("uid"), int):
        return None
    user = db.session.get(User, payload["uid"])
    if user is None or not user.active or payload.get("pw") != password_stamp(user) \
            or payload.get("v") != user.token_version:
        return None
    return user


def require_bearer_user() -> None:
    """before_request hook of the API: sets g.user from the Authorization header, or answers 401."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    user = user_from_token(token) if scheme.lower() == "bearer" and 0 < len(token) <= MAX_TOKEN_CHARS else None
    if user is None:
        raise Unauthorized("login.bearer_required")
    g.user = user


def acting_user() -> User:
    """The user of this request: from the bearer token (API) or the logged-in session (pages)."""
    user = g.get("user")
    if user is None and current_user.is_authenticated:
        user = current_user._get_current_object().user
    if user is None:
        raise Unauthorized("login.required")
    return user


def acting_scope() -> Scope:
    return Scope.of(acting_user())
