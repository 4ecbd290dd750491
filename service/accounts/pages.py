from urllib.parse import urlsplit

from flask import Blueprint, flash, make_response, redirect, render_template, request, session, url_for
from flask_login import UserMixin, current_user, login_required, login_url, login_user, logout_user
from marshmallow import ValidationError

from models import User, db

from ..auth import password_stamp
from ..domain.users import authenticate, end_sessions
from ..i18n import say, tell
from ..domain.errors import TooManyRequests, Unauthorized
from ..extensions import login_manager
from ..handlers import wants_json
from .. import navigation
from ..unit_of_work import atomic
from .schemas import TokenRequestSchema
from .throttle import throttled_login

blueprint = Blueprint("accounts", __name__)


class SessionUser(UserMixin):
    """The logged-in page user; its id carries the user's session version and a password stamp, so that a
    logout, a deactivation or a password change ends every cookie issued before it, on the server side."""

    def __init__(self, user: User):
        self.user = user

    def get_id(self) -> str:
        return f"{self.user.id}:{self.user.session_version}:{password_stamp(self.user)}"

    @property
    def is_active(self) -> bool:
        return self.user.active


@login_manager.user_loader
def load_user(session_id: str):
    user_id, version, stamp = (session_id.split(":") + ["", ""])[:3]
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    if user is None or version != str(user.session_version) or stamp != password_stamp(user):
        return None
    return SessionUser(user)


@login_manager.unauthorized_handler
def login_required_answer():
    """Not logged in (or the login expired): a person is sent to the login form and back; the phone's script, which
    keeps what it queued until the worker logs in again, gets 401 in JSON."""
    if wants_json():
        raise Unauthorized("login.expired")
    flash(say("login.required"))
    return redirect(login_url(login_manager.login_view, request.url))


def _safe_next(target: str | None, user: User) -> str:
    # Only a path on this site: never an open redirect. Without one, the page where the user's day starts.
    # Browsers read a backslash as a slash: "/\\evil.example" would leave the site.
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target \
            and not urlsplit(target).netloc:
        return target
    return url_for(navigation.start(user))


def _check_form_credentials() -> User | None:
    try:
        credentials = TokenRequestSchema().load(
            {"username": request.form.get("username", ""), "password": request.form.get("password", "")})
    except ValidationError:
        return None
    return authenticate(db.session, credentials["username"], credentials["password"])


@blueprint.route("/login", methods=["GET", "POST"])
def login():
    error = None
    if request.method == "POST":
        try:
            user = throttled_login(request.form.get("username", ""), _check_form_credentials)
        except TooManyRequests as refused:
            response = make_response(render_template("login.html", error=tell(refused.message)), 429)
            response.headers["Retry-After"] = str(refused.retry_after)
            return response
        if user is not None:
            # A new session (and CSRF token): nothing issued before the login, to whoever, works after it.
            session.clear()
            # Permanent: the cookie then expires after PERMANENT_SESSION_LIFETIME, in the browser and here.
            session.permanent = True
            login_user(SessionUser(user))
            return redirect(_safe_next(request.args.get("next"), user))
        error = say("login.failed")
    return render_template("login.html", error=error), (401 if error else 200)


@blueprint.route("/logout", methods=["POST"])
@login_required
@atomic
def logout():
    end_sessions(db.session, current_user.user)
    logout_user()
    return redirect(url_for("accounts.login"))
