"""Reading CSV and Excel files into rows of text, with encoding and delimiter detection.

Every cell comes back as a string (ZIP codes keep their leading zeros; Excel dates become ISO
text), so mapping and validation work the same whatever the file type.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from incident_desk.errors import IncidentDeskError

ENCODINGS = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 with byte-order mark",
    "cp1252": "Windows-1252",
    "latin-1": "Latin-1 (ISO-8859-1)",
}
DELIMITERS = {",": "Comma", ";": "Semicolon", "\t": "Tab", "|": "Vertical bar"}
EXCEL_SUFFIXES = (".xlsx", ".xlsm")


class ImportFileError(IncidentDeskError):
    """The file cannot be read as a table."""


@dataclass
class Table:
    """A file's header and rows as text. ``rows[i]`` is spreadsheet row ``i + 2`` (row 1 is the header)."""

    headers: list[str]
    rows: list[list[str]]
    kind: str = "csv"  # "csv" | "xlsx"
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    sheets: list[str] = field(default_factory=list)
    truncated: bool = False  # only the first rows were read (preview)

    def row_number(self, index: int) -> int:
        return index + 2


def is_excel(path: Path) -> bool:
    return path.suffix.lower() in EXCEL_SUFFIXES


def detect_encoding(data: bytes) -> str:
    """UTF-8 (with or without BOM) when it decodes, else Windows-1252, else Latin-1."""
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        data.decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError:
        return "latin-1"  # every byte is a Latin-1 character


def sniff_delimiter(sample: str) -> str:
    lines = sample.splitlines()
    head = "\n".join(lines[:50])
    try:
        return csv.Sniffer().sniff(head, delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        first = lines[0] if lines else ""
        counts = {d: first.count(d) for d in DELIMITERS}
        best = max(counts, key=lambda d: counts[d])
        return best if counts[best] else ","


PREVIEW_BYTES = 4 << 20


def _decode(path: Path, encoding: str | None, max_bytes: int | None = None) -> tuple[str, str]:
    try:
        with path.open("rb") as fh:
            data = fh.read(max_bytes) if max_bytes else fh.read()
            if max_bytes and len(data) == max_bytes and fh.read(1):
                # A preview of a big file: stop at a line end (never inside a UTF-8 character).
                data = data[: data.rfind(b"\n") + 1] or data
    except OSError as exc:
        raise ImportFileError(f"Cannot read {path}: {exc.strerror or exc}.") from exc
    if b"\x00" in data[:4096]:
        raise ImportFileError(f"{path.name} is not a text (CSV) file. Save it as CSV or .xlsx and try again.")
    chosen = encoding or detect_encoding(data)
    chosen = {
        "utf8": "utf-8",
        "utf-8-bom": "utf-8-sig",
        "windows-1252": "cp1252",
        "latin1": "latin-1",
        "iso-8859-1": "latin-1",
    }.get(chosen.lower(), chosen.lower())
    try:
        return data.decode(chosen), chosen
    except LookupError as exc:
        raise ImportFileError(f"Unknown encoding {encoding!r}; use one of: {', '.join(ENCODINGS)}.") from exc
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportFileError(
            f"{path.name} is not valid {ENCODINGS.get(chosen, chosen)} text (line {line}); "
            "choose another encoding."
        ) from exc


def read_csv(
    path: Path, *, encoding: str | None = None, delimiter: str | None = None, limit: int | None = None
) -> Table:
    # A preview reads only the start of the file, so the wizard stays quick on very large files.
    text, used = _decode(path, encoding, PREVIEW_BYTES if limit is not None else None)
    delim = delimiter or sniff_delimiter(text[:65536])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    try:
        headers = next(reader)
    except StopIteration:
        raise ImportFileError(f"{path.name} is empty.") from None
    except csv.Error as exc:
        raise ImportFileError(f"{path.name} cannot be read as CSV: {exc}.") from exc
    headers = _clean_headers(headers)
    width = len(headers)
    rows: list[list[str]] = []
    truncated = False
    try:
        for row in reader:
            if not row or (len(row) == 1 and not row[0].strip()):
                continue  # blank line
            if limit is not None and len(rows) >= limit:
                truncated = True
                break
            if len(row) < width:
                row += [""] * (width - len(row))
            rows.append(row)
    except csv.Error as exc:
        raise ImportFileError(f"{path.name} cannot be read as CSV near row {len(rows) + 2}: {exc}.") from exc
    return Table(headers, rows, "csv", used, delim, truncated=truncated)


def _clean_headers(headers: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for i, h in enumerate(headers):
        name = h.strip() or f"Column {i + 1}"
        if name in seen:
            seen[name] += 1
            name = f"{name} ({seen[name]})"
        else:
            seen[name] = 1
        out.append(name)
    return out


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return (
            value.isoformat(sep=" ")
            if (value.hour, value.minute, value.second) != (0, 0, 0)
            else value.date().isoformat()
        )
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def excel_sheets(path: Path) -> list[str]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged or foreign file
        raise ImportFileError(f"{path.name} cannot be opened as an Excel workbook: {exc}.") from exc
    try:
        return list(wb.sheetnames)
    finally:
        wb.close()


def read_xlsx(path: Path, *, sheet: str | None = None, limit: int | None = None) -> Table:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        raise ImportFileError(f"{path.name} cannot be opened as an Excel workbook: {exc}.") from exc
    try:
        names = list(wb.sheetnames)
        name = sheet or names[0]
        if name not in names:
            raise ImportFileError(f"{path.name} has no sheet {name!r} (sheets: {', '.join(names)}).")
        rows_iter: Iterator[tuple[object, ...]] = wb[name].iter_rows(values_only=True)
        header_row = next(rows_iter, None)
        if header_row is None:
            raise ImportFileError(f"Sheet {name!r} of {path.name} is empty.")
        raw = [_cell_text(v) for v in header_row]
        while raw and not raw[-1].strip():
            raw.pop()  # formatting often stretches the used range past the last real column
        headers = _clean_headers(raw)
        width = len(headers)
        rows: list[list[str]] = []
        truncated = False
        for values in rows_iter:
            cells = [_cell_text(v) for v in values[:width]]
            if not any(c.strip() for c in cells):
                continue
            if limit is not None and len(rows) >= limit:
                truncated = True
                break
            cells += [""] * (width - len(cells))
            rows.append(cells)
        return Table(headers, rows, "xlsx", sheet=name, sheets=names, truncated=truncated)
    finally:
        wb.close()


def read_table(
    path: Path | str,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | None = None,
    limit: int | None = None,
) -> Table:
    """The whole file (or its first ``limit`` rows, for a preview)."""
    path = Path(path)
    if not path.is_file():
        raise ImportFileError(f"No such file: {path}")
    if is_excel(path):
        return read_xlsx(path, sheet=sheet, limit=limit)
    return read_csv(path, encoding=encoding, delimiter=delimiter, limit=limit)
