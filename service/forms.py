"""Turning a page's form into the API's payload, so pages and API share one schema and one set of rules."""
from marshmallow import EXCLUDE, Schema, ValidationError

from .errors import FieldErrors
from .text import drop_invisible

BLANK = ("", None)


def clean_text(value: str | None, limit: int) -> str | None:
    """Free text typed into a page: control and invisible characters (NUL, bidi overrides, zero-width)
    dropped, trimmed, cut to `limit`."""
    text = "".join(c for c in drop_invisible(value or "") if ord(c) >= 32 or c in "\n\t").strip()[:limit]
    return text or None


def load_query(schema_class: type[Schema], args, **defaults) -> dict:
    """A page's query string loaded with the API's filter schema (blank fields ignored, unknown ones too)."""
    given = {key: value for key, value in args.items() if value.strip()}
    try:
        return schema_class(unknown=EXCLUDE).load({**defaults, **given})
    except ValidationError as exc:
        raise FieldErrors(exc.messages) from None


def parse_form(form, types: dict[str, type]) -> tuple[dict, dict]:
    """The typed payload of the form fields named in `types`, and the fields that would not convert.

    A blank field becomes None; a checkbox field (bool) is True when present.
    """
    payload, errors = {}, {}
    for name, kind in types.items():
        if kind is bool:
            payload[name] = form.get(name) in ("1", "on", "true")
            continue
        raw = form.get(name, "").strip()
        if raw in BLANK:
            payload[name] = None
            continue
        try:
            payload[name] = kind(raw)
        except ValueError:
            errors[name] = ["integer" if kind is int else "number"]
    return payload, errors


def load_form(schema: Schema, form, types: dict[str, type], clear_blank: bool = False,
              keep: tuple[str, ...] = ()) -> dict:
    """Validate a form with the API's schema; raises FieldErrors naming each bad field.

    A blank field is "not given" on a new record; on an edit (`clear_blank`) it clears the value, except
    for the fields in `keep` (a blank secret such as the ID number means "unchanged").
    """
    payload, errors = parse_form(form, types)
    payload = {k: v for k, v in payload.items() if v is not None or (clear_blank and k not in keep)}
    try:
        data = schema.load(payload)
    except ValidationError as exc:
        errors.update({k: v if isinstance(v, list) else [str(v)] for k, v in exc.messages.items()})
        data = None
    if errors:
        raise FieldErrors(errors)
    return data
