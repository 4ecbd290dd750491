"""Authentication at the edge: bearer tokens for the API, the session cookie for pages."""
import hashlib
from datetime import datetime, timedelta, timezone

from flask import current_app, g, request
from flask_login import current_user
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from models import User, db

from .domain.scope import Scope
from .domain.errors import Forbidden, Unauthorized

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


# A unit's staff (unit_staff) work their unit's cases, and nothing else: the registry, deliveries, figures and
# messages are the townships'. Every other page and API answers 403 for them.
UNIT_STAFF_ENDPOINTS = frozenset({
    "cases.Items", "cases.Item", "cases.stats", "cases.export_ledger", "cases.add_progress", "cases.add_evidence",
    "cases.get_evidence", "cases.add_milestone", "cases.complete_milestone", "cases.transition",
    "cases_pages.index", "cases_pages.detail", "cases_pages.progress", "cases_pages.add_evidence",
    "cases_pages.evidence_file", "cases_pages.evidence_thumbnail", "cases_pages.add_milestone",
    "cases_pages.complete_milestone", "cases_pages.mine", "cases_pages.export", "cases_pages.transition",
    "reports.unit_ledger", "units_pages.index", "units.Items", "units.Item",
    # the 城乡供水一体化 projects a unit leads: read, and printed for the 调度 meeting
    "projects_pages.index", "projects_pages.detail", "projects.Projects", "projects.get_project",
    "reports.project_progress",
    "home.start", "home.more", "home.favicon", "accounts.login", "accounts.logout", "auth.create_token",
    "auth.revoke_token", "verify.verify", "static", "webapp.manifest", "webapp.offline", "webapp.service_worker",
    "webapp.session_state", "health.healthz", "docs.api_docs", "docs.swagger_asset"})


def confine_unit_staff(user: User | None) -> None:
    """Forbidden when a unit's staff ask for anything but their unit's cases (their transitions are refused by the
    lifecycle's own rules; the list is what they may even ask)."""
    if user is not None and user.role == "unit_staff" and request.endpoint not in UNIT_STAFF_ENDPOINTS:
        raise Forbidden("permission.unit_staff_cases_only")


def confine_unit_staff_pages() -> None:
    """before_request of the app: the pages' side of confine_unit_staff (the API's is in require_bearer_user)."""
    if current_user.is_authenticated:
        confine_unit_staff(current_user._get_current_object().user)


def require_bearer_user() -> None:
    """before_request hook of the API: sets g.user from the Authorization header, or answers 401."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    user = user_from_token(token) if scheme.lower() == "bearer" and 0 < len(token) <= MAX_TOKEN_CHARS else None
    if user is None:
        raise Unauthorized("login.bearer_required")
    g.user = user
    confine_unit_staff(user)


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
