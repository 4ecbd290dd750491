"""Bulk registration from the townships' rosters (SPEC §3 workflow 1): the whole file is checked first, and
nothing is written unless every row is good. Rows are validated with the API's own schemas and rules.
"""
import math
from dataclasses import dataclass, field
from datetime import date
from typing import Callable

from marshmallow import Schema, ValidationError
from sqlalchemy import insert, select, update

from models import AuditEvent, Facility, Household, Staff, Township, User, Village

from ..errors import DomainError, FieldErrors, Forbidden
from ..i18n import LABELS, message
from ..identity import IdNumberVault, mask_id_number, normalize_phone
from .cases import sync_gap_cases
from .conflicts import MESSAGE as CONFLICT_MESSAGE
from .geo import recompute_distances
from .registry import create_facility, create_staff, update_facility, update_staff
from .scope import MAX_ID, REGISTRY_WRITERS, Scope
from .tables import Formula, header_key

TRUE_WORDS = {"是", "能", "可以", "1", "true", "yes", "y", "√"}
FALSE_WORDS = {"否", "不能", "不可以", "0", "false", "no", "n", "×"}


@dataclass(frozen=True)
class Column:
    field: str
    header: str  # the canonical Chinese header (templates and exports use it)
    synonyms: tuple[str, ...] = ()
    kind: str = "text"  # text, int, float, bool, date, or a LABELS group for coded values
    required: bool = False

    def keys(self) -> set[str]:
        return {header_key(name) for name in (self.header, self.field, *self.synonyms)}


HOUSEHOLD_COLUMNS = (
    Column("township", "镇街", ("乡镇", "镇", "乡镇街道")),
    Column("village", "村", ("村名", "行政村", "所在村", "village_id"), required=True),
    Column("head_name", "户主姓名", ("户主", "姓名"), required=True),
    Column("id_number", "身份证号", ("身份证号码", "身份证", "公民身份号码"), required=True),
    Column("phone", "联系电话", ("手机号", "手机号码", "电话", "手机")),
    Column("members", "家庭人口", ("人口", "家庭人口数", "人口数"), "int"),
    Column("self_care", "能否自理", ("自理", "是否能自理"), "bool"),
    Column("lat", "纬度", (), "float"),
    Column("lon", "经度", (), "float"),
    Column("distance_m", "距离集中取水点(米)", ("距离(米)", "距离", "取水距离"), "float"),
    Column("vertical_m", "垂直高差(米)", ("垂直高差", "高差(米)", "高差"), "float"),
    Column("round_trip_min", "往返取水时间(分钟)", ("往返取水时间", "往返时间(分钟)", "往返时间"), "float"),
    Column("water_source", "水源", ("水源类型",), "water_source"),
    Column("monitoring_type", "监测类型", ("户类型",), "monitoring_type"),
    Column("id", "编号", ("记录编号",), "int"),
)
FACILITY_COLUMNS = (
    Column("township", "镇街", ("乡镇", "镇")),
    Column("village", "村", ("村名", "行政村"), required=True),
    Column("kind", "类型", ("设施类型",), "kind", required=True),
    Column("name", "名称", ("设施名称",), required=True),
    Column("code", "设施编号", ("编码",)),
    Column("ownership", "权属", ("产权",), "ownership"),
    Column("status", "状态", ("运行状态",), "facility_status"),
    Column("household_id_number", "户主身份证号", ("所属户身份证号",)),
    Column("manager_phone", "管理员电话", ("责任人电话", "管护人电话")),
    Column("responsible_unit", "责任单位", ("管护单位",)),
    Column("yield_m3_day", "日出水量(立方米)", ("出水量", "日出水量"), "float"),
    Column("lat", "纬度", (), "float"),
    Column("lon", "经度", (), "float"),
    Column("last_cleaned_on", "上次清洗日期", ("清洗日期",), "date"),
)
STAFF_COLUMNS = (
    Column("name", "姓名", ("责任人", "责任人姓名"), required=True),
    Column("phone", "联系电话", ("手机号", "手机号码", "电话"), required=True),
    Column("role", "角色", ("职责", "类别"), "role", required=True),
    Column("township", "镇街", ("乡镇", "镇")),
    Column("village", "村", ("村名", "行政村")),
)
COLUMNS = {"households": HOUSEHOLD_COLUMNS, "facilities": FACILITY_COLUMNS, "staff": STAFF_COLUMNS}


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

    def as_dict(self) -> dict:
        return {"dry_run": self.dry_run, "rows": self.rows, "created": self.created, "updated": self.updated,
                "unchanged": self.unchanged, "errors": self.errors, "conflicts": self.conflicts}


def _coded(group: str, value: str) -> str:
    """A coded value given as its code or its Chinese label."""
    labels = LABELS["staff_role" if group == "role" else group]
    for code, text in labels.items():
        if value in (code, text):
            return code
    raise ValueError("可选值：" + "、".join(labels.values()))


def parse_cell(column: Column, value):
    """The cell as the API's typed value; ValueError with a Chinese message when it cannot be."""
    if isinstance(value, Formula):
        raise ValueError("单元格是公式，请粘贴为数值")
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if column.kind == "text":
        text = str(value).strip() if not isinstance(value, float) or not value.is_integer() else str(int(value))
        return text[1:] if text[:1] == "'" and text[1:2] in ("=", "+", "-", "@") else text
    if column.kind in ("int", "float"):
        try:
            number = float(str(value).strip())
        except ValueError:
            raise ValueError("应为数字") from None
        if column.kind == "int":
            if not number.is_integer():
                raise ValueError("应为整数")
            return int(number)
        return number
    if column.kind == "bool":
        word = str(value).strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise ValueError("应为 是 或 否")
    if column.kind == "date":
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value).strip().replace("/", "-"))
        except ValueError:
            raise ValueError("应为日期，如 2026-05-01") from None
    return _coded(column.kind, str(value).strip())


def map_headers(header_row: list, columns: tuple[Column, ...], report: Report) -> dict[int, Column]:
    """Which column of the sheet is which field; a missing required header is reported on row 1."""
    found: dict[int, Column] = {}
    for index, text in enumerate(header_row):
        key = header_key(text)
        for column in columns:
            if key and key in column.keys():
                if column in found.values():
                    report.error(1, column.header, "这一列出现了两次")
                else:
                    found[index] = column
                break
    for column in columns:
        if column.required and column not in found.values():
            report.error(1, column.header, "缺少这一列")
    return found


def _read_rows(rows: list[list], columns, report: Report) -> list[tuple[int, dict]]:
    """Each data row as {field: typed value} with its spreadsheet row number; cell errors reported."""
    mapping = map_headers(rows[0], columns, report)
    parsed = []
    for number, row in enumerate(rows[1:], start=2):
        values = {}
        for index, column in mapping.items():
            try:
                values[column.field] = parse_cell(column, row[index] if index < len(row) else None)
            except ValueError as exc:
                report.error(number, column.header, str(exc))
        parsed.append((number, values))
    report.rows = len(parsed)
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
            raise ValueError("找不到这个村（或不在您的管辖范围）")
        if len(candidates) > 1:
            raise ValueError("有同名的村，请填写镇街")
        return candidates[0][0]


def same_value(old, new) -> bool:
    """Equal, with floats compared to 1e-9: Excel keeps 15 significant digits of a coordinate."""
    if isinstance(old, float) and isinstance(new, (int, float)):
        return math.isclose(old, new, rel_tol=1e-12, abs_tol=1e-9)
    return old == new


def _field_errors(report: Report, number: int, errors: dict, headers: dict[str, str]) -> None:
    for name, messages in errors.items():
        for text in messages if isinstance(messages, list) else [str(messages)]:
            report.error(number, headers.get(name, name), message(text))


# Households: validated in memory, written in bulk --------------------------------------------------------

COMPARED = ("village_id", "head_name", "phone", "members", "self_care", "lat", "lon", "distance_m", "vertical_m",
            "round_trip_min", "water_source", "monitoring_type")


def import_households(session, actor: User, rows: list[list], schema: Schema, vault: IdNumberVault, rules,
                      dry_run: bool, progress: Callable[[int], None] = lambda n: None) -> dict:
    """Check every row, then (unless dry_run or any row is bad) create the new households and update the
    changed ones, matched on the resident ID (or on 编号 when the ID is masked, as exports show it)."""
    report = Report(dry_run)
    if actor.role not in REGISTRY_WRITERS:
        raise Forbidden("this role may not change the registry")
    headers = {c.field: c.header for c in HOUSEHOLD_COLUMNS} | {"village_id": "村"}
    places = Places(session, actor)
    parsed = _read_rows(rows, HOUSEHOLD_COLUMNS, report)
    good, seen_ids = [], {}
    for number, values in parsed:
        record_id = values.pop("id", None)
        township, village = values.pop("township", None), values.pop("village", None)
        payload = {k: v for k, v in values.items() if v is not None}
        village_failed = False
        if village is not None:
            try:
                payload["village_id"] = places.village(str(village), str(township) if township else None)
            except ValueError as exc:
                report.error(number, "村", str(exc))
                village_failed = True
        masked = str(payload.get("id_number", "")).count("*") >= 4
        if masked:
            payload.pop("id_number")
            if record_id is None:
                report.error(number, "身份证号", "身份证号被隐藏时须保留导出的“编号”列")
                continue
            if not 0 < record_id <= MAX_ID:
                report.error(number, "编号", "编号无效")
                continue
            if record_id in seen_ids:
                report.error(number, "编号", f"与第 {seen_ids[record_id]} 行重复")
                continue
            seen_ids[record_id] = number
        try:
            data = schema.load(payload, partial=("id_number",) if masked else ())
        except ValidationError as exc:
            messages = {k: v for k, v in exc.messages.items() if not (village_failed and k == "village_id")}
            _field_errors(report, number, messages, headers)
            continue
        if village_failed:
            continue
        good.append((number, data, record_id if masked else None, values.get("id_number") if masked else None))
        progress(1)
    hashes = {vault.lookup_hash(d["id_number"]): n for n, d, _, _ in good if "id_number" in d}
    seen: dict[str, int] = {}
    for number, data, _, _ in good:
        if "id_number" in data:
            key = vault.lookup_hash(data["id_number"])
            if key in seen:
                report.error(number, "身份证号", f"与第 {seen[key]} 行重复")
            seen.setdefault(key, number)
    existing = {}
    hash_list = list(hashes)
    for start in range(0, len(hash_list), 5000):
        for household in session.scalars(select(Household).where(Household.id_number_hash.in_(hash_list[start:start + 5000]))):
            existing[household.id_number_hash] = household
    by_id = {h.id: h for h in session.scalars(select(Household).where(
        Household.id.in_([rid for _, _, rid, _ in good if rid is not None])))}
    scope = Scope.of(actor)
    creates, updates, audits = [], [], []
    for number, data, record_id, masked_id in good:
        current = by_id.get(record_id) if record_id is not None else existing.get(vault.lookup_hash(data["id_number"]))
        if record_id is not None and (current is None or current.id_number_masked != masked_id):
            report.error(number, "编号", "编号与身份证号对不上（请使用导出的原表）")
            continue
        if current is not None and not scope.covers(current.township_id, current.village_id):
            report.error(number, "身份证号", CONFLICT_MESSAGE)
            report.conflicts.append(current.id)
            continue
        data["township_id"] = places.township_of[data["village_id"]]
        if current is None:
            number_text = data.pop("id_number")
            creates.append({**data, "id_number_encrypted": vault.encrypt(number_text),
                            "id_number_hash": vault.lookup_hash(number_text),
                            "id_number_masked": mask_id_number(number_text),
                            "distance_computed": False, "created_at": rules.now, "updated_at": rules.now})
            continue
        changed = {k: data[k] for k in COMPARED if k in data and not same_value(getattr(current, k), data[k])}
        if "village_id" in changed:
            # A move has consequences (facilities, agreements, cases): it is made on the household's page.
            report.error(number, "村", "导入不能改变已登记户的所在村，请在监测户页面修改")
            continue
        if "water_source" in changed and current.water_source_id is not None:
            changed["water_source_id"] = None  # the facility it named was of the old kind
        if not changed:
            report.unchanged += 1
            continue
        if "distance_m" in changed:
            changed["distance_computed"] = False
        if "village_id" in changed:
            changed["township_id"] = data["township_id"]
        updates.append({"id": current.id, **changed, "updated_at": rules.now})
        audits.append({"actor_id": actor.id, "action": "import_update", "entity": "households", "entity_id": current.id,
                       "before": {k: getattr(current, k) for k in changed if k != "updated_at"},
                       "after": {k: v for k, v in changed.items()}, "at": rules.now})
    report.created, report.updated = len(creates), len(updates)
    if report.errors:
        report.created = report.updated = 0
        return report.as_dict()
    if dry_run:
        return report.as_dict()
    if creates:
        ids = session.scalars(insert(Household).returning(Household.id), creates).all()
        audits += [{"actor_id": actor.id, "action": "import_create", "entity": "households", "entity_id": i,
                    "before": None, "after": {k: v for k, v in row.items()
                                              if k not in ("id_number_encrypted", "id_number_hash", "created_at",
                                                           "updated_at")}, "at": rules.now}
                   for i, row in zip(ids, creates, strict=True)]
    if updates:
        session.execute(update(Household), updates)
    if audits:
        session.execute(insert(AuditEvent), audits)
    villages = {row["village_id"] for row in creates} | {u.get("village_id") for u in updates if u.get("village_id")} \
        | {by_id[u["id"]].village_id if u["id"] in by_id else None for u in updates}
    villages |= {h.village_id for h in existing.values()}
    villages.discard(None)
    recompute_distances(session, villages)
    sync_gap_cases(session, rules.today, rules.now, rules.thresholds, rules.cases, villages)
    return report.as_dict()


# Facilities and staff: each row through the registry's own functions, in one transaction ---------------


def _import_each(session, actor: User, rows: list[list], columns, dry_run: bool, to_payload: Callable,
                 find: Callable, create: Callable, change: Callable, progress, key: Callable) -> dict:
    if actor.role not in REGISTRY_WRITERS:
        raise Forbidden("this role may not change the registry")
    report = Report(dry_run)
    headers = {c.field: c.header for c in columns}
    parsed = _read_rows(rows, columns, report)
    bad_rows = {e["row"] for e in report.errors}
    seen: dict = {}
    for number, values in parsed:
        progress(1)
        if number in bad_rows:
            continue
        try:
            payload = to_payload(values)
            name, identity = key(payload)
            if identity in seen:
                report.error(number, name, f"与第 {seen[identity]} 行重复")
                continue
            seen[identity] = number
            current = find(payload)
            with session.begin_nested():
                if current is None:
                    create(payload)
                    report.created += 1
                else:
                    before = {k: getattr(current, k) for k in payload if hasattr(current, k)}
                    if all(same_value(before.get(k), v) for k, v in payload.items() if k in before):
                        report.unchanged += 1
                    else:
                        change(current.id, payload)
                        report.updated += 1
        except FieldErrors as exc:
            _field_errors(report, number, exc.errors, headers)
        except ValueError as exc:
            report.error(number, str(exc.args[1]) if len(exc.args) > 1 else "", str(exc.args[0]))
        except DomainError as exc:
            report.error(number, "", exc.message)
    if report.errors:
        report.created = report.updated = 0
    return report.as_dict()


def import_facilities(session, actor: User, rows, schema: Schema, vault: IdNumberVault, rules, dry_run: bool,
                      progress=lambda n: None) -> dict:
    """Facilities, matched on their code, else on name and village."""
    places = Places(session, actor)

    def to_payload(values):
        township, village = values.pop("township", None), values.pop("village", None)
        try:
            values["village_id"] = places.village(str(village), str(township) if township else None)
        except ValueError as exc:
            raise ValueError(str(exc), "村") from None
        owner = values.pop("household_id_number", None)
        if owner and "*" not in str(owner):  # a masked ID (as exported) leaves the owner as it is
            found = session.scalar(select(Household.id).where(Household.id_number_hash == vault.lookup_hash(owner)))
            if found is None:
                raise ValueError("找不到这个身份证号的监测户", "户主身份证号")
            values["household_id"] = found
        phone = values.pop("manager_phone", None)
        if phone:
            manager = session.scalar(select(Staff.id).where(Staff.phone == normalize_phone(phone)))
            if manager is None:
                raise ValueError("找不到这个电话的责任人", "管理员电话")
            values["manager_id"] = manager
        try:
            return schema.load({k: v for k, v in values.items() if v is not None})
        except ValidationError as exc:
            raise FieldErrors(exc.messages) from None

    def find(payload):
        if payload.get("code"):
            found = session.scalar(select(Facility).where(Facility.code == payload["code"]))
            if found is not None:
                return found
        return session.scalar(select(Facility).where(Facility.village_id == payload["village_id"],
                                                     Facility.name == payload["name"]))

    return _import_each(session, actor, rows, FACILITY_COLUMNS, dry_run, to_payload, find,
                        lambda payload: create_facility(session, actor, payload, rules),
                        lambda record_id, payload: update_facility(session, actor, record_id, payload, rules),
                        progress, lambda p: ("名称", p.get("code") or (p["village_id"], p["name"])))


def import_staff(session, actor: User, rows, schema: Schema, vault: IdNumberVault, rules, dry_run: bool,
                 progress=lambda n: None) -> dict:
    """Responsible staff, matched on their phone."""
    places = Places(session, actor)
    townships = {name: i for i, name, code in session.execute(select(Township.id, Township.name, Township.code))
                 for name in (name, code)}

    def to_payload(values):
        township, village = values.pop("township", None), values.pop("village", None)
        if village:
            try:
                values["village_id"] = places.village(str(village), str(township) if township else None)
            except ValueError as exc:
                raise ValueError(str(exc), "村") from None
        elif township:
            if str(township) not in townships:
                raise ValueError("找不到这个镇街", "镇街")
            values["township_id"] = townships[str(township)]
        try:
            return schema.load({k: v for k, v in values.items() if v is not None})
        except ValidationError as exc:
            raise FieldErrors(exc.messages) from None

    return _import_each(session, actor, rows, STAFF_COLUMNS, dry_run, to_payload,
                        lambda payload: session.scalar(select(Staff).where(Staff.phone == payload["phone"])),
                        lambda payload: create_staff(session, actor, payload),
                        lambda record_id, payload: update_staff(session, actor, record_id, payload), progress,
                        lambda p: ("联系电话", p["phone"]))
