"""The catalogue of scheduled jobs: each a thin call into a domain function (run by `flask jobs run`)."""
from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from sqlalchemy import select

from models import Village

from .domain.geo import recompute_distances


@dataclass(frozen=True)
class Job:
    description: str
    run: Callable  # (session, now: datetime) -> a short result for the operator


def _recompute_all_distances(session, now: datetime):
    return recompute_distances(session, session.scalars(select(Village.id)).all())


JOBS: dict[str, Job] = {
    "recompute_distances": Job(
        "重算所有村的计算距离 Recompute every computed household distance", _recompute_all_distances
    ),
}
