from datetime import timedelta, timezone

from flask import Blueprint, jsonify, redirect, render_template, request, url_for
from flask_login import login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from models import Delivery, Household, Village, db

from ..api_common import counted_by_village, paginate
from ..auth import acting_scope, acting_user
from ..clock import as_aware, local_time, local_today
from ..context import current_rules
from ..domain import deliveries
from ..domain.kept import household_village
from ..i18n import say
from ..domain.errors import FieldErrors
from ..domain.field_reports import clock_of
from ..forms import flash_when_saved, form_asked, form_page, load_form, load_query
from ..handlers import wants_json
from ..uploads import IMAGES, store_upload
from .queries import filtered
from .schemas import CompleteSchema, DeliveryArgs

blueprint = Blueprint("deliveries_pages", __name__)
SHOWN_PER_DAY = 300


def _village_filter() -> int | None:
    village_id = request.args.get("village_id", type=int)
    return village_id if village_id and 0 < village_id < 2**31 else None


def _deliveries(*where, limit: int = SHOWN_PER_DAY):
    """Deliveries in the user's scope (and the chosen village) with their household, village and agreement:
    one query."""
    stmt = (acting_scope().restrict(select(Delivery), Delivery)
            .join(Household, Household.id == Delivery.household_id)
            .where(*where)
            .options(joinedload(Delivery.household).joinedload(Household.village), joinedload(Delivery.agreement),
                     joinedload(Delivery.source_facility), joinedload(Delivery.emergency))
            .order_by(Delivery.scheduled_for, Household.village_id, Delivery.status.desc(), Household.head_name)
            .limit(limit))
    village_id = _village_filter()
    if village_id:
        stmt = stmt.where(Household.village_id == village_id)
    return db.session.scalars(stmt).unique().all()


def _today_page(errors: dict | None = None) -> str:
    today = local_today()
    items = _deliveries(Delivery.scheduled_for == today, Delivery.status != "cancelled")
    # Missed days still inside the backdating window, to log late with a reason.
    late = _deliveries(Delivery.status == "missed", Delivery.scheduled_for < today,
                       Delivery.scheduled_for >= today - timedelta(days=current_rules().backdate_days))
    done = sum(1 for d in items if d.status == "delivered")
    sources = deliveries.delivery_sources(db.session, acting_scope(),
                                          {d.household.township_id for d in items + late})
    return render_template("deliveries/today.html", items=items, late=late, done=done, today=today,
                           errors=errors or {}, sources=sources)


@blueprint.route("/deliveries/today")
@login_required
def today():
    return _today_page()


@blueprint.route("/deliveries")
@login_required
def index():
    """Deliveries by status and day (what the dashboard's delivery figures count), newest day first."""
    args = load_query(DeliveryArgs, request.args, per_page=30)
    scope = acting_scope()
    stmt = filtered(scope.restrict(select(Delivery), Delivery), args)
    page = paginate(db.session, stmt, args, (selectinload(Delivery.household).selectinload(Household.village)
                                             .selectinload(Village.township), selectinload(Delivery.corrections)),
                    newest_first=True, total=counted_by_village(db.session, "deliveries", scope, args,
                                                                household_village))
    return render_template("deliveries/index.html", page=page, args=args)


@blueprint.route("/deliveries/week")
@login_required
def week():
    """The coming seven days: what is planned each day, village by village."""
    today = local_today()
    days = [today + timedelta(days=n) for n in range(7)]
    items = _deliveries(Delivery.scheduled_for >= days[0], Delivery.scheduled_for <= days[-1],
                        Delivery.status != "cancelled", limit=7 * SHOWN_PER_DAY)
    by_day = {day: [d for d in items if d.scheduled_for == day] for day in days}
    return render_template("deliveries/week.html", by_day=by_day, today=today)


@blueprint.route("/deliveries/<int:delivery_id>/complete", methods=["POST"])
@login_required
@form_page(lambda errors, delivery_id: _today_page({delivery_id: errors}))
def complete(delivery_id):
    """The one-tap log: liters as planned, time now (or the time of a tap the phone queued); a double tap or a
    queued retry carries the same key and logs once. The phone's script gets JSON, a plain form a redirect."""
    data = load_form(CompleteSchema(), request.form, {"liters": int, "note": str, "delivered_at": str,
                                                      "source_facility_id": int})
    if request.form.get("late") and not data.get("delivered_at"):
        # A late log (补登) says when the water came: no time is assumed for it.
        raise FieldErrors.one("delivered_at", "delivery.late_time_required")
    # The phone's script sends the tap's time and the phone's time at sending, both by the phone's clock: a phone
    # whose clock is wrong still logs the right time, and a tap queued without signal keeps its own.
    data["delivered_at"] = as_aware(data.get("delivered_at")) or clock_of(
        request.form.get("tapped_at"), request.headers.get("X-Phone-Now"), current_rules().now)[0]
    if data["delivered_at"] is None:
        data.pop("delivered_at")
    # The phone's service worker marks a tap it queued without signal and sends now.
    delivery, created = deliveries.complete_delivery(
        db.session, acting_user(), delivery_id, data, current_rules(), request.form.get("idempotency_key") or None,
        sent_later=request.headers.get("X-Sent-Later") == "1", queued_by=request.form.get("user") or None,
        asked=form_asked())
    photo = request.files.get("photo")
    if created and photo and photo.filename:
        deliveries.attach_photo(db.session, acting_user(), delivery_id,
                                lambda: store_upload(photo, IMAGES, "photos")[0])
    message = say("delivery.logged", name=delivery.household.head_name, liters=delivery.liters)
    if wants_json():
        return jsonify(id=delivery.id, status=delivery.status, liters=delivery.liters,
                       delivered_at=delivery.delivered_at.astimezone(timezone.utc).isoformat(),
                       delivered_at_local=local_time(delivery.delivered_at), message=message), 201 if created else 200
    flash_when_saved(message)
    return redirect(url_for("deliveries_pages.today", village_id=_village_filter()) + f"#d{delivery_id}")
