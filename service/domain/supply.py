"""Supply assurance (供水保证率) and quantity (人均日供水量) of delivery households (SPEC §2).

Over a period, a household's counted days are those its deliveries account for. A delivery covers its day and the
days until the next one its agreement planned (the last one known, its schedule's interval; never past the
agreement's end);
the days of a missed delivery are short; the days of a cancelled delivery, of one not yet due to be logged, or of
a day the service never planned (before its records began), are not counted. For a household that needs delivery,
a day with no agreement in force is short too (`Gaps`), from the day its need was recorded: a gap household is 0%,
never "no figure". An unplanned delivery covers the
short days from its own to the next planned one. Supply assurance is covered days / counted days; quantity is the
liters delivered (each delivery's spread over the days it covers) / covered days / members. A household meets the
standard with 90% and 35 L (20 L in water-short areas) by default.
"""
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from models import Agreement, Case, Delivery, DeliveryCorrection, Household, Village

from .agreements import agreement_overlaps
from .system_cases import open_supply_cases, resolve_system_cases
from .kept import KeptByKey
from .monitored import monitored_clause
from .needs_delivery import Thresholds, needs_delivery_clause
from .rules import SupplyStandard

WINDOW_DAYS = 30
LOOKBACK_DAYS = 31
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
    """The household's covered and short days from `first` to `last` (inclusive), from its deliveries (rows with
    `agreement_id`, `scheduled_for`, `status`, `unplanned` and `liters` as corrected) and its agreements.

    A planned delivery covers its day and the days until the next delivery its agreement planned (whatever that
    one became; the last one known, its schedule's interval), never past the agreement's end: covered if delivered, short if
    missed, not counted if cancelled or not yet due. So a schedule changed later does not rewrite the past. An
    unplanned delivery covers the short days from its own to the next planned delivery. A delivery's liters are
    spread over the days it covers, so that a window cutting through them counts their share."""
    ledger = DayLedger(max(members, 1))
    counted = {a.id: a for a in agreements if a.status in COUNTED_STATUSES}
    planned: dict[int, list] = {}
    for delivery in deliveries:
        if not delivery.unplanned and delivery.agreement_id in counted:
            planned.setdefault(delivery.agreement_id, []).append(delivery)
    for agreement_id, rows in planned.items():
        agreement = counted[agreement_id]
        rows.sort(key=lambda d: d.scheduled_for)
        for delivery, following in zip(rows, rows[1:] + [None]):
            if delivery.status in ("cancelled", "planned"):
                continue  # not counted: called off, or not yet due to be logged
            # Until the next one; the last one known, for as long as its schedule says (no further).
            end = following.scheduled_for if following is not None else \
                delivery.scheduled_for + timedelta(days=_reach(agreement))
            if agreement.end_on is not None:
                end = min(end, agreement.end_on + timedelta(days=1))
            span = [delivery.scheduled_for + timedelta(days=n) for n in range((end - delivery.scheduled_for).days)]
            _cover(ledger, span, delivery.status == "delivered", delivery.liters, first, last)
    starts = sorted(d.scheduled_for for rows in planned.values() for d in rows)
    for delivery in deliveries:
        if delivery.unplanned and delivery.status == "delivered":
            following = starts[bisect_right(starts, delivery.scheduled_for):][:1]
            span, day = [], delivery.scheduled_for
            while (not following or day < following[0]) and ledger.days.get(day) is False:
                span.append(day)
                day += timedelta(days=1)
            _cover(ledger, span or [delivery.scheduled_for], True, delivery.liters, first, last, only_counted=True)
    return ledger


def _cover(ledger: DayLedger, span: list[date], covered: bool, liters: int | None, first: date, last: date,
           only_counted: bool = False) -> None:
    """Mark the days of `span` inside the window covered or short, and give each its share of the liters."""
    share = (liters or 0) / len(span) if covered and span else 0.0
    for day in span:
        if first <= day <= last:
            if not only_counted or day in ledger.days:
                ledger.days[day] = covered
            ledger.liters[day] = ledger.liters.get(day, 0.0) + share


def _reach(agreement) -> int:
    """How many days one delivery of the agreement can cover: its interval, or a week."""
    return agreement.interval_days or 7


@dataclass(frozen=True)
class Gaps:
    """Count the days a household needed delivery without an agreement in force as short: which households need it
    (the thresholds in force), and the zone their need's recording day is read in."""

    thresholds: Thresholds
    zone: ZoneInfo


def need_recorded(session, household_ids, gaps: Gaps) -> dict[int, date]:
    """Of these households, those that need delivery, each with the local day its need was first recorded: the day
    its 未签协议 (missing agreement) case was opened, or, without one, its registration."""
    gap_case = (Case.household_id == Household.id) & (Case.kind == "missing_agreement")
    rows = session.execute(
        select(Household.id, Household.created_at, func.min(Case.created_at))
        .outerjoin(Case, gap_case).where(Household.id.in_(list(household_ids)), needs_delivery_clause(gaps.thresholds))
        .group_by(Household.id, Household.created_at))
    return {household_id: (gap_opened or registered).astimezone(gaps.zone).date()
            for household_id, registered, gap_opened in rows}


def _mark_gap_days(ledger: DayLedger, agreements, since: date, first: date, last: date) -> None:
    in_force = [a for a in agreements if a.status in COUNTED_STATUSES]
    day = max(first, since)
    while day <= last:
        if day not in ledger.days and not any(a.start_on <= day and (a.end_on is None or day <= a.end_on)
                                              for a in in_force):
            ledger.days[day] = False
        day += timedelta(days=1)


@dataclass(frozen=True)
class _Delivery:
    agreement_id: int | None
    scheduled_for: date
    status: str
    unplanned: bool
    liters: int | None


def ledgers(session, household_ids, first: date, last: date, gaps: Gaps | None = None) -> dict[int, DayLedger]:
    """The day ledgers of these households from `first` to `last`, in a handful of queries whatever their number
    (plain rows, not records: a county's month is tens of thousands of deliveries); with `gaps`, a day a household
    needed delivery without an agreement in force is short."""
    household_ids = list(household_ids)
    if not household_ids:
        return {}
    members = dict(session.execute(select(Household.id, Household.members).where(Household.id.in_(household_ids))).all())
    agreements: dict[int, list] = {}
    for agreement in session.execute(select(
            Agreement.id, Agreement.household_id, Agreement.status, Agreement.start_on, Agreement.end_on,
            Agreement.interval_days, Agreement.weekday_mask).where(
            Agreement.household_id.in_(household_ids), agreement_overlaps(first, last))):
        agreements.setdefault(agreement.household_id, []).append(agreement)
    # Deliveries far enough back to cover the window's first day even under a schedule changed since.
    reach = max([LOOKBACK_DAYS] + [_reach(a) for rows in agreements.values() for a in rows])
    # From the deliveries that may cover the window's first day to those that end the coverage of its last.
    in_range = (Delivery.household_id.in_(list(agreements)),
                Delivery.scheduled_for >= first - timedelta(days=reach), Delivery.scheduled_for <= last + timedelta(
                    days=reach))
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
    found = {household_id: day_ledger(agreements.get(household_id, []), deliveries.get(household_id, []),
                                      members.get(household_id) or 1, first, last)
             for household_id in household_ids}
    for household_id, since in (need_recorded(session, household_ids, gaps) if gaps else {}).items():
        _mark_gap_days(found[household_id], agreements.get(household_id, []), since, first, last)
    return found


def last_30_days(today: date) -> tuple[date, date]:
    """The 30 whole days before today (today's deliveries are still being logged)."""
    return today - timedelta(days=WINDOW_DAYS), today - timedelta(days=1)


def supply_of(session, household_ids, first: date, last: date, gaps: Gaps | None = None) -> dict[int, Supply]:
    """Each household's figures over the period (with `gaps`, days needing delivery without an agreement short)."""
    return {household_id: ledger.supply(first, last)
            for household_id, ledger in ledgers(session, household_ids, first, last, gaps).items()}


class KeptSupply:
    """Each household's last 30 days as last worked out, with its village's revision (and creation time) and the
    day they hold for: one process's copy for the lists, which show them on every page. A village's revision rises
    with every committed write that can change its households' figures (models/revision.py)."""

    def __init__(self, most: int = 250_000):
        self._households = KeptByKey(most)

    def of(self, session, households: list[Household], today: date, gaps: Gaps | None = None) -> dict[int, Supply]:
        """The figures of these households, by id: kept ones while current, the others worked out in one batch."""
        revisions = {row.id: (row.revision, row.created_at) for row in session.execute(
            select(Village.id, Village.revision, Village.created_at)
            .where(Village.id.in_({h.village_id for h in households})))}
        return self._households.get({h.id: (revisions.get(h.village_id), today, gaps) for h in households},
                                    lambda stale: supply_of(session, stale, *last_30_days(today), gaps))


def annotate_30d(session, households: list[Household], today: date, kept: KeptSupply | None = None,
                 gaps: Gaps | None = None) -> None:
    """Give each household its `supply_30d` (what its API reads and its page show), in one batch; through `kept`
    when given."""
    figures = kept.of(session, households, today, gaps) if kept else supply_of(
        session, [h.id for h in households], *last_30_days(today), gaps)
    for household in households:
        household.supply_30d = figures.get(household.id, Supply())


def sync_supply_cases(session, rules) -> tuple[int, int]:
    """A delivery household under either standard on each of the last `case_after_days` days (its 30-day figures
    as each of those days ended) gets a case; one back over both has it resolved. Returns (opened, resolved).

    A case a person marked fixed (or verified) opens again only when the days since the fix (`case_after_days` of them at
    least) fall short themselves: the 30-day figures lag a fix by up to a month. Four queries to read, whatever
    the number of households, and one write per case opened, reopened or resolved.
    """
    standard = rules.supply
    last = rules.today - timedelta(days=1)
    first = last - timedelta(days=WINDOW_DAYS + standard.case_after_days - 2)
    served = session.scalars(select(Agreement.household_id).where(agreement_overlaps(first, last)).distinct()).all()
    fixed = {household_id: resolved_at.astimezone(rules.zone).date() for household_id, resolved_at in session.execute(
        select(Case.household_id, Case.resolved_at).where(
            Case.dedupe_key.like("supply:household:%"), Case.status.in_(("resolved", "verified")))).all()}
    under, back = {}, []
    for household_id, ledger in ledgers(session, served, first, last).items():
        windows = [ledger.supply(end - timedelta(days=WINDOW_DAYS - 1), end)
                   for end in (last - timedelta(days=k) for k in range(standard.case_after_days))]
        if not all(window.short_of(standard) for window in windows):
            if not windows[0].short_of(standard):
                back.append(f"supply:household:{household_id}")
            continue
        since = fixed[household_id] + timedelta(days=1) if household_id in fixed else None
        if since is not None and ((last - since).days + 1 < standard.case_after_days or
                                  not ledger.supply(since, last).short_of(standard)):
            continue  # marked fixed, and nothing since says otherwise (yet)
        under[household_id] = windows[0]
    opened = open_supply_cases(session, under, standard, rules.today, rules.now, rules.cases)
    resolved = resolve_system_cases(session, back, "supply_met", rules.now, kinds=("other",))
    return opened, len(resolved)


def village_supply(session, village_ids, today: date, gaps: Gaps | None = None,
                   on: date | None = None) -> dict[int, Supply]:
    """Each village's last 30 days: its delivery households' figures added up (with `gaps`, those that need delivery
    without an agreement too, their days short); of the households monitored now (or on the day `on`)."""
    first, last = last_30_days(today)
    in_villages = Household.village_id.in_(list(village_ids)) & monitored_clause(on)
    served = dict(session.execute(
        select(Household.id, Household.village_id).join(Agreement, Agreement.household_id == Household.id)
        .where(in_villages, agreement_overlaps(first, last)).distinct()).all())
    if gaps:
        served.update(session.execute(select(Household.id, Household.village_id)
                                      .where(in_villages, needs_delivery_clause(gaps.thresholds, on))).all())
    totals: dict[int, Supply] = {}
    for household_id, supply in supply_of(session, served, first, last, gaps).items():
        totals.setdefault(served[household_id], Supply()).__iadd__(supply)
    return totals
