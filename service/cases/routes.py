from flask import request, send_from_directory

from models import Case, db, utcnow

from ..api_common import UploadSchema
from ..auth import acting_scope, acting_user
from ..clock import local_today
from ..context import current_rules
from ..domain import cases
from ..domain.scope import get_visible
from ..domain.errors import NotFound
from ..domain import ledger
from ..i18n import locale
from ..registry_api import collection_blueprint
from ..unit_of_work import atomic
from ..uploads import IMAGES, store_upload, upload_root
from .queries import collection, ledger_file
from .schemas import (CaseArgs, CaseEvidenceSchema, CaseSchema, CaseStatsArgs, CaseStatsSchema, MilestoneDoneSchema,
                      MilestoneSchema, ProgressEntrySchema, ProgressSchema, TransitionSchema)

blueprint = collection_blueprint(collection)


@blueprint.route("/<int:record_id>/transitions", methods=["POST"])
@blueprint.arguments(TransitionSchema)
@blueprint.response(200, CaseSchema)
@blueprint.alt_response(409, response="DEFAULT_ERROR", description="a move the lifecycle does not allow")
@atomic
def transition(data, record_id):
    """Move a case: open→in_progress→resolved→verified; re-check verified→closed (passed) or →open (relapse)."""
    return cases.transition(db.session, acting_user(), record_id, data["to"], data.get("note"), current_rules(),
                            data.get("standard"))


@blueprint.route("/<int:record_id>/evidence", methods=["POST"])
@blueprint.arguments(UploadSchema, location="files")
@blueprint.response(201, CaseEvidenceSchema)
@atomic
def add_evidence(files, record_id):
    """Attach a photo or document (JPEG, PNG or PDF) as evidence."""
    upload = files.get("file")
    return cases.add_evidence(db.session, acting_user(), record_id,
                              lambda: store_upload(upload, IMAGES + ("application/pdf",), "evidence"),
                              upload.filename if upload else None, utcnow())


@blueprint.route("/export.<any(xlsx, csv):fmt>", methods=["GET"])
@blueprint.arguments(CaseArgs, location="query")
@blueprint.response(200, description="the ledger (问题台账) of the cases matching the list's filters",
                    content_type="application/octet-stream")
def export_ledger(args, fmt):
    """The ledger (问题台账) as .xlsx or .csv: the cases the list's filters choose, in the caller's scope, oldest
    first, in the ledger's conventional columns."""
    return ledger_file(acting_scope(), args, fmt)


@blueprint.route("/stats", methods=["GET"])
@blueprint.arguments(CaseStatsArgs, location="query")
@blueprint.response(200, CaseStatsSchema)
def stats(args):
    """The ledger's statistics (the counts a rectification report opens with) of the cases the list's filters
    choose, in the caller's scope, by `group_by`, with the sentence a report prints."""
    group_by = args.pop("group_by")
    return ledger.case_statistics(db.session, collection.query(acting_scope(), args), group_by, local_today(),
                                  locale())


@blueprint.route("/<int:record_id>/progress", methods=["POST"])
@blueprint.arguments(ProgressSchema)
@blueprint.response(201, ProgressEntrySchema)
@atomic
def add_progress(data, record_id):
    """整改进展: add a dated progress entry (the case lists them as `progress`)."""
    return cases.add_progress(db.session, acting_user(), record_id, data["note"], current_rules())


@blueprint.route("/<int:record_id>/milestones", methods=["POST"])
@blueprint.arguments(MilestoneSchema)
@blueprint.response(201, MilestoneSchema)
@atomic
def add_milestone(data, record_id):
    """倒排工期: add a milestone due on a day; past due and not done, it makes the case overdue."""
    return cases.add_milestone(db.session, acting_user(), record_id, data["title"], data["due_on"], current_rules())


@blueprint.route("/<int:record_id>/milestones/<int:milestone_id>", methods=["PATCH"])
@blueprint.arguments(MilestoneDoneSchema)
@blueprint.response(200, MilestoneSchema)
@atomic
def complete_milestone(data, record_id, milestone_id):
    """A milestone done on a day (`done_on`), or not done after all (`null`)."""
    return cases.complete_milestone(db.session, acting_user(), record_id, milestone_id, data["done_on"],
                                    current_rules())


@blueprint.route("/<int:record_id>/evidence/<int:evidence_id>", methods=["GET"])
@blueprint.response(200, description="the evidence file", content_type="application/octet-stream")
def get_evidence(record_id, evidence_id):
    """An evidence file, to users in the case's scope."""
    case = get_visible(db.session, Case, record_id, acting_scope())
    evidence = next((item for item in case.evidence if item.id == evidence_id), None)
    if evidence is None:
        raise NotFound("record.not_found", kind="evidence", id=evidence_id)
    return send_from_directory(upload_root(), evidence.path, mimetype=evidence.content_type,
                               download_name=evidence.filename or None, as_attachment=request.args.get("download") == "1")
