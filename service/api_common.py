"""Pieces every API blueprint shares: strict field types, pagination, the page envelope."""
import math
from collections.abc import Callable

from flask import Response, current_app, request
from marshmallow import Schema as MarshmallowSchema
from marshmallow import ValidationError, fields, validate
from sqlalchemy import Select, func, select

from models import Village

from .clock import local_today
from .domain.catalogue import Message, Template
from .domain.kept import count_by_village, villages_fingerprint
from .domain.scope import MAX_ID, Scope
from .domain.identity import normalize_id_number, normalize_phone
from .domain.tables import XLSX
from .domain.text import drop_invisible
from .kept_figures import current_kept_counts

ID_RANGE = validate.Range(min=1, max=MAX_ID)

# marshmallow's own messages as catalogue keys: a field's "invalid" by its class (the most specific first), its
# other errors by their name; validators' by their attributes. Anything else is "not a valid value".
INVALID_BY_CLASS = ((fields.Boolean, "value.boolean"), (fields.Integer, "value.integer"), (fields.Number, "value.number"),
                    (fields.Date, "value.date"), (fields.DateTime, "value.datetime"), (fields.String, "value.text"),
                    (fields.List, "value.list"), (fields.Mapping, "value.mapping"))
FIELD_ERRORS = {"required": "value.required", "null": "value.required", "special": "value.number",
                "too_large": "value.too_large", "invalid_utf8": "value.text", "type": "value.input_type",
                "unknown": "value.one_of", "invalid_awareness": "value.datetime"}
VALIDATOR_MESSAGES = {
    validate.Range: {"message_min": "value.at_least", "message_max": "value.at_most", "message_all": "value.between"},
    validate.Length: {"message_min": "text.at_least", "message_max": "text.at_most", "message_all": "text.between",
                      "message_equal": "text.exactly"},
}
VALIDATOR_DEFAULTS = {validate.OneOf: "value.one_of", validate.Regexp: "value.pattern"}


def _speak_the_catalogue(field: fields.Field) -> None:
    """Give a field (and the fields inside it) and its validators catalogue keys for marshmallow's messages."""
    keys = {**FIELD_ERRORS, "invalid": next((key for kind, key in INVALID_BY_CLASS if isinstance(field, kind)),
                                            "value.invalid")}
    field.error_messages = {name: text if isinstance(text, Template) else Template(keys.get(name, "value.invalid"))
                            for name, text in field.error_messages.items()}
    for validator in field.validators:
        for kind, attributes in VALIDATOR_MESSAGES.items():
            if isinstance(validator, kind) and validator.error is None:
                for attribute, key in attributes.items():
                    setattr(validator, attribute, Template(key))
        for kind, key in VALIDATOR_DEFAULTS.items():
            if isinstance(validator, kind) and validator.error == kind.default_message:
                validator.error = Template(key)
    for inner in (getattr(field, "inner", None), getattr(field, "key_field", None), getattr(field, "value_field", None)):
        if inner is not None:
            _speak_the_catalogue(inner)


class Schema(MarshmallowSchema):
    """The base of every schema: marshmallow's messages are catalogue keys, rendered at the edge like the domain's."""

    error_messages = {"unknown": Template("value.unknown_field"), "type": Template("value.input_type")}

    def on_bind_field(self, field_name: str, field_obj: fields.Field) -> None:
        _speak_the_catalogue(field_obj)


class Text(fields.String):
    """A string with surrounding white space and invisible characters (bidi overrides, zero-width) removed;
    NUL and other control characters refused."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = drop_invisible(super()._deserialize(value, attr, data, **kwargs)).strip()
        if any(ord(c) < 32 and c not in "\t\n\r" for c in text):
            raise ValidationError(Message("value.control"))
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
            raise ValidationError(Message("value.id_number", reason=exc.args[0])) from None


class Phone(Text):
    """A phone number, accepted as typed (`138 0013 8000`) and stored in E.164."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if len(text) > 30:
            raise ValidationError(Message("value.phone"))
        try:
            return normalize_phone(text)
        except ValueError:
            raise ValidationError(Message("value.phone")) from None


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


def paginate(session, stmt, args: dict, options=(), newest_first: bool = False,
             total: Callable[[Select], int] | None = None) -> dict:
    """Run `stmt` for one page (ordered by the model's id) and count the whole result (by `total(stmt)`, when
    given: counted_by_village's)."""
    total = total(stmt) if total is not None else \
        session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    page, per_page = args["page"], args["per_page"]
    entity = stmt.column_descriptions[0]["entity"]
    items = session.scalars(
        stmt.options(*options).order_by(entity.id.desc() if newest_first else entity.id)
        .limit(per_page).offset((page - 1) * per_page)
    ).all()
    return {"items": items, "total": total, "page": page, "per_page": per_page,
            "pages": max(1, math.ceil(total / per_page))}


def counted_by_village(session, name: str, scope: Scope, args: dict, village_of: Callable) -> Callable[[Select], int]:
    """The total of the list `name` (the rows of its statement), kept village by village under each village's
    revision and the day, so that a list of a province's deliveries does not count 1.6 million rows per request;
    `village_of` as count_by_village takes it."""
    def total(stmt: Select) -> int:
        villages = scope.restrict(select(Village.id, Village.revision, Village.created_at), Village)
        if "township_id" in args:
            villages = villages.where(Village.township_id == args["township_id"])
        if "village_id" in args:
            villages = villages.where(Village.id == args["village_id"])
        query = (name, scope, local_today(), tuple(sorted((key, value) for key, value in args.items()
                                                          if key not in ("page", "per_page"))))
        return current_kept_counts().total(
            query, villages_fingerprint(session, villages),
            lambda: {row.id: (row.revision, row.created_at) for row in session.execute(villages)},
            lambda stale: count_by_village(session, stmt, village_of, stale))
    return total


def page_of(items: list, args: dict) -> dict:
    """One page of a list already worked out in Python (its filters need every row), in the lists' shape."""
    start = (args["page"] - 1) * args["per_page"]
    return {"items": items[start:start + args["per_page"]], "total": len(items), "page": args["page"],
            "per_page": args["per_page"]}


def limit_json_body() -> None:
    """before_request of the API: a JSON body over MAX_JSON_BYTES answers 413 (uploads keep their own limit)."""
    if request.mimetype != "multipart/form-data":
        request.max_content_length = current_app.config["MAX_JSON_BYTES"]


def spreadsheet_file(data: bytes, name: str, fmt: str) -> Response:
    """A spreadsheet download (.xlsx or .csv) named `name`."""
    response = Response(data, mimetype="text/csv" if fmt == "csv" else XLSX)
    response.headers["Content-Disposition"] = f"attachment; filename={name}.{fmt}"
    return response
