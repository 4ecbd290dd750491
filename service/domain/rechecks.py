"""回头查: "对已经完成的任务和已经办结的案件…对照当时上报的整改标准，逐项严格对照落实". A county or a township calls one
whenever it wants, over any set of finished cases (resolved, verified or closed, whatever their age): each case is
checked against the 整改标准 recorded for it, with a note and a photo; a failed check opens the case again as a
relapse (反弹). The 回头查 prints its own list of results (docs/domain.md, "Cases")."""
from datetime import date, datetime, time, timedelta
from typing import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from models import Case, Recheck, RecheckItem, Region, Township, User, Village

from .audit import record_write
from .case_rules import case_event, reopen_case
from .errors import Conflict, FieldErrors, Forbidden, NotFound
from .ledger import describe
from .scope import Scope, find, place_to_work, require_write

FINISHED = ("resolved", "verified", "closed")  # 已完成的任务、已办结的案件


def start_recheck(session, actor: User, data: dict, rules) -> Recheck:
    """A 回头查 over the finished cases of a township or region: those named (`case_ids`), or those its filters
    choose (`source`, finished between `closed_from` and `closed_to`, local days). Each case is checked against
    the standard recorded for it when the 回头查 begins."""
    township_id, region_id = data.get("township_id"), data.get("region_id")
    townships = place_to_work(session, actor, township_id, region_id, "start_recheck")
    stmt = select(Case).where(Case.township_id.in_(townships), Case.status.in_(FINISHED))
    chosen = {key: value.isoformat() if isinstance(value, date) else value for key, value in data.items()
              if key in ("case_ids", "source", "closed_from", "closed_to") and value is not None}
    if data.get("case_ids"):
        stmt = stmt.where(Case.id.in_(data["case_ids"]))
    if data.get("source"):
        stmt = stmt.where(Case.source == data["source"])
    finished_at = func.coalesce(Case.verified_at, Case.resolved_at)
    if data.get("closed_from"):
        stmt = stmt.where(finished_at >= datetime.combine(data["closed_from"], time(), rules.zone))
    if data.get("closed_to"):
        stmt = stmt.where(finished_at < datetime.combine(data["closed_to"] + timedelta(days=1), time(), rules.zone))
    cases = session.scalars(stmt.order_by(Case.township_id, Case.village_id, Case.id)).all()
    if data.get("case_ids"):
        missing = sorted(set(data["case_ids"]) - {case.id for case in cases})
        if missing:  # unknown, elsewhere, or not finished: named, not silently left out
            raise FieldErrors.one("case_ids", "recheck.not_finished", ids="、".join(map(str, missing)))
    if not cases:
        raise FieldErrors.one("case_ids", "recheck.nothing_to_check")
    recheck = Recheck(township_id=township_id, region_id=region_id, chosen_by=chosen, started_by_id=actor.id,
                      started_at=rules.now, items=[
                          RecheckItem(case_id=case.id, township_id=case.township_id, village_id=case.village_id,
                                      standard=case.standard) for case in cases])
    session.add(recheck)
    session.flush()
    record_write(session, actor, "create", recheck, None)
    return recheck


def record_result(session, actor: User, recheck_id: int, case_id: int, passed: bool, note: str | None, rules,
                  photo: Callable[[], tuple[str, str]] | None = None) -> RecheckItem:
    """One case checked: passed, or failed (the case opens again as a relapse, its deadline kept while still
    ahead). Someone other than who reported it fixed checks it; a note says what was found; each case once."""
    recheck = find(session, Recheck, recheck_id)
    item = next((i for i in recheck.items if i.case_id == case_id), None) if recheck else None
    if recheck is None or item is None or not Scope.of(actor).covers(item.township_id, item.village_id):
        if recheck is not None and item is not None:
            raise Forbidden("scope.outside")
        raise NotFound("record.not_found", kind="recheck" if recheck is None else "case", id=case_id)
    require_write(actor, "check_recheck", item.township_id, item.village_id)
    if not note:
        raise FieldErrors.one("note", "recheck.note_needed")
    if item.passed is not None:
        raise Conflict("recheck.already_checked")
    case = session.get(Case, case_id, with_for_update=True)
    if case.resolved_by_id == actor.id:
        raise Forbidden("case.verify_own")
    if case.status not in FINISHED:  # opened again since the 回头查 began (a 回访, a relapse the service saw)
        raise Conflict("recheck.case_reopened")
    item.passed, item.note, item.checked_by_id, item.checked_at = passed, note, actor.id, rules.now
    if photo is not None:
        item.photo_path, item.photo_type = photo()
    frm = case.status
    if passed:
        to = "closed" if frm == "verified" else frm
        session.add(case_event(case.id, "recheck_passed", actor, frm, to, _history_note(recheck, note), at=rules.now))
    elif (again := _open_again_as(session, case)) is not None:
        # The service already saw the problem back and opened it as its own case: this one stays as it is, its
        # failed check pointing there (two open cases of one problem are never made).
        to = frm
        session.add(case_event(case.id, "recheck_failed", actor, frm, to,
                               _history_note(recheck, f"{note} → #{again}"), at=rules.now))
    else:
        to = "open"
        case.relapse_count += 1
        reopen_case(session, case, rules.today, rules.cases, rules.now)
        session.add(case_event(case.id, "recheck_failed", actor, frm, to, _history_note(recheck, note), at=rules.now))
    case.status, case.updated_at = to, rules.now
    record_write(session, actor, "update", item, None)
    return item


def _open_again_as(session, case: Case) -> int | None:
    """The active case the service opened for the same problem (same dedupe key) since, if there is one."""
    if case.dedupe_key is None:
        return None
    return session.scalar(select(Case.id).where(Case.dedupe_key == case.dedupe_key, Case.id != case.id,
                                                Case.status.in_(("open", "in_progress", "resolved"))))


def _history_note(recheck: Recheck, note: str) -> str:
    return f"回头查 #{recheck.id}: {note}"


def visible_recheck(session, scope: Scope, recheck_id: int) -> Recheck:
    """A 回头查 whose every case is inside the scope (a township user sees its township's)."""
    recheck = find(session, Recheck, recheck_id, selectinload(Recheck.items).selectinload(RecheckItem.checked_by)
                   .selectinload(User.staff))
    if recheck is None or not recheck.items or scope.unit_id is not None or not all(
            scope.covers(i.township_id, i.village_id) for i in recheck.items):
        raise NotFound("record.not_found", kind="recheck", id=recheck_id)
    return recheck


def rechecks_in(session, scope: Scope, township_id: int | None = None) -> list[Recheck]:
    """The 回头查 whose every case is inside the scope (and, given one, the township's own), newest first; none for a
    unit's staff (a 回头查 is the township's)."""
    if scope.unit_id is not None:
        return []
    stmt = select(Recheck).order_by(Recheck.id.desc()).options(selectinload(Recheck.items))
    if not scope.is_county:
        stmt = stmt.where(Recheck.id.in_(scope.restrict(select(RecheckItem.recheck_id), RecheckItem)))
    if township_id is not None:
        stmt = stmt.where(Recheck.id.in_(select(RecheckItem.recheck_id).where(RecheckItem.township_id == township_id)))
    return [r for r in session.scalars(stmt) if all(scope.covers(i.township_id, i.village_id) for i in r.items)
            and (township_id is None or all(i.township_id == township_id for i in r.items))]


def counts(recheck: Recheck) -> dict:
    """How many cases it covers, checked, passed and failed."""
    checked = [i for i in recheck.items if i.passed is not None]
    return {"total": len(recheck.items), "checked": len(checked), "passed": sum(i.passed for i in checked),
            "failed": sum(not i.passed for i in checked)}


def recheck_record(session, scope: Scope, recheck_id: int, zone) -> dict:
    """The printed results of a 回头查: per case its place, problem, standard, result, note, who and when."""
    recheck = visible_recheck(session, scope, recheck_id)
    cases = {c.id: c for c in session.scalars(select(Case).where(Case.id.in_([i.case_id for i in recheck.items]))
                                              .options(selectinload(Case.village).selectinload(Village.township),
                                                       selectinload(Case.household), selectinload(Case.facility)))}
    place = session.get(Township, recheck.township_id).name if recheck.township_id else \
        session.get(Region, recheck.region_id).name
    rows = [{"id": i.id, "status": "checked" if i.passed is not None else "pending",
             "cells": [n, cases[i.case_id].village.township.name, cases[i.case_id].village.name,
                       describe(cases[i.case_id]), i.standard or "",
                       None if i.passed is None else bool(i.passed), i.note or "",
                       i.checked_at.astimezone(zone).date().isoformat() if i.checked_at else ""]}
            for n, i in enumerate(recheck.items, start=1)]
    return {"kind": "recheck", "subject_id": recheck.id, "township_id": recheck.township_id,
            "params": {"started_on": recheck.started_at.astimezone(zone).date().isoformat()},
            "place": place, "rows": rows, "totals": counts(recheck)}

