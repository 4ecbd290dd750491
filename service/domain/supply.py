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

from sqlalchemy import func, select

from models import Agreement, Delivery, DeliveryCorrection, Household

from .cases import open_supply_cases, resolve_system_cases
from .planning import scheduled_days
from .rules import SupplyStandard

WINDOW_DAYS = 30
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


def day_ledger(agreements, deliveries, members: int, first: date, last: date) -> DayLedger:
    """The household's covered and short days from `first` to `last` (inclusive), from its agreements and its
    deliveries (rows with `agreement_id`, `scheduled_for`, `status`, `unplanned` and `liters` as corrected)."""
    ledger = DayLedger(max(members, 1))
    planned = {(d.agreement_id, d.scheduled_for): d for d in deliveries if not d.unplanned and d.agreement_id}
    for agreement in agreements:
        if agreement.status not in COUNTED_STATUSES:
            continue
        end = min(last, agreement.end_on) if agreement.end_on else last
        reach = timedelta(days=_reach(agreement))
        days = scheduled_days(agreement.start_on, agreement.end_on, agreement.interval_days, agreement.weekday_mask,
                              first - reach, end + reach)
        for scheduled, following in zip(days, days[1:] + [end + timedelta(days=1)]):
            delivery = planned.get((agreement.id, scheduled))
            if delivery is None or delivery.status in ("cancelled", "planned"):
                continue  # not counted: before the service planned it, called off, or not yet due to be logged
            covered = delivery.status == "delivered"
            day = max(scheduled, first)
            while day < following and day <= end:
                ledger.days[day] = covered
                day += timedelta(days=1)
    for delivery in deliveries:
        if delivery.status != "delivered":
            continue
        if first <= delivery.scheduled_for <= last:
            ledger.liters[delivery.scheduled_for] = ledger.liters.get(delivery.scheduled_for, 0.0) + \
                (delivery.liters or 0)
        if delivery.unplanned:
            day = delivery.scheduled_for
            while day in ledger.days and not ledger.days[day]:
                ledger.days[day] = True  # it covers the short days from its own to the next planned delivery
                day += timedelta(days=1)
    return ledger


def _reach(agreement) -> int:
    """How many days one delivery of the agreement can cover: its interval, or a week."""
    return agreement.interval_days or 7


@dataclass(frozen=True)
class _Delivery:
    agreement_id: int | None
    scheduled_for: date
    status: str
    unplanned: bool
    liters: int | None


def ledgers(session, household_ids, first: date, last: date) -> dict[int, DayLedger]:
    """The day ledgers of these households from `first` to `last`, in four queries whatever their number (plain
    rows, not records: a county's month is tens of thousands of deliveries)."""
    household_ids = list(household_ids)
    if not household_ids:
        return {}
    members = dict(session.execute(select(Household.id, Household.members).where(Household.id.in_(household_ids))).all())
    agreements: dict[int, list] = {}
    for agreement in session.execute(select(
            Agreement.id, Agreement.household_id, Agreement.status, Agreement.start_on, Agreement.end_on,
            Agreement.interval_days, Agreement.weekday_mask).where(
            Agreement.household_id.in_(household_ids), Agreement.status.in_(COUNTED_STATUSES),
            Agreement.start_on <= last, (Agreement.end_on.is_(None)) | (Agreement.end_on >= first))):
        agreements.setdefault(agreement.household_id, []).append(agreement)
    reach = max((_reach(a) for rows in agreements.values() for a in rows), default=7)
    in_range = (Delivery.household_id.in_(list(agreements)),
                Delivery.scheduled_for >= first - timedelta(days=reach), Delivery.scheduled_for <= last)
    corrected = dict(session.execute(
        select(DeliveryCorrection.delivery_id, DeliveryCorrection.liters)
        .join(Delivery, Delivery.id == DeliveryCorrection.delivery_id)
        .where(*in_range, DeliveryCorrection.liters.is_not(None)).order_by(DeliveryCorrection.id)).all())
    deliveries: dict[int, list] = {}
    for row in session.execute(select(Delivery.id, Delivery.household_id, Delivery.agreement_id,
                                      Delivery.scheduled_for, Delivery.status, Delivery.unplanned, Delivery.liters)
                               .where(*in_range)):
        deliveries.setdefault(row.household_id, []).append(_Delivery(
            row.agreement_id, row.scheduled_for, row.status, row.unplanned, corrected.get(row.id, row.liters)))
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


def village_supply(session, village_ids, today: date) -> dict[int, Supply]:
    """Each village's last 30 days: its delivery households' figures added up."""
    first, last = last_30_days(today)
    served = dict(session.execute(
        select(Household.id, Household.village_id).join(Agreement, Agreement.household_id == Household.id)
        .where(Household.village_id.in_(list(village_ids)), Agreement.status.in_(COUNTED_STATUSES),
               Agreement.start_on <= last, Agreement.end_on.is_(None) | (Agreement.end_on >= first)).distinct()).all())
    totals: dict[int, Supply] = {}
    for household_id, supply in supply_of(session, served, first, last).items():
        totals.setdefault(served[household_id], Supply()).__iadd__(supply)
    return totals


def supply_fingerprint(session, today: date) -> tuple:
    """What the 30-day figures depend on, in a few indexed aggregates: the day, deliveries of the window by status,
    corrections, agreements and households as last changed."""
    first, _ = last_30_days(today)
    by_status = tuple(session.execute(
        select(Delivery.status, func.count(), func.max(Delivery.id)).where(Delivery.scheduled_for >= first - timedelta(
            days=90)).group_by(Delivery.status).order_by(Delivery.status)).all())
    corrections = session.execute(select(func.count(), func.max(DeliveryCorrection.id))).one()
    agreements = session.execute(select(func.count(), func.max(Agreement.updated_at))).one()
    households = session.execute(select(func.count(), func.max(Household.updated_at))).one()
    return today, by_status, tuple(corrections), tuple(agreements), tuple(households)


class SupplyCache:
    """Every village's 30-day figures, computed once and kept while their fingerprint stays the same (one
    process's copy: the dashboard asks for them on every visit, and they change a few times a day)."""

    def __init__(self):
        self._fingerprint = None
        self._figures: dict[int, Supply] = {}

    def villages(self, session, village_ids, today: date) -> dict[int, Supply]:
        fingerprint = supply_fingerprint(session, today)
        if fingerprint != self._fingerprint:
            every = session.scalars(select(Household.village_id).distinct()).all()
            self._figures, self._fingerprint = village_supply(session, every, today), fingerprint
        return {village_id: self._figures[village_id] for village_id in village_ids if village_id in self._figures}
