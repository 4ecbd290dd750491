from models import Staff

from ..registry_api import Collection, collection_blueprint
from ..domain import registry
from .schemas import StaffArgs, StaffPageSchema, StaffSchema

collection = Collection(
    "staff", Staff, StaffSchema, StaffPageSchema, StaffArgs,
    registry.create_staff, registry.update_staff, "责任人 Responsible staff", numbers_looked_up=("phone",),
)
blueprint = collection_blueprint(collection)
