"""Bulk registration from the townships' rosters (docs/domain.md): the whole file is checked first, and
nothing is written unless every row is good.

Each roster goes through three stages: parse (every cell to its typed value, checked against the field's
limits), match (each row to the record it names, if any, and the actor's scope), and write (in bulk for
households; through the registry's own functions for facilities and staff). A problem with a row is a
`RowError` naming its column, and `Report.error` is the one place that turns it into a line of the report.
"""
import math
from dataclasses import dataclass, field
from datetime import date
from typing import Callable

from sqlalchemy import insert, select, update
from sqlalchemy.orm import selectinload

from models import INDICATORS, AuditEvent, Case, Facility, Household, Staff, Township, User, Village, Visit, WaterTest

from . import catalogue, limits, survey
from .audit import audit_row
from .cases import open_case
from .system_cases import sync_gap_cases, sync_survey_cases
from .conflicts import NOWHERE, PhoneConflict, RegisteredElsewhere
from .errors import DomainError, FieldErrors
from .geo import recompute_distances
from .identity import IdNumberVault, mask_id_number, normalize_id_number, normalize_phone
from .monitoring import Leaving, enter_monitoring, entering_errors, leave_monitoring, leaving_errors
from .permissions import require_capability
from .registry import create_facility, create_staff, protect_id_number, update_facility, update_staff
from .scope import MAX_ID, Scope
from .tables import Formula, header_key
from .text import drop_invisible
from .units import unit_named
from .water_quality import record_water_test, result_errors, standard

TRUE_WORDS = {"是", "能", "可以", "1", "true", "yes", "y", "√"}
NOT_DETECTED = {"未检出", "未检测到", "阴性", "ND", "N.D", "-"}
FALSE_WORDS = {"否", "不能", "不可以", "0", "false", "no", "n", "×"}


class RowError(Exception):
    """What is wrong with one row, and in which column (its Chinese header)."""

    def __init__(self, column: str, message: str):
        super().__init__(message)
        self.column, self.message = column, message


@dataclass(frozen=True)
class Column:
    field: str
    header: str  # the canonical Chinese header (templates and exports use it)
    synonyms: tuple[str, ...] = ()
    kind: str = "text"  # text, int, float, bool, date, id_number, phone, or a LABELS group for coded values
    required: bool = False
    bounds: tuple | int | None = None  # (low, high) of a number, or the longest text

    def keys(self) -> set[str]:
        return {header_key(name) for name in (self.header, self.field, *self.synonyms)}


HOUSEHOLD_COLUMNS = (
    Column("township", "镇街", ("乡镇", "镇", "乡镇街道")),
    Column("village", "村", ("村名", "行政村", "所在村", "village_id"), required=True),
    Column("head_name", "户主姓名", ("户主", "姓名"), required=True, bounds=limits.NAME_LENGTH),
    Column("id_number", "身份证号", ("身份证号码", "身份证", "公民身份号码"), "id_number", required=True),
    Column("phone", "联系电话", ("手机号", "手机号码", "电话", "手机"), "phone"),
    Column("members", "家庭人口", ("人口", "家庭人口数", "人口数"), "int", bounds=limits.MEMBERS),
    Column("self_care", "能否自理", ("自理", "是否能自理"), "bool"),
    Column("lat", "纬度", (), "float", bounds=limits.LATITUDE),
    Column("lon", "经度", (), "float", bounds=limits.LONGITUDE),
    Column("distance_m", "距离集中取水点(米)", ("距离(米)", "距离", "取水距离"), "float", bounds=limits.DISTANCE_M),
    Column("vertical_m", "垂直高差(米)", ("垂直高差", "高差(米)", "高差"), "float", bounds=limits.VERTICAL_M),
    Column("round_trip_min", "往返取水时间(分钟)", ("往返取水时间", "往返时间(分钟)", "往返时间"), "float",
           bounds=limits.ROUND_TRIP_MIN),
    Column("water_source", "水源", ("水源类型",), "water_source"),
    Column("monitoring_type", "监测类型", ("户类型",), "monitoring_type"),
    Column("id", "编号", ("记录编号",), "int"),
)
FACILITY_COLUMNS = (
    Column("township", "镇街", ("乡镇", "镇")),
    Column("village", "村", ("村名", "行政村"), required=True),
    Column("kind", "类型", ("设施类型",), "kind", required=True),
    Column("name", "名称", ("设施名称",), required=True, bounds=limits.FACILITY_NAME_LENGTH),
    Column("code", "设施编号", ("编码",), bounds=limits.CODE_LENGTH),
    Column("ownership", "权属", ("产权",), "ownership"),
    Column("status", "状态", ("运行状态",), "facility_status"),
    Column("household_id_number", "户主身份证号", ("所属户身份证号",)),
    Column("manager_phone", "管理员电话", ("责任人电话", "管护人电话")),
    Column("responsible_unit", "责任单位", ("管护单位",), bounds=limits.UNIT_LENGTH),
    Column("yield_m3_day", "日出水量(立方米)", ("出水量", "日出水量"), "float", bounds=limits.YIELD_M3_DAY),
    Column("lat", "纬度", (), "float", bounds=limits.LATITUDE),
    Column("lon", "经度", (), "float", bounds=limits.LONGITUDE),
    Column("last_cleaned_on", "上次清洗日期", ("清洗日期",), "date"),
    Column("supply_class", "供水规模", ("工程规模", "供水类型"), "supply_class"),
    Column("chlorinated", "是否加氯消毒", ("加氯消毒", "加氯"), "bool"),
)
STAFF_COLUMNS = (
    Column("name", "姓名", ("责任人", "责任人姓名"), required=True, bounds=limits.NAME_LENGTH),
    Column("phone", "联系电话", ("手机号", "手机号码", "电话"), "phone", required=True),
    Column("role", "角色", ("职责", "类别"), "role", required=True),
    Column("township", "镇街", ("乡镇", "镇")),
    Column("village", "村", ("村名", "行政村")),
)
def _result_columns() -> tuple[Column, ...]:
    """One column per parameter of the standard: its Chinese name, with or without its unit, or its code."""
    columns = []
    for code, limit in standard().limits.items():
        names = (f"{limit.name}({limit.unit})", f"{limit.name}（{limit.unit}）") if limit.unit else ()
        columns.append(Column(code, f"{limit.name}（{limit.unit}）" if limit.unit else limit.name,
                              (limit.name, *names), "measurement"))
    return tuple(columns)


WATER_TEST_COLUMNS = (
    Column("township", "镇街", ("乡镇", "镇")),
    Column("village", "村", ("村名", "行政村"), required=True),
    Column("facility", "设施名称", ("设施", "采样设施", "供水工程", "设施编号"), required=True,
           bounds=limits.FACILITY_NAME_LENGTH),
    Column("sampled_on", "采样日期", ("日期", "检测日期"), "date", required=True),
    Column("sample_point", "采样点", ("水样类型", "采样位置"), "sample_point", required=True),
    Column("lab", "检测单位", ("检测机构", "实验室"), bounds=100),
) + _result_columns()
VISIT_COLUMNS = (
    Column("township", "镇街", ("乡镇", "镇")),
    Column("village", "村", ("村名", "行政村"), required=True),
    Column("head_name", "户主姓名", ("户主", "姓名"), required=True, bounds=limits.NAME_LENGTH),
    Column("id_number", "身份证号", ("身份证号码", "身份证", "公民身份号码"), "id_number", required=True),
    Column("visited_on", "排查日期", ("日期", "入户日期"), "date", required=True),
    Column("quantity", "水量", (), "verdict", required=True),
    Column("quality", "水质", (), "verdict", required=True),
    Column("convenience", "用水方便程度", ("方便程度", "取水方便程度"), "verdict", required=True),
    Column("assurance", "供水保证率", ("保证率",), "verdict", required=True),
    Column("surveyor_name", "排查人", ("排查人员", "调查人"), bounds=limits.NAME_LENGTH),
    Column("note", "备注", ("情况说明",), bounds=2000),
)
TASK_COLUMNS = (
    Column("source_ref", "交办编号", ("编号", "文号"), required=True, bounds=60),
    Column("township", "镇街", ("乡镇", "镇")),
    Column("village", "村", ("村名", "行政村"), required=True),
    Column("description", "问题描述", ("问题", "具体问题"), required=True, bounds=2000),
    Column("lead_unit", "牵头单位", ("责任单位",), bounds=100),
    Column("deadline", "整改时限", ("时限", "完成时限"), "time_limit", required=True),
)
# The county's 防返贫 monitoring list (监测对象名单): who is on it since when, who left it, when and why.
MONITORING_COLUMNS = (
    Column("id_number", "身份证号", ("身份证号码", "身份证", "公民身份号码", "户主身份证号"), "id_number", required=True),
    Column("head_name", "户主姓名", ("户主", "姓名"), required=True, bounds=limits.NAME_LENGTH),
    Column("township", "镇街", ("乡镇", "镇", "乡镇街道"), bounds=60),
    Column("village", "村", ("村名", "行政村", "所在村"), bounds=60),
    Column("monitoring_type", "监测类型", ("户类型", "监测对象类别"), "monitoring_type"),
    Column("monitored_since", "纳入日期", ("纳入时间", "识别日期", "纳入监测日期"), "date"),
    Column("left_on", "退出日期", ("退出时间", "风险消除日期", "退出监测日期"), "date"),
    Column("left_reason", "退出原因", ("退出类型", "退出情况"), "monitoring_status"),
)
# 整改时限 as 交办 lists write it for work kept up for good: no day, but these words (the case is 长期坚持).
ONGOING_WORDS = ("长期坚持", "长期", "持续推进", "常态化")
COLUMNS = {"households": HOUSEHOLD_COLUMNS, "facilities": FACILITY_COLUMNS, "staff": STAFF_COLUMNS,
           "water_tests": WATER_TEST_COLUMNS, "visits": VISIT_COLUMNS, "tasks": TASK_COLUMNS,
           "monitoring": MONITORING_COLUMNS}


@dataclass
class Report:
    dry_run: bool
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list = field(default_factory=list)
    conflicts: list = field(default_factory=list)  # households outside the actor's scope that rows named

    def error(self, row: int, column: str, text: str) -> None:
        self.errors.append({"row": row, "column": column, "message": text})

    def reject(self, row: int, problem: "RowError | FieldErrors | DomainError", headers: dict[str, str]) -> None:
        """The one place a row's problem becomes report lines: a RowError names its column; the registry's
        FieldErrors name fields (shown by their header, in Chinese); any other refusal is the row's."""
        if isinstance(problem, RowError):
            self.error(row, problem.column, problem.message)
        elif isinstance(problem, FieldErrors):
            for name, messages in problem.errors.items():
                for text in messages if isinstance(messages, list) else [str(messages)]:
                    self.error(row, headers.get(name, name), catalogue.render(text))
        else:
            self.error(row, "", catalogue.render(problem.message))

    def as_dict(self) -> dict:
        return {"dry_run": self.dry_run, "rows": self.rows, "created": self.created, "updated": self.updated,
                "unchanged": self.unchanged, "errors": self.errors, "conflicts": self.conflicts}


def _coded(group: str, value: str) -> str:
    """A coded value given as its code or its Chinese label."""
    labels = catalogue.labels(group)
    if group == "role":
        labels = {code: labels[code] for code in catalogue.STAFF_ROLES}
    for code, text in labels.items():
        if value in (code, text):
            return code
    raise ValueError(catalogue.say("cell.choices", choices="、".join(labels.values())))


def _typed(column: Column, value, today: date):
    """The cell as its field's value; ValueError with a Chinese message when it cannot be."""
    if column.kind == "text":
        text = str(value).strip() if not isinstance(value, float) or not value.is_integer() else str(int(value))
        if any(ord(c) < 32 and c not in "\t\n\r" for c in text):
            raise ValueError(catalogue.say("cell.control"))
        return text[1:] if text[:1] == "'" and text[1:2] in ("=", "+", "-", "@") else text
    if column.kind in ("int", "float"):
        try:
            number = float(str(value).strip())
        except ValueError:
            raise ValueError(catalogue.say("cell.number")) from None
        if column.kind == "int":
            if not number.is_integer():
                raise ValueError(catalogue.say("cell.integer"))
            return int(number)
        if not math.isfinite(number):
            raise ValueError(catalogue.say("cell.number"))
        return number
    if column.kind == "measurement":
        text = str(value).strip().replace(" ", "")
        # Lab reports write a value under the detection limit as 未检出, ND or <0.001: nothing detected.
        if text.upper().rstrip(".") in NOT_DETECTED or text[:1] in ("<", "＜"):
            return 0.0
        return _typed(Column(column.field, column.header, kind="float"), text, today)
    if column.kind == "bool":
        word = str(value).strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise ValueError(catalogue.say("cell.yes_no"))
    if column.kind == "time_limit":
        if str(value).strip() in ONGOING_WORDS:
            return "ongoing"
        return _typed(Column(column.field, column.header, kind="date"), value, today)
    if column.kind == "date":
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value).strip().replace("/", "-"))
        except ValueError:
            raise ValueError(catalogue.say("cell.date")) from None
    if column.kind == "id_number":
        text = str(value).strip()
        if is_masked(text):
            return text  # as exported: the record is matched on its 编号 instead
        try:
            return normalize_id_number(text, today)
        except ValueError as exc:
            raise ValueError(catalogue.say("cell.id_number", reason=catalogue.render(exc.args[0]))) \
                from None
    if column.kind == "phone":
        try:
            return normalize_phone(str(value)[:30])
        except ValueError:
            raise ValueError(catalogue.say("cell.phone")) from None
    return _coded(column.kind, str(value).strip())


def _within_bounds(column: Column, value) -> None:
    if isinstance(column.bounds, int) and len(value) > column.bounds:
        raise ValueError(catalogue.say("cell.too_long", length=column.bounds))
    if isinstance(column.bounds, tuple) and not column.bounds[0] <= value <= column.bounds[1]:
        raise ValueError(catalogue.say("cell.range", low=column.bounds[0], high=column.bounds[1]))


def parse_cell(column: Column, value, today: date):
    """The cell as its field's checked value (None when blank); RowError naming the column when it is not one."""
    if isinstance(value, Formula):
        raise RowError(column.header, catalogue.say("cell.formula"))
    if isinstance(value, str):
        value = drop_invisible(value)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        typed = _typed(column, value, today)
        _within_bounds(column, typed)
    except ValueError as exc:
        raise RowError(column.header, str(exc)) from None
    return typed


def is_masked(id_number) -> bool:
    """Whether an ID is shown masked, as exports show it (`370102********1234`)."""
    return str(id_number or "").count("*") >= 4


def map_headers(header_row: list, columns: tuple[Column, ...], report: Report) -> dict[int, Column]:
    """Which column of the sheet is which field; a missing required header is reported on row 1."""
    found: dict[int, Column] = {}
    for index, text in enumerate(header_row):
        key = header_key(text)
        for column in columns:
            if key and key in column.keys():
                if column in found.values():
                    report.error(1, column.header, catalogue.say("column.twice"))
                else:
                    found[index] = column
                break
    for column in columns:
        if column.required and column not in found.values():
            report.error(1, column.header, catalogue.say("column.missing"))
    return found


def parse_rows(rows: list[list], columns, report: Report, today: date) -> list[tuple[int, dict]]:
    """Stage 1: the rows whose every cell is good, as {field: value} with their spreadsheet row number (the
    header is row 1); each bad cell and each missing required value is reported."""
    mapping = map_headers(rows[0], columns, report)
    report.rows = len(rows) - 1
    if report.errors:  # a required column is missing or doubled: no row can be read right
        return []
    parsed = []
    for number, row in enumerate(rows[1:], start=2):
        values, bad = {}, False
        for index, column in mapping.items():
            try:
                values[column.field] = parse_cell(column, row[index] if index < len(row) else None, today)
                if column.required and values[column.field] is None:
                    raise RowError(column.header, catalogue.say("row.required"))
            except RowError as problem:
                report.reject(number, problem, {})
                bad = True
        if not bad:
            parsed.append((number, values))
    return parsed


class Places:
    """The villages an actor may write to, found by name (within a township given by name or code) or code."""

    def __init__(self, session, actor: User):
        scope = Scope.of(actor)
        rows = session.execute(scope.restrict(
            select(Village.id, Village.name, Village.code, Village.township_id, Township.name, Township.code)
            .join(Township, Township.id == Village.township_id), Village)).all()
        self.by_code = {r[2]: r[0] for r in rows if r[2]}
        self.by_name: dict[str, list] = {}
        for village_id, name, _, township_id, township_name, township_code in rows:
            self.by_name.setdefault(name, []).append((village_id, township_id, township_name, township_code))
        self.township_of = {r[0]: r[3] for r in rows}

    def village(self, village: str, township: str | None) -> int:
        if village in self.by_code:
            return self.by_code[village]
        candidates = [c for c in self.by_name.get(village, []) if township in (None, c[2], c[3])]
        if not candidates:
            raise RowError("村", catalogue.say("row.village_unknown"))
        if len(candidates) > 1:
            raise RowError("村", catalogue.say("row.village_ambiguous"))
        return candidates[0][0]


def same_value(old, new) -> bool:
    """Equal, with floats compared to 1e-9: Excel keeps 15 significant digits of a coordinate."""
    if isinstance(old, float) and isinstance(new, (int, float)):
        return math.isclose(old, new, rel_tol=1e-12, abs_tol=1e-9)
    return old == new


# Households: matched in memory, written in bulk -----------------------------------------------------------

COMPARED = ("head_name", "phone", "members", "self_care", "lat", "lon", "distance_m", "vertical_m",
            "round_trip_min", "water_source", "monitoring_type")


def _household_rows(parsed, places: "Places", report: Report, vault: IdNumberVault) -> list[tuple]:
    """Each good row's household values with its village found, and what it is matched on: the 编号 it names
    when its ID is masked, else its ID's keyed hash."""
    rows, seen_ids, seen_hashes = [], {}, {}
    for number, values in parsed:
        record_id, township = values.pop("id", None), values.pop("township", None)
        try:
            values["village_id"] = places.village(str(values.pop("village")), str(township) if township else None)
            if is_masked(values["id_number"]):
                if record_id is None:
                    raise RowError("身份证号", catalogue.say("row.masked_needs_id"))
                if not 0 < record_id <= MAX_ID:
                    raise RowError("编号", catalogue.say("row.bad_record_id"))
                if record_id in seen_ids:
                    raise RowError("编号", catalogue.say("row.duplicate", row=seen_ids[record_id]))
                seen_ids[record_id] = number
            else:
                record_id = None
                if values["id_number"] in seen_hashes:
                    raise RowError("身份证号", catalogue.say("row.duplicate", row=seen_hashes[values["id_number"]]))
                seen_hashes[values["id_number"]] = number
        except RowError as problem:
            report.reject(number, problem, {})
            continue
        data = {k: v for k, v in values.items() if v is not None}
        rows.append((number, data, record_id, None if record_id is not None else vault.lookup_hash(data["id_number"])))
    return rows


def households_by_hash(session, hashes: list[str], options: tuple = ()) -> dict[str, Household]:
    """The registered households of these ID hashes, by hash, in batches of 5,000 (a county's list is 20,000)."""
    found: dict[str, Household] = {}
    for start in range(0, len(hashes), 5000):
        found.update((h.id_number_hash, h) for h in session.scalars(
            select(Household).where(Household.id_number_hash.in_(hashes[start:start + 5000])).options(*options)))
    return found


def import_households(session, actor: User, rows: list[list], vault: IdNumberVault, rules, dry_run: bool,
                      progress: Callable[[int], None] = lambda n: None) -> dict:
    """Check every row, then (unless dry_run or any row is bad) create the new households and update the
    changed ones, matched on the resident ID (or on 编号 when the ID is masked, as exports show it)."""
    require_capability(actor, "import_rosters")
    report = Report(dry_run)
    places = Places(session, actor)
    good = _household_rows(parse_rows(rows, HOUSEHOLD_COLUMNS, report, rules.today), places, report, vault)
    progress(len(good))
    # Stage 2: match each row to the household it names, in a fixed number of queries.
    by_hash = households_by_hash(session, [key for _, _, _, key in good if key is not None])
    by_id = {h.id: h for h in session.scalars(select(Household).where(
        Household.id.in_([record_id for _, _, record_id, _ in good if record_id is not None])))}
    scope = Scope.of(actor)
    creates, updates = [], []
    for number, data, record_id, key in good:
        try:
            if record_id is not None:
                current = by_id.get(record_id)
                if current is None or current.id_number_masked != data.pop("id_number"):
                    raise RowError("编号", catalogue.say("row.record_mismatch"))
            else:
                current = by_hash.get(key)
            if current is not None and not scope.covers(current.township_id, current.village_id):
                report.conflicts.append(("households", current.id))
                raise RowError("身份证号", catalogue.say("id_conflict"))
            if current is not None and data["village_id"] != current.village_id:
                # A move has consequences (facilities, agreements, cases): it is made on the household's page.
                raise RowError("村", catalogue.say("row.no_move"))
        except RowError as problem:
            report.reject(number, problem, {})
            continue
        data["township_id"] = places.township_of[data["village_id"]]
        if current is None:
            creates.append(protect_id_number({**data, "distance_computed": False, "created_at": rules.now,
                                              "updated_at": rules.now}, vault))
            continue
        changed = {k: data[k] for k in COMPARED if k in data and not same_value(getattr(current, k), data[k])}
        if "water_source" in changed and current.water_source_id is not None:
            changed["water_source_id"] = None  # the facility it named was of the old kind
        if "distance_m" in changed:
            changed["distance_computed"] = False
        if not changed:
            report.unchanged += 1
            continue
        updates.append((current, changed))
    report.created, report.updated = len(creates), len(updates)
    if report.errors:
        report.created = report.updated = 0
    if report.errors or dry_run:
        return report.as_dict()
    # Stage 3: write.
    audits = []
    if creates:
        ids = session.scalars(insert(Household).returning(Household.id), creates).all()
        audits += [audit_row(actor, "import_create", "households", i, None, row, rules.now)
                   for i, row in zip(ids, creates, strict=True)]
    if updates:
        audits += [audit_row(actor, "import_update", "households", h.id, {k: getattr(h, k) for k in changed},
                             changed, rules.now) for h, changed in updates]
        session.execute(update(Household), [{"id": h.id, **changed, "updated_at": rules.now} for h, changed in updates])
    if audits:
        session.execute(insert(AuditEvent), audits)
    villages = {row["village_id"] for row in creates} | {h.village_id for h, _ in updates}
    recompute_distances(session, villages)
    sync_gap_cases(session, rules.today, rules.now, rules.thresholds, rules.cases, villages)
    return report.as_dict()


# Facilities and staff: each row through the registry's own functions, in one transaction ---------------


def _import_each(session, actor: User, rows: list[list], columns, rules, dry_run: bool, to_payload: Callable,
                 find: Callable, create: Callable, change: Callable, progress, key: Callable,
                 capability: str = "import_rosters") -> dict:
    require_capability(actor, capability)
    report = Report(dry_run)
    headers = {c.field: c.header for c in columns} | {"village_id": "村", "township_id": "镇街",
                                                      "household_id": "户主身份证号", "manager_id": "管理员电话"}
    seen: dict = {}
    for number, values in parse_rows(rows, columns, report, rules.today):
        progress(1)
        try:
            payload = to_payload({k: v for k, v in values.items() if v is not None})
            name, identity = key(payload)
            if identity in seen:
                raise RowError(name, catalogue.say("row.duplicate", row=seen[identity]))
            seen[identity] = number
            current = find(payload)
            with session.begin_nested():
                if current is None:
                    create(payload)
                    report.created += 1
                elif all(same_value(getattr(current, k), v) for k, v in payload.items() if hasattr(current, k)):
                    report.unchanged += 1
                else:
                    change(current.id, payload)
                    report.updated += 1
        except (RowError, DomainError) as problem:
            if isinstance(problem, RegisteredElsewhere):
                report.conflicts.extend(problem.found)
            report.reject(number, problem, headers)
    if report.errors:
        report.created = report.updated = 0
    return report.as_dict()


def import_facilities(session, actor: User, rows, vault: IdNumberVault, rules, dry_run: bool,
                      progress=lambda n: None) -> dict:
    """Facilities, matched on their code, else on name and village; an owner's ID and a manager's phone are looked
    up inside the actor's scope only."""
    places = Places(session, actor)
    scope = Scope.of(actor)

    def to_payload(values):
        township = values.pop("township", None)
        values["village_id"] = places.village(str(values.pop("village")), str(township) if township else None)
        owner = values.pop("household_id_number", None)
        if owner and not is_masked(owner):  # a masked ID (as exported) leaves the owner as it is
            values["household_id"] = look_up(Household, Household.id_number_hash == vault.lookup_hash(owner),
                                             "household_id", "row.owner_unknown")
        phone = values.pop("manager_phone", None)
        if phone:
            try:
                number = normalize_phone(phone)
            except ValueError:
                raise RowError("管理员电话", catalogue.say("row.manager_unknown")) from None
            values["manager_id"] = look_up(Staff, Staff.phone == number, "manager_id", "row.manager_unknown")
        return values

    def look_up(model, condition, field: str, message_key: str) -> int:
        """The record a number names inside the actor's scope; a number registered elsewhere and one registered
        nowhere are answered alike, and both recorded for the county (conflicts.py)."""
        found = session.execute(select(model.id, model.township_id, model.village_id).where(condition).limit(1)).first()
        if found is not None and scope.covers(found.township_id, found.village_id):
            return found.id
        raise RegisteredElsewhere(field, message_key, [(model.__tablename__, found.id if found else NOWHERE)])

    def find(payload):
        if payload.get("code"):
            found = session.scalar(select(Facility).where(Facility.code == payload["code"]))
            if found is not None:
                return found
        return session.scalar(select(Facility).where(Facility.village_id == payload["village_id"],
                                                     Facility.name == payload["name"]))

    return _import_each(session, actor, rows, FACILITY_COLUMNS, rules, dry_run, to_payload, find,
                        lambda payload: create_facility(session, actor, payload, rules),
                        lambda record_id, payload: update_facility(session, actor, record_id, payload, rules),
                        progress, lambda p: ("名称", p.get("code") or (p["village_id"], p["name"])))


def import_staff(session, actor: User, rows, vault: IdNumberVault, rules, dry_run: bool,
                 progress=lambda n: None) -> dict:
    """Responsible staff, matched on their phone."""
    places = Places(session, actor)
    townships = {name: i for i, name, code in session.execute(select(Township.id, Township.name, Township.code))
                 for name in (name, code)}

    def to_payload(values):
        township, village = values.pop("township", None), values.pop("village", None)
        if village:
            values["village_id"] = places.village(str(village), str(township) if township else None)
        elif township:
            if str(township) not in townships:
                raise RowError("镇街", catalogue.say("row.township_unknown"))
            values["township_id"] = townships[str(township)]
        return values

    def find(payload):
        found = session.scalar(select(Staff).where(Staff.phone == payload["phone"]))
        if found is not None and not scope.covers(found.township_id, found.village_id):
            raise PhoneConflict([found.id])  # the same answer as a create would get, recorded for the county
        return found

    scope = Scope.of(actor)
    return _import_each(session, actor, rows, STAFF_COLUMNS, rules, dry_run, to_payload, find,
                        lambda payload: create_staff(session, actor, payload),
                        lambda record_id, payload: update_staff(session, actor, record_id, payload), progress,
                        lambda p: ("联系电话", p["phone"]))


def import_water_tests(session, actor: User, rows, vault: IdNumberVault, rules, dry_run: bool,
                       progress=lambda n: None) -> dict:
    """A lab's results sheet: one sample per row, its facility found by name (or code) in its village, each value
    in the column of its parameter; each judged as one recorded on the facility's page. A row already recorded
    (same facility, day, point and values) is unchanged; the same sample with other values is refused."""
    places = Places(session, actor)

    def to_payload(values):
        township = values.pop("township", None)
        village_id = places.village(str(values.pop("village")), str(township) if township else None)
        facility = str(values.pop("facility"))
        found = session.scalar(select(Facility.id).where(
            Facility.village_id == village_id, (Facility.name == facility) | (Facility.code == facility)))
        if found is None:
            raise RowError("设施名称", catalogue.say("row.facility_unknown"))
        results = {code: values.pop(code) for code in standard().limits if code in values}
        if bad := result_errors(results):
            raise FieldErrors(bad)  # each bad value named by its column
        if not results:
            raise RowError("", catalogue.say("water.no_results"))
        return {**values, "facility_id": found, "results": results}

    def find(payload):
        return session.scalar(select(WaterTest).where(
            WaterTest.facility_id == payload["facility_id"], WaterTest.sampled_on == payload["sampled_on"],
            WaterTest.sample_point == payload["sample_point"]).order_by(WaterTest.id).limit(1))

    def already_recorded(record_id, payload):
        raise RowError("采样日期", catalogue.say("row.test_recorded"))

    return _import_each(session, actor, rows, WATER_TEST_COLUMNS, rules, dry_run, to_payload, find,
                        lambda payload: record_water_test(session, actor, payload, rules), already_recorded,
                        progress, lambda p: ("采样日期", (p["facility_id"], p["sampled_on"], p["sample_point"])))


# Visits: last year's paper survey, matched in memory and written in bulk ---------------------------------


def import_visits(session, actor: User, rows, vault: IdNumberVault, rules, dry_run: bool,
                  progress=lambda n: None) -> dict:
    """A paper survey (逐户排查表): one visit per row, its household found by its resident ID within the actor's scope
    (and named as registered, in the village the row gives), its four verdicts as written, judged as the survey
    judges them. A visit already recorded (same household, day and verdicts) is unchanged; the same household and
    day with other verdicts is refused. A paper survey may predate the household's registration here, not today.
    Each household's survey case follows its latest visit."""
    require_capability(actor, "import_rosters")
    report = Report(dry_run)
    places = Places(session, actor)
    parsed = parse_rows(rows, VISIT_COLUMNS, report, rules.today)
    progress(len(parsed))
    keyed = []
    for number, values in parsed:
        try:
            if is_masked(values["id_number"]):
                raise RowError("身份证号", catalogue.say("row.full_id_needed"))
            if values["visited_on"] > rules.today:
                raise RowError("排查日期", catalogue.say("date.in_future"))
            if values["visited_on"].year < survey.EARLIEST_YEAR:
                raise RowError("排查日期", catalogue.say("water.before_2000"))
            township = values.pop("township", None)
            values["village_id"] = places.village(str(values.pop("village")), str(township) if township else None)
        except RowError as problem:
            report.reject(number, problem, {})
            continue
        keyed.append((number, values, vault.lookup_hash(values.pop("id_number"))))
    # The households and the visits already recorded for them, in a fixed number of queries per 5,000 rows.
    by_hash, recorded = {}, {}
    hashes = sorted({key for _, _, key in keyed})
    for start in range(0, len(hashes), 5000):
        by_hash.update((row.id_number_hash, row) for row in session.execute(
            select(Household.id, Household.id_number_hash, Household.head_name, Household.village_id,
                   Household.township_id).where(Household.id_number_hash.in_(hashes[start:start + 5000]))))
    household_ids = sorted({row.id for row in by_hash.values()})
    for start in range(0, len(household_ids), 5000):
        recorded.update(((v.household_id, v.visited_on), v) for v in session.execute(
            select(Visit.household_id, Visit.visited_on, *(getattr(Visit, name) for name in INDICATORS))
            .where(Visit.household_id.in_(household_ids[start:start + 5000]))))
    scope = Scope.of(actor)
    creates, seen = [], {}
    for number, values, key in keyed:
        household = by_hash.get(key)
        try:
            if household is not None and not scope.covers(household.township_id, household.village_id):
                report.conflicts.append(("households", household.id))
                household = None
            if household is None:
                raise RowError("身份证号", catalogue.say("row.household_unknown"))
            if household.village_id != values["village_id"]:
                raise RowError("村", catalogue.say("row.household_elsewhere"))
            if household.head_name != values["head_name"]:
                raise RowError("户主姓名", catalogue.say("row.head_name_differs"))
            day = (household.id, values["visited_on"])
            if day in seen:
                raise RowError("排查日期", catalogue.say("row.duplicate", row=seen[day]))
            seen[day] = number
            verdicts = {name: values[name] for name in INDICATORS}
            if day in recorded:
                if {name: getattr(recorded[day], name) for name in INDICATORS} != verdicts:
                    raise RowError("排查日期", catalogue.say("row.visit_recorded"))
                report.unchanged += 1
                continue
        except RowError as problem:
            report.reject(number, problem, {})
            continue
        creates.append({"household_id": household.id, "township_id": household.township_id,
                        "village_id": household.village_id, "visited_on": values["visited_on"],
                        "surveyor_name": values.get("surveyor_name"), "quality_judged": values["quality"],
                        "note": values.get("note"), **verdicts, "result": survey.result_of(verdicts),
                        "created_at": rules.now})
    report.created = len(creates)
    if report.errors:
        report.created = 0
    if report.errors or dry_run or not creates:
        return report.as_dict()
    ids = session.scalars(insert(Visit).returning(Visit.id), creates).all()
    session.execute(insert(AuditEvent), [audit_row(actor, "import_create", "visits", i, None, row, rules.now)
                                         for i, row in zip(ids, creates, strict=True)])
    touched = sorted({row["household_id"] for row in creates})
    for start in range(0, len(touched), 5000):
        sync_survey_cases(session, touched[start:start + 5000], rules.today, rules.now, rules.cases, set(ids))
    return report.as_dict()


def import_tasks(session, actor: User, rows, vault: IdNumberVault, rules, dry_run: bool, progress=lambda n: None) -> dict:
    """Tasks handed down (交办) from above, one per row: each a case with `source` assigned, its 交办编号, the village,
    the lead unit named (the township's own or the county's units, by name) and the deadline (or 长期坚持, then the
    case is ongoing work without one). A task already imported
    (same 交办编号 and village) is unchanged, or refused when it now says something else."""
    places = Places(session, actor)

    def to_payload(values):
        township = values.pop("township", None)
        values["village_id"] = places.village(str(values.pop("village")), str(township) if township else None)
        lead = values.pop("lead_unit", None)
        if lead:
            unit = unit_named(session, str(lead), places.township_of[values["village_id"]])
            if unit is None:
                raise RowError("牵头单位", catalogue.say("row.unit_unknown"))
            values["lead_unit_id"] = unit
        category = "ongoing" if values["deadline"] == "ongoing" else "deadline"
        if category == "ongoing":
            values["deadline"] = None
        return {**values, "kind": "other", "source": "assigned", "category": category,
                "title": values["description"][:60]}

    def find(payload):
        return session.scalar(select(Case).where(Case.source_ref == payload["source_ref"],
                                                 Case.village_id == payload["village_id"]))

    def already_imported(record_id, payload):
        raise RowError("交办编号", catalogue.say("row.task_recorded"))

    return _import_each(session, actor, rows, TASK_COLUMNS, rules, dry_run, to_payload, find,
                        lambda payload: open_case(session, actor, payload, rules.today, rules.cases),
                        already_imported, progress, lambda p: ("交办编号", (p["source_ref"], p["village_id"])),
                        "hand_down_case")


# The monitoring list: reconciled with the registry, matched on the resident ID --------------------------------


def _monitoring_row(values: dict, today: date) -> dict:
    """A row's own rules: a full ID, and 退出日期 and 退出原因 together (a reason of leaving, days not ahead)."""
    if is_masked(values["id_number"]):
        raise RowError("身份证号", catalogue.say("row.full_id_needed"))
    left_on, reason = values.get("left_on"), values.get("left_reason")
    if (left_on is None) != (reason is None):
        raise RowError("退出原因" if reason is None else "退出日期", catalogue.say("row.leaving_needs_both"))
    if reason == "monitored":
        raise RowError("退出原因", catalogue.say("monitoring.status_unknown"))
    for day, header in ((values.get("monitored_since"), "纳入日期"), (left_on, "退出日期")):
        if day is not None and day > today:
            raise RowError(header, catalogue.say("row.day_ahead"))
    if left_on is not None and values.get("monitored_since") is not None and left_on <= values["monitored_since"]:
        raise RowError("退出日期", catalogue.say("monitoring.left_before_entering"))
    return values


def _person(household: Household | None, values: dict, number: int | None = None) -> dict:
    """One line of the reconciliation: the row (if any) and the household (if registered), its ID masked."""
    line = {"row": number, "household_id": household.id if household else None,
            "head_name": household.head_name if household else values.get("head_name"),
            "id_number_masked": household.id_number_masked if household else mask_id_number(values["id_number"]),
            "township": household.township.name if household else values.get("township"),
            "village": household.village.name if household else values.get("village")}
    return line


def import_monitoring(session, actor: User, rows, vault: IdNumberVault, rules, dry_run: bool,
                      progress=lambda n: None) -> dict:
    """Reconcile the registry with the county's monitoring list: a registered household the list says left leaves
    (its agreements end, its cases say so), one that left and is listed again enters again, a 纳入日期 or 监测类型
    is corrected; all or nothing. The report names who enters, who leaves, and who is on one side only: listed
    but not registered (to register), or registered and monitored in the list's townships but not listed."""
    require_capability(actor, "import_rosters")
    report = Report(dry_run)
    good, seen = [], {}
    for number, values in parse_rows(rows, MONITORING_COLUMNS, report, rules.today):
        try:
            values = _monitoring_row(values, rules.today)
            if values["id_number"] in seen:
                raise RowError("身份证号", catalogue.say("row.duplicate", row=seen[values["id_number"]]))
            seen[values["id_number"]] = number
        except RowError as problem:
            report.reject(number, problem, {})
            continue
        good.append((number, values, vault.lookup_hash(values["id_number"])))
    progress(len(good))
    by_hash = households_by_hash(session, [key for _, _, key in good],
                                 (selectinload(Household.township), selectinload(Household.village)))
    scope = Scope.of(actor)
    leaving, entering, corrected, only_in_list = [], [], [], []
    listed_townships = _townships_named(session, scope, {v.get("township") for _, v, _ in good} - {None})
    for number, values, key in good:
        household = by_hash.get(key)
        try:
            if household is None:
                only_in_list.append(_person(None, values, number))
                continue
            if not scope.covers(household.township_id, household.village_id):
                report.conflicts.append(("households", household.id))
                raise RowError("身份证号", catalogue.say("id_conflict"))
            listed_townships.add(household.township_id)
            problems = _reconcile(household, values, rules.today, leaving, entering, corrected)
            if problems:
                report.reject(number, FieldErrors(problems), {"left_on": "退出日期", "monitored_since": "纳入日期",
                                                              "monitoring_status": "退出原因"})
                continue
            if (leaving and leaving[-1].household is household) or (entering and entering[-1][0] is household):
                continue
            if household.id not in {h.id for h, _ in corrected}:
                report.unchanged += 1
        except RowError as problem:
            report.reject(number, problem, {})
    listed = {h.id for h in by_hash.values()}
    only_in_registry = [_person(h, {}) for h in session.scalars(
        scope.restrict(select(Household), Household)
        .where(Household.township_id.in_(listed_townships), Household.monitoring_status == "monitored",
               Household.id.not_in(listed) if listed else True)
        .options(selectinload(Household.township), selectinload(Household.village))
        .order_by(Household.township_id, Household.village_id, Household.id))] if listed_townships else []
    report.updated = len(leaving) + len(entering) + len(corrected)
    answer = {**report.as_dict(),
              "leaving": [{**_person(item.household, {}), "monitoring_status": item.status,
                           "left_on": item.left_on.isoformat()} for item in leaving],
              "entering": [{**_person(h, {}), "monitored_since": since.isoformat()} for h, since in entering],
              "only_in_list": only_in_list, "only_in_registry": only_in_registry}
    if report.errors:
        answer["updated"] = 0
    if report.errors or dry_run:
        return answer
    leave_monitoring(session, actor, leaving, rules)
    enter_monitoring(session, actor, entering, rules)
    for household, changed in corrected:
        before = {k: getattr(household, k) for k in changed}
        for k, v in changed.items():
            setattr(household, k, v)
        session.add(AuditEvent(**audit_row(actor, "import_update", "households", household.id, {
            k: v.isoformat() if isinstance(v, date) else v for k, v in before.items()}, changed, rules.now)))
    return answer


def _reconcile(household: Household, values: dict, today: date, leaving: list, entering: list,
               corrected: list) -> dict:
    """Put the household where the row says it is (leaving, entering again, corrected); the problems by field."""
    if values.get("left_on") is not None:
        if household.monitoring_status != "monitored":
            return {}  # left already: the registry keeps its own day and reason
        problems = leaving_errors(household, values["left_reason"], values["left_on"], today)
        if not problems:
            leaving.append(Leaving(household, values["left_reason"], values["left_on"]))
        return problems
    since = values.get("monitored_since")
    if household.monitoring_status != "monitored":
        since = since or today
        problems = entering_errors(household, since, today)
        if not problems:
            entering.append((household, since))
        return problems
    changed = {}
    if since is not None and since != household.monitored_since:
        changed["monitored_since"] = since
    if values.get("monitoring_type") and values["monitoring_type"] != household.monitoring_type:
        changed["monitoring_type"] = values["monitoring_type"]
    if changed:
        corrected.append((household, changed))
    return {}


def _townships_named(session, scope: Scope, names: set) -> set[int]:
    """The townships in scope that the list names (by name or code) in its 镇街 column."""
    if not names:
        return set()
    names = {str(name) for name in names}
    return set(session.scalars(scope.restrict(select(Township.id), Township).where(
        Township.name.in_(names) | Township.code.in_(names))))
