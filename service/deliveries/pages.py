import uuid

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from models import Delivery, Household, db

from ..auth import acting_scope, acting_user
from ..clock import local_today
from ..context import current_rules
from ..domain import deliveries
from ..domain.catalogue import say
from ..forms import flash_when_saved, form_page, load_form
from ..uploads import IMAGES, store_upload
from .schemas import CompleteSchema

blueprint = Blueprint("deliveries_pages", __name__)
SHOWN_PER_DAY = 300


def _todays(village_id: int | None):
    """Today's deliveries in the user's scope, with their household, village and agreement: one query."""
    stmt = (acting_scope().restrict(select(Delivery), Delivery)
            .join(Household, Household.id == Delivery.household_id)
            .where(Delivery.scheduled_for == local_today(), Delivery.status != "cancelled")
            .options(joinedload(Delivery.household).joinedload(Household.village), joinedload(Delivery.agreement))
            .order_by(Household.village_id, Delivery.status.desc(), Household.head_name)
            .limit(SHOWN_PER_DAY))
    if village_id:
        stmt = stmt.where(Household.village_id == village_id)
    return db.session.scalars(stmt).unique().all()


def _today_page(errors: dict | None = None) -> str:
    village_id = request.args.get("village_id", type=int)
    items = _todays(village_id if village_id and 0 < village_id < 2**31 else None)
    done = sum(1 for d in items if d.status == "delivered")
    return render_template("deliveries/today.html", items=items, done=done, today=local_today(),
                           errors=errors or {}, new_key=lambda: uuid.uuid4().hex)


@blueprint.route("/deliveries/today")
@login_required
def today():
    return _today_page()


@blueprint.route("/deliveries/<int:delivery_id>/complete", methods=["POST"])
@login_required
@form_page(lambda errors, delivery_id: _today_page({delivery_id: errors}))
def complete(delivery_id):
    """The one-tap log: liters as planned, time now; a double tap carries the same key and logs once."""
    data = load_form(CompleteSchema(), request.form, {"liters": int, "note": str})
    delivery, created = deliveries.complete_delivery(
        db.session, acting_user(), delivery_id, data, current_rules(), request.form.get("idempotency_key") or None)
    photo = request.files.get("photo")
    if created and photo and photo.filename:
        deliveries.attach_photo(db.session, acting_user(), delivery_id,
                                lambda: store_upload(photo, IMAGES, "photos")[0])
    flash_when_saved(say("delivery.logged", name=delivery.household.head_name, liters=delivery.liters))
    return redirect(url_for("deliveries_pages.today", village_id=request.args.get("village_id")) + f"#d{delivery_id}")
