from marshmallow import fields, validate

from ..api_common import Schema, Text


class TokenRequestSchema(Schema):
    username = Text(required=True, validate=validate.Length(min=1, max=50))
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=200))


class TokenSchema(Schema):
    token = fields.String(required=True)
    expires_at = fields.DateTime(required=True)
