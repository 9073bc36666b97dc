"""CSV files that French Excel opens as they are: UTF-8 with BOM, `;`, dates as dd/mm/yyyy.

Cells that a spreadsheet would take for a formula (= + - @, tab, carriage return at the start) are prefixed
with an apostrophe, so that a citizen's name can never run a formula on an agent's computer.
"""

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from enum import Enum
from zoneinfo import ZoneInfo

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: object, zone: ZoneInfo | None = None) -> str:
    """One value as the text of a cell: dates in French order (local time), enums by label, formulas neutralised."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        moment = value.astimezone(zone) if zone and value.tzinfo else value
        text = moment.strftime("%d/%m/%Y %H:%M")
    elif isinstance(value, date):
        text = value.strftime("%d/%m/%Y")
    elif isinstance(value, bool):
        text = "Oui" if value else "Non"
    elif isinstance(value, Enum):
        text = str(value.value)
    else:
        text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_lines(header: Sequence[str], rows: Iterable[Sequence[object]], zone: ZoneInfo | None = None) -> Iterator[str]:
    """The file as a stream of text chunks (BOM first), so that large exports are never held in memory."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    yield BOM + buffer.getvalue()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([cell(v, zone) for v in row])
        yield buffer.getvalue()


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[object]], zone: ZoneInfo | None = None) -> bytes:
    return "".join(csv_lines(header, rows, zone)).encode("utf-8")
