"""Reading a DMS export row by row, whatever it is: .xlsx (openpyxl read-only mode) or CSV in
UTF-8 (with or without BOM) or GBK/GB18030, as Chinese Excel saves it.

Nothing here holds the whole file: rows are streamed, and the CSV encoding is detected by one
incremental pass over the bytes.
"""
import codecs
import csv
import io
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from django.utils.translation import gettext_lazy as _

from .columns import match_header
from ..normalize import clean_text

EXTENSIONS = (".xlsx", ".csv")
# Title rows some DMS exports put above the header row.
HEADER_SEARCH_ROWS = 10
_CHUNK = 1 << 16
# A row of a typical DMS export takes about this much of a compressed .xlsx (a rough guess,
# used only to choose between running inline and as a task, and for the progress bar).
XLSX_BYTES_PER_ROW = 100
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls format


class ImportFileError(Exception):
    """The file cannot be read as a table; the message is for the user."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


@dataclass
class Table:
    headers: list[str]
    # (row number as the spreadsheet shows it, the row's cells)
    rows: Iterator[tuple[int, tuple]]
    # An estimate made without reading the rows (None when the file does not say).
    estimated_rows: int | None


def file_kind(name: str) -> str:
    suffix = Path(name or "").suffix.lower()
    if suffix not in EXTENSIONS:
        raise ImportFileError(_("Upload an Excel workbook (.xlsx) or a CSV file (.csv)."))
    return suffix[1:]


def _head(fileobj, size=8):
    fileobj.seek(0)
    head = fileobj.read(size)
    fileobj.seek(0)
    return head


@contextmanager
def open_table(fileobj, name: str):
    """A `Table` over a binary file object positioned anywhere; `name` gives the format."""
    kind = file_kind(name)
    head = _head(fileobj)
    if not head:
        raise ImportFileError(_("The file is empty."))
    if kind == "xlsx":
        with _open_xlsx(fileobj, head) as table:
            yield table
    else:
        if head.startswith(_ZIP_MAGIC) or head.startswith(_OLE_MAGIC):
            raise ImportFileError(
                _("This file is an Excel workbook, not a CSV file: save it as .xlsx and upload that.")
            )
        with _open_csv(fileobj) as table:
            yield table


@contextmanager
def _open_xlsx(fileobj, head):
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.styles.stylesheet import apply_stylesheet

    if head.startswith(_OLE_MAGIC):
        raise ImportFileError(
            _("This is an old Excel 97–2003 (.xls) file: open it in Excel, save it as .xlsx and upload that.")
        )
    not_xlsx = ImportFileError(
        _("This file is not an Excel .xlsx workbook, although its name ends in .xlsx.")
    )
    if not head.startswith(_ZIP_MAGIC):
        raise not_xlsx
    # openpyxl reads the workbook's structure in read-only mode, as load_workbook(read_only=True)
    # does, but without sizing each sheet: an export without a <dimension> would otherwise be
    # parsed whole just to learn its size.
    try:
        reader = ExcelReader(fileobj, read_only=True, data_only=True)
    except Exception:  # zipfile.BadZipFile, InvalidFileException, KeyError, ...
        raise not_xlsx from None
    try:
        try:
            reader.read_manifest()
            reader.read_strings()
            reader.read_workbook()
            reader.read_theme()
            apply_stylesheet(reader.archive, reader.wb)
            sheets = [
                rel.target for _sheet, rel in reader.parser.find_sheets()
                if rel.target in reader.valid_files and "chartsheet" not in rel.Type
            ]
        except Exception:  # openpyxl raises many kinds on a damaged workbook
            raise not_xlsx from None
        if not sheets:
            raise ImportFileError(_("The workbook has no sheet."))
        rows = _sheet_rows(reader, sheets[0])
        fileobj.seek(0, io.SEEK_END)
        # Without reading the rows, the size is a guess from the compressed size.
        estimate = _declared_rows(reader, sheets[0]) or max(1, fileobj.tell() // XLSX_BYTES_PER_ROW)
        fileobj.seek(0)
        yield _table(rows, estimate)
    finally:
        reader.archive.close()


def _declared_rows(reader, path):
    """The row count the sheet's <dimension> declares, if it comes before the data."""
    from xml.etree.ElementTree import iterparse

    try:
        with reader.archive.open(path) as source:
            for _event, element in iterparse(source, events=("start",)):
                if element.tag == _DIMENSION:
                    ref = element.get("ref", "")
                    last = ref.split(":")[-1]
                    digits = "".join(c for c in last if c.isdigit())
                    return int(digits) if ":" in ref and digits else None
                if element.tag == _SHEET_DATA:
                    return None
    except Exception:  # noqa: BLE001 - only a guess
        return None
    return None


_SHEET_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_DIMENSION, _SHEET_DATA, _ROW, _CELL, _VALUE, _INLINE, _TEXT = (
    f"{_SHEET_NS}{tag}" for tag in ("dimension", "sheetData", "row", "c", "v", "is", "t")
)


def _column_index(reference: str) -> int:
    index = 0
    for char in reference:
        if "A" <= char <= "Z":
            index = index * 26 + ord(char) - 64
        else:
            break
    return index - 1


def _sheet_rows(reader, path):
    """(row number, cell values) of a read-only sheet.

    openpyxl reads the workbook (structure, shared strings, date styles); the sheet's XML is
    then read here with the C ElementTree parser, which is several times faster than
    openpyxl's per-cell Python for the 100,000-row exports a DMS produces. Values are what
    `iter_rows(values_only=True)` gives: numbers, text, booleans, and datetimes for cells with
    a date format."""
    from xml.etree.ElementTree import ParseError, iterparse

    shared = reader.shared_strings
    date_styles = reader.wb._date_formats
    epoch = reader.wb.epoch
    source = reader.archive.open(path)

    from openpyxl.utils.datetime import from_excel

    try:
        expected = 0
        sheet_data = None
        with source:
            for event, element in iterparse(source, events=("start", "end")):
                if event == "start":
                    if element.tag == _SHEET_DATA:
                        sheet_data = element
                    continue
                if element.tag != _ROW:
                    continue
                number = int(element.get("r") or expected + 1)
                expected = number
                cells = []
                for cell in element.iter(_CELL):
                    reference = cell.get("r")
                    position = _column_index(reference) if reference else len(cells)
                    if position > len(cells):
                        cells.extend([None] * (position - len(cells)))
                    kind = cell.get("t", "n")
                    if kind == "inlineStr":
                        inline = cell.find(_INLINE)
                        value = "".join(t.text or "" for t in inline.iter(_TEXT)) if inline is not None else None
                    else:
                        value = cell.findtext(_VALUE)
                        if value is not None:
                            if kind == "n":
                                value = float(value) if any(c in value for c in ".Ee") else int(value)
                                style = cell.get("s")
                                if style is not None and int(style) in date_styles:
                                    try:
                                        value = from_excel(value, epoch)
                                    except (ValueError, OverflowError):
                                        pass
                            elif kind == "s":
                                value = shared[int(value)]
                            elif kind == "b":
                                value = value == "1"
                    cells.append(value)
                element.clear()
                if sheet_data is not None:
                    sheet_data.clear()  # drop the finished rows: memory stays flat
                yield number, tuple(cells)
    except (ParseError, ValueError, IndexError):
        raise ImportFileError(_("The workbook is damaged: its sheet cannot be read.")) from None


def detect_encoding(fileobj) -> str:
    """utf-8-sig, utf-8 or gb18030 (a superset of GBK), by one pass over the bytes."""
    head = _head(fileobj, 3)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    fileobj.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while chunk := fileobj.read(_CHUNK):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
        encoding = "utf-8"
    except UnicodeDecodeError:
        encoding = "gb18030"
        fileobj.seek(0)
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            while chunk := fileobj.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise ImportFileError(
                _("This file is not a text CSV file in UTF-8 or GBK, the encodings Excel saves.")
            ) from None
    fileobj.seek(0)
    return encoding


def _count_lines(fileobj) -> int:
    fileobj.seek(0)
    count = 0
    last = b""
    while chunk := fileobj.read(_CHUNK):
        count += chunk.count(b"\n")
        last = chunk
    if last and not last.endswith(b"\n"):
        count += 1
    fileobj.seek(0)
    return count


@contextmanager
def _open_csv(fileobj):
    encoding = detect_encoding(fileobj)
    lines = _count_lines(fileobj)
    text = io.TextIOWrapper(fileobj, encoding=encoding, newline="")
    try:
        sample = text.read(_CHUNK)
        if "\x00" in sample:
            raise ImportFileError(_("This file is not a text CSV file."))
        text.seek(0)
        first_line = sample.split("\n", 1)[0]
        delimiter = max(",\t;", key=first_line.count)
        reader = csv.reader(text, delimiter=delimiter if first_line.count(delimiter) else ",")

        def rows():
            try:
                for row in reader:
                    yield reader.line_num, tuple(row)
            except csv.Error as error:
                raise ImportFileError(
                    _("The CSV file is damaged near line %(line)s: %(error)s")
                    % {"line": reader.line_num, "error": error}
                ) from None

        yield _table(rows(), lines)
    finally:
        # The caller owns the binary file; do not let the wrapper close it.
        text.detach()


def _is_empty(row) -> bool:
    return all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in row)


def _table(rows, physical_rows) -> Table:
    """Find the header row (the first row that looks like one among the first few, for
    exports with a title above) and return the rest."""
    skipped = []
    header_number, header = None, None
    for number, row in rows:
        if _is_empty(row):
            continue
        if sum(1 for cell in row if match_header(cell)) >= 2:
            header_number, header = number, row
            break
        skipped.append((number, row))
        if len(skipped) >= HEADER_SEARCH_ROWS:
            break
    if header is None:
        if not skipped:
            raise ImportFileError(_("The file is empty: it has no header row and no rows."))
        # Nothing looked like a known header: take the first non-empty row, as the user
        # maps the columns by hand anyway.
        (header_number, header), rest = skipped[0], skipped[1:]
    else:
        rest = []
    headers = [clean_text(cell) for cell in header]

    def data_rows():
        for number, row in rest:
            if not _is_empty(row):
                yield number, row
        for number, row in rows:
            if not _is_empty(row):
                yield number, row

    estimate = None
    if physical_rows:
        estimate = max(0, physical_rows - header_number)
    return Table(headers=headers, rows=data_rows(), estimated_rows=estimate)
