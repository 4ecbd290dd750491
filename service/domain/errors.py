"""Domain errors, raised by domain functions and mapped to HTTP answers once, in `register_errorhandlers`."""


class DomainError(Exception):
    """Base of the errors a domain rule raises; `status` is the HTTP answer it maps to."""

    status = 400

    def __init__(self, message: str = ""):
        super().__init__(message)
        self.message = message


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

    def __init__(self, message: str = "", retry_after: int = 3600):
        super().__init__(message)
        self.retry_after = retry_after


class FieldErrors(DomainError):
    """One or more input fields are invalid; `errors` maps each field name to its messages."""

    status = 422

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("Invalid input: " + ", ".join(sorted(errors)))
        self.errors = errors

    @classmethod
    def one(cls, field: str, message: str) -> "FieldErrors":
        return cls({field: [message]})


class FieldConflict(FieldErrors):
    """A field whose value conflicts with a record already there (409), named like any field error so that a
    form shows it beside the field and keeps what was typed."""

    status = 409
