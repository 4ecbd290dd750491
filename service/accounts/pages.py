from urllib.parse import urlsplit

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import UserMixin, login_required, login_user, logout_user
from marshmallow import ValidationError

from models import User, db

from ..auth import password_stamp
from ..domain.users import authenticate
from ..extensions import login_manager
from .schemas import TokenRequestSchema

blueprint = Blueprint("accounts", __name__)


class SessionUser(UserMixin):
    """The logged-in page user; its id carries a password stamp so a password change logs it out."""

    def __init__(self, user: User):
        self.user = user

    def get_id(self) -> str:
        return f"{self.user.id}:{password_stamp(self.user)}"

    @property
    def is_active(self) -> bool:
        return self.user.active


@login_manager.user_loader
def load_user(session_id: str):
    user_id, _, stamp = session_id.partition(":")
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    if user is None or stamp != password_stamp(user):
        return None
    return SessionUser(user)


def _safe_next(target: str | None) -> str:
    # Only a path on this site: never an open redirect.
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("households_pages.index")


@blueprint.route("/login", methods=["GET", "POST"])
def login():
    error = None
    if request.method == "POST":
        try:
            credentials = TokenRequestSchema().load(
                {"username": request.form.get("username", ""), "password": request.form.get("password", "")})
            user = authenticate(db.session, credentials["username"], credentials["password"])
        except ValidationError:
            user = None
        if user is not None:
            login_user(SessionUser(user))
            return redirect(_safe_next(request.args.get("next")))
        error = "用户名或密码错误"
    return render_template("login.html", error=error), (401 if error else 200)


@blueprint.route("/logout", methods=["POST"])
@login_required
def logout():
    logout_user()
    return redirect(url_for("accounts.login"))
