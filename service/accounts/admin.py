"""The county's page for logins: deactivate or reactivate one, reset its password, and see ID conflicts."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from models import Household, User, db

from ..auth import acting_user
from ..domain.conflicts import recent_conflicts
from ..domain.users import reset_password, set_active
from ..errors import FieldErrors, Forbidden
from ..forms import clean_text

blueprint = Blueprint("users_pages", __name__)


def _county_admin() -> User:
    actor = acting_user()
    if actor.role != "county_admin":
        raise Forbidden("只有县级管理员可以管理账号")
    return actor


def _page(errors: dict | None = None, status: int = 200):
    users = db.session.scalars(select(User).options(selectinload(User.township), selectinload(User.village))
                               .order_by(User.username)).all()
    conflicts = recent_conflicts(db.session)
    households = {h.id: h for h in db.session.scalars(
        select(Household).where(Household.id.in_({c.entity_id for c in conflicts}))
        .options(selectinload(Household.township), selectinload(Household.village)))}
    actors = {u.id: u for u in users}
    return render_template("accounts/users.html", users=users, conflicts=conflicts, households=households,
                           actors=actors, errors=errors or {}), status


@blueprint.route("/users")
@login_required
def index():
    _county_admin()
    return _page()


@blueprint.route("/users/<username>/active", methods=["POST"])
@login_required
def active(username):
    user = set_active(db.session, _county_admin(), username[:50], request.form.get("active") == "1")
    db.session.commit()
    flash(f"已启用账号 {user.username}" if user.active else f"已停用账号 {user.username}，其登录已全部失效")
    return redirect(url_for("users_pages.index"))


@blueprint.route("/users/<username>/password", methods=["POST"])
@login_required
def password(username):
    actor = _county_admin()
    try:
        user = reset_password(db.session, actor, username[:50], clean_text(request.form.get("password"), 200) or "")
    except FieldErrors as exc:
        db.session.rollback()
        return _page({username: exc.errors.get("password", [exc.message])}, 422)
    db.session.commit()
    flash(f"已为 {user.username} 设置新密码，其登录已全部失效")
    return redirect(url_for("users_pages.index"))
