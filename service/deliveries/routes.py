from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import MethodNotAllowed

from models import Delivery, db

from ..api_common import UploadSchema, counted_by_village, limit_json_body, paginate
from ..auth import acting_scope, acting_user, require_bearer_user
from ..clock import as_aware
from ..context import current_rules
from ..domain import deliveries
from ..domain.kept import household_village
from ..domain.scope import get_visible
from ..unit_of_work import atomic
from ..uploads import IMAGES, store_upload
from .queries import filtered
from .schemas import (CompleteSchema, CorrectionSchema, DeliveryArgs, DeliveryPageSchema, DeliverySchema,
                      IdempotencyHeader, PlannedChangeSchema, UnplannedDeliverySchema)

blueprint = Blueprint("deliveries", __name__, url_prefix="/api/v1/deliveries",
                      description="送水记录 Deliveries: planned by schedule, logged once, corrected, never deleted")
blueprint.before_request(limit_json_body)
blueprint.before_request(require_bearer_user)
LOADED = (selectinload(Delivery.corrections),)


def _times(data: dict) -> dict:
    if "delivered_at" in data:
        data["delivered_at"] = as_aware(data["delivered_at"])
    return data


@blueprint.route("")
class Deliveries(MethodView):
    @blueprint.arguments(DeliveryArgs, location="query")
    @blueprint.response(200, DeliveryPageSchema)
    def get(self, args):
        """List deliveries in the caller's scope (filter by place, status, confirmation, day or period)."""
        scope = acting_scope()
        stmt = filtered(scope.restrict(select(Delivery), Delivery), args)
        return paginate(db.session, stmt, args, LOADED,
                        total=counted_by_village(db.session, "deliveries", scope, args, household_village))

    @blueprint.arguments(IdempotencyHeader, location="headers")
    @blueprint.arguments(UnplannedDeliverySchema)
    @blueprint.response(201, DeliverySchema)
    @blueprint.alt_response(200, schema=DeliverySchema, description="the same Idempotency-Key again: logged before")
    @atomic
    def post(self, headers, data):
        """Log a delivery that no schedule planned."""
        delivery, created = deliveries.log_unplanned_delivery(db.session, acting_user(), _times(data),
                                                              current_rules(), headers.get("key"))
        return delivery, (201 if created else 200)


@blueprint.route("/<int:delivery_id>")
class DeliveryItem(MethodView):
    @blueprint.response(200, DeliverySchema)
    @blueprint.alt_response(404, response="DEFAULT_ERROR")
    def get(self, delivery_id):
        """One delivery, with its values as corrected and its corrections oldest first."""
        return get_visible(db.session, Delivery, delivery_id, acting_scope())

    @blueprint.arguments(PlannedChangeSchema)
    @blueprint.response(200, DeliverySchema)
    @blueprint.alt_response(409, response="DEFAULT_ERROR", description="already logged: use corrections")
    @atomic
    def patch(self, data, delivery_id):
        """Reschedule, reassign or cancel a delivery that is still planned."""
        return deliveries.change_planned_delivery(db.session, acting_user(), delivery_id, data)

    @blueprint.response(405, description="a delivery record is never deleted")
    def delete(self, delivery_id):
        """Refused: a delivery record is never deleted (cancel a planned one, correct a logged one)."""
        raise MethodNotAllowed(valid_methods=["GET", "PATCH"],
                               description="a delivery record is never deleted; cancel or correct it instead")


@blueprint.route("/<int:delivery_id>/complete", methods=["POST"])
@blueprint.arguments(IdempotencyHeader, location="headers")
@blueprint.arguments(CompleteSchema)
@blueprint.response(200, DeliverySchema)
@blueprint.alt_response(409, response="DEFAULT_ERROR", description="already delivered or cancelled")
@atomic
def complete(headers, data, delivery_id):
    """Log a planned delivery as delivered (time defaults to now); a retried request logs once."""
    delivery, _ = deliveries.complete_delivery(db.session, acting_user(), delivery_id, _times(data),
                                               current_rules(), headers.get("key"))
    return delivery


@blueprint.route("/<int:delivery_id>/corrections", methods=["POST"])
@blueprint.arguments(CorrectionSchema)
@blueprint.response(201, DeliverySchema)
@blueprint.alt_response(409, response="DEFAULT_ERROR", description="not a logged delivery")
@atomic
def correct(data, delivery_id):
    """Correct a logged delivery: the original values stay, the correction says who and why."""
    return deliveries.correct_delivery(db.session, acting_user(), delivery_id, _times(data), current_rules()).delivery


@blueprint.route("/<int:delivery_id>/photo", methods=["POST"])
@blueprint.arguments(UploadSchema, location="files")
@blueprint.response(200, DeliverySchema)
@atomic
def photo(files, delivery_id):
    """Attach a photo (JPEG or PNG) to a delivery."""
    return deliveries.attach_photo(db.session, acting_user(), delivery_id,
                                   lambda: store_upload(files.get("file"), IMAGES, "photos")[0])
