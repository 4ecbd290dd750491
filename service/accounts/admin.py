"""The county's page for logins: deactivate or reactivate one, reset its password, and see ID conflicts."""
from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from models import Household, Staff, Township, User, Village, db

from ..auth import acting_scope, acting_user
from ..domain.conflicts import recent_conflicts
from ..domain.users import create_user, in_reach, reset_password, set_active
from ..i18n import say
from ..domain.permissions import require_capability
from ..forms import clean_text, flash_when_saved, form_page

blueprint = Blueprint("users_pages", __name__)


def _county_admin() -> User:
    actor = acting_user()
    require_capability(actor, "manage_users")
    return actor


def _page(errors: dict | None = None, new_errors: dict | None = None) -> str:
    actor, scope = acting_user(), acting_scope()
    users = db.session.scalars(select(User).where(in_reach(db.session, actor))
                               .options(selectinload(User.township), selectinload(User.village),
                                        selectinload(User.region))
                               .order_by(User.username)).all()
    conflicts = recent_conflicts(db.session)
    households = {h.id: h for h in db.session.scalars(
        scope.restrict(select(Household), Household).where(Household.id.in_({c.entity_id for c in conflicts if c.entity == "households"}))
        .options(selectinload(Household.township), selectinload(Household.village)))}
    staff = {s.id: s for s in db.session.scalars(
        scope.restrict(select(Staff), Staff).where(Staff.id.in_({c.entity_id for c in conflicts if c.entity == "staff"}))
        .options(selectinload(Staff.township)))}
    actors = {u.id: u for u in users}
    if actor.region_id is not None:  # a county's administrator: its own records' conflicts and its own logins'
        conflicts = [c for c in conflicts if c.entity_id in (households if c.entity == "households" else staff)
                     or (c.entity_id is None and c.actor_id in actors)]
    townships = db.session.scalars(scope.restrict(select(Township), Township).order_by(Township.code)).all()
    villages = db.session.scalars(scope.restrict(select(Village), Village).options(selectinload(Village.township))
                                  .order_by(Village.township_id, Village.name)).all()
    people = db.session.scalars(scope.restrict(select(Staff), Staff).where(Staff.id.not_in(select(User.staff_id).where(
        User.staff_id.is_not(None)))).options(selectinload(Staff.township), selectinload(Staff.village))
        .order_by(Staff.township_id, Staff.name)).all()
    return render_template("accounts/users.html", users=users, conflicts=conflicts, households=households,
                           staff=staff, actors=actors, errors=errors or {}, new_errors=new_errors or {},
                           townships=townships, villages=villages, people=people,
                           values=request.form if new_errors else {})


@blueprint.route("/users", methods=["POST"])
@login_required
@form_page(lambda errors: _page(new_errors=errors))
def create():
    """新建账号: a login for a person, scoped to a township or a village, optionally linked to their 责任人 record."""
    actor = _county_admin()
    form = request.form
    village_id, staff_id = form.get("village_id", ""), form.get("staff_id", "")
    user = create_user(db.session, clean_text(form.get("username"), 50) or "", form.get("role", ""),
                       form.get("password", "")[:200], form.get("township") or None,
                       int(village_id) if village_id.isdigit() else None,
                       int(staff_id) if staff_id.isdigit() else None, actor=actor,
                       region_code=clean_text(form.get("region"), 6) or None)
    flash_when_saved(say("user.created", username=user.username))
    return redirect(url_for("users_pages.index"))


@blueprint.route("/users")
@login_required
def index():
    _county_admin()
    return _page()


@blueprint.route("/users/<username>/active", methods=["POST"])
@login_required
@form_page(lambda errors, username: _page({username: errors.get("username", [])}))
def active(username):
    user = set_active(db.session, _county_admin(), username[:50], request.form.get("active") == "1")
    flash_when_saved(say("user.activated", username=user.username) if user.active else
                     say("user.deactivated", username=user.username))
    return redirect(url_for("users_pages.index"))


@blueprint.route("/users/<username>/password", methods=["POST"])
@login_required
@form_page(lambda errors, username: _page({username: errors.get("password", [])}))
def password(username):
    new_password = request.form.get("password", "")[:200]  # judged and kept as every path keeps it
    user = reset_password(db.session, _county_admin(), username[:50], new_password)
    flash_when_saved(say("user.password_reset", username=user.username))
    return redirect(url_for("users_pages.index"))
