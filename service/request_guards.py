"""Guards every request passes before any view or parser sees it: JSON bodies that cannot hurt the parser."""
import json

from flask import current_app, request

from .domain.catalogue import Message
from .domain.errors import FieldErrors

# No field of ours needs a number this long; Python's int() refuses past 4,300 digits with a ValueError.
MAX_NUMBER_CHARS = 40


class MalformedJson(FieldErrors):
    status = 400


def _number(kind):
    def parse(text: str):
        if len(text) > MAX_NUMBER_CHARS:
            raise ValueError(f"number longer than {MAX_NUMBER_CHARS} characters")
        return kind(text)

    return parse


def check_json_body() -> None:
    """before_request: a JSON body is size-limited and parsed once safely; deep nesting, huge numbers, NaN or
    bad text answer 400 naming the body, instead of failing inside a parser with a 500."""
    if not request.is_json:
        return
    request.max_content_length = min(current_app.config["MAX_JSON_BYTES"], current_app.config["MAX_CONTENT_LENGTH"])
    data = request.get_data(cache=True)
    if not data:
        return
    try:
        parsed = json.loads(data, parse_int=_number(int), parse_float=_number(float),
                            parse_constant=lambda name: (_ for _ in ()).throw(ValueError(name)))
    except RecursionError:
        raise MalformedJson({"body": [Message("json.too_deep")]}) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedJson({"body": [Message("json.invalid", reason=str(exc)[:120])]}) from None
    try:
        # json accepts "\ud800" and gives a str that cannot be written as UTF-8: it would fail later, as a 500.
        json.dumps(parsed, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise MalformedJson({"body": [Message("json.bad_text")]}) from None
