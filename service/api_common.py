"""Pieces every API blueprint shares: strict field types, pagination, the page envelope."""
import math

from flask import current_app, request
from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy import func, select

from .clock import local_today
from .domain.scope import MAX_ID
from .domain.identity import normalize_id_number, normalize_phone
from .domain.text import drop_invisible

ID_RANGE = validate.Range(min=1, max=MAX_ID)


class Text(fields.String):
    """A string with surrounding white space and invisible characters (bidi overrides, zero-width) removed;
    NUL and other control characters refused."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = drop_invisible(super()._deserialize(value, attr, data, **kwargs)).strip()
        if any(ord(c) < 32 and c not in "\t\n\r" for c in text):
            raise ValidationError("Must not contain control characters.")
        return text


class StrictInt(fields.Integer):
    """An integer that must be a JSON number: "5" and true are refused."""

    def __init__(self, **kwargs):
        super().__init__(strict=True, **kwargs)

    def _validated(self, value):
        if isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return super()._validated(value)


class StrictFloat(fields.Float):
    """A finite number that must be a JSON number, not a string or a boolean."""

    def _validated(self, value):
        if isinstance(value, (bool, str)):
            raise self.make_error("invalid", input=value)
        return super()._validated(value)


class IdNumber(Text):
    """An 18-character resident ID with a valid check digit, upper-cased."""

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return normalize_id_number(super()._deserialize(value, attr, data, **kwargs), local_today())
        except ValueError as exc:
            raise ValidationError(f"Not a valid resident ID number: {exc}.") from None


class Phone(Text):
    """A phone number, accepted as typed (`138 0013 8000`) and stored in E.164."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if len(text) > 30:
            raise ValidationError("Not a valid phone number.")
        try:
            return normalize_phone(text)
        except ValueError as exc:
            raise ValidationError(f"Not a valid phone number: {exc}.") from None


def ref(**kwargs) -> StrictInt:
    """A reference to another record by id (`*_id`)."""
    return StrictInt(validate=ID_RANGE, **kwargs)


class PageArgs(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class UploadSchema(Schema):
    file = fields.Raw(metadata={"type": "string", "format": "binary"})


def filter_id(**kwargs) -> fields.Integer:
    """A `*_id` filter of a list."""
    return fields.Integer(validate=ID_RANGE, **kwargs)


def page_schema(item_schema: type[Schema]) -> type[Schema]:
    """The `{"items", "total", "page", "per_page"}` envelope of a list of `item_schema`."""
    name = item_schema.__name__.removesuffix("Schema") + "PageSchema"
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item_schema), required=True),
            "total": fields.Integer(required=True),
            "page": fields.Integer(required=True),
            "per_page": fields.Integer(required=True),
        },
        name=name,
    )


def paginate(session, stmt, args: dict, options=(), newest_first: bool = False) -> dict:
    """Run `stmt` for one page (ordered by the model's id) and count the whole result."""
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    page, per_page = args["page"], args["per_page"]
    entity = stmt.column_descriptions[0]["entity"]
    items = session.scalars(
        stmt.options(*options).order_by(entity.id.desc() if newest_first else entity.id)
        .limit(per_page).offset((page - 1) * per_page)
    ).all()
    return {"items": items, "total": total, "page": page, "per_page": per_page,
            "pages": max(1, math.ceil(total / per_page))}


def limit_json_body() -> None:
    """before_request of the API: a JSON body over MAX_JSON_BYTES answers 413 (uploads keep their own limit)."""
    if request.mimetype != "multipart/form-data":
        request.max_content_length = current_app.config["MAX_JSON_BYTES"]
