"""The delivery figures of the dashboard, overall and per village, in a fixed handful of queries."""
import hashlib
import threading
from collections import OrderedDict
from datetime import date, timedelta
from pathlib import Path
from typing import Callable, Hashable
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, insert, or_, select

import models
from models import (UNRESOLVED_CASE_STATUSES, ACTIVE_CASE_STATUSES, Agreement, Case, Delivery, Facility, Household, Township, Village, Visit,
                    SpotCheckHousehold, VillageFigures, WaterTest, latest_visit_ids, utcnow)

from .agreements import renewal_due_clause
from .care import (care_missing_clause, cleaning_overdue_clause, intensive_clause, test_overdue_clause,
                   upkeep_overdue_clause)
from .case_rules import Upkeep, overdue_clause, progress_overdue_clause, recheck_due_clause
from .gaps import gap_clause
from .kept import KeptByKey, villages_fingerprint
from .monitored import monitored_clause
from .needs_delivery import Thresholds, needs_delivery_clause
from .scope import Scope
from .sql import count_if
from .supply import Gaps, Supply, village_supply
from .water_quality import for_reference_clause

FIGURES = ("households", "needs_delivery", "gaps", "active_agreements", "due_for_renewal", "planned_today",
           "logged_today", "missed_7d", "confirmations_asked_30d", "confirmed_30d", "open_cases", "overdue_cases",
           "resolved_unverified", "rechecks_due", "relapses", "progress_overdue", "supply_counted_days_30d", "supply_covered_days_30d",
           "supply_liters_30d", "supply_person_days_30d", "water_tests_365d", "water_tests_passed_365d", "care_missing",
           "cleaning_overdue", "upkeep_overdue", "tests_overdue", "intensive_testing", "integrated", "survey_visited", "survey_unsafe", "spot_findings_365d", "spot_matches_365d")
# Figures worked out from the sums above, at every level: percent of days covered, liters per person per covered
# day (last 30 days), percent of water tests passed (last 365 days); None when there is nothing to divide.
DEFAULT_ZONE = ZoneInfo("Asia/Shanghai")  # APP_TIMEZONE's default, as the rules'
RATES = ("supply_assurance", "liters_per_person_day_30d", "water_quality_pass_rate", "survey_coverage",
         "spot_check_match_rate", "integrated_share")


def with_rates(figures: dict) -> dict:
    """`figures` with its RATES."""
    supply = Supply(figures["supply_counted_days_30d"], figures["supply_covered_days_30d"],
                    figures["supply_liters_30d"], figures["supply_person_days_30d"])
    tests, passed = figures["water_tests_365d"], figures["water_tests_passed_365d"]
    return {**figures, "supply_assurance": supply.assurance, "liters_per_person_day_30d": supply.liters_per_person_day,
            "water_quality_pass_rate": round(100 * passed / tests, 1) if tests else None,
            # 排查覆盖率: monitored households visited this year.
            "survey_coverage": round(100 * figures["survey_visited"] / figures["households"], 1)
            if figures["households"] else None,
            # 核实相符率: spot-check findings of the last year that matched the records.
            "spot_check_match_rate": round(100 * figures["spot_matches_365d"] / figures["spot_findings_365d"], 1)
            if figures["spot_findings_365d"] else None,
            # Monitored households on integrated (piped) supply: not the official 一体化覆盖率, which counts the
            # whole rural population the service does not register.
            "integrated_share": round(100 * figures["integrated"] / figures["households"], 1)
            if figures["households"] else None}
OLDEST_SHOWN = 10


def is_clear(figures: dict) -> bool:
    """清零: no case short of 销号 (open, in progress, or resolved but not yet verified) and no gap."""
    return not (figures["open_cases"] or figures["resolved_unverified"] or figures["gaps"])


def village_figures(session, ids: list[int], today: date, thresholds: Thresholds,
                    zone: ZoneInfo = DEFAULT_ZONE, upkeep: Upkeep = Upkeep(), dated: bool = False) -> dict[int, dict]:
    """The FIGURES of each of the villages `ids`, worked out in a fixed handful of set-based queries. Supply counts
    the households that need delivery without an agreement too, their days short (a gap is 0%, never "—").
    Households are those monitored now, or (`dated`, a past day's figures) those monitored on `today`."""
    figures = {village_id: dict.fromkeys(FIGURES, 0) for village_id in ids}
    on = today if dated else None

    for row in session.execute(
        select(Household.village_id, func.count(), count_if(needs_delivery_clause(thresholds, on)),
               count_if(gap_clause(thresholds, on)),
               count_if(Household.piped_since.is_not(None) & (Household.piped_since <= today)))
        .where(Household.village_id.in_(ids), monitored_clause(on)).group_by(Household.village_id)
    ):
        figures[row[0]].update(households=row[1], needs_delivery=row[2], gaps=row[3], integrated=row[4])

    for row in session.execute(
        select(Household.village_id, count_if(Agreement.status == "active"), count_if(renewal_due_clause(today)))
        .join(Household, Household.id == Agreement.household_id)
        .where(Household.village_id.in_(ids), Agreement.status == "active").group_by(Household.village_id)
    ):
        figures[row[0]].update(active_agreements=row[1], due_for_renewal=row[2])

    week_ago = today - timedelta(days=7)
    for row in session.execute(
        select(Household.village_id,
               count_if((Delivery.scheduled_for == today) & (Delivery.status == "planned")),
               count_if((Delivery.scheduled_for == today) & (Delivery.status == "delivered")),
               count_if((Delivery.status == "missed") & (Delivery.scheduled_for >= week_ago)))
        .join(Household, Household.id == Delivery.household_id)
        .where(Household.village_id.in_(ids), Delivery.scheduled_for >= week_ago, Delivery.scheduled_for <= today)
        .group_by(Household.village_id)
    ):
        figures[row[0]].update(planned_today=row[1], logged_today=row[2], missed_7d=row[3])

    month_ago = today - timedelta(days=30)
    asked = Delivery.confirmation.in_(("pending", "confirmed", "disputed", "expired"))
    for row in session.execute(
        select(Household.village_id, count_if(asked), count_if(Delivery.confirmation == "confirmed"))
        .join(Household, Household.id == Delivery.household_id)
        .where(Household.village_id.in_(ids), Delivery.status == "delivered", Delivery.scheduled_for >= month_ago)
        .group_by(Household.village_id)
    ):
        figures[row[0]].update(confirmations_asked_30d=row[1], confirmed_30d=row[2])

    active = Case.status.in_(ACTIVE_CASE_STATUSES)
    for row in session.execute(
        select(Case.village_id, count_if(Case.status.in_(UNRESOLVED_CASE_STATUSES)), count_if(overdue_clause(today)),
               count_if(Case.status == "resolved"), count_if(recheck_due_clause(today)),
               count_if(Case.relapse_count > 0), count_if(progress_overdue_clause(today)))
        .where(Case.village_id.in_(ids), active | (Case.status == "verified") | (Case.relapse_count > 0))
        .group_by(Case.village_id)
    ):
        figures[row[0]].update(open_cases=row[1], overdue_cases=row[2], resolved_unverified=row[3],
                               rechecks_due=row[4], relapses=row[5], progress_overdue=row[6])
    for row in session.execute(
        select(Facility.village_id, count_if(care_missing_clause()),
               count_if(cleaning_overdue_clause(today, upkeep)), count_if(upkeep_overdue_clause(today, upkeep)),
               count_if(test_overdue_clause(today)),
               count_if(intensive_clause()))
        .where(Facility.village_id.in_(ids), Facility.status != "retired").group_by(Facility.village_id)
    ):
        figures[row[0]].update(care_missing=row[1], cleaning_overdue=row[2], upkeep_overdue=row[3],
                               tests_overdue=row[4], intensive_testing=row[5])
    # 逐户排查 this year: households visited, and those whose latest visit was unsafe.
    this_year = (Visit.visited_on >= date(today.year, 1, 1)) & (Visit.visited_on <= today)
    for row in session.execute(
        select(Visit.village_id, func.count(), count_if(Visit.result == "unsafe"))
        .where(Visit.id.in_(latest_visit_ids(this_year, Visit.village_id.in_(ids))),
               Visit.household_id.in_(select(Household.id).where(Household.village_id.in_(ids), monitored_clause(on))))
        .group_by(Visit.village_id)
    ):
        figures[row[0]].update(survey_visited=row[1], survey_unsafe=row[2])
    year_ago = today - timedelta(days=365)
    for row in session.execute(
        select(SpotCheckHousehold.village_id, func.count(), count_if(SpotCheckHousehold.matches_records))
        .where(SpotCheckHousehold.village_id.in_(ids), SpotCheckHousehold.visited_on > year_ago,
               SpotCheckHousehold.visited_on <= today)
        .group_by(SpotCheckHousehold.village_id)
    ):
        figures[row[0]].update(spot_findings_365d=row[1], spot_matches_365d=row[2])
    for row in session.execute(
        select(WaterTest.village_id, func.count(), count_if(WaterTest.passed))
        .where(WaterTest.village_id.in_(ids), WaterTest.sampled_on > year_ago, WaterTest.sampled_on <= today,
               ~for_reference_clause())  # raw water before treatment is judged for reference only
        .group_by(WaterTest.village_id)
    ):
        figures[row[0]].update(water_tests_365d=row[1], water_tests_passed_365d=row[2])

    for village_id, totals in village_supply(session, ids, today, Gaps(thresholds, zone), on).items():
        figures[village_id].update(supply_counted_days_30d=totals.counted_days,
                                   supply_covered_days_30d=totals.covered_days,
                                   supply_liters_30d=round(totals.liters), supply_person_days_30d=totals.person_days)

    return figures


class KeptFigures:
    """Each village's figures as last worked out, with the revision, day and thresholds they hold for: one process's
    copy, checked on every visit against the villages' revisions, which every write that changes a figure raises
    (models/revision.py). Only the villages changed since are worked out again."""

    def __init__(self, answers: int = 64):
        self._villages = KeptByKey()
        self._answers: OrderedDict[tuple, dict] = OrderedDict()
        self._derived: dict[int, dict] = {}  # by id() of a kept answer: what was worked out from it
        self._answers_kept = answers
        self._noted: OrderedDict[Hashable, tuple] = OrderedDict()  # query: (fingerprint, key of its answer)
        self._lock = threading.Lock()

    def answer(self, key: tuple, work: Callable[[], dict]) -> dict:
        """The whole dashboard last worked out for `key` (its villages' revisions, the day, the thresholds), or
        `work()`'s, kept for the next visit: shared, never to be changed by its readers."""
        with self._lock:
            found = self._answers.get(key)
            if found is not None:
                self._answers.move_to_end(key)
                return found
        answer = work()
        with self._lock:
            self._answers[key] = answer
            self._derived[id(answer)] = {}
            while len(self._answers) > self._answers_kept:
                self._derived.pop(id(self._answers.popitem(last=False)[1]), None)
        return answer

    def answered(self, query: Hashable, fingerprint: tuple) -> dict | None:
        """The answer last given for `query` (a scope, its filters and settings), if its villages' fingerprint is
        still `fingerprint` (villages_fingerprint) and the answer is still kept."""
        with self._lock:
            noted = self._noted.get(query)
            if noted is None or noted[0] != fingerprint:
                return None
            found = self._answers.get(noted[1])
            if found is not None:
                self._answers.move_to_end(noted[1])
            return found

    def note(self, query: Hashable, fingerprint: tuple, key: tuple) -> None:
        """Remember that `query` under `fingerprint` was answered by the answer kept under `key`."""
        with self._lock:
            self._noted[query] = (fingerprint, key)
            self._noted.move_to_end(query)
            while len(self._noted) > 4 * self._answers_kept:
                self._noted.popitem(last=False)

    def derived(self, answer: dict, name: Hashable, work: Callable[[], object]):
        """What `work()` makes of `answer` (its JSON form, its pictures for a scope), kept as long as the answer
        is; `name` says what was made, and of everything else it depends on."""
        with self._lock:
            derived = self._derived.get(id(answer))
            if derived is not None and name in derived:
                return derived[name]
        value = work()
        with self._lock:
            if derived is not None and self._derived.get(id(answer)) is derived:
                derived[name] = value
        return value

    def figures(self, session, revisions: dict[int, tuple], today: date, thresholds: Thresholds,
                zone: ZoneInfo = DEFAULT_ZONE, upkeep: Upkeep = Upkeep(), dated: bool = False) -> dict[int, dict]:
        """Every village's figures, by id, for the villages asked for (id to its revision and creation time: a
        database emptied and filled again starts its villages' revisions anew)."""
        wanted = {village_id: (revision, today, thresholds, zone, upkeep, dated)
                  for village_id, revision in revisions.items()}

        def work(stale: list[int]) -> dict[int, dict]:
            found = {} if dated else stored_figures(
                session, {village_id: revisions[village_id][0] for village_id in stale}, today,
                settings_digest(thresholds, zone, upkeep))
            missing = [village_id for village_id in stale if village_id not in found]
            if missing:
                found.update(village_figures(session, missing, today, thresholds, zone, upkeep, dated))
            return found

        return self._villages.get(wanted, work)


def _code_digest() -> str:
    """A digest of the code that works the figures out (the domain and the models): an upgrade that counts
    differently leaves the figures kept before it stale. Read when the process starts, so that a process still
    running the old code after new files are in place keeps its figures under the old code's digest."""
    digest = hashlib.sha256()
    for folder in (Path(__file__).parent, Path(models.__file__).parent):
        for source in sorted(folder.glob("*.py")):
            digest.update(source.name.encode() + source.read_bytes())
    return digest.hexdigest()


COUNTING_CODE = _code_digest()


def settings_digest(thresholds: Thresholds, zone: ZoneInfo, upkeep: Upkeep) -> str:
    """What village figures kept in the database were worked out under, besides the village's revision and the day:
    the settings they read and the code that counted them (a setting changed, or an upgrade, leaves them stale)."""
    return hashlib.sha256(repr((COUNTING_CODE, FIGURES, thresholds, zone.key, upkeep)).encode()).hexdigest()


def stored_figures(session, revisions: dict[int, int], today: date, digest: str) -> dict[int, dict]:
    """The figures the scheduler kept for those of the villages `revisions` (id to its revision now) that are
    still current: worked out at that revision, for `today`, under the settings of `digest` (settings_digest)."""
    if not revisions:
        return {}
    rows = session.execute(select(VillageFigures.village_id, VillageFigures.revision, VillageFigures.figures).where(
        VillageFigures.village_id.in_(list(revisions)), VillageFigures.day == today,
        VillageFigures.settings == digest))
    return {village_id: figures for village_id, revision, figures in rows if revisions[village_id] == revision}


def keep_village_figures(transaction, today: date, thresholds: Thresholds, zone: ZoneInfo = DEFAULT_ZONE,
                         upkeep: Upkeep = Upkeep(), batch: int = 200) -> int:
    """Work out and keep in the database the figures of every village whose kept figures are not current: a batch
    of villages per `transaction()`, so that a province's day does not hold the database's write lock at once. Each batch reads the villages' revisions before their figures, so figures are
    never kept under a revision newer than what they counted. Returns how many villages' figures were kept."""
    digest = settings_digest(thresholds, zone, upkeep)
    stale = or_(VillageFigures.village_id.is_(None), VillageFigures.revision != Village.revision,
                VillageFigures.day != today, VillageFigures.settings != digest)
    kept, after = 0, 0
    while True:
        with transaction() as session:
            rows = session.execute(
                select(Village.id, Village.revision).outerjoin(VillageFigures, VillageFigures.village_id == Village.id)
                .where(Village.id > after, stale).order_by(Village.id).limit(batch)).all()
            if not rows:
                return kept
            ids = [row.id for row in rows]
            figures = village_figures(session, ids, today, thresholds, zone, upkeep)
            session.execute(delete(VillageFigures).where(VillageFigures.village_id.in_(ids)))
            session.execute(insert(VillageFigures), [
                {"village_id": row.id, "revision": row.revision, "day": today, "settings": digest,
                 "figures": figures[row.id], "worked_out_at": utcnow()} for row in rows])
        kept, after = kept + len(rows), ids[-1]


def dashboard(session, scope: Scope, today: date, thresholds: Thresholds, township_id: int | None = None,
              kept: KeptFigures | None = None, zone: ZoneInfo = DEFAULT_ZONE, upkeep: Upkeep = Upkeep(),
              township_ids: list[int] | None = None, dated: bool = False) -> dict:
    """动态清零: needs and gaps, agreements, today's and the last week's deliveries, confirmations, the case ledger
    (open, overdue, unverified, re-checks due, relapses), supply (last 30 days) and water quality (last 365 days):
    per village, per township, overall; each village's figures from `kept` while they are current. `dated`: the
    figures of a past day `today`, its households those monitored then."""
    villages = scope.restrict(select(Village.id, Village.name, Village.township_id, Village.is_key, Village.revision,
                                     Village.created_at, Township.name.label("township_name")), Village)
    villages = villages.join(Township, Township.id == Village.township_id)
    if township_id is not None:
        villages = villages.where(Village.township_id == township_id)
    if township_ids is not None:  # a region's
        villages = villages.where(Village.township_id.in_(township_ids))
    kept = kept or KeptFigures()
    settings = (today, thresholds, zone, upkeep, dated)
    query = (scope, township_id, frozenset(township_ids) if township_ids is not None else None, settings)
    fingerprint = villages_fingerprint(session, villages)
    found = kept.answered(query, fingerprint)
    if found is not None:  # nothing written in these villages since: a province's 3,000 are not read again
        return found
    village_rows = session.execute(villages.order_by(Village.township_id, Village.id)).all()
    revisions = {row.id: (row.revision, row.created_at) for row in village_rows}
    key = (tuple(revisions.items()), *settings)
    answer = kept.answer(key, lambda: _dashboard(session, village_rows, kept.figures(
        session, revisions, today, thresholds, zone, upkeep, dated), today))
    kept.note(query, fingerprint, key)
    return answer


def _dashboard(session, village_rows, figures: dict[int, dict], today: date) -> dict:
    ids = [row.id for row in village_rows]

    oldest = session.execute(
        select(Case.id, Case.kind, Case.village_id, Case.township_id, Case.status, Case.deadline, Case.progress_due_on,
               Case.created_at)
        .where(Case.village_id.in_(ids), Case.status.in_(UNRESOLVED_CASE_STATUSES))
        .order_by(Case.created_at, Case.id).limit(OLDEST_SHOWN)
    ).mappings().all()

    # Key villages (重点村) first within each township: the first source asks for them before all others.
    per_village = [{"village_id": row.id, "village_name": row.name, "township_id": row.township_id,
                    "township_name": row.township_name, "is_key": row.is_key, **figures[row.id]}
                   for row in sorted(village_rows, key=lambda row: (row.township_id, not row.is_key, row.id))]
    townships = {}
    for village in per_village:
        townships.setdefault(village["township_id"], {"township_id": village["township_id"],
                                                      "township_name": village["township_name"], "villages": []})
        townships[village["township_id"]]["villages"].append(village)
    for village in per_village:
        village["clear"] = is_clear(village)
    return {"date": today, "overall": _totals(per_village), "villages": [with_rates(v) for v in per_village],
            "townships": [{"township_id": t["township_id"], "township_name": t["township_name"],
                           **_totals(t["villages"])} for t in townships.values()],
            "oldest_open_cases": [dict(row) for row in oldest]}


def _totals(villages: list[dict]) -> dict:
    """The sums of the villages' figures with their rates, whether they are clear, and the key villages' own
    subtotal (`key_villages`)."""
    totals = totals_of(villages)
    return {**totals, "clear": is_clear(totals), "key_villages": totals_of([v for v in villages if v["is_key"]])}


def totals_of(places: list[dict]) -> dict:
    """The sums of the places' figures, with their rates."""
    return with_rates({key: sum(place[key] for place in places) for key in FIGURES})
