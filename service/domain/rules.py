"""The settings that domain rules depend on, and the moment they run at, passed explicitly."""
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from .case_rules import CasePolicy
from .needs_delivery import Thresholds


@dataclass(frozen=True)
class SupplyStandard:
    """What a delivery household must get (SPEC §2): covered days and liters per person per day."""

    assurance_min: float = 90.0  # percent of days
    liters_per_person_day: float = 35.0
    case_after_days: int = 7  # under either for this many days in a row: a case
    water_short: bool = False  # 缺水地区 (WATER_SHORT_AREA): the survey's quantity bounds are 40 L and 20 L


@dataclass(frozen=True)
class Rules:
    thresholds: Thresholds
    cases: CasePolicy
    today: date  # the local date
    now: datetime  # aware, UTC
    zone: ZoneInfo = ZoneInfo("Asia/Shanghai")
    horizon_days: int = 14  # how far ahead deliveries are planned
    backdate_days: int = 3  # how many days before its planned day (and before today) a delivery may be logged as made
    supply: SupplyStandard = SupplyStandard()
