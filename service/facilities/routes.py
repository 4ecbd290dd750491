from models import Facility

from ..clock import current_rules
from ..registry_api import Collection, collection_blueprint
from ..domain import registry
from .schemas import FacilityArgs, FacilityPageSchema, FacilitySchema

collection = Collection(
    "facilities", Facility, FacilitySchema, FacilityPageSchema, FacilityArgs,
    lambda session, actor, data: registry.create_facility(session, actor, data, current_rules()),
    lambda session, actor, record_id, data: registry.update_facility(session, actor, record_id, data, current_rules()),
    "设施 Facilities: central water points, purifiers, wells",
)
blueprint = collection_blueprint(collection)
