"""Water-quality tests (水质检测), judged against GB 5749-2022 (生活饮用水卫生标准), which the repository holds as data
(`service/data/gb5749-2022.json`, with the standard named beside its table).

A value past its limit is an exceedance (超标). A test with one opens (or reopens) its subject's `water_quality`
case naming each parameter, value and limit; a facility shows 水质超标 until a later test of the same sample point
passes. Small central and dispersed supplies take the relaxed limits the standard's notes give (their facility's
`supply_class` says so); free chlorine is judged at the tap and in the home, where the supply is chlorinated.
"""
import json
import math
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from sqlalchemy import select

from models import SAMPLE_POINTS, Facility, Household, User, WaterTest

from . import catalogue
from .audit import record_write
from .cases import note_passing_retest, open_water_quality_case
from .errors import FieldErrors
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
    only_at: tuple[str, ...] = ()

    def applies(self, chlorinated: bool, sample_point: str) -> bool:
        if self.only_where == "chlorinated" and not chlorinated:
            return False
        return not self.only_at or sample_point in self.only_at

    def maximum(self, relaxed: bool) -> float | None:
        return self.relaxed_max if relaxed and self.relaxed_max is not None else self.max


@dataclass(frozen=True)
class Standard:
    name: str
    title: str
    limits: dict[str, Limit]

    def as_table(self) -> dict:
        """The table in force, as the API gives it."""
        return {"standard": self.name, "title": self.title, "parameters": [
            {"parameter": limit.code, "name": limit.name, "unit": limit.unit, "min": limit.min, "max": limit.max,
             "relaxed_max": limit.relaxed_max, "only_where": limit.only_where, "only_at": list(limit.only_at)}
            for limit in self.limits.values()]}


@cache
def standard() -> Standard:
    """GB 5749-2022's table, read once from the repository's data file."""
    data = json.loads(STANDARD_FILE.read_text(encoding="utf-8"))
    limits = {row["code"]: Limit(code=row["code"], name=row["name"], unit=row["unit"], min=row.get("min"),
                                 max=row.get("max"), relaxed_max=row.get("relaxed_max"),
                                 only_where=row.get("only_where"), only_at=tuple(row.get("only_at", ())))
              for row in data["parameters"]}
    return Standard(name=data["standard"], title=data["title"], limits=limits)


def result_errors(results: dict) -> dict[str, list[str]]:
    """Why each value cannot be a measurement: an unknown parameter, not a number, negative, a pH past 0–14."""
    limits = standard().limits
    errors: dict[str, list[str]] = {}
    for code, value in results.items():
        if code not in limits:
            errors[code] = ["unknown parameter"]
        elif isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            errors[code] = ["must be a number"]
        elif value < 0:
            errors[code] = ["must not be negative"]
        elif code == "ph" and value > 14:
            errors[code] = ["pH must be between 0 and 14"]
    return errors


def judge(results: dict[str, float], relaxed: bool, chlorinated: bool, sample_point: str) -> list[dict]:
    """The exceedances among `results`, in the standard's order: each with its value, the limit it crossed and
    whether that limit is a maximum or a minimum."""
    found = []
    for code, limit in standard().limits.items():
        if code not in results or not limit.applies(chlorinated, sample_point):
            continue
        value, maximum = results[code], limit.maximum(relaxed)
        if maximum is not None and value > maximum:
            found.append({"parameter": code, "value": value, "limit": maximum, "bound": "max", "unit": limit.unit})
        elif limit.min is not None and value < limit.min:
            found.append({"parameter": code, "value": value, "limit": limit.min, "bound": "min", "unit": limit.unit})
    return found


def describe(exceedances: list[dict]) -> str:
    """The exceedances in Chinese, for the case: 浑浊度 4.2 NTU（限值 ≤3 NTU）."""
    limits = standard().limits
    return "；".join(catalogue.say("water.exceedance", name=limits[e["parameter"]].name, value=f"{e['value']:g}",
                                   bound="≤" if e["bound"] == "max" else "≥", limit=f"{e['limit']:g}",
                                   unit=f" {e['unit']}" if e["unit"] else "") for e in exceedances)


def _subject(session, actor: User, data: dict) -> tuple[Facility | None, Household | None]:
    if (data.get("facility_id") is None) == (data.get("household_id") is None):
        raise FieldErrors.one("facility_id", "give facility_id or household_id (one of them)")
    if data.get("facility_id") is not None:
        return get_for_write(session, Facility, data["facility_id"], actor, "record_water_test"), None
    household = get_for_write(session, Household, data["household_id"], actor, "record_water_test")
    source = session.get(Facility, household.water_source_id) if household.water_source_id else None
    return source, household


def _check(data: dict, today: date) -> None:
    errors: dict = {}
    if not data.get("results"):
        errors["results"] = ["give at least one measured value"]
    elif bad := result_errors(data["results"]):
        errors["results"] = bad
    if data["sample_point"] not in SAMPLE_POINTS:
        errors["sample_point"] = [f"must be one of {', '.join(SAMPLE_POINTS)}"]
    if data["sampled_on"] > today:
        errors["sampled_on"] = ["cannot be in the future"]
    elif data["sampled_on"] < EARLIEST_SAMPLE:
        errors["sampled_on"] = ["must be 2000 or later"]
    if errors:
        raise FieldErrors(errors)


def record_water_test(session, actor: User, data: dict, rules) -> WaterTest:
    """Record one sample's results, judged against the standard in force; see the module's docstring for what an
    exceedance, and a passing retest, do."""
    facility, household = _subject(session, actor, data)
    _check(data, rules.today)
    relaxed = facility is not None and facility.supply_class in RELAXED_CLASSES
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
    point = catalogue.LABELS["sample_point"][test.sample_point]
    if exceedances:
        note = catalogue.say("water.case", point=point, day=test.sampled_on.isoformat(), found=describe(exceedances))
        test.case_id = open_water_quality_case(session, subject, dedupe_key, note, rules.today, rules.now, rules.cases)
    else:
        note_passing_retest(session, dedupe_key, catalogue.say("water.passed", point=point,
                                                               day=test.sampled_on.isoformat()), rules.now)
    if household is None:
        facility.quality_exceeded = _latest_failed(session, facility.id)
    record_write(session, actor, "create", test, None)
    return test


def _latest_failed(session, facility_id: int) -> bool:
    """Whether the latest test of some sample point of the facility failed (a later pass of that point clears it)."""
    latest: dict[str, bool] = {}
    for point, passed in session.execute(
            select(WaterTest.sample_point, WaterTest.passed).where(WaterTest.facility_id == facility_id)
            .order_by(WaterTest.sampled_on.desc(), WaterTest.id.desc())):
        latest.setdefault(point, passed)
    return not all(latest.values())


def recent_tests(session, facility_id: int, count: int = 10) -> list[WaterTest]:
    """The facility's latest tests, newest sample first."""
    return session.scalars(select(WaterTest).where(WaterTest.facility_id == facility_id)
                           .order_by(WaterTest.sampled_on.desc(), WaterTest.id.desc()).limit(count)).all()
