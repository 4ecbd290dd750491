from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from models import Agreement, Delivery, Household, Staff, Village, db, utcnow

from ..auth import acting_scope, acting_user
from ..clock import local_today
from ..context import current_rules, current_thresholds
from ..domain import agreements
from ..domain.deliveries import delivery_sources
from ..domain.needs_delivery import household_reasons
from ..domain.scope import get_visible
from ..i18n import label, say
from ..forms import flash_when_saved, form_page, load_form, load_query
from ..uploads import IMAGES, store_upload
from .queries import collection
from .schemas import AgreementArgs, AgreementSchema

blueprint = Blueprint("agreements_pages", __name__)
FORM_TYPES = {"household_id": int, "provider_id": int, "reason": str, "interval_days": int,
              "liters_per_delivery": int, "start_on": str, "end_on": str, "signed_on": str,
              "source_facility_id": int}


@blueprint.route("/agreements")
@login_required
def index():
    args = load_query(AgreementArgs, request.args, per_page=30)
    page = collection.page(db.session, acting_scope(), args,
                           (selectinload(Agreement.household).selectinload(Household.village).selectinload(Village.township),
                            selectinload(Agreement.provider)))
    return render_template("agreements/index.html", page=page, args=args, today=local_today())


def _providers(household):
    """Who may deliver: the household's own village's staff first, then the township's leads, then the other
    villages' staff (each shown with their village)."""
    staff = db.session.scalars(acting_scope().restrict(db.select(Staff), Staff).where(
        Staff.township_id == household.township_id, Staff.role != "county_admin")
        .options(selectinload(Staff.village))).all()
    return sorted(staff, key=lambda s: (s.village_id != household.village_id, s.village_id is not None,
                                        s.village.name if s.village else "", s.name))


def _new_form(values: dict | None = None, errors: dict | None = None) -> str:
    household = get_visible(db.session, Household, request.args.get("household_id", 0, type=int), acting_scope())
    reasons = household_reasons(household, current_thresholds())
    providers = _providers(household)
    defaults = {"reason": reasons[0] if reasons else "other", "start_on": local_today().isoformat(),
                "interval_days": 7, "liters_per_delivery": 35 * 7 * household.members,
                "provider_id": providers[0].id if providers else None}
    sources = sorted(delivery_sources(db.session, acting_scope(), [household.township_id]),
                     key=lambda f: f.village_id != household.village_id)
    return render_template("agreements/form.html", household=household, providers=providers, sources=sources,
                           reasons=reasons, values=values if values is not None else defaults, errors=errors or {})


@blueprint.route("/agreements/new", methods=["GET", "POST"])
@login_required
@form_page(lambda errors: _new_form(dict(request.form), errors))
def new():
    if request.method == "GET":
        return _new_form()
    household = get_visible(db.session, Household, request.args.get("household_id", 0, type=int), acting_scope())
    data = load_form(AgreementSchema(), {**request.form, "household_id": str(household.id)}, FORM_TYPES)
    data["status"] = "active" if data.get("signed_on") else "draft"
    agreement = agreements.create_agreement(db.session, acting_user(), data, current_rules())
    flash_when_saved(say("agreement.created_active") if agreement.status == "active" else
                     say("agreement.created_draft"))
    return redirect(url_for("agreements_pages.detail", agreement_id=agreement.id))


PLAN_SHOWN = 7


def _detail(agreement_id: int, errors: dict | None = None) -> str:
    agreement = get_visible(db.session, Agreement, agreement_id, acting_scope())
    today = local_today()
    # 送水计划: the next planned days, and the last ones with what became of them.
    upcoming = db.session.scalars(select(Delivery).where(
        Delivery.agreement_id == agreement.id, Delivery.scheduled_for >= today, Delivery.status != "cancelled")
        .order_by(Delivery.scheduled_for).limit(PLAN_SHOWN)).all()
    recent = db.session.scalars(select(Delivery).where(
        Delivery.agreement_id == agreement.id, Delivery.scheduled_for < today)
        .order_by(Delivery.scheduled_for.desc()).limit(PLAN_SHOWN)).all()
    return render_template("agreements/detail.html", a=agreement, errors=errors or {}, today=today,
                           upcoming=upcoming, recent=recent,
                           standard=current_app.config["WATER_STANDARD_L_PER_PERSON_DAY"])


@blueprint.route("/agreements/<int:agreement_id>")
@login_required
def detail(agreement_id):
    return _detail(agreement_id)


@blueprint.route("/agreements/<int:agreement_id>/status", methods=["POST"])
@login_required
@form_page(_detail)
def change_status(agreement_id):
    """Activate (with the signed date) or terminate (with a reason) an agreement."""
    data = load_form(AgreementSchema(partial=True), request.form, {"status": str, "signed_on": str, "status_note": str})
    agreement = agreements.update_agreement(db.session, acting_user(), agreement_id, data, current_rules())
    flash_when_saved(say("agreement.status", status=label("agreement_status", agreement.status)))
    return redirect(url_for("agreements_pages.detail", agreement_id=agreement_id))


@blueprint.route("/agreements/<int:agreement_id>/scan", methods=["POST"])
@login_required
@form_page(_detail)
def upload_scan(agreement_id):
    agreements.attach_scan(db.session, acting_user(), agreement_id,
                           lambda: store_upload(request.files.get("file"), IMAGES + ("application/pdf",), "scans"),
                           utcnow())
    flash_when_saved(say("agreement.scan"))
    return redirect(url_for("agreements_pages.detail", agreement_id=agreement_id))
