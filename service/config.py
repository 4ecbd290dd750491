"""Settings, read from the environment with safe development defaults (docs/operations.md)."""
import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"
DEFAULT_DATABASE_URL = f"sqlite:///{INSTANCE / 'water.db'}"


def _float(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


def _development_secret_key() -> str:
    """A key generated once into instance/ so that development sessions survive restarts."""
    path = INSTANCE / "secret_key"
    if not path.exists():
        INSTANCE.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def _list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _trusted_hosts(public_base_url: str | None) -> list[str]:
    """Hosts the service answers to, each `name` (its scheme's default port) or `name:port`, compared host and port:
    the setting (by default this machine's names on `PORT`), plus the host and port of PUBLIC_BASE_URL (links
    are built from it)."""
    port = os.environ.get("PORT", "5000")
    hosts = _list("TRUSTED_HOSTS", f"localhost:{port},127.0.0.1:{port},[::1]:{port}")
    public_host = urlsplit(public_base_url).netloc.rpartition("@")[2].lower() if public_base_url else None
    if public_host and public_host not in hosts:
        hosts.append(public_host)
    return hosts


class UnsafeSettings(RuntimeError):
    """Settings a production service must not start with."""


def check_production(config) -> None:
    """In production (`DEPLOYMENT=production`, or `SESSION_COOKIE_SECURE=1`) refuse to start without the settings
    that links, signatures and shared throttling depend on."""
    if config.get("DEPLOYMENT") != "production" and not config.get("SESSION_COOKIE_SECURE"):
        return
    missing = [name for name in ("PUBLIC_BASE_URL", "SECRET_KEY_FROM_ENVIRONMENT") if not config.get(name)]
    if missing:
        raise UnsafeSettings("production needs " + ", ".join(name.removesuffix("_FROM_ENVIRONMENT")
                                                               for name in missing) + " set in the environment "
                             "(docs/operations.md, \"Running in production\")")


def load_config() -> dict:
    """The app's configuration as a dict, from the environment (a `.env` is read by the flask CLI)."""
    return {
        "SQLALCHEMY_DATABASE_URI": os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL,
        # A failed statement's values (names, phone numbers) stay out of exceptions and so out of every log.
        "SQLALCHEMY_ENGINE_OPTIONS": {"hide_parameters": True},
        "SECRET_KEY": os.environ.get("SECRET_KEY") or _development_secret_key(),
        "SECRET_KEY_FROM_ENVIRONMENT": bool(os.environ.get("SECRET_KEY")),
        # `production` refuses to start without PUBLIC_BASE_URL and SECRET_KEY (check_production).
        "DEPLOYMENT": os.environ.get("DEPLOYMENT", "development"),
        # How many reverse proxies stand in front (each adds X-Forwarded-For/-Proto): 0 trusts no such header.
        "PROXY_COUNT": int(os.environ.get("PROXY_COUNT", 0)),
        # A separate key for resident ID numbers, so that rotating SECRET_KEY does not lose them.
        "ID_NUMBER_KEY": os.environ.get("ID_NUMBER_KEY"),
        "APP_TIMEZONE": os.environ.get("APP_TIMEZONE", "Asia/Shanghai"),
        "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL"),
        "NEEDS_DELIVERY_DISTANCE_M": _float("NEEDS_DELIVERY_DISTANCE_M", 800),
        "NEEDS_DELIVERY_VERTICAL_M": _float("NEEDS_DELIVERY_VERTICAL_M", 80),
        "NEEDS_DELIVERY_ROUND_TRIP_MIN": _float("NEEDS_DELIVERY_ROUND_TRIP_MIN", 20),
        "TOKEN_TTL_HOURS": _float("TOKEN_TTL_HOURS", 12),
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=_float("SESSION_LIFETIME_HOURS", 12)),
        # Any other Host is refused (400) before the app runs, so no link (QR code, SMS, callback) is built from it.
        # (Not Flask's own TRUSTED_HOSTS: Werkzeug compares the name alone and never matches `[::1]`.)
        "ALLOWED_HOSTS": _trusted_hosts(os.environ.get("PUBLIC_BASE_URL")),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": True,
        "LOGIN_LIMIT_PER_ACCOUNT": os.environ.get("LOGIN_LIMIT_PER_ACCOUNT", "5 per minute;20 per hour"),
        "LOGIN_LIMIT_PER_ADDRESS": os.environ.get("LOGIN_LIMIT_PER_ADDRESS", "60 per minute;300 per hour"),
        # A failure from an address past its limit is answered this much later (a right password is not slowed).
        "LOGIN_SLOW_SECONDS": _float("LOGIN_SLOW_SECONDS", 1),
        # /verify is public (a QR code on paper): enough for an inspector, too few to walk the code space.
        "VERIFY_LIMIT_PER_ADDRESS": os.environ.get("VERIFY_LIMIT_PER_ADDRESS", "30 per minute;300 per hour"),
        "ID_CONFLICTS_PER_HOUR": int(os.environ.get("ID_CONFLICTS_PER_HOUR", 10)),
        "MANUAL_SMS_PER_DAY": int(os.environ.get("MANUAL_SMS_PER_DAY", 50)),
        "IMPORT_MAX_UNPACKED_BYTES": int(os.environ.get("IMPORT_MAX_UNPACKED_BYTES", 50 * 1024 * 1024)),
        "IMPORT_MAX_RATIO": int(os.environ.get("IMPORT_MAX_RATIO", 200)),
        # Reading an upload happens in a child process with this much memory beyond its own, for at most this long.
        "IMPORT_PARSE_MEMORY_MB": int(os.environ.get("IMPORT_PARSE_MEMORY_MB", 150)),
        "IMPORT_PARSE_SECONDS": _float("IMPORT_PARSE_SECONDS", 60),
        "DELIVERY_BACKDATE_DAYS": int(os.environ.get("DELIVERY_BACKDATE_DAYS", 3)),
        "SCHEDULER_STALE_SECONDS": int(os.environ.get("SCHEDULER_STALE_SECONDS", 300)),
        "SCHEDULER_HEARTBEAT_SECONDS": int(os.environ.get("SCHEDULER_HEARTBEAT_SECONDS", 30)),
        "ARCHIVE_RETRY_BASE_SECONDS": int(os.environ.get("ARCHIVE_RETRY_BASE_SECONDS", 30)),
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_CONTENT_LENGTH", 10 * 1024 * 1024)),
        "MAX_JSON_BYTES": int(os.environ.get("MAX_JSON_BYTES", 64 * 1024)),
        "UPLOAD_DIR": os.environ.get("UPLOAD_DIR") or str(INSTANCE / "uploads"),
        # Where `flask backup` and the daily job write (mount another machine's disk here), and how many are kept.
        "BACKUP_DIR": os.environ.get("BACKUP_DIR") or str(INSTANCE / "backups"),
        "BACKUP_KEEP": int(os.environ.get("BACKUP_KEEP", 14)),
        "BACKUP_AT": os.environ.get("BACKUP_AT", "03:15"),
        "UPLOAD_MAX_BYTES": int(os.environ.get("UPLOAD_MAX_BYTES", 5 * 1024 * 1024)),
        "WATER_STANDARD_L_PER_PERSON_DAY": _float("WATER_STANDARD_L_PER_PERSON_DAY", 35),
        "SUPPLY_ASSURANCE_MIN": _float("SUPPLY_ASSURANCE_MIN", 90),
        "SUPPLY_CASE_AFTER_DAYS": int(os.environ.get("SUPPLY_CASE_AFTER_DAYS", 7)),
        "PLANNING_HORIZON_DAYS": int(os.environ.get("PLANNING_HORIZON_DAYS", 14)),
        "PLAN_DELIVERIES_AT": os.environ.get("PLAN_DELIVERIES_AT", "02:00"),
        "MARK_MISSED_AT": os.environ.get("MARK_MISSED_AT", "00:15"),
        "SCHEDULER_MISFIRE_GRACE_HOURS": _float("SCHEDULER_MISFIRE_GRACE_HOURS", 24),
        "CASE_DEADLINE_DAYS_HIGH": int(os.environ.get("CASE_DEADLINE_DAYS_HIGH", 3)),
        "CASE_DEADLINE_DAYS_MEDIUM": int(os.environ.get("CASE_DEADLINE_DAYS_MEDIUM", 7)),
        "CASE_DEADLINE_DAYS_LOW": int(os.environ.get("CASE_DEADLINE_DAYS_LOW", 14)),
        "CASE_RECHECK_AFTER_DAYS": int(os.environ.get("CASE_RECHECK_AFTER_DAYS", 28)),
        "CASE_DEADLINES_AT": os.environ.get("CASE_DEADLINES_AT", "07:00"),
        "TWILIO_ACCOUNT_SID": os.environ.get("TWILIO_ACCOUNT_SID"),
        "TWILIO_AUTH_TOKEN": os.environ.get("TWILIO_AUTH_TOKEN"),
        "TWILIO_FROM_NUMBER": os.environ.get("TWILIO_FROM_NUMBER"),
        "TWILIO_MESSAGING_SERVICE_SID": os.environ.get("TWILIO_MESSAGING_SERVICE_SID"),
        "TWILIO_API_BASE_URL": os.environ.get("TWILIO_API_BASE_URL"),
        "SMS_SEND_TIMEOUT_SECONDS": _float("SMS_SEND_TIMEOUT_SECONDS", 10),
        "SMS_MAX_IN_FLIGHT": int(os.environ.get("SMS_MAX_IN_FLIGHT", 4)),
        "SMS_RATE_PER_SECOND": _float("SMS_RATE_PER_SECOND", 0),  # 0: no limit
        "SMS_MAX_ATTEMPTS": int(os.environ.get("SMS_MAX_ATTEMPTS", 6)),
        "SMS_RETRY_BASE_SECONDS": _float("SMS_RETRY_BASE_SECONDS", 30),
        "SMS_AMBIGUOUS_WAIT_MINUTES": _float("SMS_AMBIGUOUS_WAIT_MINUTES", 15),
        "SMS_DRAIN_EVERY_SECONDS": int(os.environ.get("SMS_DRAIN_EVERY_SECONDS", 20)),
        "QUIET_HOURS_START": os.environ.get("QUIET_HOURS_START", "21:00"),
        "QUIET_HOURS_END": os.environ.get("QUIET_HOURS_END", "08:00"),
        "REMINDER_EVENING_AT": os.environ.get("REMINDER_EVENING_AT", "18:00"),
        "REMINDER_MORNING_AT": os.environ.get("REMINDER_MORNING_AT", "07:30"),
        "CONFIRMATION_EXPIRE_HOURS": _float("CONFIRMATION_EXPIRE_HOURS", 72),
        "CONFIRMATION_EXPIRY_EVERY_SECONDS": int(os.environ.get("CONFIRMATION_EXPIRY_EVERY_SECONDS", 3600)),
        "IMPORT_MAX_BYTES": int(os.environ.get("IMPORT_MAX_BYTES", 8 * 1024 * 1024)),
        "ARCHIVE_DIR": os.environ.get("ARCHIVE_DIR") or str(INSTANCE / "archives"),
        # Records rendered for archives, kept by the fingerprint of what they print (the least used go first).
        "ARCHIVE_PDF_CACHE_DIR": os.environ.get("ARCHIVE_PDF_CACHE_DIR") or str(INSTANCE / "pdf-cache"),
        "ARCHIVE_PDF_CACHE_MB": int(os.environ.get("ARCHIVE_PDF_CACHE_MB", 2048)),
        "PDF_WORKERS": int(os.environ.get("PDF_WORKERS", 0)),  # processes rendering an archive (0: one per core)
        # A task queue on Redis (redis://host:6379/0): worker hosts render archives and run the jobs named here.
        "BROKER_URL": os.environ.get("BROKER_URL") or None,
        "BROKER_NAMESPACE": os.environ.get("BROKER_NAMESPACE", "water"),
        "BROKER_JOBS": os.environ.get("BROKER_JOBS", "drain_outbox"),
        "BROKER_RESULT_TIMEOUT_SECONDS": _float("BROKER_RESULT_TIMEOUT_SECONDS", 600),
        "ARCHIVE_SYNC_HOUSEHOLDS": int(os.environ.get("ARCHIVE_SYNC_HOUSEHOLDS", 20)),
        "ARCHIVE_MAX_AGE_SECONDS": int(os.environ.get("ARCHIVE_MAX_AGE_SECONDS", 600)),
        "MAX_WEBHOOK_BYTES": int(os.environ.get("MAX_WEBHOOK_BYTES", 16 * 1024)),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": os.environ.get("SESSION_COOKIE_SECURE", "0") == "1",
        "WTF_CSRF_TIME_LIMIT": None,
        # flask-smorest / OpenAPI
        "API_TITLE": "农村饮水安全 Rural drinking-water safety",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        "OPENAPI_SWAGGER_UI_PATH": None,
    }
