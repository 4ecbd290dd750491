from flask import send_from_directory
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from models import Agreement, Household, db, utcnow

from ..api_common import UploadSchema
from ..auth import acting_scope, acting_user
from ..clock import local_today
from ..context import current_rules
from ..domain import agreements
from ..registry_api import Collection, collection_blueprint
from ..unit_of_work import atomic
from ..uploads import IMAGES, store_upload, upload_root
from .schemas import AgreementArgs, AgreementPageSchema, AgreementSchema


def _in_place(column):
    def restrict(stmt, value):
        return stmt.where(Agreement.household_id.in_(select(Household.id).where(column == value)))
    return restrict


def _renewal(stmt, wanted: bool):
    clause = agreements.renewal_due_clause(local_today())
    return stmt.where(clause if wanted else ~clause)


collection = Collection(
    "agreements", Agreement, AgreementSchema, AgreementPageSchema, AgreementArgs,
    lambda session, actor, data: agreements.create_agreement(session, actor, data, current_rules()),
    lambda session, actor, record_id, data: agreements.update_agreement(session, actor, record_id, data,
                                                                        current_rules()),
    "送水服务协议 Water-delivery agreements: draft → active (signed) → expired / terminated",
    special_filters={"township_id": _in_place(Household.township_id), "village_id": _in_place(Household.village_id),
                     "due_for_renewal": _renewal},
    list_options=(selectinload(Agreement.household),),
)
blueprint = collection_blueprint(collection)


@blueprint.route("/<int:record_id>/scan", methods=["POST"])
@blueprint.arguments(UploadSchema, location="files")
@blueprint.response(200, AgreementSchema)
@atomic
def upload_scan(files, record_id):
    """Attach the scan of the signed paper (JPEG, PNG or PDF)."""
    return agreements.attach_scan(db.session, acting_user(), record_id,
                                  lambda: store_upload(files.get("file"), IMAGES + ("application/pdf",), "scans"),
                                  utcnow())


@blueprint.route("/<int:record_id>/scan", methods=["GET"])
@blueprint.response(200, description="the signed scan", content_type="application/octet-stream")
def download_scan(record_id):
    """The signed scan, to users in scope."""
    agreement = agreements.get_agreement_scan(db.session, record_id, acting_scope())
    return send_from_directory(upload_root(), agreement.scan_path, mimetype=agreement.scan_content_type)
