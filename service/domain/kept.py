"""Values kept between requests (one process's copy) under the key they hold for: a village's revision and the day,
say (models/revision.py raises the revision with every write that can change them)."""
import threading
from collections.abc import Callable, Hashable


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
