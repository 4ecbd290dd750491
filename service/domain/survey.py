"""逐户排查: a household checked in person on the four indicators of T/CHES 18-2018 (SPEC §2), judged here.

水量 by liters per person per day (60 / 35, or 40 / 20 where water is short: where the delivery standard is set
below 35 L), 水质 as the surveyor judged it or by the latest test of the household's source, 用水方便程度 by
piped water or the round trip, 供水保证率 by percent of days supplied. A delivery household's quantity and
assurance default to its own last 30 days. All met: 安全; none failed: 基本安全; any failed: 不安全, which opens a
case for the household until a later visit is not unsafe.
"""
from datetime import date

from sqlalchemy import select

from models import Facility, Household, User, Visit, WaterTest

from .audit import record_write
from .cases import sync_survey_case
from .catalogue import Message
from .errors import FieldErrors
from .scope import get_for_write
from .supply import Gaps, annotate_30d


def judge_quantity(liters: float, water_short: bool) -> str:
    """水量 by liters per person per day."""
    met, basic = (40, 20) if water_short else (60, 35)
    return "met" if liters >= met else "basic" if liters >= basic else "failed"


def judge_convenience(piped: bool | None, round_trip_minutes: float | None) -> str:
    """用水方便程度: piped into the home or yard, or by the round trip to fetch water."""
    if piped:
        return "met"
    return "met" if round_trip_minutes <= 10 else "basic" if round_trip_minutes <= 20 else "failed"


def judge_assurance(percent: float) -> str:
    """供水保证率 by percent of days supplied."""
    return "met" if percent >= 95 else "basic" if percent >= 90 else "failed"


def result_of(verdicts: dict) -> str:
    """安全 when all four are met, 基本安全 when none failed, 不安全 otherwise."""
    values = set(verdicts.values())
    return "unsafe" if "failed" in values else "safe" if values == {"met"} else "basic"


def source_quality(session, household: Household) -> str | None:
    """水质 by the household's source: its latest test (an exceedance fails; a pass within the relaxed limits of a
    small supply is 基本达标), or None without a test."""
    if household.water_source_id is None:
        return None
    facility = session.get(Facility, household.water_source_id)
    latest = session.scalar(select(WaterTest).where(WaterTest.facility_id == facility.id)
                            .order_by(WaterTest.sampled_on.desc(), WaterTest.id.desc()).limit(1))
    if latest is None:
        return None
    if facility.quality_exceeded or not latest.passed:
        return "failed"
    return "basic" if latest.relaxed else "met"


def record_visit(session, actor: User, household_id: int, data: dict, rules) -> Visit:
    """A visit to a household in the actor's scope, its indicators and result judged; an unsafe result opens (a
    later one resolves) the household's survey case. FieldErrors name each field that is missing or impossible."""
    household = get_for_write(session, Household, household_id, actor, "report_problem")
    errors: dict[str, list[Message]] = {}
    visited_on: date = data["visited_on"]
    if visited_on > rules.today:
        errors["visited_on"] = [Message("date.in_future")]
    elif visited_on < household.created_at.astimezone(rules.zone).date():
        errors["visited_on"] = [Message("survey.before_registration")]
    annotate_30d(session, [household], rules.today, gaps=Gaps(rules.thresholds, rules.zone))
    supply = household.supply_30d
    liters = data.get("liters_per_person_day")
    if liters is None and supply.assurance is not None:
        liters = supply.liters_per_person_day or 0
    assurance = data.get("assurance_percent")
    if assurance is None and supply.assurance is not None:
        assurance = supply.assurance
    quality = data.get("quality") or source_quality(session, household)
    minutes = data.get("round_trip_minutes", household.round_trip_min)
    for field, value in (("liters_per_person_day", liters), ("assurance_percent", assurance), ("quality", quality)):
        if value is None:
            errors[field] = [Message("survey.needed")]
    if not data.get("piped") and minutes is None:
        errors["round_trip_minutes"] = [Message("survey.piped_or_minutes")]
    if errors:
        raise FieldErrors(errors)
    verdicts = {"quantity": judge_quantity(liters, rules.supply.liters_per_person_day < 35), "quality": quality,
                "convenience": judge_convenience(data.get("piped"), minutes), "assurance": judge_assurance(assurance)}
    visit = Visit(household_id=household.id, township_id=household.township_id, village_id=household.village_id,
                  visited_on=visited_on, surveyor_id=actor.id, liters_per_person_day=liters,
                  quality_judged=data.get("quality"), piped=data.get("piped"), round_trip_minutes=minutes,
                  assurance_percent=assurance, note=data.get("note"), result=result_of(verdicts), created_at=rules.now,
                  **verdicts)
    session.add(visit)
    session.flush()
    record_write(session, actor, "create", visit, None)
    sync_survey_case(session, household, visit, rules.today, rules.now, rules.cases)
    return visit
