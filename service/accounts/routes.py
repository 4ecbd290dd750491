from flask_smorest import Blueprint

from models import db

from ..api_common import limit_json_body
from ..auth import issue_token
from ..errors import Unauthorized
from ..domain.users import authenticate
from .schemas import TokenRequestSchema, TokenSchema

blueprint = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="Bearer tokens")
blueprint.before_request(limit_json_body)


@blueprint.route("/token", methods=["POST"])
@blueprint.arguments(TokenRequestSchema)
@blueprint.response(200, TokenSchema)
@blueprint.alt_response(401, response="DEFAULT_ERROR", description="wrong username or password")
@blueprint.doc(security=[])
def create_token(credentials):
    """Exchange a username and password for a bearer token that expires."""
    user = authenticate(db.session, credentials["username"], credentials["password"])
    if user is None:
        raise Unauthorized("wrong username or password")
    token, expires_at = issue_token(user)
    return {"token": token, "expires_at": expires_at}
