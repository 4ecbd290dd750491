from models import Township, Village, db

from ..auth import acting_scope
from ..clock import local_zone
from ..registry_api import Collection, collection_blueprint
from ..domain import registry
from ..domain.archive_gaps import archive_gaps
from .schemas import (ArchiveGapsArgs, ArchiveGapsSchema, TownshipArgs, TownshipPageSchema, TownshipSchema,
                      VillageArgs, VillagePageSchema, VillageSchema)

townships = collection_blueprint(Collection(
    "townships", Township, TownshipSchema, TownshipPageSchema, TownshipArgs,
    registry.create_township, registry.update_township, "镇街 Townships",
))

villages = collection_blueprint(Collection(
    "villages", Village, VillageSchema, VillagePageSchema, VillageArgs,
    registry.create_village, registry.update_village, "村 Villages (is_key: 重点村)",
))


@townships.route("/<int:record_id>/archive-gaps", methods=["GET"])
@townships.arguments(ArchiveGapsArgs, location="query")
@townships.response(200, ArchiveGapsSchema)
def get_archive_gaps(args, record_id):
    """What the township's archive still lacks for the period (this year by default): each paper that should exist
    and does not, what to do and where."""
    return archive_gaps(db.session, acting_scope(), record_id, args["date_from"], args["date_to"], local_zone())
