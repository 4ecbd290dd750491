"""Supply assurance (供水保障率) and quantity (人均日供水量) of delivery households (SPEC §2).

Over a period, a household's counted days are those on which one of its agreements was in force and its schedule
had begun. A delivery covers its day and the days until the next one its agreement plans; the days of a missed
delivery are short; the days of a cancelled delivery, of one not yet due to be logged, or of a day the service
never planned (before its records began), are not counted. An unplanned delivery covers the days from its own to the next planned
one. Supply assurance is covered days / counted days; quantity is liters / covered days / members. A household
meets the standard with 90% and 35 L (20 L in water-short areas) by default.
"""
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from models import Agreement, Delivery, Household

from .cases import open_supply_cases, resolve_system_cases
from .deliveries import effective_values
from .planning import scheduled_days
from .rules import SupplyStandard

WINDOW_DAYS = 30
# How far back a delivery may cover into a period (the longest schedule interval, 90 days).
LOOKBACK_DAYS = 90
COUNTED_STATUSES = ("active", "expired", "terminated")


@dataclass
class Supply:
    """The figures of one household, or of a place (the sums of its households'), over one period."""

    counted_days: int = 0
    covered_days: int = 0
    liters: float = 0.0
    person_days: int = 0  # covered days × members

    def __iadd__(self, other: "Supply") -> "Supply":
        self.counted_days += other.counted_days
        self.covered_days += other.covered_days
        self.liters += other.liters
        self.person_days += other.person_days
        return self

    @property
    def assurance(self) -> float | None:
        """Percent of counted days covered, or None when no day was counted (no delivery agreement)."""
        return round(100 * self.covered_days / self.counted_days, 1) if self.counted_days else None

    @property
    def liters_per_person_day(self) -> float | None:
        return round(self.liters / self.person_days, 1) if self.person_days else None

    def short_of(self, standard: SupplyStandard) -> list[str]:
        """Which of the two standards this falls under: `assurance`, `quantity` (none when nothing was counted)."""
        short = []
        if self.assurance is not None and self.assurance < standard.assurance_min:
            short.append("assurance")
        if self.counted_days and (self.liters_per_person_day or 0) < standard.liters_per_person_day:
            short.append("quantity")
        return short


@dataclass
class DayLedger:
    """One household's days: covered (True) or short (False), and the liters delivered on each day."""

    members: int
    days: dict[date, bool] = field(default_factory=dict)
    liters: dict[date, float] = field(default_factory=dict)

    def supply(self, first: date, last: date) -> Supply:
        covered = counted = 0
        liters = 0.0
        day = first
        while day <= last:
            if day in self.days:
                counted += 1
                covered += self.days[day]
            liters += self.liters.get(day, 0.0)
            day += timedelta(days=1)
        return Supply(counted, covered, liters, covered * self.members)


def day_ledger(agreements: list[Agreement], deliveries: list[Delivery], members: int, first: date,
               last: date) -> DayLedger:
    """The household's covered and short days from `first` to `last` (inclusive), from its agreements and its
    deliveries (planned or not, as corrected)."""
    ledger = DayLedger(max(members, 1))
    planned = {(d.agreement_id, d.scheduled_for): d for d in deliveries if not d.unplanned and d.agreement_id}
    for agreement in agreements:
        if agreement.status not in COUNTED_STATUSES:
            continue
        end = min(last, agreement.end_on) if agreement.end_on else last
        days = scheduled_days(agreement.start_on, agreement.end_on, agreement.interval_days, agreement.weekday_mask,
                              first - timedelta(days=LOOKBACK_DAYS), end + timedelta(days=LOOKBACK_DAYS))
        for scheduled, following in zip(days, days[1:] + [end + timedelta(days=1)]):
            delivery = planned.get((agreement.id, scheduled))
            if delivery is None or delivery.status in ("cancelled", "planned"):
                continue  # not counted: before the service planned it, called off, or not yet due to be logged
            status = delivery.status
            day = max(scheduled, first)
            while day < following and day <= end:
                ledger.days[day] = status == "delivered"
                day += timedelta(days=1)
    for delivery in deliveries:
        if delivery.status != "delivered":
            continue
        if first <= delivery.scheduled_for <= last:
            ledger.liters[delivery.scheduled_for] = ledger.liters.get(delivery.scheduled_for, 0.0) + \
                (effective_values(delivery)["liters"] or 0)
        if delivery.unplanned:
            day = delivery.scheduled_for
            while day in ledger.days and not ledger.days[day]:
                ledger.days[day] = True  # it covers the short days from its own to the next planned delivery
                day += timedelta(days=1)
    return ledger


def ledgers(session, household_ids, first: date, last: date) -> dict[int, DayLedger]:
    """The day ledgers of these households from `first` to `last`, in three queries whatever their number."""
    household_ids = list(household_ids)
    if not household_ids:
        return {}
    members = dict(session.execute(select(Household.id, Household.members).where(Household.id.in_(household_ids))).all())
    agreements: dict[int, list[Agreement]] = {}
    for agreement in session.scalars(select(Agreement).where(
            Agreement.household_id.in_(household_ids), Agreement.status.in_(COUNTED_STATUSES),
            Agreement.start_on <= last, (Agreement.end_on.is_(None)) | (Agreement.end_on >= first))):
        agreements.setdefault(agreement.household_id, []).append(agreement)
    deliveries: dict[int, list[Delivery]] = {}
    for delivery in session.scalars(select(Delivery).options(selectinload(Delivery.corrections)).where(
            Delivery.household_id.in_(list(agreements)),
            Delivery.scheduled_for >= first - timedelta(days=LOOKBACK_DAYS), Delivery.scheduled_for <= last)):
        deliveries.setdefault(delivery.household_id, []).append(delivery)
    return {household_id: day_ledger(agreements.get(household_id, []), deliveries.get(household_id, []),
                                     members.get(household_id) or 1, first, last)
            for household_id in household_ids}


def last_30_days(today: date) -> tuple[date, date]:
    """The 30 whole days before today (today's deliveries are still being logged)."""
    return today - timedelta(days=WINDOW_DAYS), today - timedelta(days=1)


def supply_of(session, household_ids, first: date, last: date) -> dict[int, Supply]:
    """Each household's figures over the period."""
    return {household_id: ledger.supply(first, last)
            for household_id, ledger in ledgers(session, household_ids, first, last).items()}


def annotate_30d(session, households: list[Household], today: date) -> None:
    """Give each household its `supply_30d` (what its API reads and its page show), in one batch."""
    first, last = last_30_days(today)
    figures = supply_of(session, [h.id for h in households], first, last)
    for household in households:
        household.supply_30d = figures.get(household.id, Supply())


def sync_supply_cases(session, rules) -> tuple[int, int]:
    """A delivery household under either standard on each of the last `case_after_days` days (its 30-day figures
    as each of those days ended) gets a case; one back over both has it resolved. Returns (opened, resolved).

    Three queries to read, whatever the number of households, and one write per case opened or resolved.
    """
    standard = rules.supply
    last = rules.today - timedelta(days=1)
    first = last - timedelta(days=WINDOW_DAYS + standard.case_after_days - 2)
    served = session.scalars(select(Agreement.household_id).where(
        Agreement.status.in_(COUNTED_STATUSES), Agreement.start_on <= last,
        Agreement.end_on.is_(None) | (Agreement.end_on >= first)).distinct()).all()
    under, back = {}, []
    for household_id, ledger in ledgers(session, served, first, last).items():
        windows = [ledger.supply(end - timedelta(days=WINDOW_DAYS - 1), end)
                   for end in (last - timedelta(days=k) for k in range(standard.case_after_days))]
        if all(window.short_of(standard) for window in windows):
            under[household_id] = windows[0]
        elif not windows[0].short_of(standard):
            back.append(f"supply:household:{household_id}")
    opened = open_supply_cases(session, under, standard, rules.today, rules.now, rules.cases)
    resolved = resolve_system_cases(session, back, "supply_met", rules.now, kinds=("other",))
    return opened, len(resolved)
