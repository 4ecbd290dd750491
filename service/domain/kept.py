"""Values kept between requests (one process's copy) under the key they hold for: a village's revision and the day,
say (models/revision.py raises the revision with every write that can change them): figures, and the counts of
lists."""
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from sqlalchemy import Select, func, select

from models import Household


class KeptByKey:
    """Values by id, each kept with the key it was worked out for; asked for under other keys, only those ids are
    worked out again, in one batch. At most `most` are kept: past that the copy starts again."""

    def __init__(self, most: int | None = None):
        self._kept: dict[int, tuple[Hashable, object]] = {}
        self._most = most
        self._lock = threading.Lock()

    def get(self, wanted: dict[int, Hashable], work: Callable[[list[int]], dict]) -> dict:
        """The value of each id of `wanted` (id to the key it must hold for); `work(ids)` makes the missing ones."""
        with self._lock:
            kept = {key: self._kept.get(key) for key in wanted}
        found = {key: entry[1] for key, entry in kept.items() if entry is not None and entry[0] == wanted[key]}
        stale = [key for key in wanted if key not in found]
        if stale:
            fresh = work(stale)
            with self._lock:
                if self._most is not None and len(self._kept) + len(stale) > self._most:
                    self._kept.clear()
                self._kept.update((key, (wanted[key], fresh[key])) for key in stale)
            found.update(fresh)
        return found


class KeptCounts:
    """How many rows each list's query matches, kept village by village with the revision each count holds for:
    asked again, only the villages written since are counted again, so that a province's list answers without
    counting its millions of rows. One process's copy; the `queries` last asked are kept."""

    def __init__(self, queries: int = 64):
        self._queries: OrderedDict[Hashable, list] = OrderedDict()  # query: [by village, (fingerprint, total)]
        self._most = queries
        self._lock = threading.Lock()

    def total(self, query: Hashable, fingerprint: Hashable, revisions: Callable[[], dict],
              count: Callable[[list[int]], dict]) -> int:
        """The rows `query` matches: the last total while its villages' `fingerprint` (villages_fingerprint) stays
        the same; else the sum over the villages of `revisions()` (id to the key its count must hold for) of their
        counts, `count(village ids)` giving those not yet kept under that key."""
        with self._lock:
            kept = self._queries.get(query)
            if kept is None:
                kept = self._queries[query] = [KeptByKey(), None]
                while len(self._queries) > self._most:
                    self._queries.popitem(last=False)
            else:
                self._queries.move_to_end(query)
            last = kept[1]
        if last is not None and last[0] == fingerprint:
            return last[1]
        total = sum(kept[0].get(revisions(), count).values())
        kept[1] = (fingerprint, total)
        return total


def villages_fingerprint(session, villages: Select) -> tuple:
    """One row that differs whenever any of `villages` (a select with Village's id, revision and created_at) was
    written, added or taken away since: revisions only rise, so their sum does with every write. Read before the
    villages themselves, it can only be older than what they say (a newer answer kept under it is harmless)."""
    rows = villages.order_by(None).subquery()
    return tuple(session.execute(select(func.count(), func.sum(rows.c.revision), func.max(rows.c.id),
                                        func.max(rows.c.created_at))).one())


def count_by_village(session, stmt: Select, village_of: Callable, village_ids: list[int]) -> dict[int, int]:
    """How many rows of `stmt` are in each of the villages `village_ids`; `village_of(subquery)` gives the village
    column of a row and what to select it from."""
    rows = stmt.order_by(None).subquery()
    column, source = village_of(rows)
    counts = dict.fromkeys(village_ids, 0)
    counts.update(session.execute(select(column, func.count()).select_from(source)
                                  .where(column.in_(village_ids)).group_by(column)).all())
    return counts


def own_village(rows):
    """count_by_village's `village_of` for rows with a village of their own (households, cases)."""
    return rows.c.village_id, rows


def household_village(rows):
    """count_by_village's `village_of` for rows in their household's village (deliveries)."""
    return Household.village_id, rows.join(Household, Household.id == rows.c.household_id)
