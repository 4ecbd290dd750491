from flask import send_from_directory

from models import db, utcnow

from ..api_common import UploadSchema
from ..auth import acting_scope, acting_user
from ..domain import agreements
from ..registry_api import collection_blueprint
from ..unit_of_work import atomic
from ..uploads import IMAGES, store_upload, upload_root
from .schemas import AgreementSchema


from .queries import collection

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
