from marshmallow import fields, validate

from models import UNIT_KINDS, Unit

from ..api_common import PageArgs, filter_id, page_schema
from ..domain import units
from ..registry_api import Collection, collection_blueprint
from .schemas import UnitSchema


class UnitArgs(PageArgs):
    township_id = filter_id()
    county_id = filter_id()
    kind = fields.String(validate=validate.OneOf(UNIT_KINDS))


collection = Collection(
    "units", Unit, UnitSchema, page_schema(UnitSchema), UnitArgs, units.create_unit, units.update_unit,
    "单位 Units: who leads (牵头) and cooperates (配合) in a case; the county's departments are every township's",
)
blueprint = collection_blueprint(collection)
