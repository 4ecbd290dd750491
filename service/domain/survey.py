"""逐户排查: a household checked in person on the four indicators of T/CHES 18-2018 (SPEC §2), judged here.

水量 by liters per person per day (60 / 35, or 40 / 20 where water is short: where the delivery standard is set
below 35 L), 水质 as the surveyor judged it or by the latest test of the household's source, 用水方便程度 by
piped water or the round trip, 供水保证率 by percent of days supplied. A delivery household's quantity and
assurance default to its own last 30 days. All met: 安全; none failed: 基本安全; any failed: 不安全, which opens a
case for the household until a later visit is not unsafe.
"""
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from models import Facility, Household, Township, User, Village, Visit, WaterTest, latest_visit_ids

from .audit import record_write
from .system_cases import sync_survey_cases
from .catalogue import Message, label_of, say
from .errors import FieldErrors
from .scope import Scope, get_for_write, get_visible
from .supply import Gaps, annotate_30d
from .monitored import monitored_during


EARLIEST_YEAR = 2000  # no survey on the four indicators is older


def judgement_table(water_short: bool) -> dict[str, dict]:
    """How each measured indicator is judged (T/CHES 18-2018): met at `met` or better, basically met at `basic`,
    better being more (`at_least`: liters, percent) or less (`at_most`: minutes). The one table the server judges
    a visit with and the visit page judges with while the surveyor types."""
    return {"quantity": {"better": "at_least", "met": 40, "basic": 20} if water_short
            else {"better": "at_least", "met": 60, "basic": 35},
            "convenience": {"better": "at_most", "met": 10, "basic": 20},
            "assurance": {"better": "at_least", "met": 95, "basic": 90}}


def judge(indicator: str, value: float, water_short: bool) -> str:
    """A measured indicator's verdict by the judgement table."""
    row = judgement_table(water_short)[indicator]
    sign = 1 if row["better"] == "at_least" else -1
    return "met" if sign * value >= sign * row["met"] else "basic" if sign * value >= sign * row["basic"] else "failed"


def judge_convenience(piped: bool | None, round_trip_minutes: float | None) -> str:
    """用水方便程度: piped into the home or yard, or by the round trip to fetch water."""
    return "met" if piped else judge("convenience", round_trip_minutes, False)


def is_water_short(rules) -> bool:
    """Whether the county is a water-short area (缺水地区, the setting WATER_SHORT_AREA): its quantity bounds are
    40 L and 20 L a person a day instead of 60 L and 35 L."""
    return rules.supply.water_short


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


def record_visit(session, actor: User, household_id: int, data: dict, rules, photo=None) -> Visit:
    """A visit to a household in the actor's scope, its indicators and result judged; an unsafe result opens (a
    later one resolves) the household's survey case. FieldErrors name each field that is missing or impossible.
    `photo()` stores the photo and gives its path."""
    household = get_for_write(session, Household, household_id, actor, "report_problem")
    errors: dict[str, list[Message]] = {}
    visited_on: date = data["visited_on"]
    earliest = rules.today - timedelta(days=rules.backdate_days)
    late_reason = (data.get("late_reason") or "").strip() or None
    if visited_on > rules.today:
        errors["visited_on"] = [Message("date.in_future")]
    elif visited_on < household.created_at.astimezone(rules.zone).date():
        errors["visited_on"] = [Message("survey.before_registration")]
    elif visited_on < earliest and late_reason is None:
        # Entered within the days deliveries may be backdated, or with the reason kept on the record (补录原因).
        errors["late_reason"] = [Message("survey.late_reason_needed", earliest=earliest.isoformat(),
                                         days=rules.backdate_days)]
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
    verdicts = {"quantity": judge("quantity", liters, is_water_short(rules)), "quality": quality,
                "convenience": judge_convenience(data.get("piped"), minutes),
                "assurance": judge("assurance", assurance, False)}
    visit = Visit(household_id=household.id, township_id=household.township_id, village_id=household.village_id,
                  visited_on=visited_on, surveyor_id=actor.id, liters_per_person_day=liters,
                  quality_judged=data.get("quality"), piped=data.get("piped"), round_trip_minutes=minutes,
                  assurance_percent=assurance, note=data.get("note"), late_reason=late_reason,
                  result=result_of(verdicts), created_at=rules.now,
                  photo_path=photo()[0] if photo is not None else None, **verdicts)
    session.add(visit)
    session.flush()
    record_write(session, actor, "create", visit, None)
    sync_survey_cases(session, [household.id], rules.today, rules.now, rules.cases, {visit.id})
    return visit


def surveyor_of(visit: Visit) -> str | None:
    """Who visited, as a printout names them: the name a paper survey gave, else the person (责任人) the login
    is; a login linked to no person says so beside its role and login, never passing for a name."""
    if visit.surveyor_name or visit.surveyor is None:
        return visit.surveyor_name
    if visit.surveyor.staff is not None:
        return visit.surveyor.staff.name
    return say("actor.unnamed", role=label_of("role", visit.surveyor.role), username=visit.surveyor.username)


def survey_sheet(session, scope: Scope, village_id: int, year: int, zone, as_of: date) -> dict:
    """排查表: every household of a village registered by the end of `year`, with its latest visit of that year as
    of `as_of` (the day it is printed): the four verdicts, the result, who visited and when, or 未排查."""
    if not EARLIEST_YEAR <= year <= as_of.year:
        raise FieldErrors.one("year", "survey.year", first=EARLIEST_YEAR, last=as_of.year)
    return survey_sheets(session, [get_visible(session, Village, village_id, scope)], year, zone, as_of)[0]


def survey_sheets(session, villages: list[Village], year: int, zone, as_of: date) -> list[dict]:
    """The 排查表 of each village (a township's, for its archive), in three queries whatever their number."""
    year_end = date(year, 12, 31)
    ids = [village.id for village in villages]
    townships = dict(session.execute(select(Township.id, Township.name).where(
        Township.id.in_({village.township_id for village in villages}))).all())
    households: dict[int, list] = {village_id: [] for village_id in ids}
    for household in session.execute(
            select(Household.id, Household.village_id, Household.head_name, Household.id_number_masked,
                   Household.members)
            .where(Household.village_id.in_(ids),
                   Household.created_at < datetime.combine(date(year + 1, 1, 1), time(), zone),
                   monitored_during(date(year, 1, 1), min(year_end, as_of)))
            .order_by(Household.id)):
        households[household.village_id].append(household)
    visits = {v.household_id: v for v in session.scalars(
        select(Visit).where(Visit.id.in_(latest_visit_ids(
            Visit.village_id.in_(ids), Visit.visited_on >= date(year, 1, 1), Visit.visited_on <= min(year_end, as_of))))
        .options(selectinload(Visit.surveyor).selectinload(User.staff)))}
    params = {"year": year, **({"as_of": as_of.isoformat()} if as_of < year_end else {})}
    sheets = []
    for village in villages:
        rows = []
        for number, household in enumerate(households[village.id], start=1):
            visit = visits.get(household.id)
            rows.append({"id": household.id, "number": number, "head_name": household.head_name,
                         "id_number_masked": household.id_number_masked, "members": household.members,
                         "status": visit.result if visit else "unvisited",
                         "indicators": visit.indicators if visit else None,
                         "surveyor": surveyor_of(visit) if visit else None,
                         "visited_on": visit.visited_on.isoformat() if visit else None})
        results = [row["status"] for row in rows]
        totals = {"households": len(rows), "visited": len(rows) - results.count("unvisited"),
                  **{result: results.count(result) for result in ("safe", "basic", "unsafe")}}
        sheets.append({"kind": "survey_sheet", "subject_id": village.id, "township_id": village.township_id,
                       "params": params, "village": {"id": village.id, "name": village.name,
                                                     "township": townships[village.township_id],
                                                     "is_key": village.is_key},
                       "rows": rows, "totals": totals})
    return sheets
