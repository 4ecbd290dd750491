"""Reading and writing the townships' rosters: .xlsx (openpyxl) and .csv (UTF-8 or GB18030)."""
import csv
import io
import re
import unicodedata
import zipfile
from datetime import date, datetime

from openpyxl import Workbook, load_workbook

from ..errors import FieldErrors

MAX_ROWS = 50_000


class Formula(str):
    """A cell that holds a formula, not a value: refused (what it shows depends on Excel)."""


def header_key(text) -> str:
    """Headers match leniently: full-width folded, spaces dropped, any brackets the same: `距离集中取水点（米）`."""
    folded = unicodedata.normalize("NFKC", str(text or ""))
    return re.sub(r"[\s()（）\[\]【】]", "", folded).lower()


def _cell(value):
    if isinstance(value, str) and value.startswith("="):
        return Formula(value)
    if isinstance(value, datetime):
        return value.date()
    return value


def read_table(filename: str, data: bytes) -> list[list]:
    """The rows of the first sheet (header first); FieldErrors on `file` when it cannot be read."""
    name = (filename or "").lower()
    if not data:
        raise FieldErrors.one("file", "文件是空的")
    if name.endswith(".xlsx") or data[:2] == b"PK":
        try:
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        except (zipfile.BadZipFile, KeyError, ValueError, OSError):
            raise FieldErrors.one("file", "不是有效的 Excel (.xlsx) 文件") from None
        sheet = workbook.worksheets[0]
        rows = []
        for row in sheet.iter_rows(values_only=True):
            rows.append([_cell(value) for value in row])
            if len(rows) > MAX_ROWS + 1:
                raise FieldErrors.one("file", f"行数超过 {MAX_ROWS} 行，请分批导入")
        workbook.close()
    elif name.endswith(".csv"):
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise FieldErrors.one("file", "CSV 文件编码无法识别（请用 UTF-8 或 GB18030）")
        if "\x00" in text:
            raise FieldErrors.one("file", "不是文本格式的 CSV 文件")
        rows = [[_cell(value) for value in row] for row in csv.reader(io.StringIO(text))]
        if len(rows) > MAX_ROWS + 1:
            raise FieldErrors.one("file", f"行数超过 {MAX_ROWS} 行，请分批导入")
    else:
        raise FieldErrors.one("file", "只接受 .xlsx 或 .csv 文件")
    rows = [row for row in rows if any(value not in (None, "") for value in row)]
    if not rows:
        raise FieldErrors.one("file", "文件里没有数据")
    return rows


def write_xlsx(headers: list[str], rows: list[list]) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def write_csv(headers: list[str], rows: list[list]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows([["" if v is None else v.isoformat() if isinstance(v, date) else v for v in row] for row in rows])
    return buffer.getvalue().encode("utf-8-sig")  # with a BOM, so that Excel opens it as UTF-8
