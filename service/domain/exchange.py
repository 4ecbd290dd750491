"""The exchange ZIP an upper level's system loads (docs/exchange.md): a region's places, households, 逐户排查
indicators and ledger for a year, one CSV per table (UTF-8, a header row) with a JSON Schema each, and a manifest
naming the format and its version, each file's rows and SHA-256.

Written as it is read, a township at a time, so that a province's 200,000 households fit in bounded memory. Every
row carries the codes an upper level joins on: its county's GB/T 2260 code, its township's code, and its village's
id in this system with the village's own code where one was registered. Enumerations are codes; each schema names
their labels. Names are masked and ID numbers shown only as masked, as on every printout.
"""
import csv
import hashlib
import io
import json
import shutil
import tempfile
import zipfile
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timezone

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from models import (ACTIVE_CASE_STATUSES, CASE_CATEGORIES, CASE_SOURCES, CASE_STATUSES, INDICATORS,
                    MONITORING_TYPES, REGION_LEVELS, RESULTS, VERDICTS, WATER_SOURCES, Case, Household, Region,
                    Township, Village, Visit)

from . import catalogue
from .case_rules import Upkeep, is_overdue
from .dashboard import dashboard, totals_of
from .errors import NotFound
from .gaps import gap_clause
from .ledger import describe, latest_progress, recheck
from .needs_delivery import Thresholds, needs_delivery_clause
from .regions import score
from .verification import mask_name
from .scope import Scope, townships_under
from .monitored import monitored_clause

FORMAT, FORMAT_VERSION = "rural-water-exchange", "1.0"
JSON_SCHEMA = "https://json-schema.org/draft/2020-12/schema"


@dataclass(frozen=True)
class Column:
    """A CSV column: its name (the header), how its text is read (`kind`), and the label group of its codes."""

    name: str
    kind: str = "string"  # string, integer, number, boolean ("true"/"false"), date (YYYY-MM-DD)
    required: bool = False
    codes: tuple[str, ...] = ()
    labels: str | None = None


REGION_CODE = r"^[0-9]{6}$"
VERDICT_COLUMNS = tuple(Column(name, required=True, codes=VERDICTS, labels="verdict") for name in INDICATORS)
TABLES: dict[str, tuple[Column, ...]] = {
    "regions": (Column("region_code", required=True), Column("name", required=True),
                Column("level", required=True, codes=REGION_LEVELS, labels="region_level"), Column("parent_code")),
    "townships": (Column("township_code", required=True), Column("name", required=True),
                  Column("county_code", required=True), Column("villages", "integer", True),
                  Column("households", "integer", True), Column("needs_delivery", "integer", True),
                  Column("gaps", "integer", True), Column("open_cases", "integer", True),
                  Column("overdue_cases", "integer", True), Column("supply_assurance", "number"),
                  Column("water_quality_pass_rate", "number"), Column("survey_coverage", "number"),
                  Column("score", "number")),
    "villages": (Column("village_id", "integer", True), Column("village_code"), Column("name", required=True),
                 Column("township_code", required=True), Column("county_code", required=True),
                 Column("is_key", "boolean", True), Column("households", "integer", True)),
    "households": (Column("household_id", "integer", True), Column("village_id", "integer", True),
                   Column("village_code"), Column("township_code", required=True),
                   Column("county_code", required=True), Column("head_name", required=True),
                   Column("id_number", required=True), Column("members", "integer", True),
                   Column("monitoring_type", codes=MONITORING_TYPES, labels="monitoring_type"),
                   Column("self_care", "boolean", True), Column("distance_m", "number"),
                   Column("water_source", codes=WATER_SOURCES, labels="water_source"),
                   Column("needs_delivery", "boolean", True), Column("gap", "boolean", True)),
    "indicators": (Column("visit_id", "integer", True), Column("household_id", "integer", True),
                   Column("village_id", "integer", True), Column("village_code"),
                   Column("township_code", required=True), Column("county_code", required=True),
                   Column("visited_on", "date", True), Column("liters_per_person_day", "number"),
                   Column("piped", "boolean"), Column("round_trip_minutes", "number"),
                   Column("assurance_percent", "number"), *VERDICT_COLUMNS,
                   Column("result", required=True, codes=RESULTS, labels="survey_result"),
                   Column("latest", "boolean", True)),
    "ledger": (Column("case_id", "integer", True),
               Column("source", required=True, codes=CASE_SOURCES, labels="case_source"), Column("source_ref"),
               Column("description", required=True), Column("county_code", required=True),
               Column("township_code", required=True), Column("village_id", "integer", True),
               Column("village_code"), Column("household_id", "integer"), Column("lead_unit", required=True),
               Column("cooperating_units"), Column("measures"), Column("opened_on", "date", True),
               Column("deadline", "date"),  # none for 长期坚持
               Column("category", required=True, codes=CASE_CATEGORIES, labels="case_category"),
               Column("progress"), Column("status", required=True, codes=CASE_STATUSES, labels="case_status"),
               Column("overdue", "boolean", True), Column("verified_on", "date"), Column("recheck")),
}
JSON_TYPES = {"string": "string", "integer": "integer", "number": "number", "boolean": "boolean", "date": "string"}


def schema_of(table: str) -> dict:
    """The JSON Schema (draft 2020-12) of one row of `table`, its cells read by their column's kind (an empty cell
    is null); titles and code labels in Chinese, from the catalogue."""
    properties = {}
    for column in TABLES[table]:
        prop = {"title": catalogue.say(f"exchange.{table}.{column.name}"),
                "type": JSON_TYPES[column.kind] if column.required else [JSON_TYPES[column.kind], "null"]}
        if column.kind == "date":
            prop["format"] = "date"
        if column.name.endswith("region_code") or column.name in ("county_code", "parent_code"):
            prop["pattern"] = REGION_CODE
        if column.codes:
            prop["oneOf"] = [{"const": code, "title": catalogue.label(column.labels, code)} for code in column.codes]
            if not column.required:
                prop["oneOf"].append({"type": "null"})
        properties[column.name] = prop
    return {"$schema": JSON_SCHEMA, "$id": f"schema/{table}.json", "title": catalogue.say(f"exchange.table.{table}"),
            "type": "object", "properties": properties, "additionalProperties": False,
            "required": [column.name for column in TABLES[table] if column.required],
            "x-csv-columns": [column.name for column in TABLES[table]]}


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


class _TableWriter:
    """One CSV, hashed and counted as it is written into a spooled file (on disk past a few MB: a ZIP takes one
    member at a time, and the township-by-township tables grow side by side), then stored in the ZIP."""

    def __init__(self, table: str):
        self.table, self.rows, self.digest = table, 0, hashlib.sha256()
        self._spool = tempfile.SpooledTemporaryFile(max_size=8 << 20)
        self._text = io.StringIO()
        self._csv = csv.writer(self._text, lineterminator="\r\n")
        self._columns = [column.name for column in TABLES[table]]
        self._write(self._columns)

    def _write(self, cells: list) -> None:
        self._csv.writerow(cells)
        data = self._text.getvalue().encode("utf-8")
        self._text.seek(0)
        self._text.truncate()
        self.digest.update(data)
        self._spool.write(data)

    def row(self, values: dict) -> None:
        self._write([_cell(values[name]) for name in self._columns])
        self.rows += 1

    def store(self, archive: zipfile.ZipFile) -> dict:
        """Put the CSV into `archive`; its manifest entry."""
        self._spool.seek(0)
        with self._spool, archive.open(f"{self.table}.csv", "w", force_zip64=True) as member:
            shutil.copyfileobj(self._spool, member, 1 << 20)
        return {"file": f"{self.table}.csv", "schema": f"schema/{self.table}.json", "rows": self.rows,
                "sha256": self.digest.hexdigest()}


def region_by_code(session, code: str) -> Region:
    """The region registered under `code`."""
    region = session.scalar(select(Region).where(Region.code == code))
    if region is None:
        raise NotFound()
    return region


def write_region_export(session, region: Region, year: int, out, thresholds: Thresholds, zone, as_of: date,
                        upkeep: Upkeep = Upkeep()) -> dict:
    """Write the exchange ZIP of `region` for `year` into the binary file `out`; returns its manifest."""
    township_ids = townships_under(session, region.id)
    townships = session.execute(
        select(Township.id, Township.code, Township.name, Region.code.label("county_code"))
        .join(Region, Region.id == Township.county_id).where(Township.id.in_(township_ids))
        .order_by(Region.code, Township.code)).all()
    starts, ends = (datetime.combine(day, time(), zone) for day in (date(year, 1, 1), date(year + 1, 1, 1)))
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        parts = {table: _TableWriter(table) for table in TABLES}
        _regions(parts["regions"], session, region)
        _townships(parts["townships"], session, townships, thresholds, zone, as_of, upkeep)
        for township in townships:
            codes = {"township_code": township.code, "county_code": township.county_code}
            villages = _villages(parts["villages"], session, township.id, codes)
            _households(parts["households"], session, township.id, villages, codes, thresholds)
            _indicators(parts["indicators"], session, township.id, villages, codes, year)
            _ledger(parts["ledger"], session, township.id, villages, codes, starts, ends, zone, as_of)
        written = [part.store(archive) for part in parts.values()]
        for table in TABLES:
            archive.writestr(f"schema/{table}.json", json.dumps(schema_of(table), ensure_ascii=False, indent=2))
        manifest = {"format": FORMAT, "format_version": FORMAT_VERSION,
                    "region": {"code": region.code, "name": region.name, "level": region.level},
                    "year": year, "figures_as_of": as_of.isoformat(),
                    "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                    "encoding": "UTF-8", "tables": written}
        archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
    return manifest


def _regions(writer, session, region: Region) -> None:
    """The region and every region under it, a level at a time (three at most)."""
    parent_code = session.scalar(select(Region.code).where(Region.id == region.parent_id))
    writer.row({"region_code": region.code, "name": region.name, "level": region.level, "parent_code": parent_code})
    above = {region.id: region.code}
    while above:
        children = session.scalars(select(Region).where(Region.parent_id.in_(above)).order_by(Region.code)).all()
        for child in children:
            writer.row({"region_code": child.code, "name": child.name, "level": child.level,
                        "parent_code": above[child.parent_id]})
        above = {child.id: child.code for child in children}


def _townships(writer, session, townships, thresholds, zone, as_of, upkeep) -> None:
    """Each township's figures as of `as_of` (the dashboard's), with the score it is ranked by."""
    figures = dashboard(session, Scope(), as_of, thresholds, zone=zone, upkeep=upkeep,
                        township_ids=[t.id for t in townships])
    by_id = {t["township_id"]: t for t in figures["townships"]}
    villages = Counter(village["township_id"] for village in figures["villages"])
    for township in townships:
        mine = by_id.get(township.id) or totals_of([])  # a township without villages yet: nothing, and no score
        writer.row({"township_code": township.code, "name": township.name, "county_code": township.county_code,
                    "villages": villages[township.id],
                    **{name: mine[name] for name in ("households", "needs_delivery", "gaps", "open_cases",
                                                     "overdue_cases", "supply_assurance", "water_quality_pass_rate",
                                                     "survey_coverage")},
                    "score": score(mine)})


def _villages(writer, session, township_id: int, codes: dict) -> dict[int, str | None]:
    """Writes the township's villages; returns their codes by id."""
    counts = dict(session.execute(select(Household.village_id, func.count()).where(
        Household.township_id == township_id, monitored_clause()).group_by(Household.village_id)).all())
    rows = session.execute(select(Village.id, Village.code, Village.name, Village.is_key)
                           .where(Village.township_id == township_id).order_by(Village.id)).all()
    for row in rows:
        writer.row({"village_id": row.id, "village_code": row.code, "name": row.name, **codes,
                    "is_key": row.is_key, "households": counts.get(row.id, 0)})
    return {row.id: row.code for row in rows}


def _households(writer, session, township_id: int, villages: dict, codes: dict, thresholds: Thresholds) -> None:
    rows = session.execute(
        select(Household.id, Household.village_id, Household.head_name, Household.id_number_masked,
               Household.members, Household.monitoring_type, Household.self_care, Household.distance_m,
               Household.water_source, needs_delivery_clause(thresholds).label("needs_delivery"),
               gap_clause(thresholds).label("gap"))
        .where(Household.township_id == township_id, monitored_clause()).order_by(Household.village_id, Household.id))
    for row in rows:
        writer.row({"household_id": row.id, "village_id": row.village_id, "village_code": villages.get(row.village_id),
                    **codes, "head_name": mask_name(row.head_name), "id_number": row.id_number_masked,
                    "members": row.members, "monitoring_type": row.monitoring_type, "self_care": row.self_care,
                    "distance_m": row.distance_m, "water_source": row.water_source,
                    "needs_delivery": bool(row.needs_delivery), "gap": bool(row.gap)})


def _indicators(writer, session, township_id: int, villages: dict, codes: dict, year: int) -> None:
    """Every visit of the year; `latest` marks each household's last of the year (what coverage counts)."""
    in_year = (Visit.township_id == township_id, Visit.visited_on >= date(year, 1, 1),
               Visit.visited_on <= date(year, 12, 31))
    order = func.row_number().over(partition_by=Visit.household_id, order_by=(Visit.visited_on.desc(),
                                                                              Visit.id.desc()))
    rows = session.execute(select(Visit, (order == 1).label("latest")).where(*in_year)
                           .order_by(Visit.village_id, Visit.household_id, Visit.visited_on, Visit.id))
    for visit, latest in rows:
        writer.row({"visit_id": visit.id, "household_id": visit.household_id, "village_id": visit.village_id,
                    "village_code": villages.get(visit.village_id), **codes, "visited_on": visit.visited_on,
                    "liters_per_person_day": visit.liters_per_person_day, "piped": visit.piped,
                    "round_trip_minutes": visit.round_trip_minutes, "assurance_percent": visit.assurance_percent,
                    **{name: getattr(visit, name) for name in INDICATORS}, "result": visit.result,
                    "latest": bool(latest)})


def _ledger(writer, session, township_id: int, villages: dict, codes: dict, starts: datetime, ends: datetime,
            zone, as_of: date) -> None:
    """The year's ledger, as the printed one takes a period: the cases opened in it, and those opened before that
    were not yet 销号 when it began."""
    cases = session.scalars(
        select(Case).where(Case.township_id == township_id, Case.created_at < ends,
                           or_(Case.created_at >= starts, Case.status.in_(ACTIVE_CASE_STATUSES),
                               Case.verified_at >= starts))
        .options(selectinload(Case.household), selectinload(Case.facility), selectinload(Case.events),
                 selectinload(Case.cooperating_units), selectinload(Case.milestones))
        .order_by(Case.created_at, Case.id)).all()
    for case in cases:
        writer.row({"case_id": case.id, "source": case.source, "source_ref": case.source_ref,
                    "description": describe(case), **codes, "village_id": case.village_id,
                    "village_code": villages.get(case.village_id), "household_id": case.household_id,
                    "lead_unit": case.lead_unit, "cooperating_units": "、".join(u.name for u in case.cooperating_units)
                    or None, "measures": case.measures, "opened_on": case.created_at.astimezone(zone).date(),
                    "deadline": case.deadline, "category": case.category, "progress": latest_progress(case, zone),
                    "status": case.status, "overdue": is_overdue(case, as_of),
                    "verified_on": case.verified_at.astimezone(zone).date() if case.verified_at else None,
                    "recheck": recheck(case, zone)})
