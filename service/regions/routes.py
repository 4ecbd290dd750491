from marshmallow import fields, validate

from models import REGION_LEVELS, Region

from ..api_common import PageArgs, Schema, Text, filter_id, page_schema, ref
from ..domain import regions
from ..registry_api import Collection, collection_blueprint


class RegionSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = Text(required=True, validate=validate.Length(min=1, max=60))
    code = Text(required=True, metadata={"description": "GB/T 2260, six digits: 370000 a province, 370100 a city, "
                                                       "370102 a county"})
    level = fields.String(required=True, validate=validate.OneOf(REGION_LEVELS))
    parent_id = ref(allow_none=True, metadata={"description": "the region one level up; none for a province"})
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


class RegionArgs(PageArgs):
    level = fields.String(validate=validate.OneOf(REGION_LEVELS))
    parent_id = filter_id()


blueprint = collection_blueprint(Collection(
    "regions", Region, RegionSchema, page_schema(RegionSchema), RegionArgs, regions.create_region,
    regions.update_region, "区划 Regions above the township (GB/T 2260): province, city, county",
))
