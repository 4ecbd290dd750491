"""Pages' forms: turned into the API's payload (one schema, one set of rules for both), and submitted as one
unit of work whose field errors are shown beside their fields."""
from functools import wraps
from typing import Callable

from flask import flash, g, request
from marshmallow import EXCLUDE, Schema, ValidationError

from .domain.catalogue import Message
from .domain.conflicts import RegisteredElsewhere
from .domain.errors import FieldErrors
from .handlers import record_id_conflict, wants_json
from .domain.text import drop_invisible
from .unit_of_work import UnitOfWork

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
            errors[name] = [Message("value.integer") if kind is int else Message("value.number")]
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


def flash_when_saved(message: str) -> None:
    """Tell the person `message` on the next page, once the form's unit of work has committed."""
    g.setdefault("saved_messages", []).append(message)


def form_page(redraw: Callable[..., str]):
    """A page that takes a form, as one unit of work: FieldErrors roll it back, and `redraw(errors=…, **view_args)`
    draws the page again with each message beside its field (422, or 409 for a conflict); a script that asks for
    JSON gets the errors as JSON instead. A resident ID registered outside the user's scope is also recorded for the
    county first."""

    def decorate(view):
        @wraps(view)
        def submit(**view_args):
            try:
                with UnitOfWork():
                    response = view(**view_args)
                for message in g.pop("saved_messages", []):
                    flash(message)
                return response
            except RegisteredElsewhere as conflict:
                record_id_conflict(conflict)
                return redraw(errors=conflict.errors, **view_args), 422
            except FieldErrors as exc:
                if wants_json():  # the phone's script: the error handler answers it field by field, in JSON
                    raise
                return redraw(errors=exc.errors, **view_args), exc.status

        return submit

    return decorate


# What a tap adds around what it asks: when and where it was made, the page's token, the key itself and the name shown
# on the phone's queue. A tap made again after a lost answer differs in these and asks the same.
NOT_ASKED = frozenset({"csrf_token", "idempotency_key", "tapped_at", "lat", "lon", "accuracy", "household_name"})


def form_asked() -> dict:
    """What the form asked, for its idempotency key's digest: its fields but those of `NOT_ASKED`, and which
    files it carries (a photo is made smaller on the phone again at each tap, so not its bytes)."""
    asked = {name: request.form.getlist(name) for name in request.form if name not in NOT_ASKED}
    asked["files"] = sorted(name for name, upload in request.files.items(multi=True) if upload.filename)
    return asked


def ticked_ids(name: str) -> list[int]:
    """The ids a form's ticked boxes of `name` carry (anything else is left out)."""
    return [int(value) for value in request.form.getlist(name) if value.isdigit()]
