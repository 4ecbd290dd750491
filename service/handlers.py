"""Errors mapped to HTTP answers once, at the edge: JSON for the API, a page for people."""
import logging

from flask import g, jsonify, make_response, render_template, request
from flask_limiter.errors import RateLimitExceeded
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException, InternalServerError

from models import db

from .auth import acting_user
from .context import current_context
from .domain.catalogue import Message
from .domain.conflicts import RegisteredElsewhere, record_id_conflicts, refuse_while_probing
from .domain.errors import DomainError, FieldErrors, TooManyRequests
from .extensions import login_manager
from .i18n import API_PREFIXES, field_name, heading, speaks_api, tell, told
from .unit_of_work import UnitOfWork

log = logging.getLogger(__name__)
JSON_PREFIXES = API_PREFIXES + ("/reports/",)
STATUS_NAMES = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 409: "Conflict",
                413: "Payload Too Large", 422: "Unprocessable Entity", 429: "Too Many Requests",
                500: "Internal Server Error", 503: "Service Unavailable"}


def wants_json() -> bool:
    """Whether the answer is JSON: the API, and a page's script that asks for it (the phone's queue)."""
    # /reports/… answers a page session (a print button) with a page, an API client with JSON; /verify/… a
    # phone with a page, an API client (its bearer token) with JSON.
    if request.path.startswith("/reports/") and not request.headers.get("Authorization"):
        return request.accept_mimetypes.best != "text/html"
    if request.path.startswith("/verify/") and request.headers.get("Authorization"):
        return True
    return request.path.startswith(JSON_PREFIXES) or request.accept_mimetypes.best == "application/json"


def _discard_unfinished_work() -> None:
    """Whatever the failed request began is rolled back before the answer is drawn (drawing a page may read)."""
    try:
        db.session.rollback()
    except Exception:  # the connection is gone; there is nothing to roll back
        pass


def _fields(errors) -> dict:
    """Field errors without the API's location keys (json, query, form, files)."""
    if isinstance(errors, dict) and set(errors) & {"json", "query", "form", "files"}:
        return {field: texts for location in errors.values() if isinstance(location, dict)
                for field, texts in location.items()}
    return errors if isinstance(errors, dict) else {"": errors}


def _for_a_person(message, errors) -> str:
    """What a person reads under the error's heading: each field's messages after its name, or the message."""
    if not errors:
        return tell(message) or ""
    lines = []
    for field, texts in _fields(errors).items():
        name = field_name(field)
        for text in texts if isinstance(texts, list) else [texts]:
            shown = told(text)
            lines.append(f"{name}：{shown}" if name and isinstance(shown, str) else str(shown))
    return "；".join(lines)


def _answer(status: int, message, errors: dict | None = None, headers=None, name: str | None = None):
    _discard_unfinished_work()
    name = name or STATUS_NAMES.get(status, "Error")
    if wants_json():
        if speaks_api():
            body = {"code": status, "status": name, "message": tell(message) or heading(status)}
            if errors is not None:
                body["errors"] = told(errors)
        else:
            # A page's script asked: it shows the answer to a person, field by field.
            body = {"code": status, "status": name, "message": _for_a_person(message, errors) or heading(status)}
            if errors is not None:
                body["errors"] = told(_fields(errors))
        response = jsonify(body)
    else:
        # No navigation when the database is down: drawing it would ask the database who is logged in.
        response = make_response(render_template("error.html", status=status, message=_for_a_person(message, errors),
                                                 heading=heading(status), bare=status == 503))
    response.status_code = status
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def record_id_conflict(error: RegisteredElsewhere) -> None:
    """Record the conflict for the county in a transaction of its own (the write that met it was rolled back);
    TooManyRequests past the hourly limit (used by this handler and by the form pages)."""
    _discard_unfinished_work()
    context = current_context()
    with UnitOfWork():
        throttled = record_id_conflicts(db.session, acting_user(), error.found, request.path[:40],
                                        context.rules.now, context.conflicts_per_hour)
    if throttled:
        raise TooManyRequests("id_conflict.throttled", retry_after=3600)


def refuse_while_probing_numbers() -> None:
    """Before a request looks up a resident ID or phone: 429 while the user is past the hourly limit of answers
    about numbers outside its scope (used by the registry's API and pages)."""
    context = current_context()
    refuse_while_probing(db.session, acting_user(), context.rules.now, context.conflicts_per_hour)


def handle_id_conflict(error: RegisteredElsewhere):
    try:
        record_id_conflict(error)
    except TooManyRequests as throttled:
        return handle_domain_error(throttled)
    return handle_domain_error(error)


def handle_domain_error(error: DomainError):
    errors = {"json": error.errors} if isinstance(error, FieldErrors) else None
    headers = {"WWW-Authenticate": "Bearer"} if error.status == 401 else \
        {"Retry-After": str(error.retry_after)} if getattr(error, "retry_after", None) else None
    return _answer(error.status, error.message, errors, headers)


def handle_http_exception(error: HTTPException):
    data = getattr(error, "data", None) or {}
    # webargs/flask-smorest put the per-field messages in `data["messages"]`.
    errors = data.get("messages")
    # A request's fields refused by its schema (webargs): said like the domain's own field errors.
    message = Message("input.invalid", fields=", ".join(sorted(_fields(errors)))) if errors and error.code == 422 \
        else error.description
    status = error.code or 500
    if status == 422 and _only_unknown_query_parameters(errors):
        # A filter the list does not have: the request is malformed (400), not a value out of range.
        status, message = 400, Message("query.unknown", names=", ".join(sorted(errors["query"])))
    return _answer(status, message, errors, data.get("headers"), name=error.name if status == error.code else None)


def _only_unknown_query_parameters(errors) -> bool:
    query = errors.get("query") if isinstance(errors, dict) else None
    return bool(query) and set(errors) == {"query"} and all(
        str(message) == "value.unknown_field" for messages in query.values() for message in messages)


def handle_rate_limited(error: RateLimitExceeded):
    """429: a person is told in Chinese to wait (Retry-After is added by the limiter)."""
    return _answer(429, Message("login.throttled"))


def handle_database_unreachable(error: Exception):
    """The database cannot be reached, stays locked, refuses the query (a role without its rights, a damaged
    file) or has no connection to spare: 503 with Retry-After, never a bare 500. A write it broke (409) or a value
    it refused (422) is answered by its own handler."""
    log.error("database unavailable on %s %s: %s %s", request.method, request.path, type(error).__name__,
              str(error).splitlines()[0][:200] if str(error) else "")
    # Drawing the page must not ask the database who is logged in again (Flask-Login keeps the user on g).
    g._login_user = login_manager.anonymous_user()
    return _answer(503, Message("database.unavailable"), headers={"Retry-After": "30"})


def _constraint(error: IntegrityError) -> str:
    """The constraint a write broke, by name only: the driver's message quotes the values (names, numbers)."""
    diag = getattr(error.orig, "diag", None)
    return getattr(diag, "constraint_name", None) or ""


def handle_integrity_error(error: IntegrityError):
    log.warning("integrity error on %s %s: %s %s", request.method, request.path, type(error.orig).__name__,
                _constraint(error))
    return _answer(409, Message("database.conflict"))


def handle_data_error(error: DataError):
    log.warning("data error on %s %s: %s", request.method, request.path, type(error.orig).__name__)
    return _answer(422, Message("database.bad_value"))


def handle_unexpected(error: Exception):
    log.exception("unhandled error on %s %s", request.method, request.path)
    return _answer(500, InternalServerError.description)


def register(app) -> None:
    app.register_error_handler(RegisteredElsewhere, handle_id_conflict)
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(RateLimitExceeded, handle_rate_limited)
    app.register_error_handler(DBAPIError, handle_database_unreachable)
    app.register_error_handler(PoolTimeout, handle_database_unreachable)
    app.register_error_handler(IntegrityError, handle_integrity_error)
    app.register_error_handler(DataError, handle_data_error)
    app.register_error_handler(Exception, handle_unexpected)
