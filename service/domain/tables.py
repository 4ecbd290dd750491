"""Reading and writing the townships' rosters: .xlsx (openpyxl) and .csv (UTF-8 or GB18030)."""
import csv
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from datetime import date, datetime

from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell

from .errors import FieldErrors, PayloadTooLarge

MAX_ROWS = 50_000
MAX_COLUMNS = 60
MAX_CELL = 2_000
# Below this a part's ratio is not judged: small parts (styles, empty sheets) compress extremely well.
RATIO_FLOOR_BYTES = 1024 * 1024


@dataclass(frozen=True)
class UnpackLimits:
    """How far an uploaded zip (an .xlsx) may inflate: per part and in sum, and the inflation ratio; and what reading
    an upload may cost (memory beyond the reader's own, seconds), enforced by service/imports/parsing.py."""

    max_bytes: int = 50 * 1024 * 1024
    max_ratio: int = 200
    parse_memory_bytes: int = 150 * 1024 * 1024
    parse_seconds: float = 60


def check_zip_bomb(data: bytes, limits: UnpackLimits) -> None:
    """Refuse (413) a zip whose parts would inflate past the limits, reading only its directory.

    zipfile never inflates a part past its declared size (it fails the CRC instead), so declared sizes bound
    the memory that openpyxl can be made to use.
    """
    try:
        members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return  # not a zip: the reader says the file is damaged
    total = 0
    for member in members:
        total += member.file_size
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > limits.max_bytes or total > limits.max_bytes or \
                (member.file_size > RATIO_FLOOR_BYTES and ratio > limits.max_ratio):
            megabytes = limits.max_bytes // (1024 * 1024)
            raise PayloadTooLarge("file.unpacks_too_large", megabytes=megabytes)


class Formula(str):
    """A cell that holds a formula, not a value: refused (what it shows depends on Excel)."""


def header_key(text) -> str:
    """Headers match leniently: full-width folded, spaces dropped, any brackets the same: `距离集中取水点（米）`."""
    folded = unicodedata.normalize("NFKC", str(text or ""))
    return re.sub(r"[\s()（）\[\]【】]", "", folded).lower()


def _cell(cell):
    if cell.data_type == "f":
        return Formula(cell.value)
    value = cell.value
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, str):
        return value[:MAX_CELL]
    return value


def _limit(rows: list) -> None:
    if len(rows) > MAX_ROWS + 1:
        raise FieldErrors.one("file", "file.too_many_rows", rows=MAX_ROWS)


def _read_xlsx(data: bytes) -> list[list]:
    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    try:
        sheet = workbook.worksheets[0]
        # The size a file declares is not trusted: a tiny file can claim a million empty cells.
        sheet.reset_dimensions()
        rows = []
        for row in sheet.iter_rows(max_col=MAX_COLUMNS):
            values = [_cell(cell) for cell in row]
            # openpyxl fills every row out to max_col with empty cells: without them a row holds what it says.
            while values and values[-1] is None:
                values.pop()
            rows.append(values)
            _limit(rows)
        return rows
    finally:
        workbook.close()


def _read_csv(data: bytes) -> list[list]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise FieldErrors.one("file", "file.csv_encoding")
    if "\x00" in text:
        raise FieldErrors.one("file", "file.csv_binary")
    rows = []
    for row in csv.reader(io.StringIO(text, newline="")):
        rows.append([value[:MAX_CELL] for value in row[:MAX_COLUMNS]])
        _limit(rows)
    return rows


def read_table(filename: str, data: bytes, limits: UnpackLimits = UnpackLimits()) -> list[list]:
    """The rows of the first sheet (header first); FieldErrors on `file` when it cannot be read,
    PayloadTooLarge when an .xlsx would inflate past `limits`."""
    name = (filename or "").lower()
    if not data:
        raise FieldErrors.one("file", "file.empty")
    try:
        if name.endswith(".xlsx") or data[:2] == b"PK":
            check_zip_bomb(data, limits)
            rows = _read_xlsx(data)
        elif name.endswith(".csv"):
            rows = _read_csv(data)
        else:
            raise FieldErrors.one("file", "file.kind")
    except (FieldErrors, PayloadTooLarge, MemoryError):
        raise
    except Exception:  # a damaged file fails in many ways inside openpyxl or csv; each means "cannot read"
        raise FieldErrors.one("file", "file.damaged") from None
    rows = [row for row in rows if any(value not in (None, "") for value in row)]
    if not rows:
        raise FieldErrors.one("file", "file.no_data")
    return rows


def _text_cell(sheet, value):
    # Text that starts like a formula stays text: an exported name never runs in Excel.
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str) and value[:1] in "=+-@":
        cell.data_type = "s"
    return cell


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def write_xlsx(headers: list[str], rows: list[list]) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(headers)
    for row in rows:
        sheet.append([_text_cell(sheet, value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _csv_text(value):
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    # A spreadsheet opening the CSV would run "=…" as a formula: a leading apostrophe keeps it text.
    return "'" + value if isinstance(value, str) and value[:1] in "=+-@" else value


def write_csv(headers: list[str], rows: list[list]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows([[_csv_text(v) for v in row] for row in rows])
    return buffer.getvalue().encode("utf-8-sig")  # with a BOM, so that Excel opens it as UTF-8
