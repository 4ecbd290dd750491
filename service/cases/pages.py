from flask import Blueprint, redirect, render_template, request, send_from_directory, url_for
from flask_login import login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from models import FAILED_STATUSES, Case, CaseEvent, FieldReport, Unit, User, Village, db, utcnow, UNRESOLVED_CASE_STATUSES

from ..auth import acting_scope, acting_user
from ..clock import local_today
from ..context import current_rules, current_thresholds
from ..domain.geo import stranded_households
from ..domain import cases, units
from ..domain.scope import get_visible
from ..domain.errors import FieldErrors, NotFound
from ..domain.permissions import REGIONAL, can, require_capability
from ..field_reports import field_report, noted
from ..forms import clean_text, flash_when_saved, form_page, load_form, load_query
from ..i18n import say
from ..uploads import IMAGES, store_upload, thumbnail, upload_root
from .queries import collection, ledger_file
from .schemas import CaseArgs, CaseSchema, MilestoneSchema

blueprint = Blueprint("cases_pages", __name__)
LEDGER_FIELDS = ("source", "source_ref", "category", "measures", "standard", "lead_unit_id", "cooperating_unit_ids",
                 "deadline", "deadline_reason")
# The moves each status offers on the case page; the lifecycle itself is enforced by the domain.
NEXT = {"open": ("in_progress",), "in_progress": ("resolved",), "resolved": ("verified",),
        "verified": ("closed", "open")}


@blueprint.route("/cases")
@login_required
def index():
    args = load_query(CaseArgs, request.args, per_page=30)
    page = collection.page(db.session, acting_scope(), args, (selectinload(Case.village).selectinload(Village.township), selectinload(Case.household),
                                                              selectinload(Case.facility)))
    return render_template("cases/index.html", page=page, args=args, today=local_today())


def _next_steps(case: Case, actor) -> tuple[str, ...]:
    """The moves this user may make now: 销号 and 回头看 only for a lead or the county, never by the resolver; none
    for a unit's staff (who report progress and evidence)."""
    if not can(actor, "work_case"):
        return ()
    if case.status in ("resolved", "verified") and not can(actor, "verify_case"):
        return ()
    if case.status == "resolved" and case.resolved_by_id == actor.id:
        return ()
    return NEXT.get(case.status, ())


def _detail(case_id: int, errors: dict | None = None) -> str:
    case = get_visible(db.session, Case, case_id, acting_scope())
    # The history names who acted (a login's 责任人): loaded with the events, not one query per line.
    set_committed_value(case, "events", db.session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)
        .options(selectinload(CaseEvent.actor).selectinload(User.staff))).all())
    actor = acting_user()
    staff = cases.assignable_staff(db.session, case) if can(actor, "assign_case") else []
    stranded = stranded_households(db.session, case.facility, current_thresholds()) \
        if case.facility is not None and case.dedupe_key == f"facility:{case.facility_id}" and \
        case.status in UNRESOLVED_CASE_STATUSES and case.facility.status in FAILED_STATUSES else []
    return render_template("cases/detail.html", c=case, next_steps=_next_steps(case, actor), staff=staff,
                           units=_units(case.township_id) if can(actor, "work_case") else [],
                           stranded=stranded, repair=case, field_reports=db.session.scalars(
                               select(FieldReport).where(FieldReport.case_id == case.id).order_by(FieldReport.id)).all(),
                           errors=errors or {}, today=local_today())


@blueprint.route("/cases/<int:case_id>")
@login_required
def detail(case_id):
    return _detail(case_id)


# A case opened from a page: a handed-down problem (交办) with its reference, units and measures, or one's own.
FORM_TYPES = {"kind": str, "village_id": int, "title": str, "description": str, "source": str, "source_ref": str,
              "category": str, "measures": str, "standard": str, "lead_unit_id": int, "severity": str, "deadline": str,
              "deadline_reason": str}


def _units(township_id: int | None = None) -> list[Unit]:
    """The units a case may name: the user's township's own and the county's."""
    stmt = acting_scope().restrict(select(Unit), Unit).order_by(Unit.township_id.is_(None), Unit.kind, Unit.name)
    if township_id is not None:
        stmt = stmt.where(units.namable_in(township_id))
    return db.session.scalars(stmt).all()


def _case_form(errors: dict | None = None) -> str:
    villages = db.session.scalars(acting_scope().restrict(select(Village), Village)
                                  .options(selectinload(Village.township)).order_by(Village.township_id, Village.name)).all()
    values = request.form if request.method == "POST" else {"category": "deadline", "source": "assigned"}
    return render_template("cases/new.html", villages=villages, units=_units(), values=values,
                           chosen=request.form.getlist("cooperating_unit_ids"), errors=errors or {})


def _form_payload(types: dict, partial: bool = False) -> dict:
    # A blank deadline on the ledger form leaves it as it is (only 长期坚持 has none).
    data = load_form(CaseSchema(partial=partial), request.form, types, clear_blank=partial,
                     keep=("deadline", "deadline_reason"))
    data["cooperating_unit_ids"] = [int(i) for i in request.form.getlist("cooperating_unit_ids") if i.isdigit()]
    return data


@blueprint.route("/cases/new", methods=["GET", "POST"])
@login_required
@form_page(lambda errors: _case_form(errors))
def new():
    """立案: a case from a 交办 list (its number, lead and cooperating units, measures) or found on one's rounds."""
    actor = acting_user()
    if request.method == "GET":
        # a township's staff or the county open one; a city or province hands one down (交办) into its region
        require_capability(actor, "hand_down_case" if actor.role in REGIONAL else "work_case")
        return _case_form()
    payload = _form_payload(FORM_TYPES)
    if actor.role in REGIONAL:
        payload["source"] = "assigned"
    case = cases.open_case(db.session, actor, payload, local_today(), current_rules().cases)
    flash_when_saved(say("case.opened"))
    return redirect(url_for("cases_pages.detail", case_id=case.id))


@blueprint.route("/cases/<int:case_id>/ledger", methods=["POST"])
@login_required
@form_page(_detail)
def ledger_details(case_id):
    """The case's ledger columns changed: source and reference, category, measures, lead and cooperating units."""
    data = _form_payload({key: FORM_TYPES[key] for key in LEDGER_FIELDS if key in FORM_TYPES}, partial=True)
    cases.update_case(db.session, acting_user(), case_id, {key: data[key] for key in LEDGER_FIELDS if key in data},
                      current_rules())
    return redirect(url_for("cases_pages.detail", case_id=case_id))


@blueprint.route("/cases/<int:case_id>/progress", methods=["POST"])
@login_required
@form_page(_detail)
@field_report("progress")
def progress(case_id):
    """整改进展: a dated entry."""
    cases.add_progress(db.session, acting_user(), case_id, clean_text(request.form.get("progress"), 2000),
                       current_rules())
    noted(case_id=case_id)
    flash_when_saved(say("case.progress_added"))
    return redirect(url_for("cases_pages.detail", case_id=case_id))


@blueprint.route("/cases/<int:case_id>/milestones", methods=["POST"])
@login_required
@form_page(_detail)
def add_milestone(case_id):
    """倒排工期: a milestone due on a day."""
    data = load_form(MilestoneSchema(), request.form, {"title": str, "due_on": str})
    cases.add_milestone(db.session, acting_user(), case_id, data["title"], data["due_on"], current_rules())
    return redirect(url_for("cases_pages.detail", case_id=case_id, _anchor="milestones"))


@blueprint.route("/cases/<int:case_id>/milestones/<int:milestone_id>/done", methods=["POST"])
@login_required
@form_page(_detail)
def complete_milestone(case_id, milestone_id):
    """A milestone done today."""
    rules = current_rules()
    cases.complete_milestone(db.session, acting_user(), case_id, milestone_id, rules.today, rules)
    return redirect(url_for("cases_pages.detail", case_id=case_id, _anchor="milestones"))


@blueprint.route("/cases/export.<any(xlsx, csv):fmt>")
@login_required
def export(fmt):
    """The ledger (问题台账) of the list's filters as a spreadsheet, from the page (the API's export, by cookie)."""
    return ledger_file(acting_scope(), load_query(CaseArgs, request.args, per_page=30), fmt)


@blueprint.route("/cases/mine")
@login_required
def mine():
    """我的任务: the cases assigned to the person this login is, soonest deadline first."""
    actor = acting_user()
    return render_template("cases/mine.html", items=cases.assigned_to(db.session, actor),
                           linked=actor.staff_id is not None, today=local_today())


@blueprint.route("/cases/<int:case_id>/assign", methods=["POST"])
@login_required
@form_page(_detail)
def assign(case_id):
    chosen = request.form.get("assignee_id", "")
    cases.assign_case(db.session, acting_user(), case_id, int(chosen) if chosen.isdigit() else None,
                      current_rules())
    return redirect(url_for("cases_pages.detail", case_id=case_id))


@blueprint.route("/cases/<int:case_id>/transitions", methods=["POST"])
@login_required
@form_page(_detail)
def transition(case_id):
    to = request.form.get("to", "")
    if to == "verified" and request.form.get("confirm") != "1":
        raise FieldErrors.one("confirm", "case.confirm_verify")
    cases.transition(db.session, acting_user(), case_id, to,
                     clean_text(request.form.get("note"), 2000), current_rules(),
                     clean_text(request.form.get("standard"), 2000))
    return redirect(url_for("cases_pages.detail", case_id=case_id))


@blueprint.route("/cases/<int:case_id>/evidence", methods=["POST"])
@login_required
@form_page(_detail)
def add_evidence(case_id):
    upload = request.files.get("file")
    cases.add_evidence(db.session, acting_user(), case_id,
                       lambda: store_upload(upload, IMAGES + ("application/pdf",), "evidence"),
                       upload.filename if upload else None, utcnow())
    return redirect(url_for("cases_pages.detail", case_id=case_id))


def _evidence(case_id: int, evidence_id: int):
    case = get_visible(db.session, Case, case_id, acting_scope())
    evidence = next((item for item in case.evidence if item.id == evidence_id), None)
    if evidence is None:
        raise NotFound("record.not_found", kind="evidence", id=evidence_id)
    return evidence


@blueprint.route("/cases/<int:case_id>/evidence/<int:evidence_id>")
@login_required
def evidence_file(case_id, evidence_id):
    evidence = _evidence(case_id, evidence_id)
    return send_from_directory(upload_root(), evidence.path, mimetype=evidence.content_type)


@blueprint.route("/cases/<int:case_id>/evidence/<int:evidence_id>/thumbnail")
@login_required
def evidence_thumbnail(case_id, evidence_id):
    """A photo's thumbnail for the case page (a PDF has none: the page names it instead)."""
    evidence = _evidence(case_id, evidence_id)
    if evidence.content_type not in IMAGES:
        raise NotFound("record.not_found", kind="thumbnail", id=evidence_id)
    return send_from_directory(upload_root(), thumbnail(evidence.path), mimetype="image/jpeg")
