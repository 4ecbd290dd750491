"""What a printed record's verification code stands for (核验码): the code of exactly what the record says, what
it said row by row, each minute it was printed in, and the record rebuilt from today's data to tell whether the paper
still matches (核验一致), matches with entries added since (打印后新增) or does not (核验不一致)."""
import hashlib
import json
from datetime import date, datetime

from sqlalchemy import func, select

from models import (Agreement, Household, Project, Recheck, Region, ReportPrinting, ReportVerification, Township, Unit,
                    Village)

from .errors import NotFound
from .needs_delivery import Thresholds
from .rechecks import recheck_record
from .bulletins import BulletinStyle, bulletin_record, kept_bulletin
from .case_rules import Upkeep
from .periods import month_period
from .projects import project_record
from .scope import Scope
from .survey import survey_sheet
from .reports import (SUMMARY_VERSIONS, agreement_sheet, household_record, ledger_record, printed_on,
                      facility_register, township_summary, township_summary_v1, unit_ledger_record, village_month,
                      water_test_report)


def verification_code(record: dict) -> str:
    """A short hash of exactly what the record says (its generated time aside)."""
    canonical = json.dumps(record, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16].upper()


def _printed_rows(record: dict) -> dict | None:
    """What a record with rows said, row by row: the rest of it (its frame) as one hash, each row's hash and
    status by the row's id, and its totals; None for a record without rows."""
    if not isinstance(record.get("rows"), list) or not all("id" in row for row in record["rows"]):
        return None
    frame = {key: value for key, value in record.items() if key not in ("rows", "totals")}
    return {"frame": verification_code(frame), "totals": record.get("totals"),
            "rows": {str(row["id"]): [verification_code(row), row["status"]] for row in record["rows"]}}


def register_verification(session, record: dict) -> str:
    """Remember what a printed code stands for (once per code); returns the code."""
    code = verification_code(record)
    if session.get(ReportVerification, code) is None:
        session.add(ReportVerification(code=code, kind=record["kind"], subject_id=record["subject_id"],
                                       params=record["params"], township_id=record["township_id"],
                                       printed=_printed_rows(record)))
    return code


def register_printing(session, code: str, printed_at: datetime) -> None:
    """Remember that the code was printed in that minute (once per minute), for /verify to show that time."""
    if session.scalar(select(ReportPrinting.id).where(ReportPrinting.code == code,
                                                      ReportPrinting.printed_at == printed_at)) is None:
        session.add(ReportPrinting(code=code, printed_at=printed_at))
        session.flush()


def printed_at_shown(session, stored: ReportVerification, printed: datetime | None) -> tuple[datetime, bool]:
    """The printing time a verified paper shows: the one its QR code names when that printing happened, else the
    code's first printing (papers from before their QR code named it); and whether it was named."""
    if printed is not None and session.scalar(select(ReportPrinting.id).where(
            ReportPrinting.code == stored.code, ReportPrinting.printed_at == printed)) is not None:
        return printed, True
    first = session.scalar(select(func.min(ReportPrinting.printed_at)).where(ReportPrinting.code == stored.code))
    return first or stored.created_at, False


PENDING = ("planned", "unvisited")  # a row printed as still to come (待送, 未排查), which a later entry fills


def entries_added(printed: dict | None, record: dict) -> int | None:
    """How many entries were logged after printing when nothing printed has changed: rows that are new, and rows
    printed as still to come (待送, 未排查) that have been logged since. None when something printed changed (or the record kept
    no rows to tell)."""
    now = _printed_rows(record)
    if printed is None or now is None or now["frame"] != printed["frame"]:
        return None
    added = len(set(now["rows"]) - set(printed["rows"]))
    for row_id, (digest, status) in printed["rows"].items():
        if row_id not in now["rows"]:
            return None
        if now["rows"][row_id][0] != digest:
            if status not in PENDING or now["rows"][row_id][1] == "cancelled":
                return None
            added += 1
    return added or None




SUBJECTS = {"household_deliveries": Household, "village_month": Village, "agreement": Agreement,
            "township_summary": Township, "water_tests": Township, "ledger": Township, "survey_sheet": Village, "facility_register": Township, "project_progress": Project,
            "bulletin": Region, "recheck": Recheck, "unit_ledger": Unit}
# kind → the record as it reads today, from (session, scope, subject id, printed params, zone, thresholds)
BUILDERS = {
    "household_deliveries": lambda session, scope, subject_id, params, zone, thresholds: household_record(
        session, scope, subject_id, date.fromisoformat(params["from"]), date.fromisoformat(params["to"]), zone,
        printed_on(params, date.fromisoformat(params["to"]))),
    "village_month": lambda session, scope, subject_id, params, zone, thresholds: village_month(
        session, scope, subject_id, params["month"], zone, printed_on(params, month_period(params["month"])[1])),
    "agreement": lambda session, scope, subject_id, params, zone, thresholds: agreement_sheet(
        session, scope, subject_id),
    "township_summary": lambda session, scope, subject_id, params, zone, thresholds: township_summary(
        session, scope, subject_id, date.fromisoformat(params["from"]), date.fromisoformat(params["to"]),
        thresholds, zone, params["version"]) if params.get("version") in SUMMARY_VERSIONS else township_summary_v1(
        session, scope, subject_id, date.fromisoformat(params["from"]), date.fromisoformat(params["to"]),
        thresholds),
    "water_tests": lambda session, scope, subject_id, params, zone, thresholds: water_test_report(
        session, scope, subject_id, date.fromisoformat(params["from"]), date.fromisoformat(params["to"])),
    # With the upkeep intervals it was printed under, so that a changed setting is not taken for changed records.
    "facility_register": lambda session, scope, subject_id, params, zone, thresholds: facility_register(
        session, scope, subject_id, date.fromisoformat(params["as_of"]), Upkeep(**params["every"])),
    "project_progress": lambda session, scope, subject_id, params, zone, thresholds: project_record(
        session, scope, subject_id, date.fromisoformat(params["as_of"])),
    "ledger": lambda session, scope, subject_id, params, zone, thresholds: ledger_record(
        session, scope, subject_id, date.fromisoformat(params["from"]), date.fromisoformat(params["to"]), zone,
        printed_on(params, date.fromisoformat(params["to"])), params.get("lead_unit_id")),
    # A past month's bulletin is the one kept when it was issued; this month's is counted again as of its day.
    "bulletin": lambda session, scope, subject_id, params, zone, thresholds: (
        params.get("issued_on", params["as_of"]) > params["as_of"] and kept_bulletin(
            session, subject_id, params["month"])) or bulletin_record(
        session, scope, subject_id, params["month"], date.fromisoformat(params["as_of"]),
        date.fromisoformat(params.get("issued_on", params["as_of"])), thresholds, zone,
        style=BulletinStyle(params.get("issuer", BulletinStyle.issuer), params.get("number", BulletinStyle.number))),
    "unit_ledger": lambda session, scope, subject_id, params, zone, thresholds: unit_ledger_record(
        session, scope, subject_id, date.fromisoformat(params["from"]), date.fromisoformat(params["to"]), zone,
        printed_on(params, date.fromisoformat(params["to"]))),
    "recheck": lambda session, scope, subject_id, params, zone, thresholds: recheck_record(
        session, scope, subject_id, zone),
    "survey_sheet": lambda session, scope, subject_id, params, zone, thresholds: survey_sheet(
        session, scope, subject_id, params["year"], zone, printed_on(params, date(params["year"], 12, 31))),
}


def still_matches(session, scope: Scope, stored: ReportVerification, zone, thresholds: Thresholds) -> bool:
    """Whether the record a code was printed for, rebuilt from today's data, still hashes to that code."""
    return verification(session, scope, stored, zone, thresholds)[0] == "match"


def mask_name(name: str) -> str:
    """A name as the public may see it: 王桂英 → 王*英, 王五 → 王*."""
    return name[0] + "*" if len(name) <= 2 else name[0] + "*" * (len(name) - 2) + name[-1]


def verification(session, scope: Scope, stored: ReportVerification, zone, thresholds: Thresholds) -> tuple[str, dict]:
    """Whether the record a code was printed for still matches today's data (`match`), matches with entries logged
    after printing (`added`, how many in `added`) or not (`mismatch`); and what the public page may show of it so
    that a code moved onto another paper is caught: its village, its household's masked name, and the printed
    totals (today's, while they are the printed ones; those kept at printing, when entries were added)."""
    try:
        record = BUILDERS[stored.kind](session, scope, stored.subject_id, stored.params, zone, thresholds)
    except NotFound:
        return "mismatch", {}
    household = record.get("household") or {}
    village = household.get("village") or (record.get("village") or {}).get("name")
    facts = {"village": village, "household": mask_name(household["head_name"]) if household.get("head_name") else None}
    if verification_code(record) == stored.code:
        status, totals = "match", record.get("totals")
    elif added := entries_added(stored.printed, record):
        status, totals, facts["added"] = "added", stored.printed["totals"], added
    else:
        status, totals = "mismatch", None
    if isinstance(totals, dict) and "delivered" in totals:
        facts["totals"] = {key: totals[key] for key in ("planned", "delivered", "missed", "liters") if key in totals}
    return status, facts
