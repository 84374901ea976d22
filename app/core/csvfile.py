"""Reading and writing CSV: encodings, dialects, bilingual headers and the HXL hashtag row."""
from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from app.core.i18n import _


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    hxl: str = ""
    parse: Callable[[str], Any] = str
    required: bool = False
    export: Callable[[Any], Any] | None = None  # value for export; default getattr(key)
    aliases: tuple[str, ...] = ()


@dataclass
class RowError:
    row: int
    column: str | None
    message: str
    value: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message,
                "value": self.value}


@dataclass
class Parsed:
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)  # (row number, data)
    errors: list[RowError] = field(default_factory=list)
    encoding: str = "utf-8"
    has_hxl: bool = False


def decode(raw: bytes, encoding: str | None = None) -> tuple[str, str]:
    """UTF-8 with or without BOM, else GB18030 (a superset of GBK and GB2312)."""
    if encoding:
        return raw.decode(encoding), encoding
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8"), "utf-8-sig"
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return raw.decode("gb18030"), "gb18030"


def _dialect(text: str) -> type[csv.Dialect] | csv.Dialect:
    sample = text[:64 * 1024]
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        return csv.excel


def _norm(header: str) -> str:
    return header.strip().lstrip("\ufeff").lower().replace(" ", "_").replace("-", "_")


def parse(raw: bytes, columns: list[Column], encoding: str | None = None) -> Parsed:
    """Parse every row; collect every error with its row and column instead of stopping."""
    out = Parsed()
    try:
        text, out.encoding = decode(raw, encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        out.errors.append(RowError(1, None, _("The file is not UTF-8 or GB18030 text: %(exc)s",
                                              exc=exc)))
        return out
    records = [r for r in csv.reader(io.StringIO(text, newline=""), _dialect(text))]
    numbered = [(i + 1, r) for i, r in enumerate(records) if any(c.strip() for c in r)]
    if not numbered:
        out.errors.append(RowError(1, None, _("The file has no header row.")))
        return out
    (header_no, header), body = numbered[0], numbered[1:]
    lookup = {}
    for col in columns:
        for name in (col.key, col.zh, *col.aliases):
            lookup[_norm(name)] = col
    mapping: list[Column | None] = []
    for cell in header:
        col = lookup.get(_norm(cell))
        if col is None and cell.strip():
            out.errors.append(RowError(header_no, cell, _(
                "Unknown column '%(cell)s'. Known: %(known)s", cell=cell,
                known=", ".join(c.key for c in columns))))
        mapping.append(col)
    present = {c.key for c in mapping if c}
    for col in columns:
        if col.required and col.key not in present:
            out.errors.append(RowError(header_no, col.key, _(
                "Required column '%(key)s' (%(zh)s) is missing.", key=col.key, zh=col.zh)))
    if out.errors:
        return out
    if body and all(c.strip().startswith("#") for c in body[0][1] if c.strip()):
        out.has_hxl = True
        body = body[1:]
    for row_no, cells in body:
        out.rows.append((row_no, _parse_row(row_no, cells, mapping, columns, out.errors)))
    return out


def _parse_row(row_no: int, cells: list[str], mapping: list[Column | None],
               columns: list[Column], errors: list[RowError]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if len(cells) > len(mapping):
        errors.append(RowError(row_no, None, _("%(cells)s cells but %(columns)s columns.",
                                               cells=len(cells), columns=len(mapping))))
    for col, cell in zip(mapping, cells, strict=False):
        if col is None:
            continue
        value = cell.strip()
        if not value:
            if col.required:
                errors.append(RowError(row_no, col.key, _("'%(key)s' is required.", key=col.key),
                                       value))
            continue
        try:
            data[col.key] = col.parse(value)
        except (ValueError, TypeError) as exc:
            errors.append(RowError(row_no, col.key, str(exc), value))
    for col in columns:
        if col.required and col.key not in data and not any(
                e.row == row_no and e.column == col.key for e in errors):
            errors.append(RowError(row_no, col.key, _("'%(key)s' is required.", key=col.key)))
    return data


def write(columns: list[Column], rows: Iterable[Any], *, lang: str = "en",
          hxl: bool = True) -> str:
    """CSV text with a header in the chosen language and, by default, the HXL row."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([c.zh if lang == "zh" else c.key for c in columns])
    if hxl:
        writer.writerow([c.hxl for c in columns])
    for obj in rows:
        writer.writerow([_cell(c.export(obj) if c.export else getattr(obj, c.key, ""))
                         for c in columns])
    return buf.getvalue()


#: a cell starting with one of these is a formula to a spreadsheet (OWASP "CSV injection")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(text: str) -> str:
    """Text a spreadsheet shows as text: a leading formula character gets a quote before it."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return safe_cell(value)
    if hasattr(value, "value"):
        return str(value.value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
