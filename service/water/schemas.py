from marshmallow import fields, validate

from models import SAMPLE_POINTS

from ..api_common import filter_id, page_schema, PageArgs, ref, Schema, Text


class ExceedanceSchema(Schema):
    parameter = fields.String()
    value = fields.Float()
    limit = fields.Float()
    bound = fields.String(metadata={"description": "max: the value is above the limit; min: below it"})
    unit = fields.String()


class WaterTestSchema(Schema):
    id = fields.Integer(dump_only=True)
    township_id = fields.Integer(dump_only=True)
    village_id = fields.Integer(dump_only=True)
    facility_id = ref(allow_none=True)
    household_id = ref(allow_none=True)
    sampled_on = fields.Date(required=True)
    sample_point = fields.String(required=True, validate=validate.OneOf(SAMPLE_POINTS),
                                 metadata={"description": "source 水源水, treated 出厂水, tap 末梢水, household 入户"})
    lab = Text(allow_none=True, validate=validate.Length(max=100))
    # Judged in the domain, value by value, so that each bad one is named (unknown, negative, pH past 0–14).
    results = fields.Dict(keys=fields.String(validate=validate.Length(max=30)), values=fields.Raw(), required=True,
                          validate=validate.Length(min=1, max=60),
                          metadata={"description": "parameter code → measured value (GET /water-tests/limits)"})
    passed = fields.Boolean(dump_only=True)
    exceedances = fields.List(fields.Nested(ExceedanceSchema), dump_only=True)
    standard = fields.String(dump_only=True)
    relaxed = fields.Boolean(dump_only=True, metadata={"description": "judged by the small-supply limits"})
    case_id = fields.Integer(dump_only=True, allow_none=True)
    created_at = fields.DateTime(dump_only=True)


class WaterTestArgs(PageArgs):
    township_id = filter_id()
    village_id = filter_id()
    facility_id = filter_id()
    household_id = filter_id()
    passed = fields.Boolean()
    sample_point = fields.String(validate=validate.OneOf(SAMPLE_POINTS))
    date_from = fields.Date(data_key="from", metadata={"description": "sampled on or after"})
    date_to = fields.Date(data_key="to", metadata={"description": "sampled on or before"})


class LimitSchema(Schema):
    parameter = fields.String()
    name = fields.String()
    unit = fields.String()
    min = fields.Float(allow_none=True)
    max = fields.Float(allow_none=True)
    relaxed_max = fields.Float(allow_none=True, metadata={"description": "small central and dispersed supplies"})
    only_where = fields.String(allow_none=True, metadata={"description": "chlorinated: judged only where the "
                                                                       "supply is chlorinated"})
    group = fields.String(metadata={"description": "microbial, toxicological, sensory or disinfectant: what "
                                                   "households are told after an exceedance depends on it"})
    max_words = fields.String(allow_none=True, metadata={"description": "the maximum as the standard words it "
                                                                       "(不得检出 for a microbe)"})
    at = fields.Dict(keys=fields.String(), values=fields.Dict(),
                     metadata={"description": "limits by sample point, where they differ (free chlorine); a point "
                                              "not named is not judged"})


class StandardSchema(Schema):
    standard = fields.String()
    title = fields.String()
    parameters = fields.List(fields.Nested(LimitSchema))


WaterTestPageSchema = page_schema(WaterTestSchema)
