"""Settings become what the domain receives, here and nowhere else.

`build_context(config, now)` turns the settings into the domain's context at one moment: its rules (the
needs-delivery thresholds, case deadlines, the local day and time zone, the planning horizon, the backdating
window), the resident-ID vault, the SMS gateway and settings, and the limits of imports and manual SMS.
Views, CLI commands and scheduled jobs all go through it, so that a setting means the same everywhere.
"""
from dataclasses import dataclass
from pathlib import Path
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import current_app, g

from .backup import BackupSettings

from .domain.bulletins import BulletinStyle
from .domain.case_rules import CasePolicy, Upkeep
from .domain.gateway import SmsGateway
from .domain.identity import IdNumberVault
from .domain.needs_delivery import Thresholds
from .domain.rules import Rules, SupplyStandard
from .domain.supply import Gaps
from .domain.outbox import SmsSettings
from .domain.tables import UnpackLimits
from .sms_gateway import build_gateway


@dataclass(frozen=True)
class Context:
    rules: Rules
    vault: IdNumberVault
    gateway: SmsGateway
    sms: SmsSettings
    unpack_limits: UnpackLimits
    conflicts_per_hour: int  # answers about resident IDs registered elsewhere, per user and hour
    manual_sms_per_day: int  # SMS a person writes by hand, per user and day
    backup: BackupSettings
    bulletin_style: BulletinStyle = BulletinStyle()


def thresholds(config) -> Thresholds:
    return Thresholds(config["NEEDS_DELIVERY_DISTANCE_M"], config["NEEDS_DELIVERY_VERTICAL_M"],
                      config["NEEDS_DELIVERY_ROUND_TRIP_MIN"])


def bulletin_style(config) -> BulletinStyle:
    """The bulletin's issuing body and 文号 as the county writes them (BULLETIN_ISSUER, BULLETIN_NO)."""
    return BulletinStyle(config["BULLETIN_ISSUER"], config["BULLETIN_NO"])


def upkeep(config) -> Upkeep:
    """How often facilities are cleaned, checked and tested (CLEANING_EVERY_DAYS, SOURCE_CHECK_EVERY_DAYS,
    FILTER_CHANGE_EVERY_DAYS, TEST_EVERY_DAYS*, INTENSIVE_TEST_EVERY_DAYS)."""
    return Upkeep(config["CLEANING_EVERY_DAYS"], config["SOURCE_CHECK_EVERY_DAYS"], config["FILTER_CHANGE_EVERY_DAYS"],
                  (("large_central", config["TEST_EVERY_DAYS_LARGE_CENTRAL"]),
                   ("small_central", config["TEST_EVERY_DAYS_SMALL_CENTRAL"]),
                   ("dispersed", config["TEST_EVERY_DAYS_DISPERSED"])),
                  config["TEST_EVERY_DAYS"], config["INTENSIVE_TEST_EVERY_DAYS"])


def rules(config, now: datetime) -> Rules:
    """The domain's rules at `now` (aware): the local day is the day in APP_TIMEZONE."""
    zone = ZoneInfo(config["APP_TIMEZONE"])
    policy = CasePolicy({"high": config["CASE_DEADLINE_DAYS_HIGH"], "medium": config["CASE_DEADLINE_DAYS_MEDIUM"],
                         "low": config["CASE_DEADLINE_DAYS_LOW"]}, config["CASE_RECHECK_AFTER_DAYS"],
                        config["RELAPSE_WINDOW_DAYS"], upkeep(config), config["ONGOING_REVIEW_DAYS"],
                        config["ESCALATE_AFTER_DAYS"])
    supply = SupplyStandard(config["SUPPLY_ASSURANCE_MIN"], config["WATER_STANDARD_L_PER_PERSON_DAY"],
                            config["SUPPLY_CASE_AFTER_DAYS"], water_short=config["WATER_SHORT_AREA"])
    return Rules(thresholds(config), policy, now.astimezone(zone).date(), now, zone, config["PLANNING_HORIZON_DAYS"],
                 config["DELIVERY_BACKDATE_DAYS"], supply)


def _hhmm(value: str) -> time:
    hour, minute = value.split(":")
    return time(int(hour), int(minute))


def sms_settings(config) -> SmsSettings:
    return SmsSettings(ZoneInfo(config["APP_TIMEZONE"]), _hhmm(config["QUIET_HOURS_START"]),
                       _hhmm(config["QUIET_HOURS_END"]), config["SMS_MAX_IN_FLIGHT"], config["SMS_RATE_PER_SECOND"],
                       config["SMS_MAX_ATTEMPTS"], config["SMS_RETRY_BASE_SECONDS"],
                       timedelta(minutes=config["SMS_AMBIGUOUS_WAIT_MINUTES"]), config.get("PUBLIC_BASE_URL"),
                       timedelta(hours=config["CONFIRMATION_EXPIRE_HOURS"]))


def vault(config) -> IdNumberVault:
    """The resident-ID vault, keyed by ID_NUMBER_KEY (or, failing that, SECRET_KEY)."""
    return IdNumberVault.from_secret(config["ID_NUMBER_KEY"] or config["SECRET_KEY"])


def build_context(config, now: datetime | None = None, id_vault: IdNumberVault | None = None,
                  gateway: SmsGateway | None = None) -> Context:
    """The domain's context from the settings in `config`, at `now` (this instant by default); the running app
    passes the vault and gateway it built once (a Twilio client keeps its connections)."""
    return Context(
        rules(config, now or datetime.now(timezone.utc)), id_vault or vault(config), gateway or build_gateway(config),
        sms_settings(config), UnpackLimits(config["IMPORT_MAX_UNPACKED_BYTES"], config["IMPORT_MAX_RATIO"],
                                            config["IMPORT_PARSE_MEMORY_MB"] * 1024 * 1024,
                                            config["IMPORT_PARSE_SECONDS"]),
        config["ID_CONFLICTS_PER_HOUR"], config["MANUAL_SMS_PER_DAY"], backup_settings(config), bulletin_style(config))


def backup_settings(config) -> BackupSettings:
    return BackupSettings(config["SQLALCHEMY_DATABASE_URI"], Path(config["UPLOAD_DIR"]), Path(config["BACKUP_DIR"]),
                          config["BACKUP_KEEP"])


def _built_once() -> dict:
    """The running app's vault and gateway, built on first use."""
    built = current_app.extensions.setdefault("water_context", {})
    if "vault" not in built:
        built["vault"], built["gateway"] = vault(current_app.config), build_gateway(current_app.config)
    return built


def current_context(now: datetime | None = None) -> Context:
    """The context of the running app at this moment (its vault and gateway built once per app)."""
    built = _built_once()
    return build_context(current_app.config, now, built["vault"], built["gateway"])


def current_rules() -> Rules:
    """The domain's rules in the running app, now: or, while a report the phone queued is made, at its tap (so
    that what it records happened when it happened; `field_reports.mark_reported_later` says when it arrived)."""
    return rules(current_app.config, g.get("event_time") or datetime.now(timezone.utc))


def current_thresholds() -> Thresholds:
    """The needs-delivery thresholds in force in the running app."""
    return thresholds(current_app.config)


def current_gaps() -> Gaps:
    """How supply figures count a household that needs delivery without an agreement: its days are short."""
    return Gaps(thresholds(current_app.config), ZoneInfo(current_app.config["APP_TIMEZONE"]))


def current_vault() -> IdNumberVault:
    """The running app's resident-ID vault."""
    return _built_once()["vault"]

