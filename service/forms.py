"""Turning a page's form into the API's payload, so pages and API share one schema and one set of rules."""
from marshmallow import Schema, ValidationError

from .errors import FieldErrors

BLANK = ("", None)


def parse_form(form, types: dict[str, type]) -> tuple[dict, dict]:
    """The typed payload of the form fields named in `types`, and the fields that would not convert.

    A blank field becomes None (clears it); a checkbox field (bool) is True when present.
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


def load_form(schema: Schema, form, types: dict[str, type]) -> dict:
    """Validate a form with the API's schema; raises FieldErrors naming each bad field."""
    payload, errors = parse_form(form, types)
    # Blank optional fields mean "not given"; a blank required field is reported by the schema.
    payload = {k: v for k, v in payload.items() if v is not None}
    try:
        data = schema.load(payload)
    except ValidationError as exc:
        errors.update({k: v if isinstance(v, list) else [str(v)] for k, v in exc.messages.items()})
        data = None
    if errors:
        raise FieldErrors(errors)
    return data
