from models import Facility

from ..clock import local_today
from ..registry_api import Collection, collection_blueprint
from ..domain import registry
from .schemas import FacilityArgs, FacilityPageSchema, FacilitySchema

collection = Collection(
    "facilities", Facility, FacilitySchema, FacilityPageSchema, FacilityArgs,
    lambda session, actor, data: registry.create_facility(session, actor, data, local_today()),
    lambda session, actor, record_id, data: registry.update_facility(session, actor, record_id, data, local_today()),
    "设施 Facilities: central water points, purifiers, wells",
)
blueprint = collection_blueprint(collection)
