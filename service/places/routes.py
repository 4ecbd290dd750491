from models import Township, Village

from ..registry_api import Collection, collection_blueprint
from ..domain import registry
from .schemas import (TownshipArgs, TownshipPageSchema, TownshipSchema, VillageArgs, VillagePageSchema,
                      VillageSchema)

townships = collection_blueprint(Collection(
    "townships", Township, TownshipSchema, TownshipPageSchema, TownshipArgs,
    registry.create_township, registry.update_township, "镇街 Townships",
))

villages = collection_blueprint(Collection(
    "villages", Village, VillageSchema, VillagePageSchema, VillageArgs,
    registry.create_village, registry.update_village, "村 Villages (is_key: 重点村)",
))
