from flask_smorest import Blueprint

from models import db

from ..api_common import limit_json_body
from ..auth import acting_user, issue_token, require_bearer_user
from ..domain.errors import Unauthorized
from ..domain.users import authenticate, revoke_tokens
from ..unit_of_work import atomic
from .schemas import TokenRequestSchema, TokenSchema
from .throttle import throttled_login

blueprint = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="Bearer tokens")
blueprint.before_request(limit_json_body)


@blueprint.route("/token", methods=["POST"])
@blueprint.arguments(TokenRequestSchema)
@blueprint.response(200, TokenSchema)
@blueprint.alt_response(401, response="DEFAULT_ERROR", description="wrong username or password")
@blueprint.alt_response(429, response="DEFAULT_ERROR", description="too many failed attempts: wait (Retry-After)")
@blueprint.doc(security=[])
def create_token(credentials):
    """Exchange a username and password for a bearer token that expires."""
    user = throttled_login(credentials["username"],
                           lambda: authenticate(db.session, credentials["username"], credentials["password"]))
    if user is None:
        raise Unauthorized("login.failed")
    token, expires_at = issue_token(user)
    return {"token": token, "expires_at": expires_at}


@blueprint.route("/revoke", methods=["POST"])
@blueprint.response(204)
@blueprint.alt_response(401, response="DEFAULT_ERROR")
@atomic
def revoke_token():
    """Revoke every token issued to the caller so far, the one of this request included."""
    require_bearer_user()
    revoke_tokens(db.session, acting_user())
