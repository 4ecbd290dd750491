"""The Flask application: `create_app` reads like a table of contents."""
from pathlib import Path

from flask import Flask

from .config import INSTANCE, ROOT, load_config


def create_app(config: dict | None = None) -> Flask:
    """Build the app from the environment's settings, overridden by `config` (tests pass theirs)."""
    app = Flask(__name__, instance_path=str(INSTANCE))
    app.config.from_mapping(load_config())
    app.config.from_mapping(config or {})
    app.json.ensure_ascii = False  # Chinese stays readable in API answers
    register_request_guards(app)
    register_extensions(app)
    register_blueprints(app)
    register_template_globals(app)
    register_security_headers(app)
    register_errorhandlers(app)
    register_commands(app)
    return app


def register_request_guards(app: Flask) -> None:
    from werkzeug.middleware.proxy_fix import ProxyFix

    from .config import check_production
    from .database import note_reading_request
    from .host_guard import HostGuard
    from .auth import confine_unit_staff_pages
    from .request_guards import check_json_body

    check_production(app.config)
    app.wsgi_app = HostGuard(app.wsgi_app, lambda: app.config["ALLOWED_HOSTS"], lambda: app.config["PAGE_LOCALE"])
    if app.config["PROXY_COUNT"]:  # the client's address and scheme as the proxies in front saw them
        proxies = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
    app.before_request(note_reading_request)
    app.before_request(check_json_body)
    app.before_request(confine_unit_staff_pages)


def register_extensions(app: Flask) -> None:
    from models import register_revision_listeners

    from .database import configure_engines
    from .domain.catalogue import say
    from .extensions import api, csrf, db, limiter, login_manager, migrate
    from .i18n import init_app as init_languages

    # The listeners every session and engine of the process needs: SQLite's locking, and village revisions.
    configure_engines()
    register_revision_listeners()
    init_languages(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = say("login.required")
    limiter.init_app(app)
    api.init_app(app)
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    api.spec.options["security"] = [{"bearerAuth": []}]


def register_blueprints(app: Flask) -> None:
    from .accounts import admin as account_admin
    from .accounts import pages as account_pages
    from .accounts import routes as auth_routes
    from .agreements import pages as agreement_pages
    from .agreements import routes as agreement_routes
    from .cases import pages as case_pages
    from .cases import routes as case_routes
    from .dashboard import pages as dashboard_pages
    from .dashboard import routes as dashboard_routes
    from .deliveries import pages as delivery_pages
    from .deliveries import routes as delivery_routes
    from .docs import blueprint as docs
    from .extensions import api, csrf
    from .facilities import pages as facility_pages
    from .facilities import routes as facility_routes
    from .health import blueprint as health
    from .home import pages as home_pages
    from .households import pages as household_pages
    from .imports import pages as import_pages
    from .imports import routes as import_routes
    from .households import routes as household_routes
    from .places import pages as place_pages
    from .places import routes as place_routes
    from .emergencies import pages as emergency_pages
    from .emergencies import routes as emergency_routes
    from .projects import pages as project_pages
    from .projects import routes as project_routes
    from .spot_checks import pages as spot_check_pages
    from .spot_checks import routes as spot_check_routes
    from .rechecks import pages as recheck_pages
    from .rechecks import routes as recheck_routes
    from .reports import routes as report_routes
    from .reports import signed as signed_routes
    from .reports import verify
    from .sms import pages as sms_pages
    from .sms import routes as sms_routes
    from .regions import routes as region_routes
    from .sms import webhooks as sms_webhooks
    from .staff import routes as staff_routes
    from .survey import pages as survey_pages
    from .survey import routes as survey_routes
    from .units import pages as unit_pages
    from .units import routes as unit_routes
    from .water import routes as water_routes
    from .webapp import pages as webapp_pages

    for bp in (auth_routes.blueprint, place_routes.townships, place_routes.villages,
               household_routes.blueprint, facility_routes.blueprint, staff_routes.blueprint,
               agreement_routes.blueprint, delivery_routes.blueprint, dashboard_routes.blueprint,
               case_routes.blueprint, sms_routes.blueprint, import_routes.blueprint, water_routes.blueprint,
               unit_routes.blueprint, survey_routes.blueprint, region_routes.blueprint, recheck_routes.blueprint,
               spot_check_routes.blueprint, signed_routes.blueprint, project_routes.blueprint,
               emergency_routes.blueprint):
        # The API authenticates by bearer token, never by cookie, so CSRF cannot reach it.
        csrf.exempt(bp)
        api.register_blueprint(bp)
    for bp in (recheck_pages.blueprint, spot_check_pages.blueprint, project_pages.blueprint, emergency_pages.blueprint, unit_pages.blueprint, home_pages.blueprint,
               account_pages.blueprint, account_admin.blueprint, household_pages.blueprint, survey_pages.blueprint, facility_pages.blueprint, agreement_pages.blueprint,
               delivery_pages.blueprint, dashboard_pages.blueprint, case_pages.blueprint, sms_pages.blueprint,
               import_pages.blueprint, place_pages.blueprint, webapp_pages.blueprint,
               sms_webhooks.blueprint, report_routes.blueprint, verify.blueprint, docs, health):
        app.register_blueprint(bp)
    # Twilio signs its webhooks; it cannot send our CSRF token.
    csrf.exempt(sms_webhooks.blueprint)


STATIC_MAX_AGE = 365 * 24 * 3600


def register_security_headers(app: Flask) -> None:
    from flask import request

    from .security_headers import BASE_HEADERS

    @app.after_request
    def security_headers(response):
        for name, value in BASE_HEADERS.items():
            response.headers.setdefault(name, value)
        # Pages, API answers, PDFs and exports carry personal data: no browser or proxy keeps a copy.
        if request.endpoint == "static" and request.args.get("v"):
            # The URL names the file's content (static_url): a changed file has a new URL, so keep it a year.
            response.headers["Cache-Control"] = f"public, max-age={STATIC_MAX_AGE}, immutable"
        elif request.endpoint not in ("static", "docs.swagger_asset", "home.favicon"):
            response.headers["Cache-Control"] = "no-store"
            response.headers.pop("Expires", None)
        if app.config["SESSION_COOKIE_SECURE"]:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response


def register_template_globals(app: Flask) -> None:
    import hashlib
    import uuid
    from datetime import datetime, timedelta, timezone
    from functools import cache

    from flask import url_for
    from flask_login import current_user

    from .clock import local_time, local_today
    from .context import current_thresholds
    from .domain.case_rules import is_overdue, is_progress_overdue
    from .domain.catalogue import label
    from .i18n import Labels, field_name, locale, page_text, person, tell
    from .domain.deliveries import effective_values
    from .domain.identity import display_phone
    from .domain.permissions import COUNTY, REACH, REGION, can
    from .navigation import tabs
    from .domain.water_quality import describe as describe_exceedances
    from .webapp.pages import phone_texts

    # Needs-delivery reasons are labelled with the thresholds in force ("距集中供水点超800米").
    app.jinja_env.globals.update(label=lambda group, code: label(group, code, current_thresholds(), locale()),
                                 labels=Labels(), message=lambda text: tell(text) or str(text),
                                 field_name=lambda name: field_name(name) or name, person=person,
                                 can=lambda capability: current_user.is_authenticated and can(current_user.user,
                                                                                              capability),
                                 tabs=lambda: tabs(current_user.user) if current_user.is_authenticated else [],
                                 # County users see every township: a village is named with its township.
                                 county_view=lambda: current_user.is_authenticated and
                                 REACH[current_user.user.role] in (COUNTY, REGION))
    @cache
    def static_version(filename: str) -> str:
        return hashlib.sha256((Path(app.static_folder) / filename).read_bytes()).hexdigest()[:10]

    app.jinja_env.globals["static_url"] = lambda filename: url_for("static", filename=filename,
                                                                   v=static_version(filename))
    app.jinja_env.globals.update(phone_texts=lambda: phone_texts(current_user.user),
                                 rendered_at=lambda: datetime.now(timezone.utc).isoformat(timespec="seconds"))
    app.jinja_env.filters["phone"] = display_phone
    app.jinja_env.filters["exceedances"] = describe_exceedances
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.filters["effective"] = effective_values  # a delivery's values after its corrections
    app.jinja_env.globals["timedelta"] = timedelta
    app.jinja_env.globals["today"] = local_today
    # A case's time limit as pages show it: its deadline, or 长期坚持 with the day its next progress entry is due.
    app.jinja_env.globals.update(
        case_overdue=lambda case: is_overdue(case, local_today()),
        progress_overdue=lambda case: is_progress_overdue(case, local_today()),
        time_limit=lambda case: str(case.deadline) if case.deadline else page_text(
            "page.cases.ongoing_review", day=case.progress_due_on or "—"))
    # Every word of a template is a catalogue key (`_('page.…')`), in the page's language or a printout's.
    app.jinja_env.globals["_"] = page_text
    app.jinja_env.globals["html_lang"] = lambda: locale().replace("_", "-")
    # A form's Idempotency-Key: a double tap, or the phone's queue sending it again, makes it once.
    app.jinja_env.globals["new_key"] = lambda: uuid.uuid4().hex


def register_errorhandlers(app: Flask) -> None:
    from .handlers import register

    register(app)


def register_commands(app: Flask) -> None:
    """The service's own commands; the scheduler's (`flask scheduler`, `flask jobs`) reach `flask` through the
    `flask.commands` entry points of pyproject.toml, so that this package never imports schedules."""
    from .cli import backup_command, export, import_command, report, restore_command, users

    for command in (users, report, import_command, export, backup_command, restore_command):
        app.cli.add_command(command)
