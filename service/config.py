"""Settings, read from the environment with safe development defaults (docs/operations.md)."""
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from environs import Env, EnvValidationError
from marshmallow import ValidationError
from marshmallow.validate import OneOf, Regexp

from .domain.catalogue import LOCALES

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"
DEFAULT_DATABASE_URL = f"sqlite:///{INSTANCE / 'water.db'}"


def _development_secret_key() -> str:
    """A key generated once into instance/ so that development sessions survive restarts."""
    path = INSTANCE / "secret_key"
    if not path.exists():
        INSTANCE.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


# Daily times of jobs and quiet hours, local: "07:30".
HH_MM = Regexp(r"^([01]\d|2[0-3]):[0-5]\d$", error="must be a local time HH:MM")


class SettingsError(RuntimeError):
    """A setting in the environment that cannot be read as what it is."""


def _time_zone(name: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(f"unknown time zone {name}") from None


def _trusted_hosts(public_base_url: str | None) -> list[str]:
    """Hosts the service answers to, each `name` (its scheme's default port) or `name:port`, compared host and port:
    the setting (by default this machine's names on `PORT`), plus the host and port of PUBLIC_BASE_URL (links
    are built from it)."""
    port = Env().int("PORT", 5000)
    hosts = [host.strip() for host in Env().list("TRUSTED_HOSTS", [f"localhost:{port}", f"127.0.0.1:{port}",
                                                                    f"[::1]:{port}"]) if host.strip()]
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
    """The app's configuration as a dict, from the environment (a `.env` is read by the flask CLI), each setting
    parsed and checked by environs; SettingsError names every bad one at once."""
    env = Env(eager=False)
    config = {
        "SQLALCHEMY_DATABASE_URI": env.str("DATABASE_URL", "") or DEFAULT_DATABASE_URL,
        # A failed statement's values (names, phone numbers) stay out of exceptions and so out of every log.
        "SQLALCHEMY_ENGINE_OPTIONS": {"hide_parameters": True},
        "SECRET_KEY": env.str("SECRET_KEY", "") or _development_secret_key(),
        "SECRET_KEY_FROM_ENVIRONMENT": bool(env.str("SECRET_KEY", None)),
        # `production` refuses to start without PUBLIC_BASE_URL and SECRET_KEY (check_production).
        "DEPLOYMENT": env.str("DEPLOYMENT", "development", validate=OneOf(("development", "production"))),
        # How many reverse proxies stand in front (each adds X-Forwarded-For/-Proto): 0 trusts no such header.
        "PROXY_COUNT": env.int("PROXY_COUNT", 0),
        # A separate key for resident ID numbers, so that rotating SECRET_KEY does not lose them.
        "ID_NUMBER_KEY": env.str("ID_NUMBER_KEY", None),
        "APP_TIMEZONE": env.str("APP_TIMEZONE", "Asia/Shanghai", validate=_time_zone),
        # The language of pages: a locale with a catalogue in service/translations (the API follows Accept-Language).
        "PAGE_LOCALE": env.str("PAGE_LOCALE", "zh_CN", validate=OneOf(LOCALES)),
        "PUBLIC_BASE_URL": env.str("PUBLIC_BASE_URL", None),
        "NEEDS_DELIVERY_DISTANCE_M": env.float("NEEDS_DELIVERY_DISTANCE_M", 800),
        "NEEDS_DELIVERY_VERTICAL_M": env.float("NEEDS_DELIVERY_VERTICAL_M", 80),
        "NEEDS_DELIVERY_ROUND_TRIP_MIN": env.float("NEEDS_DELIVERY_ROUND_TRIP_MIN", 20),
        "TOKEN_TTL_HOURS": env.float("TOKEN_TTL_HOURS", 12),
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=env.float("SESSION_LIFETIME_HOURS", 12)),
        # Any other Host is refused (400) before the app runs, so no link (QR code, SMS, callback) is built from it.
        # (Not Flask's own TRUSTED_HOSTS: Werkzeug compares the name alone and never matches `[::1]`.)
        "ALLOWED_HOSTS": _trusted_hosts(env.str("PUBLIC_BASE_URL", None)),
        "RATELIMIT_STORAGE_URI": env.str("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": True,
        "LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS": env.str("LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS", "5 per minute;20 per hour"),
        "LOGIN_LIMIT_PER_ACCOUNT": env.str("LOGIN_LIMIT_PER_ACCOUNT", "10 per minute;50 per hour"),
        "LOGIN_LIMIT_PER_ADDRESS": env.str("LOGIN_LIMIT_PER_ADDRESS", "60 per minute;300 per hour"),
        # A failure from an address past its limit is answered this much later (a right password is not slowed).
        "LOGIN_SLOW_SECONDS": env.float("LOGIN_SLOW_SECONDS", 1),
        # /verify is public (a QR code on paper): enough for an inspector, too few to walk the code space.
        "VERIFY_LIMIT_PER_ADDRESS": env.str("VERIFY_LIMIT_PER_ADDRESS", "30 per minute;300 per hour"),
        "ID_CONFLICTS_PER_HOUR": env.int("ID_CONFLICTS_PER_HOUR", 10),
        "MANUAL_SMS_PER_DAY": env.int("MANUAL_SMS_PER_DAY", 50),
        "IMPORT_MAX_UNPACKED_BYTES": env.int("IMPORT_MAX_UNPACKED_BYTES", 50 * 1024 * 1024),
        "IMPORT_MAX_RATIO": env.int("IMPORT_MAX_RATIO", 200),
        # Reading an upload happens in a child process with this much memory beyond its own, for at most this long.
        "IMPORT_PARSE_MEMORY_MB": env.int("IMPORT_PARSE_MEMORY_MB", 150),
        "IMPORT_PARSE_SECONDS": env.float("IMPORT_PARSE_SECONDS", 60),
        "DELIVERY_BACKDATE_DAYS": env.int("DELIVERY_BACKDATE_DAYS", 3),
        "SCHEDULER_STALE_SECONDS": env.int("SCHEDULER_STALE_SECONDS", 300),
        "SCHEDULER_HEARTBEAT_SECONDS": env.int("SCHEDULER_HEARTBEAT_SECONDS", 30),
        "ARCHIVE_RETRY_BASE_SECONDS": env.int("ARCHIVE_RETRY_BASE_SECONDS", 30),
        "MAX_CONTENT_LENGTH": env.int("MAX_CONTENT_LENGTH", 10 * 1024 * 1024),
        "MAX_JSON_BYTES": env.int("MAX_JSON_BYTES", 64 * 1024),
        "UPLOAD_DIR": env.str("UPLOAD_DIR", "") or str(INSTANCE / "uploads"),
        # Where `flask backup` and the daily job write (mount another machine's disk here), and how many are kept.
        "BACKUP_DIR": env.str("BACKUP_DIR", "") or str(INSTANCE / "backups"),
        "BACKUP_KEEP": env.int("BACKUP_KEEP", 14),
        "BACKUP_AT": env.str("BACKUP_AT", "03:15", validate=HH_MM),
        "UPLOAD_MAX_BYTES": env.int("UPLOAD_MAX_BYTES", 5 * 1024 * 1024),
        # 40 megapixels: a phone's photo (12–50 MP phones save 12 MP by default) or an A4 page scanned at 600 dpi
        # (35 MP); a 13,000 × 13,000 PNG (169 MP) is refused before anything is decoded.
        "UPLOAD_MAX_PIXELS": env.int("UPLOAD_MAX_PIXELS", 40_000_000),
        # A report from the phone whose position is further than this from its household, facility or village is
        # marked for checking (a township is 10–20 km across; a GPS fix indoors is off by far less).
        "FIELD_REPORT_MAX_KM": env.float("FIELD_REPORT_MAX_KM", 20),
        # 缺水地区: the survey's quantity bounds are 40 L / 20 L, and the delivery standard defaults to 20 L.
        "WATER_SHORT_AREA": (water_short := env.bool("WATER_SHORT_AREA", False)),
        "WATER_STANDARD_L_PER_PERSON_DAY": env.float("WATER_STANDARD_L_PER_PERSON_DAY", 20 if water_short else 35),
        "SUPPLY_ASSURANCE_MIN": env.float("SUPPLY_ASSURANCE_MIN", 90),
        "SUPPLY_CASE_AFTER_DAYS": env.int("SUPPLY_CASE_AFTER_DAYS", 7),
        "PLANNING_HORIZON_DAYS": env.int("PLANNING_HORIZON_DAYS", 14),
        "PLAN_DELIVERIES_AT": env.str("PLAN_DELIVERIES_AT", "02:00", validate=HH_MM),
        "MARK_MISSED_AT": env.str("MARK_MISSED_AT", "00:15", validate=HH_MM),
        "SCHEDULER_MISFIRE_GRACE_HOURS": env.float("SCHEDULER_MISFIRE_GRACE_HOURS", 24),
        "CASE_DEADLINE_DAYS_HIGH": env.int("CASE_DEADLINE_DAYS_HIGH", 3),
        "CASE_DEADLINE_DAYS_MEDIUM": env.int("CASE_DEADLINE_DAYS_MEDIUM", 7),
        "CASE_DEADLINE_DAYS_LOW": env.int("CASE_DEADLINE_DAYS_LOW", 14),
        "CASE_RECHECK_AFTER_DAYS": env.int("CASE_RECHECK_AFTER_DAYS", 28),
        "ONGOING_REVIEW_DAYS": env.int("ONGOING_REVIEW_DAYS", 30),
        "ESCALATE_AFTER_DAYS": env.int("ESCALATE_AFTER_DAYS", 3),
        # The monthly bulletin's issuing body and 文号: {region} its region's name, {year} and {number} the month's.
        "BULLETIN_ISSUER": env.str("BULLETIN_ISSUER", "{region}农村供水保障工作领导小组办公室"),
        "BULLETIN_NO": env.str("BULLETIN_NO", "{region}饮水通〔{year}〕{number}号"),
        "KEEP_BULLETINS_AT": env.str("KEEP_BULLETINS_AT", "00:40", validate=HH_MM),
        "RELAPSE_WINDOW_DAYS": env.int("RELAPSE_WINDOW_DAYS", 90),
        "CLEANING_EVERY_DAYS": env.int("CLEANING_EVERY_DAYS", 90),
        "SOURCE_CHECK_EVERY_DAYS": env.int("SOURCE_CHECK_EVERY_DAYS", 30),
        "FILTER_CHANGE_EVERY_DAYS": env.int("FILTER_CHANGE_EVERY_DAYS", 180),
        # Water tests of wells and central points by supply class (docs/operations.md says where each comes from).
        "TEST_EVERY_DAYS_LARGE_CENTRAL": env.int("TEST_EVERY_DAYS_LARGE_CENTRAL", 30),
        "TEST_EVERY_DAYS_SMALL_CENTRAL": env.int("TEST_EVERY_DAYS_SMALL_CENTRAL", 180),
        "TEST_EVERY_DAYS_DISPERSED": env.int("TEST_EVERY_DAYS_DISPERSED", 365),
        "TEST_EVERY_DAYS": env.int("TEST_EVERY_DAYS", 90),
        "INTENSIVE_TEST_EVERY_DAYS": env.int("INTENSIVE_TEST_EVERY_DAYS", 7),
        "CASE_DEADLINES_AT": env.str("CASE_DEADLINES_AT", "07:00", validate=HH_MM),
        "TWILIO_ACCOUNT_SID": env.str("TWILIO_ACCOUNT_SID", None),
        "TWILIO_AUTH_TOKEN": env.str("TWILIO_AUTH_TOKEN", None),
        "TWILIO_FROM_NUMBER": env.str("TWILIO_FROM_NUMBER", None),
        "TWILIO_MESSAGING_SERVICE_SID": env.str("TWILIO_MESSAGING_SERVICE_SID", None),
        "TWILIO_API_BASE_URL": env.str("TWILIO_API_BASE_URL", None),
        "SMS_SEND_TIMEOUT_SECONDS": env.float("SMS_SEND_TIMEOUT_SECONDS", 10),
        "SMS_MAX_IN_FLIGHT": env.int("SMS_MAX_IN_FLIGHT", 4),
        "SMS_RATE_PER_SECOND": env.float("SMS_RATE_PER_SECOND", 0),  # 0: no limit
        "SMS_MAX_ATTEMPTS": env.int("SMS_MAX_ATTEMPTS", 6),
        "SMS_RETRY_BASE_SECONDS": env.float("SMS_RETRY_BASE_SECONDS", 30),
        "SMS_AMBIGUOUS_WAIT_MINUTES": env.float("SMS_AMBIGUOUS_WAIT_MINUTES", 15),
        "SMS_DRAIN_EVERY_SECONDS": env.int("SMS_DRAIN_EVERY_SECONDS", 20),
        "QUIET_HOURS_START": env.str("QUIET_HOURS_START", "21:00", validate=HH_MM),
        "QUIET_HOURS_END": env.str("QUIET_HOURS_END", "08:00", validate=HH_MM),
        "REMINDER_EVENING_AT": env.str("REMINDER_EVENING_AT", "18:00", validate=HH_MM),
        "REMINDER_MORNING_AT": env.str("REMINDER_MORNING_AT", "07:30", validate=HH_MM),
        "CONFIRMATION_EXPIRE_HOURS": env.float("CONFIRMATION_EXPIRE_HOURS", 72),
        "CONFIRMATION_EXPIRY_EVERY_SECONDS": env.int("CONFIRMATION_EXPIRY_EVERY_SECONDS", 3600),
        "KEEP_FIGURES_EVERY_SECONDS": env.int("KEEP_FIGURES_EVERY_SECONDS", 60),
        "IMPORT_MAX_BYTES": env.int("IMPORT_MAX_BYTES", 8 * 1024 * 1024),
        "ARCHIVE_DIR": env.str("ARCHIVE_DIR", "") or str(INSTANCE / "archives"),
        # Records rendered for archives, kept by the fingerprint of what they print (the least used go first).
        "ARCHIVE_PDF_CACHE_DIR": env.str("ARCHIVE_PDF_CACHE_DIR", "") or str(INSTANCE / "pdf-cache"),
        "ARCHIVE_PDF_CACHE_MB": env.int("ARCHIVE_PDF_CACHE_MB", 2048),
        "PDF_WORKERS": env.int("PDF_WORKERS", 0),  # processes rendering an archive (0: one per core)
        # A task queue on Redis (redis://host:6379/0): worker hosts render archives and run the jobs named here.
        "BROKER_URL": env.str("BROKER_URL", "") or None,
        "BROKER_NAMESPACE": env.str("BROKER_NAMESPACE", "water"),
        "BROKER_JOBS": env.str("BROKER_JOBS", "drain_outbox"),
        "BROKER_RESULT_TIMEOUT_SECONDS": env.float("BROKER_RESULT_TIMEOUT_SECONDS", 600),
        "ARCHIVE_SYNC_HOUSEHOLDS": env.int("ARCHIVE_SYNC_HOUSEHOLDS", 20),
        "ARCHIVE_MAX_AGE_SECONDS": env.int("ARCHIVE_MAX_AGE_SECONDS", 600),
        "MAX_WEBHOOK_BYTES": env.int("MAX_WEBHOOK_BYTES", 16 * 1024),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env.bool("SESSION_COOKIE_SECURE", False),
        "WTF_CSRF_TIME_LIMIT": None,
        # flask-smorest / OpenAPI
        "API_TITLE": "农村饮水安全 Rural drinking-water safety",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        "OPENAPI_SWAGGER_UI_PATH": None,
    }
    try:
        env.seal()
    except EnvValidationError as exc:
        raise SettingsError("bad settings in the environment: " + "; ".join(
            f"{name}: {' '.join(messages)}" for name, messages in exc.error_messages.items())) from None
    return config
