"""Extension objects, created once here and initialised in the application factory."""
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from apispec.ext.marshmallow import MarshmallowPlugin
from apispec.ext.marshmallow.common import resolve_schema_cls
from flask_smorest import Api, Blueprint
from flask_wtf import CSRFProtect
from marshmallow import RAISE
from webargs.flaskparser import FlaskParser

from models import db


def schema_name(schema) -> str:
    """OpenAPI component names: `Household`, and `HouseholdPatch` for the partial schema of PATCH."""
    name = resolve_schema_cls(schema).__name__.removesuffix("Schema")
    return name + "Patch" if getattr(schema, "partial", False) else name


class QueryNamingParser(FlaskParser):
    """The API's arguments parser: a query parameter no list knows is refused (400, naming it) rather than dropped, so
    that a filter a list does not have is never silently ignored."""

    DEFAULT_UNKNOWN_BY_LOCATION = {**FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION, "query": RAISE, "querystring": RAISE}


Blueprint.ARGUMENTS_PARSER = QueryNamingParser()
migrate = Migrate()
api = Api(spec_kwargs={"marshmallow_plugin": MarshmallowPlugin(schema_name_resolver=schema_name)})
login_manager = LoginManager()
csrf = CSRFProtect()
# No default limits: only the routes that need a throttle (logins, /verify) name theirs.
limiter = Limiter(key_func=get_remote_address)

__all__ = ["db", "migrate", "api", "login_manager", "csrf", "limiter"]
