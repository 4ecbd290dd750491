from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from models import Agreement, Delivery, Facility, FieldReport, Household, SmsMessage, Village, WaterTest, db

from ..auth import acting_scope, acting_user
from ..clock import local_today, local_zone
from ..context import current_context, current_gaps, current_rules, current_thresholds
from ..domain import cases, registry
from ..domain.cases import REPORTED_KINDS
from ..domain.catalogue import label
from ..domain.errors import FieldErrors
from ..domain.history import household_history
from ..domain.needs_delivery import household_reasons
from ..domain.permissions import can
from ..domain.scope import get_visible
from ..domain.supply import annotate_30d
from ..domain.water_quality import advice_for, recent_tests
from ..i18n import say
from ..handlers import refuse_while_probing_numbers
from ..field_reports import field_report, noted
from ..forms import clean_text, flash_when_saved, form_page, load_form, load_query
from ..uploads import photo_evidence
from .queries import collection
from .schemas import HouseholdArgs, HouseholdSchema

blueprint = Blueprint("households_pages", __name__)
FORM_TYPES = {"village_id": int, "head_name": str, "id_number": str, "phone": str, "members": int,
              "self_care": bool, "monitoring_type": str, "lat": float, "lon": float, "distance_m": float,
              "vertical_m": float, "round_trip_min": float, "water_source": str}


def _support_person(data: dict, clear: bool) -> dict:
    """The form's 帮扶责任人 fields as the API's `support_person` (a blank name clears it on an edit)."""
    name = clean_text(request.form.get("support_person_name"), 50)
    phone = clean_text(request.form.get("support_person_phone"), 30)
    if name:
        data["support_person"] = {"name": name, "phone": phone}
    elif clear or phone:
        data["support_person"] = None
    return data


def _villages():
    scope = acting_scope()
    stmt = scope.restrict(select(Village), Village).options(selectinload(Village.township))
    return db.session.scalars(stmt.order_by(Village.township_id, Village.name)).all()


@blueprint.route("/households")
@login_required
def index():
    args = load_query(HouseholdArgs, request.args, per_page=30)
    page = collection.page(db.session, acting_scope(), args, (selectinload(Household.village),))
    reasons = {h.id: household_reasons(h, current_thresholds()) for h in page["items"]}
    return render_template("households/index.html", page=page, reasons=reasons, villages=_villages(), args=args)


def _detail(household_id: int, errors: dict | None = None) -> str:
    scope = acting_scope()
    household = get_visible(db.session, Household, household_id, scope)
    facilities = db.session.scalars(
        scope.restrict(select(Facility), Facility).where(Facility.household_id == household.id)).all()
    messages = db.session.scalars(select(SmsMessage).where(SmsMessage.household_id == household.id)
                                  .order_by(SmsMessage.id.desc()).limit(10)).all()
    agreements = db.session.scalars(select(Agreement).where(
        Agreement.household_id == household.id, Agreement.status.in_(("draft", "active")))
        .options(selectinload(Agreement.provider), selectinload(Agreement.source_facility))
        .order_by(Agreement.start_on)).all()
    next_delivery = db.session.scalar(select(Delivery.scheduled_for).where(
        Delivery.household_id == household.id, Delivery.status == "planned", Delivery.scheduled_for >= local_today())
        .order_by(Delivery.scheduled_for).limit(1))
    rules = current_rules()
    annotate_30d(db.session, [household], rules.today, gaps=current_gaps())
    history = household_history(db.session, household.id, rules.today, local_zone())
    visits = [entry.record.id for entry in history if entry.kind == "visit"]
    field_reports = {r.visit_id: r for r in db.session.scalars(
        select(FieldReport).where(FieldReport.visit_id.in_(visits)))} if visits else {}
    # What the household drinks: its own source and facilities, and the water delivered to it (its agreement's source).
    drinking = [household.water_source_facility, *facilities,
                *(a.source_facility for a in agreements if a.status == "active")]
    exceeded = list({f.id: f for f in drinking if f is not None and f.quality_exceeded}.values())
    return render_template("households/detail.html", h=household, reasons=household_reasons(household, current_thresholds()),
                           advice=advice_for(db.session, [f.id for f in exceeded]), exceeded=exceeded,
                           supply=household.supply_30d, short=household.supply_30d.short_of(rules.supply),
                           tests=recent_tests(db.session, WaterTest.household_id == household.id),
                           supply_standard=rules.supply,
                           facilities=facilities, messages=messages, agreements=agreements, next_delivery=next_delivery,
                           history=history, field_reports=field_reports,
                           can_edit=can(acting_user(), "edit_registry"), kinds=REPORTED_KINDS, errors=errors or {})


@blueprint.route("/households/<int:household_id>")
@login_required
def detail(household_id):
    return _detail(household_id)


@blueprint.route("/households/<int:household_id>/problems", methods=["POST"])
@login_required
@form_page(_detail)
@field_report("problem")
def report_problem(household_id):
    """报告问题: a case about the household, with a note and a photo."""
    rules, actor = current_rules(), acting_user()
    household = get_visible(db.session, Household, household_id, acting_scope())
    case = cases.report_problem(db.session, actor, household.id, request.form.get("kind", ""),
                                clean_text(request.form.get("note"), 2000), rules, photo_evidence(actor, rules.now))
    noted(case_id=case.id)
    flash_when_saved(say("case.reported"))
    return redirect(url_for("cases_pages.detail", case_id=case.id))


def _form(household, values: dict, errors: dict | None = None) -> str:
    return render_template("households/form.html", h=household, values=values, errors=errors or {},
                           villages=_villages())


def _redraw(errors: dict, household_id: int | None = None) -> str:
    household = get_visible(db.session, Household, household_id, acting_scope()) if household_id else None
    return _form(household, dict(request.form), errors)


@blueprint.route("/households/new", methods=["GET", "POST"])
@login_required
@form_page(_redraw)
def new():
    if request.method == "GET":
        return _form(None, {})
    data = _support_person(load_form(HouseholdSchema(), request.form, FORM_TYPES), clear=False)
    refuse_while_probing_numbers()
    context = current_context()
    record = registry.create_household(db.session, acting_user(), data, context.vault, context.rules)
    flash_when_saved(say("household.created", name=record.head_name))
    return redirect(url_for("households_pages.detail", household_id=record.id))


@blueprint.route("/households/<int:household_id>/edit", methods=["GET", "POST"])
@login_required
@form_page(_redraw)
def edit(household_id):
    household = get_visible(db.session, Household, household_id, acting_scope())
    if request.method == "GET":
        values = {key: getattr(household, key) for key in FORM_TYPES if key != "id_number"}
        values.update(support_person_name=household.support_person_name,
                      support_person_phone=household.support_person_phone)
        if household.distance_computed:
            # Shown as a hint, not as a value: saving the form must not turn it into a surveyed distance.
            values["distance_m"] = None
        return _form(household, values)
    data = load_form(HouseholdSchema(partial=True), request.form, FORM_TYPES, clear_blank=True, keep=("id_number",))
    data = _support_person(data, clear=True)
    if data.get("id_number") is not None:
        refuse_while_probing_numbers()
    context = current_context()
    registry.update_household(db.session, acting_user(), household.id, data, context.vault, context.rules)
    flash_when_saved(say("household.saved", name=household.head_name))
    return redirect(url_for("households_pages.detail", household_id=household.id))


@blueprint.route("/households/<int:household_id>/monitoring", methods=["POST"])
@login_required
@form_page(_detail)
def monitoring(household_id):
    """退出监测 (风险消除, 迁出, 死亡, on a day) or 重新纳入 (from a day), from the household's page."""
    household = get_visible(db.session, Household, household_id, acting_scope())
    data = load_form(HouseholdSchema(partial=True), request.form,
                     {"monitoring_status": str, "left_on": str, "monitored_since": str})
    if "monitoring_status" not in data:
        raise FieldErrors.one("monitoring_status", "value.required")
    context = current_context()
    registry.update_household(db.session, acting_user(), household.id, data, context.vault, context.rules)
    flash_when_saved(say("household.monitoring_saved", name=household.head_name,
                         status=label("monitoring_status", household.monitoring_status)))
    return redirect(url_for("households_pages.detail", household_id=household.id))
