"""The message catalogue of the pages: Chinese labels for the API's codes and messages."""

LABELS = {
    "reason": {"other": "其他", "distance": "距集中供水点超800米", "vertical": "垂直高差超80米", "round_trip": "往返取水超20分钟",
               "no_self_care": "无自理能力", "source_failed": "水源设施故障"},
    "kind": {"central_point": "集中供水点", "purifier": "净水机", "well": "水井"},
    "facility_status": {"working": "正常", "broken": "损坏", "low_yield": "出水不足", "retired": "已停用"},
    "ownership": {"private": "农户自有", "collective": "村集体", "public": "公共"},
    "monitoring_type": {"unstable": "脱贫不稳定户", "marginal": "边缘易致贫户", "sudden_hardship": "突发严重困难户",
                        "other": "其他"},
    "water_source": {"central_point": "集中供水点", "purifier": "净水机", "well": "水井", "spring": "山泉",
                     "cistern": "水窖", "other": "其他"},
    "delivery_status": {"planned": "待送", "delivered": "已送", "missed": "漏送", "cancelled": "已取消"},
    "confirmation": {"pending": "待确认", "confirmed": "已确认", "disputed": "有异议", "no_phone": "无手机",
                     "expired": "未回复"},
    "agreement_status": {"draft": "待签", "active": "有效", "expired": "已到期", "terminated": "已终止"},
    "figure": {"households": "监测户", "needs_delivery": "需送水", "gaps": "未签协议", "active_agreements": "有效协议",
               "due_for_renewal": "待续签", "planned_today": "今日待送", "logged_today": "今日已送", "missed_7d": "近7天漏送",
               "open_cases": "未整改问题", "overdue_cases": "超期问题", "resolved_unverified": "待销号", "rechecks_due": "待回头看",
               "relapses": "反弹"},
    "case_status": {"open": "待整改", "in_progress": "整改中", "resolved": "已整改", "verified": "已销号", "closed": "已复核"},
    "case_kind": {"purifier_repair": "净水机维修", "well_low_yield": "水井出水不足", "water_quality": "水质问题",
                  "missing_agreement": "未签送水协议", "missed_delivery": "漏送水", "sanitation": "环境卫生",
                  "other": "其他问题"},
    "severity": {"high": "紧急", "medium": "一般", "low": "较轻"},
    "case_action": {"open>in_progress": "开始整改", "in_progress>resolved": "整改完成", "resolved>verified": "核查销号",
                    "verified>closed": "回头看：合格", "verified>open": "回头看：反弹"},
    "case_event": {"opened": "立案", "transition": "状态变更", "evidence": "上传材料", "updated": "修改",
                   "auto_resolved": "系统确认已整改", "auto_reopened": "设施再次故障，重新整改", "reminded": "到期提醒", "escalated": "超期上报",
                   "recheck_passed": "回头看合格", "recheck_failed": "回头看发现反弹"},
    "auto_note": {"system": "系统发现", "facility_working": "设施已恢复正常", "agreement_active": "已签订有效送水协议",
                  "broken": "设施损坏", "low_yield": "出水不足"},
    "sms_status": {"queued": "待发", "sending": "发送中", "unknown": "待确认", "sent": "已发", "delivered": "已送达",
                   "undelivered": "未送达", "failed": "失败", "cancelled": "已取消", "opted_out": "已退订", "received": "已收到",
                   "matched": "已确认", "opt_out": "退订", "opt_in": "恢复", "unmatched": "待处理"},
    "sms_purpose": {"confirm_request": "送水确认", "remind_evening": "前晚提醒", "remind_morning": "当天提醒",
                    "missed_alert": "漏送提醒", "case_reminder": "整改提醒", "case_escalation": "超期上报",
                    "auto_reply": "自动回复", "manual_reply": "人工回复", "reply": "村民回复"},
    "report_kind": {"household_deliveries": "送水记录表", "village_month": "村月度送水记录", "agreement": "送水服务协议书",
                    "township_summary": "镇街汇总"},
    "role": {"county_admin": "县级管理员", "township_lead": "镇街负责人", "township_worker": "镇街工作人员",
             "village_staff": "村级专人"},
}

# Staff (责任人) take three of the login roles.
LABELS["staff_role"] = {code: LABELS["role"][code] for code in ("village_staff", "township_lead", "county_admin")}

FIELD_NAMES = {
    "village_id": "村", "head_name": "户主姓名", "id_number": "身份证号", "phone": "联系电话", "members": "家庭人口",
    "self_care": "能否自理", "monitoring_type": "监测类型", "lat": "纬度", "lon": "经度",
    "distance_m": "距离集中取水点(米)", "vertical_m": "垂直高差(米)", "round_trip_min": "往返取水时间(分钟)",
    "water_source": "水源", "water_source_id": "水源设施",
}

ID_REASONS = {
    "must be 18 characters": "应为18位", "must be 17 digits followed by a digit or X": "前17位应为数字，末位为数字或X",
    "contains an impossible birth date": "出生日期不成立", "check digit does not match": "校验位不符，请核对",
}

# The API's English messages, as a person on the page reads them.
MESSAGES = {
    "integer": "请输入整数", "number": "请输入数字", "Missing data for required field.": "必填",
    "Field may not be null.": "必填", "Not a valid integer.": "请输入整数", "Not a valid number.": "请输入数字",
    "already exists": "已存在",
}


def label(group: str, code: str | None) -> str:
    if code is None:
        return "—"
    return LABELS.get(group, {}).get(code, code)


def message(text: str) -> str:
    """The Chinese message for an API message; range and format messages get a generic Chinese lead."""
    if text in MESSAGES:
        return MESSAGES[text]
    if text.startswith("Must be greater than or equal") or text.startswith("Must be less than"):
        return "超出范围（" + text + "）"
    if text.startswith("Not a valid resident ID"):
        reason = text.split(":", 1)[-1].strip(" .")
        return "身份证号无效：" + ID_REASONS.get(reason, reason)
    if text.startswith("Not a valid phone"):
        return "电话号码无效"
    if "ID number is already registered" in text:
        return "该身份证号已登记"
    if text.startswith("Length must be"):
        return "长度不符合要求"
    return text
