"""The scheduled jobs: each a one-line call into a domain function, and the time it runs at."""
from dataclasses import dataclass
from typing import Callable

from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import select

from models import Village, utcnow
from service.backup import daily_backup
from service.domain.bulletins import keep_bulletins
from service.domain.dashboard import keep_village_figures
from service.domain.scope import Scope
from service.domain.system_cases import daily_case_pass
from service.domain.geo import recompute_distances
from service.domain.emergencies import plan_all_deliveries
from service.domain.planning import mark_missed
from service.domain.outbox import drain_outbox
from service.domain.sms import expire_confirmations, send_daily_reminders
from service.domain.supply import sync_supply_cases
from service.unit_of_work import transaction


def _daily(config, setting_or_time: str) -> CronTrigger:
    hour, minute = config.get(setting_or_time, setting_or_time).split(":")
    return CronTrigger(hour=int(hour), minute=int(minute), timezone=config["APP_TIMEZONE"])


@dataclass(frozen=True)
class Job:
    description: str
    run: Callable  # (session, context: Context) -> a short result for the operator
    at_settings: tuple[str, ...] = ("03:00",)  # daily local times "HH:MM", or the settings that hold them
    every_setting: str | None = None  # or: the setting holding its interval in seconds

    def trigger(self, config):
        if self.every_setting:
            return IntervalTrigger(seconds=int(config[self.every_setting]), timezone=config["APP_TIMEZONE"])
        triggers = [_daily(config, at) for at in self.at_settings]
        return triggers[0] if len(triggers) == 1 else OrTrigger(triggers)


def _all_villages(session) -> list[int]:
    return session.scalars(select(Village.id)).all()


JOBS: dict[str, Job] = {
    "mark_missed": Job(
        "把昨天及以前未登记的待送记录标为漏送 Mark planned deliveries of past days as missed",
        lambda session, context: len(mark_missed(session, context.rules)), ("MARK_MISSED_AT",)),
    "plan_deliveries": Job(
        "按有效协议和应急送水安排未来几天的送水 Plan deliveries for the coming days from agreements and emergencies",
        lambda session, context: plan_all_deliveries(session, context.rules.today, context.rules.horizon_days),
        ("PLAN_DELIVERIES_AT",)),
    "recompute_distances": Job(
        "重算所有村的计算距离 Recompute every computed household distance",
        lambda session, context: recompute_distances(session, _all_villages(session)), ("03:30",)),
    "case_deadlines": Job(
        "问题台账日检：未签协议立案、到期提醒、超期上报 Gap cases, deadline reminders and escalations",
        lambda session, context: daily_case_pass(session, context.rules), ("CASE_DEADLINES_AT",)),
    "supply_cases": Job(
        "供水不达标立案：近30天保障率或人均水量连续多天低于标准 Cases for households under the supply standard for days",
        lambda session, context: sync_supply_cases(session, context.rules), ("04:00",)),
    "send_reminders": Job(
        "给村级专人发送送水提醒（前一晚、当天早上各一条）Remind each deliverer, the evening before and the morning of",
        lambda session, context: send_daily_reminders(session, context.rules),
        ("REMINDER_EVENING_AT", "REMINDER_MORNING_AT")),
    "drain_outbox": Job(
        "发送待发短信 Send the due SMS of the outbox",
        lambda session, context: drain_outbox(lambda: transaction(session), context.gateway, context.sms, utcnow),
        every_setting="SMS_DRAIN_EVERY_SECONDS"),
    "backup": Job(
        "备份数据库和上传的文件，保留最近 BACKUP_KEEP 份 Back up the database and the uploads, keeping the newest",
        lambda session, context: daily_backup(context.backup), ("BACKUP_AT",)),
    "keep_bulletins": Job(
        "每月1日印发并留存上月通报（文号、落款），此后重印不变 Issue and keep last month's bulletin of every region",
        lambda session, context: keep_bulletins(session, Scope(), context.rules.today, context.rules.thresholds,
                                                context.rules.zone, context.rules.cases.upkeep,
                                                context.bulletin_style), ("KEEP_BULLETINS_AT",)),
    "keep_figures": Job(
        "保存各村最新的动态清零数字，供刚启动的网页进程直接读取 Keep every village's current dashboard figures in the database",
        lambda session, context: keep_village_figures(lambda: transaction(session), context.rules.today,
                                                      context.rules.thresholds, context.rules.zone,
                                                      context.rules.cases.upkeep),
        every_setting="KEEP_FIGURES_EVERY_SECONDS"),
    "expire_confirmations": Job(
        "超过72小时未回复的送水确认记为未回复 Expire confirmations unanswered for 72 hours",
        lambda session, context: expire_confirmations(session, context.rules.now, context.sms.confirmation_expire),
        every_setting="CONFIRMATION_EXPIRY_EVERY_SECONDS"),
}
