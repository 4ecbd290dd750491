import uuid

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from models import Delivery, Household, db

from ..auth import acting_scope, acting_user
from ..clock import current_rules, local_today
from ..domain import deliveries
from ..errors import FieldErrors
from ..forms import load_form
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


@blueprint.route("/deliveries/today")
@login_required
def today(errors=None, status=200):
    village_id = request.args.get("village_id", type=int)
    items = _todays(village_id if village_id and 0 < village_id < 2**31 else None)
    done = sum(1 for d in items if d.status == "delivered")
    return render_template("deliveries/today.html", items=items, done=done, today=local_today(),
                           errors=errors or {}, new_key=lambda: uuid.uuid4().hex), status


@blueprint.route("/deliveries/<int:delivery_id>/complete", methods=["POST"])
@login_required
def complete(delivery_id):
    """The one-tap log: liters as planned, time now; a double tap carries the same key and logs once."""
    try:
        data = load_form(CompleteSchema(), request.form, {"liters": int, "note": str})
        delivery, created = deliveries.complete_delivery(
            db.session, acting_user(), delivery_id, data, current_rules(), request.form.get("idempotency_key") or None)
        photo = request.files.get("photo")
        if created and photo and photo.filename:
            deliveries.attach_photo(db.session, acting_user(), delivery_id,
                                    lambda: store_upload(photo, IMAGES, "photos")[0])
        db.session.commit()
    except FieldErrors as exc:
        db.session.rollback()
        return today(errors={delivery_id: exc.errors}, status=422)
    flash(f"已登记：{delivery.household.head_name} {delivery.liters} 升")
    return redirect(url_for("deliveries_pages.today", village_id=request.args.get("village_id")) + f"#d{delivery_id}")
