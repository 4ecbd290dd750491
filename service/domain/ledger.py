"""The rectification ledger (问题台账) as an inspection asks for it: one row per case, in the conventional columns."""
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, select

from models import UNRESOLVED_CASE_STATUSES, Case, Township, Unit


from . import catalogue
from .catalogue import Message
from .case_rules import overdue_clause

# The ledger's columns, fixed (SPEC §4): what inspectors, the printed ledger and the export all call them.
LEDGER_HEADERS = ("序号", "问题来源", "交办编号", "问题描述", "镇街", "村", "牵头单位", "配合单位", "整改措施", "整改时限",
                  "整改类别", "整改进展", "状态", "销号日期", "回头看")


def _day(moment, zone: ZoneInfo) -> str | None:
    return moment.astimezone(zone).date().isoformat() if moment else None


def describe(case: Case) -> str:
    """What the problem is, as the ledger says it: its kind or title, its subject and its description."""
    subject = case.household.head_name if case.household else case.facility.name if case.facility else None
    head = case.title or catalogue.label("case_kind", case.kind)
    text = catalogue.label("auto_note", case.description) if case.description else ""
    return "：".join(part for part in (f"{head}（{subject}）" if subject else head, text) if part)


def time_limit(case: Case) -> str:
    """整改时限 as the ledger prints it: the day, or 长期坚持 for work that has none."""
    return case.deadline.isoformat() if case.deadline else catalogue.label("case_category", case.category)


def latest_progress(case: Case, zone: ZoneInfo) -> str | None:
    """The latest 整改进展 entry with its date (the ledger's column)."""
    entries = [event for event in case.events if event.action == "progress"]
    return f"{_day(entries[-1].at, zone)} {entries[-1].note}" if entries else None


def recheck(case: Case, zone: ZoneInfo) -> str | None:
    """回头看: its result with its date, or when it is due; and the relapses the case has had."""
    results = [event for event in case.events if event.action in ("recheck_passed", "recheck_failed")]
    parts = []
    if case.status == "closed" and results:
        parts.append(f"{catalogue.label('case_event', results[-1].action)} {_day(results[-1].at, zone)}")
    elif case.status == "verified" and case.recheck_due_on:
        parts.append(catalogue.say("ledger.recheck_due", day=case.recheck_due_on.isoformat()))
    if case.relapse_count:
        parts.append(catalogue.say("ledger.relapses", count=case.relapse_count))
    if case.callback_answer:
        parts.append(catalogue.say("ledger.callback", answer=catalogue.label("callback_answer", case.callback_answer)))
    return "；".join(parts) or None


def ledger_rows(cases: list[Case], zone: ZoneInfo) -> list[list]:
    """The ledger's rows for these cases (load each case's village and township, household, facility, events and
    cooperating units with them), numbered in the order given."""
    return [[number, catalogue.label("case_source", case.source), case.source_ref, describe(case),
             case.village.township.name, case.village.name, case.lead_unit,
             "、".join(unit.name for unit in case.cooperating_units), case.measures, time_limit(case),
             catalogue.label("case_category", case.category), latest_progress(case, zone),
             catalogue.label("case_status", case.status), _day(case.verified_at, zone), recheck(case, zone)]
            for number, case in enumerate(cases, start=1)]


# The ledger's statistics -----------------------------------------------------------------------------------

STAT_GROUPS = ("source", "category", "lead_unit", "township")
RECTIFIED = ("resolved", "verified", "closed")  # 整改完成: reported done, whether or not 销号 yet
VERIFIED = ("verified", "closed")  # 已销号


def case_statistics(session, cases: Select, group_by: str, today: date, locale: str) -> dict:
    """The counts a rectification report opens with, over the cases `cases` selects, by `group_by` (source,
    category, lead_unit or township): each row's total, 整改完成, 已销号, 正在销号 (resolved, not yet 销号), unfinished,
    overdue and relapsed, and the sentence a report prints for all of them (交办信访件共…个，已完成整改…个…)."""
    # By column, not an aliased entity: `cases` may carry a status worked out (a past day's), which an alias would
    # not map.
    case = cases.subquery().c
    key = {"source": case.source, "category": case.category, "lead_unit": case.lead_unit_id,
           "township": case.township_id}[group_by]

    def count(condition):
        return func.count().filter(condition)

    figures = (func.count(), count(case.status.in_(RECTIFIED)), count(case.status.in_(VERIFIED)),
               count(case.status == "resolved"), count(case.status.in_(UNRESOLVED_CASE_STATUSES)),
               count(overdue_clause(today, case)),
               count(case.relapse_count > 0))
    names = ("total", "rectified", "verified", "verifying", "unfinished", "overdue", "relapsed")
    found = session.execute(select(key, *figures).group_by(key).order_by(key)).all()
    labels = _labels(session, group_by, [row[0] for row in found], locale)
    rows = [{"key": row[0], "label": labels.get(row[0]) or "—", **dict(zip(names, row[1:]))} for row in found]
    totals = {name: sum(row[name] for row in rows) for name in names}
    return {"group_by": group_by, "rows": rows, "totals": totals,
            "sentence": catalogue.render(Message("ledger.sentence", **totals), locale)}


def _labels(session, group_by: str, keys: list, locale: str) -> dict:
    if group_by in ("source", "category"):
        return {key: catalogue.label(f"case_{group_by}", key, locale=locale) for key in keys}
    model = Unit if group_by == "lead_unit" else Township
    return dict(session.execute(select(model.id, model.name).where(model.id.in_([k for k in keys if k]))).all())
