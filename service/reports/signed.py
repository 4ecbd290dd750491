"""签字件 through the API: POST /api/v1/printouts/<code>/signed attaches a signed paper to the printout its 核验码
names."""
from flask_smorest import Blueprint
from marshmallow import fields

from models import db, utcnow

from ..api_common import Schema, UploadSchema
from ..auth import acting_user, require_bearer_user
from ..domain.signed_copies import attach_signed_copy
from ..unit_of_work import atomic
from ..uploads import IMAGES, store_upload

blueprint = Blueprint("printouts", __name__, url_prefix="/api/v1/printouts",
                      description="签字件 Signed copies of printouts, by their verification code (核验码)")
blueprint.before_request(require_bearer_user)


class SignedCopySchema(Schema):
    id = fields.Integer()
    code = fields.String()
    content_type = fields.String()
    uploaded_by_id = fields.Integer(allow_none=True)
    uploaded_at = fields.DateTime()


@blueprint.route("/<code>/signed", methods=["POST"])
@blueprint.arguments(UploadSchema, location="files")
@blueprint.response(201, SignedCopySchema)
@atomic
def attach(files, code):
    """Attach a signed paper (a photo, JPEG or PNG, or a scanned PDF) to the printout its 核验码 names."""
    upload = files.get("file")
    return attach_signed_copy(db.session, acting_user(), code,
                              lambda: store_upload(upload, IMAGES + ("application/pdf",), "signed"), utcnow())
