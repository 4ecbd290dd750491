from sqlalchemy.orm import selectinload

from models import Staff

from ..domain import imports
from ..domain.catalogue import label

from ..registry_api import Collection, collection_blueprint
from ..domain import registry
from .schemas import StaffArgs, StaffPageSchema, StaffSchema

def staff_rows(items, thresholds):
    """The staff export: the roster's headers and rows."""
    headers = [c.header for c in imports.STAFF_COLUMNS]
    return headers, [[s.name, s.phone, label("staff_role", s.role), s.township.name if s.township else None,
                      s.village.name if s.village else None] for s in items]


collection = Collection(
    "staff", Staff, StaffSchema, StaffPageSchema, StaffArgs,
    registry.create_staff, registry.update_staff, "责任人 Responsible staff", numbers_looked_up=("phone",),
    export=staff_rows, export_options=(selectinload(Staff.township), selectinload(Staff.village)),
)
blueprint = collection_blueprint(collection)
