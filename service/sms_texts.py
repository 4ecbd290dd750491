"""The SMS message catalogue: short Chinese texts (UCS-2: 70 characters a segment, 67 when split)."""

SEGMENT = 67
REMINDER_BUDGET = 2 * SEGMENT  # keep reminders to two segments

REMINDER = {
    "evening": "【送水提醒】明天{date}请送水{count}户：{names}",
    "morning": "【送水提醒】今天{date}请送水{count}户：{names}。送后请登记",
}
MORE = "等{count}户"
CONFIRM_REQUEST = "【送水确认】{date}已为您家送水{liters}升。收到请回复1，没收到请回复0"
MISSED_ALERT = "【漏送】{date}有{count}户送水未登记：{names}。请核实"
CASE_REMINDER = "【整改提醒】问题{case_id}（{kind}）明天到期，请按时整改"
CASE_ESCALATION = "【超期】{village}问题{case_id}（{kind}）已超过整改时限，请督办"
REPLIES = {
    "confirmed": "已确认收到，谢谢！",
    "disputed": "已记录您没有收到送水，工作人员会尽快核实。",
    "no_pending": "没有待确认的送水记录。如有问题请联系村里。",
    "opt_out": "已退订短信。回复START可恢复。",
    "opt_in": "已恢复短信提醒。",
    "unknown": "已收到您的消息，工作人员会尽快处理。确认送水请回复1，没收到请回复0。",
}
CASE_KINDS = {"purifier_repair": "净水机维修", "well_low_yield": "水井出水不足", "water_quality": "水质",
              "missing_agreement": "未签协议", "missed_delivery": "漏送水", "sanitation": "卫生", "other": "其他"}


def short_date(day) -> str:
    return f"{day.month}月{day.day}日"


def name_list(names: list[str], budget: int) -> str:
    """Names joined with 、 and cut to `budget` characters, ending "等N户" when some did not fit."""
    shown = []
    for index, name in enumerate(names):
        rest = len(names) - index - 1
        candidate = "、".join(shown + [name]) + (MORE.format(count=len(names)) if rest else "")
        if len(candidate) > budget and shown:
            return "、".join(shown) + MORE.format(count=len(names))
        shown.append(name)
    return "、".join(shown)
