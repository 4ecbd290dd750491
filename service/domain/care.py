"""管护: every facility has a responsible unit and a manager, is cleaned, its source checked, its filter changed and
its water tested in time (docs/domain.md, "Upkeep").

"每一个工程都要落实责任单位和管理人员 … 做好水源保护，清理水井、净水机周边环境卫生": a facility that lacks either
has a case for its township until both are named (管护责任未落实). Each kind of upkeep is due on its setting (Upkeep)
counted from the last one or, when there is none, from the facility's registration: cleaning (every facility),
水源保护检查 (wells and central points, which have a source), 滤芯更换 (purifiers). A well or central point is tested
every `test_every_days` (its own, else its supply class's), every INTENSIVE_TEST_EVERY_DAYS after an exceedance
until two passes in a row (加密监测); past `next_test_due` it is 检测逾期. A household's own purifier is sampled with
its household, not scheduled. Overdue is one open case per facility and kind (system_cases.sync_care_cases).
"""
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import ColumnElement, func, or_, select, update

from models import CARE_KINDS, Facility, FacilityCare, User, WaterTest

from .case_rules import Upkeep
from .catalogue import Message
from .errors import FieldErrors
from .scope import get_for_write

EARLIEST = date(2000, 1, 1)
WITH_SOURCE = ("well", "central_point")  # what has a source to protect and is tested on a schedule
# Which facilities each kind of upkeep is for.
CARE_FOR = {"cleaning": ("well", "central_point", "purifier"), "source_protection": WITH_SOURCE,
            "filter_change": ("purifier",)}


def care_missing_clause() -> ColumnElement[bool]:
    """SQL: a facility in service without a responsible unit or without a manager."""
    return (Facility.status != "retired") & or_(
        Facility.manager_id.is_(None), func.coalesce(func.trim(Facility.responsible_unit), "") == "")


def _due(last: ColumnElement, kinds: tuple, today: date, every_days: int) -> ColumnElement[bool]:
    """SQL: a facility in service of these kinds whose last upkeep (or, without one, its registration) is more than
    `every_days` before today."""
    cutoff = today - timedelta(days=every_days)
    never = last.is_(None) & (Facility.created_at < datetime.combine(cutoff, time(), timezone.utc))
    # Never NULL, so that its negation (a list's `=false`) keeps every other facility.
    return (Facility.status != "retired") & Facility.kind.in_(kinds) & ((last.is_not(None) & (last < cutoff)) | never)


def cleaning_overdue_clause(today: date, upkeep: Upkeep) -> ColumnElement[bool]:
    """SQL: a facility due a cleaning (清洗消毒)."""
    return _due(Facility.last_cleaned_on, CARE_FOR["cleaning"], today, upkeep.cleaning_every_days)


def source_check_overdue_clause(today: date, upkeep: Upkeep) -> ColumnElement[bool]:
    """SQL: a well or central point due its 水源保护检查."""
    return _due(Facility.last_source_check_on, CARE_FOR["source_protection"], today, upkeep.source_check_every_days)


def filter_change_overdue_clause(today: date, upkeep: Upkeep) -> ColumnElement[bool]:
    """SQL: a purifier due a 滤芯更换 (one with a spent filter 不能正常使用)."""
    return _due(Facility.last_filter_change_on, CARE_FOR["filter_change"], today, upkeep.filter_change_every_days)


def upkeep_overdue_clause(today: date, upkeep: Upkeep) -> ColumnElement[bool]:
    """SQL: a facility due any of its upkeep."""
    return cleaning_overdue_clause(today, upkeep) | source_check_overdue_clause(today, upkeep) | \
        filter_change_overdue_clause(today, upkeep)


def test_overdue_clause(today: date) -> ColumnElement[bool]:
    """SQL: a well or central point in service past the day its next water test was due (检测逾期)."""
    return (Facility.status != "retired") & Facility.kind.in_(WITH_SOURCE) & Facility.next_test_due.is_not(None) & \
        (Facility.next_test_due < today)


def intensive_clause() -> ColumnElement[bool]:
    """SQL: a well or central point in service on 加密监测 (tested intensively since an exceedance)."""
    return (Facility.status != "retired") & Facility.kind.in_(WITH_SOURCE) & Facility.intensive_since.is_not(None)


def next_test_due(facility: Facility, upkeep: Upkeep, zone=timezone.utc) -> date | None:
    """The day a facility's next water test is due: its interval after its last test or, untested, its
    registration; None for a purifier (sampled with its household) or a facility out of service."""
    if facility.kind not in WITH_SOURCE or facility.status == "retired":
        return None
    since = facility.last_tested_on or (facility.created_at or datetime.now(timezone.utc)).astimezone(zone).date()
    return since + timedelta(days=upkeep.test_interval(facility.supply_class, facility.test_every_days,
                                                       facility.intensive_since is not None))


def schedule_tests(session, upkeep: Upkeep, zone=timezone.utc) -> int:
    """Work out every well's and central point's next_test_due again (settings may have changed): one read, one
    write of those that moved. Returns how many moved."""
    moved = []
    for facility in session.execute(select(
            Facility.id, Facility.kind, Facility.status, Facility.supply_class, Facility.test_every_days,
            Facility.last_tested_on, Facility.intensive_since, Facility.created_at, Facility.next_test_due)
            .where(Facility.kind.in_(WITH_SOURCE))):
        due = next_test_due(facility, upkeep, zone)
        if due != facility.next_test_due:
            moved.append({"id": facility.id, "next_test_due": due})
    if moved:
        session.execute(update(Facility), moved)
    return len(moved)


def after_test(session, facility: Facility, test: WaterTest, judged: bool, reference: bool, upkeep: Upkeep,
               zone=timezone.utc) -> None:
    """A water test of the facility recorded: its last test day, 加密监测 begun by an exceedance (of the latest sample
    that judges drinking water, `judged`) or ended by two passes in a row since, and the next test's day. Raw water of
    a supply that treats it (`reference`) judges no drinking water: it is not the scheduled test."""
    if reference:
        return
    if facility.last_tested_on is None or test.sampled_on > facility.last_tested_on:
        facility.last_tested_on = test.sampled_on
    if judged and not test.passed and facility.intensive_since is None:
        facility.intensive_since = test.sampled_on
    elif judged and facility.intensive_since is not None:
        latest = session.scalars(select(WaterTest.passed).where(
            WaterTest.facility_id == facility.id, WaterTest.sampled_on >= facility.intensive_since,
            WaterTest.id.not_in(_reference_tests(facility)))
            .order_by(WaterTest.sampled_on.desc(), WaterTest.id.desc()).limit(2)).all()
        if len(latest) == 2 and all(latest):
            facility.intensive_since = None
    facility.next_test_due = next_test_due(facility, upkeep, zone)


def _reference_tests(facility: Facility):
    """The facility's tests judged for reference only (raw water of a supply that treats it)."""
    if facility.kind == "well":
        return select(WaterTest.id).where(False)
    return select(WaterTest.id).where(WaterTest.facility_id == facility.id, WaterTest.sample_point == "source")


def record_care(session, actor: User, facility_id: int, kind: str, done_on: date | None, note: str | None,
                today: date, now: datetime, photo=None) -> FacilityCare:
    """A cleaning (清洗消毒), a source-protection check (水源保护检查) or a filter change (滤芯更换) done at a facility,
    by anyone who works in its village; it moves the facility's day of that upkeep (the case pass then resolves its
    case). `photo()` stores the photo and gives its path."""
    facility = get_for_write(session, Facility, facility_id, actor, "report_facility")
    errors = {}
    if kind not in CARE_KINDS:
        errors["kind"] = [Message("value.one_of", choices=", ".join(CARE_KINDS))]
    elif facility.kind not in CARE_FOR[kind]:
        errors["kind"] = [Message("care.not_for_kind")]
    if done_on is None:
        errors["done_on"] = [Message("value.required")]
    elif done_on > today:
        errors["done_on"] = [Message("date.in_future")]
    elif done_on < EARLIEST:
        errors["done_on"] = [Message("water.before_2000")]
    if errors:
        raise FieldErrors(errors)
    care = FacilityCare(facility_id=facility.id, kind=kind, done_on=done_on, note=note, actor_id=actor.id,
                        created_at=now, photo_path=photo()[0] if photo is not None else None)
    session.add(care)
    last = {"cleaning": "last_cleaned_on", "source_protection": "last_source_check_on",
            "filter_change": "last_filter_change_on"}[kind]
    if getattr(facility, last) is None or done_on > getattr(facility, last):
        setattr(facility, last, done_on)
    return care
