from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from models import Facility, Household, SmsMessage, Village, db

from ..auth import acting_scope, acting_user
from ..clock import current_rules, current_thresholds
from ..domain import registry
from ..domain.needs_delivery import household_reasons
from ..domain.scope import REGISTRY_WRITERS, get_visible
from ..domain.conflicts import IdNumberConflict
from ..errors import FieldErrors
from ..handlers import record_id_conflict
from ..forms import load_form, load_query
from .routes import collection
from .schemas import HouseholdArgs, HouseholdSchema
from .vault import id_number_vault

blueprint = Blueprint("households_pages", __name__)
FORM_TYPES = {"village_id": int, "head_name": str, "id_number": str, "phone": str, "members": int,
              "self_care": bool, "monitoring_type": str, "lat": float, "lon": float, "distance_m": float,
              "vertical_m": float, "round_trip_min": float, "water_source": str}


def _villages():
    scope = acting_scope()
    stmt = scope.restrict(select(Village), Village).options(selectinload(Village.township))
    return db.session.scalars(stmt.order_by(Village.township_id, Village.name)).all()


@blueprint.route("/")
@login_required
def home():
    return redirect(url_for("households_pages.index"))


@blueprint.route("/households")
@login_required
def index():
    args = load_query(HouseholdArgs, request.args, per_page=30)
    page = collection.page(db.session, acting_scope(), args, (selectinload(Household.village),))
    reasons = {h.id: household_reasons(h, current_thresholds()) for h in page["items"]}
    return render_template("households/index.html", page=page, reasons=reasons, villages=_villages(), args=args)


@blueprint.route("/households/<int:household_id>")
@login_required
def detail(household_id):
    scope = acting_scope()
    household = get_visible(db.session, Household, household_id, scope)
    facilities = db.session.scalars(
        scope.restrict(select(Facility), Facility).where(Facility.household_id == household.id)).all()
    messages = db.session.scalars(select(SmsMessage).where(SmsMessage.household_id == household.id)
                                  .order_by(SmsMessage.id.desc()).limit(10)).all()
    return render_template("households/detail.html", h=household, reasons=household_reasons(household, current_thresholds()),
                           facilities=facilities, messages=messages, can_edit=acting_user().role in REGISTRY_WRITERS)


def _form(household=None):
    values, errors = dict(request.form), {}
    if request.method == "POST":
        schema = HouseholdSchema(partial=household is not None)
        try:
            data = load_form(schema, request.form, FORM_TYPES, clear_blank=household is not None, keep=("id_number",))
            if household is None:
                record = registry.create_household(db.session, acting_user(), data, id_number_vault(), current_rules())
            else:
                record = registry.update_household(db.session, acting_user(), household.id, data, id_number_vault(),
                                                   current_rules())
            db.session.commit()
            return redirect(url_for("households_pages.detail", household_id=record.id))
        except IdNumberConflict as exc:
            record_id_conflict(exc)
            errors = exc.errors
        except FieldErrors as exc:
            db.session.rollback()
            errors = exc.errors
    elif household is not None:
        values = {key: getattr(household, key) for key in FORM_TYPES if key != "id_number"}
        if household.distance_computed:
            # Shown as a hint, not as a value: saving the form must not turn it into a surveyed distance.
            values["distance_m"] = None
    return render_template("households/form.html", h=household, values=values, errors=errors,
                           villages=_villages()), (422 if errors else 200)


@blueprint.route("/households/new", methods=["GET", "POST"])
@login_required
def new():
    return _form()


@blueprint.route("/households/<int:household_id>/edit", methods=["GET", "POST"])
@login_required
def edit(household_id):
    return _form(get_visible(db.session, Household, household_id, acting_scope()))
