"""Domain errors, raised by domain functions and mapped to HTTP answers once, in `register_errorhandlers`.

Each carries what the person is told as a catalogue key and its values (a `Message`), rendered at the edge.
"""
from .catalogue import Message


class DomainError(Exception):
    """Base of the errors a domain rule raises; `status` is the HTTP answer it maps to."""

    status = 400

    def __init__(self, key: str = "", /, **values):
        """`key` names the catalogue's message and `values` fill it in; a Message is taken as it is."""
        super().__init__(key)
        self.message = key if isinstance(key, Message) else Message(key, **values) if key else None


class Unauthorized(DomainError):
    status = 401


class NotFound(DomainError):
    status = 404


class Forbidden(DomainError):
    status = 403


class Conflict(DomainError):
    status = 409


class PayloadTooLarge(DomainError):
    status = 413


class TooManyRequests(DomainError):
    status = 429

    def __init__(self, key: str = "", /, retry_after: int = 3600, **values):
        super().__init__(key, **values)
        self.retry_after = retry_after


class FieldErrors(DomainError):
    """One or more input fields are invalid; `errors` maps each field name to its messages."""

    status = 422

    def __init__(self, errors: dict[str, list[Message]]):
        super().__init__("input.invalid", fields=", ".join(sorted(errors)))
        self.errors = errors

    @classmethod
    def one(cls, field: str, key: str, /, **values) -> "FieldErrors":
        return cls({field: [Message(key, **values)]})


class FieldConflict(FieldErrors):
    """A field whose value conflicts with a record already there (409), named like any field error so that a
    form shows it beside the field and keeps what was typed."""

    status = 409
