from flask import Blueprint, current_app, redirect, render_template, send_from_directory, url_for
from flask_login import login_required

from models import db

from ..auth import acting_user
from ..clock import local_today
from ..context import current_rules
from ..domain.todo import township_todo
from .. import navigation

blueprint = Blueprint("home", __name__)


@blueprint.route("/")
@login_required
def start():
    return redirect(url_for(navigation.start(acting_user())))


@blueprint.route("/favicon.ico")
def favicon():
    """Browsers ask for it whatever the page says: the same icon, kept a week."""
    return send_from_directory(current_app.static_folder, "favicon.png", mimetype="image/png", max_age=7 * 24 * 3600)


@blueprint.route("/todo")
@login_required
def todo():
    """待办: the township's gaps to sign, cases due, cases to verify, re-checks due and missed deliveries."""
    rules = current_rules()
    items = township_todo(db.session, acting_user(), rules.today, rules.thresholds, rules.backdate_days)
    return render_template("home/todo.html", t=items, today=local_today())


@blueprint.route("/more")
@login_required
def more():
    return render_template("home/more.html", links=navigation.more(acting_user()))
