"""The message catalogue: every word a person reads on a page, in an SMS, a PDF or an import report.

Chinese first (docs/domain.md). The API speaks English in its codes and validation messages; `page_message`
turns those into Chinese where a page shows them, from the tables below and nowhere else.
"""
import re

LABELS = {
    "reason": {"other": "其他", "distance": "距集中供水点超{distance_m:g}米", "vertical": "垂直高差超{vertical_m:g}米",
               "round_trip": "往返取水超{round_trip_min:g}分钟",
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
    "sample_point": {"source": "水源水", "treated": "出厂水", "tap": "末梢水", "household": "入户"},
    "supply_class": {"large_central": "大型集中式供水", "small_central": "小型集中式供水", "dispersed": "分散式供水"},
    "case_action": {"open>in_progress": "开始整改", "in_progress>resolved": "整改完成", "resolved>verified": "核查销号",
                    "verified>closed": "回头看：合格", "verified>open": "回头看：反弹"},
    "case_event": {"opened": "立案", "transition": "状态变更", "evidence": "上传材料", "updated": "修改",
                   "auto_resolved": "系统确认已整改", "auto_reopened": "问题再次出现，重新整改", "reminded": "到期提醒", "reported": "报修", "escalated": "超期上报",
                   "recheck_passed": "回头看合格", "recheck_failed": "回头看发现反弹", "retested": "复检"},
    "auto_note": {"system": "系统发现", "facility_working": "设施已恢复正常", "agreement_active": "已签订有效送水协议",
                  "broken": "设施损坏", "low_yield": "出水不足", "supply_met": "近30天供水已达标"},
    "sms_status": {"queued": "待发", "sending": "发送中", "unknown": "待确认", "sent": "已发", "delivered": "已送达",
                   "undelivered": "未送达", "failed": "失败", "cancelled": "已取消", "opted_out": "已退订", "received": "已收到",
                   "matched": "已确认", "opt_out": "退订", "opt_in": "恢复", "unmatched": "待处理"},
    "sms_purpose": {"confirm_request": "送水确认", "remind_evening": "前晚提醒", "remind_morning": "当天提醒",
                    "missed_alert": "漏送提醒", "case_reminder": "整改提醒", "case_escalation": "超期上报",
                    "auto_reply": "自动回复", "manual_reply": "人工回复", "reply": "村民回复",
                    "water_alert": "水质超标"},
    "report_kind": {"household_deliveries": "送水记录表", "village_month": "村月度送水记录", "agreement": "送水服务协议书",
                    "township_summary": "镇街汇总", "water_tests": "水质检测报告"},
    "import_kind": {"households": "监测户", "facilities": "设施", "staff": "责任人", "water_tests": "水质检测结果"},
    "role": {"county_admin": "县级管理员", "township_lead": "镇街负责人", "township_worker": "镇街工作人员",
             "village_staff": "村级专人"},
}

# Staff (责任人) take three of the login roles.
LABELS["staff_role"] = {code: LABELS["role"][code] for code in ("village_staff", "township_lead", "county_admin")}


def label(group: str, code: str | None, thresholds=None) -> str:
    """The Chinese label of a code; needs-delivery reasons name the thresholds in force (`thresholds`)."""
    if code is None:
        return "—"
    text = LABELS.get(group, {}).get(code, code)
    if group == "reason" and thresholds is not None:
        return text.format(distance_m=thresholds.distance_m, vertical_m=thresholds.vertical_m,
                           round_trip_min=thresholds.round_trip_min)
    return text


FIELD_NAMES = {
    "village_id": "村", "head_name": "户主姓名", "id_number": "身份证号", "phone": "联系电话", "members": "家庭人口",
    "self_care": "能否自理", "monitoring_type": "监测类型", "lat": "纬度", "lon": "经度",
    "distance_m": "距离集中取水点(米)", "vertical_m": "垂直高差(米)", "round_trip_min": "往返取水时间(分钟)",
    "water_source": "水源", "water_source_id": "水源设施",
}

# Messages the service itself writes for people, by key; `say` fills in their values.
# What a page says first about an HTTP error (the heading of the error page, a script's message of last resort).
ERROR_HEADINGS = {400: "请求有误", 401: "请先登录", 403: "无权操作", 404: "找不到该记录", 409: "数据冲突", 413: "文件太大",
                  422: "输入有误", 429: "操作太频繁", 500: "出错了", 503: "服务暂时不可用"}

MESSAGES = {
    # logins
    "login.failed": "用户名或密码错误",
    "login.required": "请先登录",
    "login.throttled": "尝试次数过多，请稍后再试",
    "password.too_short": "密码至少 {length} 个字符",
    "password.guessable": "密码太常见或包含用户名，容易被猜中，请换一个",
    "user.unknown": "没有用户 {username}",
    "user.county_only": "只有县级管理员可以管理账号",
    "user.not_self": "不能停用自己的账号",
    "user.activated": "已启用账号 {username}",
    "user.deactivated": "已停用账号 {username}，其登录已全部失效",
    "user.password_reset": "已为 {username} 设置新密码，其登录已全部失效",
    # resident IDs registered elsewhere
    "id_conflict": "该身份证号不能在此登记，已通知县级管理员",
    "id_conflict.throttled": "查询过于频繁，请一小时后再试",
    "phone_conflict": "该电话不能在此登记，已通知县级管理员",
    "row.number_not_here": "本辖区没有这个号码的记录（查询已记录）",
    # the registry and agreements
    "household.created": "已登记监测户：{name}",
    "household.saved": "已保存：{name}",
    "agreement.created_active": "送水服务协议已签订生效，已安排送水计划",
    "agreement.created_draft": "送水服务协议已保存为待签，签订后请填写签订日期",
    "agreement.status": "协议状态已改为：{status}",
    "agreement.scan": "已上传签字扫描件",
    "facility.status": "{name}：{status}",
    "case.reported": "已报告问题，已立案",
    # deliveries
    "delivery.in_future": "送达时间不能晚于现在",
    "delivery.too_early": "送达时间不能早于 {earliest}：只能登记 {days} 天内的送水，更早的请联系镇街核实",
    "delivery.late_time_required": "请填写实际送达的日期和时间",
    "delivery.other_user": "这条送水记录是另一个账号在手机上登记的，请用那个账号登录后再上传",
    "idempotency.too_long": "请求编号（Idempotency-Key）最多 {limit} 个字符",
    "delivery.logged": "已登记：{name} {liters} 升",
    "delivery.sent_later": "离线时于 {tapped} 点了已送达，联网后上传",
    # the installable web app: what the page says about the log queued on the phone
    "offline.banner": "离线，显示的是 {time} 的数据",
    "offline.pending": "待上传",
    "offline.pending_count": "待上传 {count}",
    "offline.waiting": "没有网络，联网后自动上传",
    "offline.sending": "正在上传…",
    "offline.login_expired": "登录已过期，请重新登录，登录后自动上传",
    "offline.other_user": "这些记录要用 {user} 的账号登录后才能上传",
    "offline.refused": "未能上传",
    "offline.tapped": "点击时间 {time}",
    "offline.dismiss": "知道了",
    "offline.logged": "{liters} 升 · {time}",
    "offline.photo_too_large": "照片太大，请重拍或不附照片",
    "offline.not_saved": "没有登记上，也没能存在手机上，请再点一次",
    "login.expired": "登录已过期，请重新登录",
    # supply assurance
    "supply.case_title": "近30天供水不达标",
    "supply.case": "近30天供水保障率 {assurance}%（{covered}/{counted} 天），人均每天 {liters} 升；标准为保障率不低于 {assurance_min}%、"
                   "人均每天不少于 {liters_min} 升",
    # water quality
    "water.exceedance": "{name} {value}{unit}（限值 {bound}{limit}{unit}）",
    "water.case": "{point}（{day} 采样）超标：{found}",
    "water.passed": "{point}（{day} 采样）复检合格",
    "water.alert": "【水质超标】{village}{subject}{day}水样超标：{found}。请立即处置，告知用水户暂停饮用",
    "water.alert_household": "{name}家",
    "water.recorded_passed": "已记录水质检测：合格",
    "water.recorded_failed": "已记录水质检测：超标，已立案",
    # SMS written by people
    "reply.not_found": "没有这条短信",
    "reply.opted_out": "该号码已退订短信，不能发送",
    "reply.urgent_forbidden": "只有镇街负责人可以把短信标为紧急",
    "case.assign_forbidden": "只有镇街工作人员可以指定问题责任人",
    "reply.daily_limit": "今天已发送 {count} 条人工短信，已达每日上限",
    # files and rosters
    "file.too_large": "文件超过 {megabytes} MB，请分批导入",
    "row.facility_unknown": "本村没有这个名称或编号的设施",
    "row.test_recorded": "该设施这一天这个采样点已有检测记录，结果不同；如需更正请联系县级管理员",
    "file.unpacks_too_large": "文件解压后过大（超过 {megabytes} MB）或压缩比异常，已拒绝。请检查文件，或分批导入",
    "file.too_complex": "文件读取所需的内存或时间超出上限（可能含大量无关内容），已拒绝。请另存为只含名单的新表格，或分批导入",
    "file.too_many_rows": "行数超过 {rows} 行，请分批导入",
    "file.csv_encoding": "CSV 文件编码无法识别（请用 UTF-8 或 GB18030）",
    "file.csv_binary": "不是文本格式的 CSV 文件",
    "file.empty": "文件是空的",
    "file.kind": "只接受 .xlsx 或 .csv 文件",
    "file.damaged": "文件已损坏或不是有效的 .xlsx / .csv 文件",
    "file.no_data": "文件里没有数据",
    "cell.formula": "单元格是公式，请粘贴为数值",
    "cell.number": "应为数字",
    "cell.integer": "应为整数",
    "cell.yes_no": "应为 是 或 否",
    "cell.date": "应为日期，如 2026-05-01",
    "cell.choices": "可选值：{choices}",
    "cell.too_long": "不能超过 {length} 个字",
    "cell.control": "含有不可见的控制字符，请删除后再导入",
    "cell.range": "应在 {low:g} 到 {high:g} 之间",
    "cell.id_number": "身份证号无效：{reason}",
    "cell.phone": "电话号码无效",
    "column.twice": "这一列出现了两次",
    "column.missing": "缺少这一列",
    "row.required": "必填",
    "row.duplicate": "与第 {row} 行重复",
    "row.village_unknown": "找不到这个村（或不在您的管辖范围）",
    "row.village_ambiguous": "有同名的村，请填写镇街",
    "row.township_unknown": "找不到这个镇街",
    "row.owner_unknown": "找不到这个身份证号的监测户",
    "row.manager_unknown": "找不到这个电话的责任人",
    "row.masked_needs_id": "身份证号被隐藏时须保留导出的“编号”列",
    "row.bad_record_id": "编号无效",
    "row.record_mismatch": "编号与身份证号对不上（请使用导出的原表）",
    "row.no_move": "导入不能改变已登记户的所在村，请在监测户页面修改",
    "row.id_registered": "该身份证号已登记",
    # the edge
    "json.too_deep": "JSON 嵌套层数过多",
    "json.invalid": "不是有效的 JSON：{reason}",
    "json.bad_text": "JSON 中有无效的字符（单独的代理项 \\ud800–\\udfff）",
    "host.untrusted": "请求的网址（Host）不属于本服务，请使用管理员给出的网址",
    "database.unavailable": "数据库暂时无法访问，请稍后再试",
    # the inspection archive
    "archive.scan_missing": "扫描件缺失，请重新上传",
    "archive.files_missing": "缺少需要打包的文件",
    "archive.no_access": "无法读写档案文件夹",
    "archive.no_memory": "内存不足",
    "archive.failed": "生成 PDF 时出错",
}


def say(key: str, **values) -> str:
    """The catalogue's message `key`, with its values filled in."""
    return MESSAGES[key].format(**values)


ID_REASONS = {
    "must be 18 characters": "应为18位", "must be 17 digits followed by a digit or X": "前17位应为数字，末位为数字或X",
    "contains an impossible birth date": "出生日期不成立", "check digit does not match": "校验位不符，请核对",
}

# The API speaks English (its second language); a page shows the same message in Chinese. Exact messages first,
# then patterns whose groups are codes shown by their label (`group`), or values kept as they are (None).
API_MESSAGES = {
    "integer": "请输入整数", "number": "请输入数字", "Missing data for required field.": "必填",
    "Field may not be null.": "必填", "Not a valid integer.": "请输入整数", "Not a valid number.": "请输入数字",
    "Not a valid date.": "日期格式不对（如 2026-05-01）", "Not a valid datetime.": "时间格式不对",
    "Not a valid boolean.": "请选择是或否", "Not a valid string.": "请输入文字", "Unknown field.": "不认识的项目",
    "Must not contain control characters.": MESSAGES["cell.control"],
    "already exists": "已存在", "a household with this ID number is already registered": MESSAGES["row.id_registered"],
    "a facility of this name already exists in the village": "本村已有同名设施",
    "a village of this name already exists in the township": "本镇街已有同名的村",
    "must be staff of the household's township": "应为该户所在镇街的责任人",
    "must be staff of the same township": "应为同一镇街的责任人",
    "must be staff of the case's township": "应为问题所在镇街的责任人",
    "must not be before start_on": "不能早于开始日期", "give either interval_days or weekdays": "请填写送水间隔天数或每周送水日",
    "a private facility needs its household": "农户自有设施须填写所属户", "must be a household of the same village": "应为同村的监测户",
    "cannot be in the future": "不能晚于今天", "cannot be in the past": "不能早于今天",
    "unknown parameter": "不是 GB 5749-2022 的常规指标", "must be a number": "应为数字", "must not be negative": "不能为负数",
    "pH must be between 0 and 14": "pH 应在 0 到 14 之间", "give at least one measured value": "请至少填写一项检测结果",
    "give facility_id or household_id (one of them)": "请选择设施或农户（只选一个）", "must be 2000 or later": "不能早于 2000 年",
    "this role may not record water tests": "您的角色不能记录水质检测",
    "must be village staff or a township lead of the household's township": "应为该户所在镇街的村级专人或镇街负责人",
    "is not one of the household's needs-delivery reasons (use 'other')": "不是该户的需送水原因（可选“其他”）",
    "an active agreement keeps its signed date": "有效协议须保留签订日期", "this role needs a township": "该角色须指定镇街",
    "a case is about a household, a facility or a village": "请选择问题所涉的监测户、设施或村",
    "the household, facility and village of a case must agree": "监测户、设施和村应一致",
    "village staff need a village": "村级专人须指定村", "a township lead needs a township": "镇街负责人须指定镇街",
    "must be a facility of the same village": "应为同村的设施", "only wells have a yield": "只有水井有出水量",
    "a case's status changes only through POST /cases/<id>/transitions": "问题状态只能按整改流程变更",
    "a closed case takes no more evidence": "已复核的问题不能再上传材料",
    "a planned delivery is completed through /complete, or cancelled": "待送记录只能登记送达或取消",
    "this Idempotency-Key was already used for another delivery": "这次提交已用于另一条送水记录",
    "cannot be changed once a case is open": "立案后不能修改", "must be an agreement of this household": "应为该户的协议",
    "has already passed": "已经过期", "upload at least one photo or document first": "请先上传至少一张照片或一份材料",
    "no file was uploaded": "请选择文件", "must not be after 'to'": "开始日期不能晚于结束日期", "must be YYYY-MM": "应为年月，如 2026-05",
    "an agreement cannot move to another household": "协议不能转给另一户", "a resolution note is required": "请填写整改情况",
    "say why the delivery is cancelled": "请说明取消原因", "an agreement is activated only once signed": "协议须先签订才能生效",
    "a period spans at most two years": "时间段最长两年", "a village cannot move to another township": "村不能改属另一镇街",
    "does not match the village's township": "与村所属镇街不一致", "must be a date YYYY-MM-DD": "应为日期，如 2026-05-01",
    "outside your township": "不在您的管辖范围", "the person who resolved a case cannot verify it": "整改人不能为自己销号",
    "this role may not change the registry": "您的角色不能修改台账", "this role may not change agreements": "您的角色不能修改送水协议",
    "this role may not log deliveries": "您的角色不能登记送水", "this role may not work on cases": "您的角色不能处理问题",
    "this role may not answer SMS": "您的角色不能回复短信",
    "this role may not print a township's archive": "您的角色不能下载镇街的迎检档案",
    "this role may not report a broken facility": "您的角色不能报修", "this role may not report a problem": "您的角色不能报告问题",
    "must be broken, low_yield or working": "请选择损坏、出水不足或恢复正常",
    "say why the delivery is logged late": "补登漏送请说明原因", "choose what kind of problem it is": "请选择问题类型",
    "say what the problem is": "请说明是什么问题",
    "only a county administrator registers or changes townships": "只有县级管理员可以登记或修改镇街",
    "only a township lead or the county registers villages": "只有镇街负责人或县级可以登记村",
    "only a county administrator registers county staff": "只有县级管理员可以登记县级责任人",
    "only township staff cancel a planned delivery": "只有镇街工作人员可以取消待送记录",
    "only a township lead or the county verifies (销号) and re-checks (回头看) a case": "只有镇街负责人或县级可以销号和回头看",
    "this agreement has no signed scan yet": "该协议还没有上传签字扫描件",
    "no printed record has this verification code": "没有这个核验码的打印件",
    "the change conflicts with existing data (a duplicate or a dangling reference)": "与已有数据冲突（重复或引用不存在的记录）",
    "a value cannot be stored (out of range or not valid text)": "有数值超出范围或文字无效",
    "login required": MESSAGES["login.required"], "a bearer token or a logged-in session is required": MESSAGES["login.required"],
    "The requested URL was not found on the server. If you entered the URL manually please check your spelling and "
    "try again.": "找不到这个页面",
}
API_PATTERNS = (
    (r"^Must be greater than or equal to (\S+) and less than or equal to (\S+)\.$", "应在 {1} 到 {2} 之间", {}),
    (r"^Must be greater than or equal to (\S+)\.$", "不能小于 {1}", {}),
    (r"^Must be less than or equal to (\S+)\.$", "不能大于 {1}", {}),
    (r"^Length must be between (\d+) and (\d+)\.$", "长度应为 {1} 到 {2} 个字", {}),
    (r"^(?:Longer than maximum length|Length must be at most) (\d+)\.?$", "不能超过 {1} 个字", {}),
    (r"^(?:Shorter than minimum length|Length must be at least) (\d+)\.?$", "至少 {1} 个字", {}),
    (r"^Must be one of: .*$", "不是可选的值", {}),
    (r"^Not a valid resident ID number: (.*?)\.?$", "身份证号无效：{1}", {1: "id_reason"}),
    (r"^Not a valid phone.*$", MESSAGES["cell.phone"], {}),
    (r"^unknown (?:village|township|household|facility|township code) (\S+)$", "找不到编号为 {1} 的记录", {}),
    (r"^(\w+) (\d+) not found$", "找不到该记录", {}),
    (r"^a case cannot go from (\w+) to (\w+)$", "问题不能从“{1}”变为“{2}”", {1: "case_status", 2: "case_status"}),
    (r"^an agreement cannot go from (\w+) to (\w+)$", "协议不能从“{1}”变为“{2}”",
     {1: "agreement_status", 2: "agreement_status"}),
    (r"^a (\w+) agreement is kept as it was; create a new one$", "“{1}”的协议不能再修改，请新建协议", {1: "agreement_status"}),
    (r"^the household already has active agreement (\d+)$", "该户已有有效协议（编号 {1}），不能再签", {}),
    (r"^the household already has agreement (\d+) for this period$", "该户在这段时间已有送水服务协议（编号 {1}），请修改那份协议或从其结束后开始",
     {}),
    (r"^the re-check is due on (\S+); a case closes only after it$", "回头看应在 {1} 以后进行", {}),
    (r"^this delivery is already (\w+); post a correction instead$", "这条送水记录已是“{1}”，如有错误请更正",
     {1: "delivery_status"}),
    (r"^this delivery is (\w+); a logged delivery changes only by a correction$", "这条送水记录已是“{1}”，只能更正",
     {1: "delivery_status"}),
    (r"^only a delivered record is corrected; this one is (\w+)$", "只有已送的记录可以更正，这条是“{1}”",
     {1: "delivery_status"}),
    (r"^a correction changes at least one of .*$", "请至少更正一项：送水量、送达时间、送水人或备注", {}),
    (r"^does not match the water source facility, a (\w+)$", "与所选水源设施（{1}）不符", {1: "kind"}),
    (r"^must be one of: .*$", "只接受 JPEG、PNG 或 PDF 文件", {}),
    (r"^file: larger than (\d+) KiB$", "文件超过 {1} KiB", {}),
)
_PATTERNS = tuple((re.compile(pattern), chinese, groups) for pattern, chinese, groups in API_PATTERNS)


def page_message(text: str) -> str:
    """The Chinese for one of the API's messages (one this table does not know is shown as it is)."""
    if text in API_MESSAGES:
        return API_MESSAGES[text]
    for pattern, chinese, groups in _PATTERNS:
        found = pattern.match(text)
        if found:
            values = [ID_REASONS.get(value, value) if groups.get(n) == "id_reason" else
                      label(groups[n], value) if n in groups else value
                      for n, value in enumerate(found.groups(), start=1)]
            return chinese.format(found.group(0), *values)
    return text


# SMS: short texts (UCS-2: 70 characters a segment, 67 when split).
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
CASE_KINDS_SHORT = {"purifier_repair": "净水机维修", "well_low_yield": "水井出水不足", "water_quality": "水质",
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
