"""/reports/… (PDFs and the archive): for a bearer token or a logged-in page session alike."""
import time
from datetime import date
from pathlib import Path

from flask import Blueprint, Response, current_app, render_template, request, send_file
from flask_login import current_user

from models import db

from ..auth import acting_scope, acting_user, require_bearer_user
from ..clock import local_today, local_zone
from ..context import bulletin_style, current_rules, current_thresholds
from ..domain import bulletins, projects, rechecks, reports, survey
from ..domain.permissions import require_capability
from ..domain.errors import FieldErrors, Unauthorized
from ..pdf import renderer_for
from ..unit_of_work import UnitOfWork, may_write
from .archive import ArchiveSettings, plan_archive
from .builds import ArchiveBuilds, ask_for_archive
from .render import record_html

blueprint = Blueprint("reports", __name__)


@blueprint.before_request
def authenticate():
    if request.headers.get("Authorization"):
        require_bearer_user()
    elif not current_user.is_authenticated:
        raise Unauthorized("login.required")


def _day(name: str, default: date) -> date:
    value = request.args.get(name)
    if not value:
        return default
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise FieldErrors.one(name, "value.date") from None


def _period() -> tuple[date, date]:
    today = local_today()
    return _day("from", date(today.year, 1, 1)), _day("to", today)


def printout(record: dict, filename: str) -> Response:
    """The record's PDF: its verification code and printing are kept (committed) first, and it is rendered after,
    outside any transaction, so that the seconds a render takes never hold the database's write lock."""
    with UnitOfWork():
        html = record_html(db.session, record)
    return _pdf(renderer_for(current_app).render(html), filename)


def _pdf(data: bytes, filename: str) -> Response:
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f"inline; filename*=UTF-8''{filename}"
    return response


@blueprint.route("/reports/households/<int:household_id>/deliveries.pdf")
@may_write  # the verification code printed on it
def household_deliveries(household_id):
    date_from, date_to = _period()
    record = reports.household_record(db.session, acting_scope(), household_id, date_from, date_to, local_zone(),
                                     local_today())
    return printout(record, f"household-{household_id}-deliveries.pdf")


@blueprint.route("/reports/villages/<int:village_id>/deliveries.pdf")
@may_write  # the verification code printed on it
def village_deliveries(village_id):
    month = request.args.get("month") or local_today().strftime("%Y-%m")
    record = reports.village_month(db.session, acting_scope(), village_id, month[:7], local_zone(), local_today())
    return printout(record, f"village-{village_id}-{month[:7]}.pdf")


@blueprint.route("/reports/villages/<int:village_id>/visits.pdf")
@may_write  # the verification code printed on it
def village_visits(village_id):
    """排查表: the village's households on the four indicators in `year` (this year when not given)."""
    today = local_today()
    year = request.args.get("year", "")
    if year and not (year.isdigit() and len(year) <= 6):
        raise FieldErrors.one("year", "value.integer")
    record = survey.survey_sheet(db.session, acting_scope(), village_id, int(year or today.year), local_zone(), today)
    return printout(record, f"village-{village_id}-visits-{record['params']['year']}.pdf")


@blueprint.route("/reports/regions/<int:region_id>/bulletin.pdf")
@may_write  # the verification code printed on it
def region_bulletin(region_id):
    """月度通报: the region's children ranked, the worst figures named, the ledger's statistics, the cases overdue
    (this month so far by default; a past month's as kept when it was issued)."""
    require_capability(acting_user(), "print_bulletin")
    month = request.args.get("month") or local_today().strftime("%Y-%m")
    record = bulletins.bulletin(db.session, acting_scope(), region_id, month[:7], local_today(), current_thresholds(),
                                local_zone(), current_rules().cases.upkeep,
                                bulletin_style(current_app.config))
    return printout(record, f"region-{region_id}-bulletin-{month[:7]}.pdf")


@blueprint.route("/reports/agreements/<int:agreement_id>.pdf")
@may_write  # the verification code printed on it
def agreement(agreement_id):
    record = reports.agreement_sheet(db.session, acting_scope(), agreement_id)
    return printout(record, f"agreement-{agreement_id}.pdf")


@blueprint.route("/reports/townships/<int:township_id>/summary.pdf")
@may_write  # the verification code printed on it
def township_summary(township_id):
    date_from, date_to = _period()
    record = reports.township_summary(db.session, acting_scope(), township_id, date_from, date_to,
                                      current_thresholds(), local_zone())
    return printout(record, f"township-{township_id}-summary.pdf")


@blueprint.route("/reports/townships/<int:township_id>/water-tests.pdf")
@may_write  # the verification code printed on it
def water_tests(township_id):
    date_from, date_to = _period()
    record = reports.water_test_report(db.session, acting_scope(), township_id, date_from, date_to)
    return printout(record, f"township-{township_id}-water-tests.pdf")


@blueprint.route("/reports/townships/<int:township_id>/facilities.pdf")
@may_write  # the verification code printed on it
def facility_register(township_id):
    """The 工程管护台账: every facility with its unit, manager and upkeep, as of today."""
    record = reports.facility_register(db.session, acting_scope(), township_id, local_today(),
                                       current_rules().cases.upkeep)
    return printout(record, f"township-{township_id}-facilities.pdf")


@blueprint.route("/reports/projects/<int:project_id>/progress.pdf")
@may_write  # the verification code printed on it
def project_progress(project_id):
    """The 进度表 of a 城乡供水一体化 project, as of today."""
    record = projects.project_record(db.session, acting_scope(), project_id, local_today())
    return printout(record, f"project-{project_id}-progress.pdf")


@blueprint.route("/reports/townships/<int:township_id>/ledger.pdf")
@may_write  # the verification code printed on it
def ledger(township_id):
    """The printed ledger (问题台账) of the period; `lead_unit_id` narrows it to one 牵头单位's cases."""
    date_from, date_to = _period()
    unit = request.args.get("lead_unit_id", "")
    record = reports.ledger_record(db.session, acting_scope(), township_id, date_from, date_to, local_zone(),
                                   local_today(), int(unit) if unit.isdigit() else None)
    return printout(record, f"township-{township_id}-ledger.pdf")


@blueprint.route("/reports/units/<int:unit_id>/ledger.pdf")
@may_write  # the verification code printed on it
def unit_ledger(unit_id):
    """The county-wide ledger of one 牵头单位: the cases it leads in every township of its county, for the period."""
    date_from, date_to = _period()
    record = reports.unit_ledger_record(db.session, acting_scope(), unit_id, date_from, date_to, local_zone(),
                                        local_today())
    return printout(record, f"unit-{unit_id}-ledger.pdf")


@blueprint.route("/reports/rechecks/<int:recheck_id>.pdf")
@may_write  # the verification code printed on it
def recheck(recheck_id):
    """回头查: each case's standard, result, note and day, with who checked, signed by the checkers."""
    return printout(rechecks.recheck_record(db.session, acting_scope(), recheck_id, local_zone()),
                    f"recheck-{recheck_id}.pdf")


@blueprint.route("/reports/townships/<int:township_id>/inspection.zip")
@may_write  # a small township's archive is built at once, with its verification codes
def inspection_archive(township_id):
    """The archive: at once for a small township; a large one builds in the background (202 with progress)."""
    scope = acting_scope()
    require_capability(acting_user(), "print_archive")
    date_from, date_to = _period()
    plan = plan_archive(db.session, scope, township_id, date_from, date_to)
    # The QR codes inside lead to base_url: an archive built for one address is never served for another.
    settings = ArchiveSettings.of(current_app, current_app.config.get("PUBLIC_BASE_URL") or request.host_url)
    builds = ArchiveBuilds(Path(current_app.config["ARCHIVE_DIR"]), current_app.config["ARCHIVE_MAX_AGE_SECONDS"],
                           current_app.config["ARCHIVE_RETRY_BASE_SECONDS"],
                           current_app.config["BROKER_RESULT_TIMEOUT_SECONDS"] + 60 if settings.queue else 60)
    answer = ask_for_archive(current_app._get_current_object(), db.session, scope, plan, settings, builds,
                             current_app.config["ARCHIVE_SYNC_HOUSEHOLDS"])
    if answer.path:
        return send_file(answer.path, mimetype="application/zip", as_attachment=True,
                         download_name=f"inspection-{township_id}-{date_from}-{date_to}.zip")
    state = answer.state
    failed = bool(state.get("error"))
    body = {"status": "failed" if failed else "building", "done": state.get("done", 0),
            "total": state.get("total", 0), "error": state.get("error"), "households": len(plan.households),
            "attempts": state.get("attempts", 0)}
    wait = max(3, int(state.get("retry_at", 0) - time.time())) if failed else 3
    headers = {"Retry-After": str(wait), "Location": request.full_path}
    if request.accept_mimetypes.best == "text/html":  # a person waiting at a print button: a page that refreshes
        return render_template("reports/building.html", b=body), 202, headers
    return body, 202, headers
