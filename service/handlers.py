"""Errors mapped to HTTP answers once, at the edge: JSON for the API, a page for people."""
import logging

from flask import current_app, jsonify, make_response, render_template, request
from flask_limiter.errors import RateLimitExceeded
from sqlalchemy.exc import DataError, IntegrityError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError

from models import db

from .auth import acting_user
from .clock import current_rules
from .domain.conflicts import IdNumberConflict, record_id_conflicts
from .errors import DomainError, FieldErrors, TooManyRequests

log = logging.getLogger(__name__)
JSON_PREFIXES = ("/api/", "/healthz", "/sms/", "/reports/", "/verify/")


def _wants_json() -> bool:
    return request.path.startswith(JSON_PREFIXES) or request.accept_mimetypes.best == "application/json"


def _answer(status: int, name: str, message: str, errors: dict | None = None, headers=None):
    if _wants_json():
        body = {"code": status, "status": name, "message": message}
        if errors is not None:
            body["errors"] = errors
        response = jsonify(body)
    else:
        # No navigation when the database is down: drawing it would ask the database who is logged in.
        response = make_response(render_template("error.html", status=status, message=message, bare=status == 503))
    response.status_code = status
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def record_id_conflict(error: IdNumberConflict) -> None:
    """Roll the write back, then record the conflict for the county in its own transaction; TooManyRequests
    past the hourly limit (used by this handler and by the pages that show the message beside the field)."""
    db.session.rollback()
    record_id_conflicts(db.session, acting_user(), error.household_ids, request.path[:40], current_rules().now,
                        current_app.config["ID_CONFLICTS_PER_HOUR"])
    db.session.commit()


def handle_id_conflict(error: IdNumberConflict):
    try:
        record_id_conflict(error)
    except TooManyRequests as throttled:
        return handle_domain_error(throttled)
    return handle_domain_error(error)


def handle_domain_error(error: DomainError):
    db.session.rollback()
    names = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
             409: "Conflict", 413: "Payload Too Large", 422: "Unprocessable Entity", 429: "Too Many Requests"}
    errors = {"json": error.errors} if isinstance(error, FieldErrors) else None
    headers = {"WWW-Authenticate": "Bearer"} if error.status == 401 else \
        {"Retry-After": str(error.retry_after)} if getattr(error, "retry_after", None) else None
    return _answer(error.status, names.get(error.status, "Error"), error.message or names[error.status],
                   errors, headers)


def handle_http_exception(error: HTTPException):
    data = getattr(error, "data", None) or {}
    # webargs/flask-smorest put the per-field messages in `data["messages"]`.
    errors = data.get("messages")
    return _answer(error.code or 500, error.name, error.description or error.name, errors, data.get("headers"))


def handle_rate_limited(error: RateLimitExceeded):
    """429: a person is told in Chinese to wait (Retry-After is added by the limiter); the login form stays."""
    message = "尝试次数过多，请稍后再试"
    if request.endpoint == "accounts.login":
        return make_response(render_template("login.html", error=message), 429)
    return _answer(429, "Too Many Requests", message)


def handle_database_unreachable(error: Exception):
    """The database cannot be reached (or stays locked): 503 with Retry-After, never a bare 500."""
    try:
        db.session.rollback()
    except Exception:  # the connection is gone; there is nothing to roll back
        pass
    log.error("database unavailable on %s %s: %s", request.method, request.path, error)
    return _answer(503, "Service Unavailable", "数据库暂时无法访问，请稍后再试", headers={"Retry-After": "30"})


def handle_integrity_error(error: IntegrityError):
    db.session.rollback()
    log.warning("integrity error: %s", error.orig)
    return _answer(409, "Conflict", "the change conflicts with existing data (a duplicate or a dangling reference)")


def handle_data_error(error: DataError):
    db.session.rollback()
    log.warning("data error: %s", error.orig)
    return _answer(422, "Unprocessable Entity", "a value cannot be stored (out of range or not valid text)")


def handle_unexpected(error: Exception):
    db.session.rollback()
    log.exception("unhandled error on %s %s", request.method, request.path)
    return _answer(500, "Internal Server Error", InternalServerError.description)


def register(app) -> None:
    app.register_error_handler(IdNumberConflict, handle_id_conflict)
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(RateLimitExceeded, handle_rate_limited)
    app.register_error_handler(OperationalError, handle_database_unreachable)
    app.register_error_handler(InterfaceError, handle_database_unreachable)
    app.register_error_handler(IntegrityError, handle_integrity_error)
    app.register_error_handler(DataError, handle_data_error)
    app.register_error_handler(Exception, handle_unexpected)
