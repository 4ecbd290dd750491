"""The scheduled jobs: each a one-line call into a domain function, and the time it runs at."""
from dataclasses import dataclass
from typing import Callable

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import select

from models import Village
from service.domain.cases import daily_case_pass
from service.domain.geo import recompute_distances
from service.domain.planning import mark_missed, plan_deliveries
from service.domain.rules import Rules


@dataclass(frozen=True)
class Job:
    description: str
    run: Callable  # (session, rules: Rules, config) -> a short result for the operator
    at_setting: str | None = None  # the setting holding its daily local time "HH:MM"
    default_at: str = "03:00"

    def trigger(self, config) -> CronTrigger:
        hour, minute = (config.get(self.at_setting) if self.at_setting else self.default_at).split(":")
        return CronTrigger(hour=int(hour), minute=int(minute), timezone=config["APP_TIMEZONE"])


def _all_villages(session) -> list[int]:
    return session.scalars(select(Village.id)).all()


JOBS: dict[str, Job] = {
    "mark_missed": Job(
        "把昨天及以前未登记的待送记录标为漏送 Mark planned deliveries of past days as missed",
        lambda session, rules, config: len(mark_missed(session, rules.today, rules.now, rules.cases)),
        "MARK_MISSED_AT"),
    "plan_deliveries": Job(
        "按有效协议安排未来几天的送水 Plan deliveries for the coming days from active agreements",
        lambda session, rules, config: plan_deliveries(session, rules.today, config["PLANNING_HORIZON_DAYS"]),
        "PLAN_DELIVERIES_AT"),
    "recompute_distances": Job(
        "重算所有村的计算距离 Recompute every computed household distance",
        lambda session, rules, config: recompute_distances(session, _all_villages(session)), default_at="03:30"),
    "case_deadlines": Job(
        "问题台账日检：未签协议立案、到期提醒、超期上报 Gap cases, deadline reminders and escalations",
        lambda session, rules, config: daily_case_pass(session, rules), "CASE_DEADLINES_AT"),
}


def job_names() -> list[str]:
    return list(JOBS)


def run_one(session, name: str, rules: Rules, config):
    return JOBS[name].run(session, rules, config)
