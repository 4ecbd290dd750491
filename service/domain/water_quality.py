"""Water-quality tests (水质检测), judged against GB 5749-2022 (生活饮用水卫生标准), which the repository holds as data
(`service/data/gb5749-2022.json`, with the standard named beside its table).

A value past its limit is an exceedance (超标). The latest test of a sample point with one opens (or reopens) its
subject's `water_quality` case naming each parameter, value and limit; a facility shows 水质超标 until a later test
of the same sample point passes. Small central and dispersed supplies take the relaxed limits the standard's notes
give (their facility's `supply_class` says so); free chlorine (Table 2) is judged leaving the works, at the tap
and in the home, where the supply is chlorinated; a treated supply's raw source water is judged for reference
only.
"""
import json
import math
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from sqlalchemy import func, select

from models import SAMPLE_POINTS, Facility, Household, Staff, User, Village, WaterTest

from . import catalogue
from .audit import record_write
from .care import after_test
from .system_cases import note_passing_retest, open_water_quality_case, sync_care_cases
from .catalogue import Message, short_date
from .errors import FieldErrors
from .outbox import enqueue
from .scope import get_for_write

STANDARD_FILE = Path(__file__).resolve().parent.parent / "data" / "gb5749-2022.json"
RELAXED_CLASSES = ("small_central", "dispersed")
EARLIEST_SAMPLE = date(2000, 1, 1)


@dataclass(frozen=True)
class Limit:
    """One parameter's limit: a maximum, a minimum (pH, free chlorine) or both; `relaxed_max` for small supplies."""

    code: str
    name: str
    unit: str
    min: float | None = None
    max: float | None = None
    relaxed_max: float | None = None
    only_where: str | None = None
    # Limits that differ by sample point (free chlorine: ≤2 and ≥0.3 leaving the works, ≥0.05 at the tap); a
    # point not named is not judged.
    at: tuple[tuple[str, float | None, float | None], ...] = ()
    # microbial (微生物), toxicological (毒理), sensory (感官性状和一般化学), disinfectant (消毒剂): what households are
    # told to do depends on it.
    group: str = "sensory"
    dropped: bool = False  # an earlier edition's parameter: old records stay readable, new tests do not take it

    def words(self, bound: str, limit: float) -> str:
        """The limit as the standard words it: 不得检出 for a microbe that may not be found, else ≤ or ≥ a value."""
        if bound == "max" and limit == 0 and self.group == "microbial":
            return catalogue.say("water.not_detectable")
        unit = f" {self.unit}" if self.unit else ""
        return f"{'≤' if bound == 'max' else '≥'}{limit:g}{unit}"

    def bounds(self, relaxed: bool, chlorinated: bool, sample_point: str) -> tuple[float | None, float | None] | None:
        """(minimum, maximum) for a sample of this point and supply, or None when this parameter is not judged."""
        if self.only_where == "chlorinated" and not chlorinated:
            return None
        if self.at:
            return next(((low, high) for point, low, high in self.at if point == sample_point), None)
        return self.min, (self.relaxed_max if relaxed and self.relaxed_max is not None else self.max)


@dataclass(frozen=True)
class Standard:
    name: str
    title: str
    limits: dict[str, Limit]

    @property
    def current(self) -> dict[str, Limit]:
        """The parameters a new test takes (an earlier edition's left out)."""
        return {code: limit for code, limit in self.limits.items() if not limit.dropped}

    def as_table(self) -> dict:
        """The table in force, as the API gives it."""
        return {"standard": self.name, "title": self.title, "parameters": [
            {"parameter": limit.code, "name": limit.name, "unit": limit.unit, "min": limit.min, "max": limit.max,
             "relaxed_max": limit.relaxed_max, "only_where": limit.only_where, "group": limit.group,
             "max_words": limit.words("max", limit.max) if limit.max is not None else None,
             "at": {point: {"min": low, "max": high} for point, low, high in limit.at}}
            for limit in self.current.values()]}


@cache
def standard() -> Standard:
    """GB 5749-2022's table, read once from the repository's data file."""
    data = json.loads(STANDARD_FILE.read_text(encoding="utf-8"))
    limits = {row["code"]: Limit(code=row["code"], name=row["name"], unit=row["unit"], min=row.get("min"),
                                 max=row.get("max"), relaxed_max=row.get("relaxed_max"),
                                 only_where=row.get("only_where"), group=row.get("group", "sensory"),
                                 dropped=row.get("dropped", False),
                                 at=tuple((point, bounds.get("min"), bounds.get("max"))
                                          for point, bounds in row.get("at", {}).items()))
              for row in data["parameters"]}
    return Standard(name=data["standard"], title=data["title"], limits=limits)


def result_errors(results: dict) -> dict[str, list[Message]]:
    """Why each value cannot be a measurement: an unknown parameter, not a number, negative, a pH past 0–14."""
    limits = standard().limits
    errors: dict[str, list[Message]] = {}
    for code, value in results.items():
        if code not in limits:
            errors[code] = [Message("water.unknown_parameter")]
        elif limits[code].dropped:
            errors[code] = [Message("water.dropped_parameter", name=limits[code].name)]
        elif isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            errors[code] = [Message("water.not_a_number")]
        elif value < 0:
            errors[code] = [Message("water.negative")]
        elif code == "ph" and value > 14:
            errors[code] = [Message("water.ph_range")]
    return errors


def judge(results: dict[str, float], relaxed: bool, chlorinated: bool, sample_point: str) -> list[dict]:
    """The exceedances among `results`, in the standard's order: each with its value, the limit it crossed and
    whether that limit is a maximum or a minimum."""
    found = []
    for code, limit in standard().limits.items():
        bounds = limit.bounds(relaxed, chlorinated, sample_point) if code in results else None
        if bounds is None:
            continue
        value, (minimum, maximum) = results[code], bounds
        if maximum is not None and value > maximum:
            found.append({"parameter": code, "value": value, "limit": maximum, "bound": "max", "unit": limit.unit})
        elif minimum is not None and value < minimum:
            found.append({"parameter": code, "value": value, "limit": minimum, "bound": "min", "unit": limit.unit})
    return found


def describe(exceedances: list[dict]) -> str:
    """The exceedances in Chinese, for the case: 浑浊度 4.2 NTU（限值 ≤3 NTU）, 总大肠菌群 2 MPN/100mL（限值 不得检出）."""
    limits = standard().limits
    return "；".join(catalogue.say("water.exceedance", name=limits[e["parameter"]].name, value=f"{e['value']:g}",
                                   unit=f" {e['unit']}" if e["unit"] else "",
                                   limit=limits[e["parameter"]].words(e["bound"], e["limit"]))
                     for e in exceedances)


# What households are told, by the gravest group among the exceedances: a toxic substance is not boiled away, a
# microbe is, a sensory one (turbidity, colour, iron) asks for its cause first.
ADVICE_ORDER = ("toxicological", "microbial", "disinfectant", "sensory")


def advice(exceedances: list[dict]) -> str:
    """What to tell the households drinking the water, for these exceedances (empty when none)."""
    limits = standard().limits
    groups = {limits[e["parameter"]].group for e in exceedances if e["parameter"] in limits}
    for group in ADVICE_ORDER:
        if group in groups:
            return {"toxicological": catalogue.say("water.advice.toxicological"),
                    "microbial": catalogue.say("water.advice.microbial"),
                    "disinfectant": catalogue.say("water.advice.disinfectant"),
                    "sensory": catalogue.say("water.advice.sensory")}[group]
    return ""


def _subject(session, actor: User, data: dict) -> tuple[Facility | None, Household | None]:
    if (data.get("facility_id") is None) == (data.get("household_id") is None):
        raise FieldErrors.one("facility_id", "water.one_subject")
    if data.get("facility_id") is not None:
        # Locked: two tests recorded at once each see the other before deciding 水质超标.
        return get_for_write(session, Facility, data["facility_id"], actor, "record_water_test", lock=True), None
    household = get_for_write(session, Household, data["household_id"], actor, "record_water_test")
    source = session.get(Facility, household.water_source_id) if household.water_source_id else None
    return source, household


def _check(data: dict, today: date) -> None:
    errors: dict = {}
    if not data.get("results"):
        errors["results"] = [Message("water.no_results")]
    elif bad := result_errors(data["results"]):
        errors["results"] = bad
    if data["sample_point"] not in SAMPLE_POINTS:
        errors["sample_point"] = [Message("value.one_of", choices=", ".join(SAMPLE_POINTS))]
    if data["sampled_on"] > today:
        errors["sampled_on"] = [Message("date.in_future")]
    elif data["sampled_on"] < EARLIEST_SAMPLE:
        errors["sampled_on"] = [Message("water.before_2000")]
    if errors:
        raise FieldErrors(errors)


def record_water_test(session, actor: User, data: dict, rules) -> WaterTest:
    """Record one sample's results, judged against the standard in force; see the module's docstring for what an
    exceedance, and a passing retest, do."""
    facility, household = _subject(session, actor, data)
    _check(data, rules.today)
    relaxed = judged_relaxed(facility, household)
    chlorinated = facility is not None and facility.chlorinated
    exceedances = judge(data["results"], relaxed, chlorinated, data["sample_point"])
    place = household or facility
    test = WaterTest(township_id=place.township_id, village_id=place.village_id,
                     facility_id=None if household else facility.id, household_id=household.id if household else None,
                     sampled_on=data["sampled_on"], sample_point=data["sample_point"], lab=data.get("lab"),
                     results=data["results"], passed=not exceedances, exceedances=exceedances,
                     standard=standard().name, relaxed=relaxed, recorded_by_id=actor.id)
    session.add(test)
    session.flush()
    subject = {"township_id": place.township_id, "village_id": place.village_id,
               "facility_id": test.facility_id, "household_id": test.household_id}
    dedupe_key = f"water:household:{household.id}" if household else f"water:facility:{facility.id}"
    point = catalogue.label("sample_point", test.sample_point)
    # Only the latest sample of its point says how the water is now: an older one entered late is history.
    judged = not for_reference(test, facility) and _is_latest(session, test)
    if judged:
        if exceedances:
            note = catalogue.say("water.case", point=point, day=test.sampled_on.isoformat(),
                                 found=describe(exceedances))
            test.case_id = open_water_quality_case(session, subject, dedupe_key, note, rules.today, rules.now,
                                                   rules.cases)
            alert_exceedance(session, test, facility, household, rules.now)
        else:
            note_passing_retest(session, dedupe_key, catalogue.say("water.passed", point=point,
                                                                   day=test.sampled_on.isoformat()), rules.now)
    if household is None:
        facility.quality_exceeded = _latest_failed(session, facility)
        after_test(session, facility, test, judged, for_reference(test, facility), rules.cases.upkeep, rules.zone)
        sync_care_cases(session, rules.today, rules.now, rules.cases, {facility.village_id}, only=("test_due",))
    record_write(session, actor, "create", test, None)
    return test


def alert_exceedance(session, test: WaterTest, facility: Facility | None, household: Household | None,
                     now) -> int:
    """An exceedance is urgent: one SMS at once (quiet hours do not hold it) to each lead of the township and to the
    facility's manager, so that the people drinking from it are told; returns how many were queued."""
    leads = select(Staff.id, Staff.phone).where(Staff.role == "township_lead", Staff.township_id == test.township_id)
    people = dict(session.execute(leads).all())
    if facility is not None and facility.manager_id is not None:
        manager = session.get(Staff, facility.manager_id)
        people[manager.id] = manager.phone
    village = session.get(Village, test.village_id)
    subject = facility.name if facility is not None else catalogue.say("water.alert_household",
                                                                         name=household.head_name)
    body = catalogue.say("water.alert", village=village.name, subject=subject, day=short_date(test.sampled_on),
                         found=describe(test.exceedances), advice=advice(test.exceedances))
    return enqueue(session, [{"phone": phone, "body": body, "purpose": "water_alert", "urgent": True,
                              "related_type": "water_test", "related_id": test.id,
                              "township_id": test.township_id, "idempotency_key": f"water:{test.id}:staff:{staff_id}"}
                             for staff_id, phone in people.items() if phone], now)


def judged_relaxed(facility: Facility | None, household: Household | None) -> bool:
    """Small and dispersed supplies take the relaxed limits: as the facility's class says; a well or a purifier
    whose class is not given is a dispersed supply, and so is a household's own source (no facility)."""
    if facility is None:
        return household is not None
    if facility.supply_class is not None:
        return facility.supply_class in RELAXED_CLASSES
    return facility.kind in ("well", "purifier")


def for_reference(test: WaterTest, facility: Facility | None) -> bool:
    """Raw water at the source of a supply that treats it (a central point, a purifier) is judged for reference
    only: the drinking-water standard applies to what comes out of it, so it opens no case and does not mark the
    facility 水质超标. A well's source is what people drink."""
    return test.sample_point == "source" and test.household_id is None and facility is not None and \
        facility.kind != "well"


def for_reference_clause():
    """`for_reference` in SQL: the tests a pass rate leaves out (they judge no drinking water)."""
    return (WaterTest.sample_point == "source") & WaterTest.household_id.is_(None) & \
        WaterTest.facility_id.in_(select(Facility.id).where(Facility.kind != "well"))


def _is_latest(session, test: WaterTest) -> bool:
    subject = WaterTest.household_id == test.household_id if test.household_id else \
        WaterTest.facility_id == test.facility_id
    later = session.scalar(select(WaterTest.id).where(
        subject, WaterTest.sample_point == test.sample_point, WaterTest.id != test.id,
        (WaterTest.sampled_on > test.sampled_on) | ((WaterTest.sampled_on == test.sampled_on) &
                                                     (WaterTest.id > test.id))).limit(1))
    return later is None


def _latest_failed(session, facility: Facility) -> bool:
    """Whether the latest test of some sample point of the facility failed (a later pass of that point clears it);
    a treated supply's raw source water does not count."""
    latest: dict[str, bool] = {}
    for point, passed in session.execute(
            select(WaterTest.sample_point, WaterTest.passed).where(WaterTest.facility_id == facility.id)
            .order_by(WaterTest.sampled_on.desc(), WaterTest.id.desc())):
        latest.setdefault(point, passed)
    if facility.kind != "well":
        latest.pop("source", None)
    return not all(latest.values())


def recent_tests(session, subject, count: int | None = 10) -> list[WaterTest]:
    """A subject's latest tests (`WaterTest.facility_id == id`, or a household's), all of them when `count` is
    None, newest sample first."""
    return session.scalars(select(WaterTest).where(subject)
                           .order_by(WaterTest.sampled_on.desc(), WaterTest.id.desc()).limit(count)).all()


def test_count(session, facility_id: int) -> int:
    return session.scalar(select(func.count()).select_from(WaterTest).where(WaterTest.facility_id == facility_id))


def parameter_series(session, facility: Facility, parameter: str) -> dict:
    """One parameter's results at the facility, oldest first (raw source water of a treated supply left out: it
    is not what people drink), with the limit its water is judged against; FieldErrors naming `parameter` when the
    standard has no such parameter."""
    limit = standard().limits.get(parameter)
    if limit is None:
        raise FieldErrors.one("parameter", "water.unknown_parameter")
    reference = for_reference_clause()
    rows = session.execute(select(WaterTest.sampled_on, WaterTest.sample_point, WaterTest.results, WaterTest.passed,
                                  WaterTest.exceedances)
                           .where(WaterTest.facility_id == facility.id, ~reference)
                           .order_by(WaterTest.sampled_on, WaterTest.id)).all()
    points = [{"sampled_on": row.sampled_on, "sample_point": row.sample_point, "value": row.results[parameter],
               "passed": not any(e.get("parameter") == parameter for e in row.exceedances)}
              for row in rows if row.results.get(parameter) is not None]
    low, high = limit.bounds(judged_relaxed(facility, None), facility.chlorinated, "tap") or (None, None)
    return {"parameter": parameter, "name": limit.name, "unit": limit.unit, "min": low, "max": high,
            "words": "，".join(limit.words(bound, value) for bound, value in (("min", low), ("max", high))
                              if value is not None), "points": points}


def shown_parameter(session, facility: Facility) -> str | None:
    """The parameter a facility's page draws: the one its latest exceedance names, else the one tested most."""
    latest = session.execute(select(WaterTest.exceedances, WaterTest.results).where(
        WaterTest.facility_id == facility.id).order_by(WaterTest.sampled_on.desc(), WaterTest.id.desc()).limit(20)).all()
    for exceedances, _ in latest:
        if exceedances:
            return exceedances[0].get("parameter")
    counts: dict[str, int] = {}
    for _, results in latest:
        for code in results:
            counts[code] = counts.get(code, 0) + 1
    return max(counts, key=lambda code: (counts[code], code == "turbidity")) if counts else None


def advice_for(session, facility_ids: list[int]) -> dict[int, str]:
    """For each facility marked 水质超标, what to tell its households: by its latest failing sample's exceedances."""
    found: dict[int, str] = {}
    if not facility_ids:
        return found
    for facility_id, exceedances in session.execute(
            select(WaterTest.facility_id, WaterTest.exceedances)
            .where(WaterTest.facility_id.in_(facility_ids), WaterTest.passed.is_(False))
            .order_by(WaterTest.sampled_on.desc(), WaterTest.id.desc())):
        found.setdefault(facility_id, advice(exceedances))
    return found
