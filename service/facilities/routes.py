from models import Facility

from ..registry_api import Collection, collection_blueprint
from ..domain import registry
from .schemas import FacilityArgs, FacilityPageSchema, FacilitySchema

blueprint = collection_blueprint(Collection(
    "facilities", Facility, FacilitySchema, FacilityPageSchema, FacilityArgs,
    registry.create_facility, registry.update_facility,
    "设施 Facilities: central water points, purifiers, wells",
))
