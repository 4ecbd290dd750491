from ..registry_api import collection_blueprint
from .queries import collection

blueprint = collection_blueprint(collection)
