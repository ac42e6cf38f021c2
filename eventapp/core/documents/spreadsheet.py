"""Spreadsheet cells that stay text, for every CSV and XLSX export.

A spreadsheet runs a cell that starts with = + - @ (or a tab or a carriage return) as a formula:
a name typed as "=HYPERLINK(…)" in the public form, or at a walk-in, must stay a name in the file
a coordinator opens. CSV cells get a leading apostrophe; XLSX cells are stored as text. Numbers
stay numbers.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable

#: What a spreadsheet reads as the start of a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value) -> str:
    """A value as CSV text a spreadsheet will not run: an apostrophe before a formula's start."""
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)  # a number, negative or not, is no formula
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_bytes(headers: list, rows: Iterable[list]) -> bytes:
    """CSV in UTF-8 with a BOM, semicolons and CRLF, as French Excel opens it; every cell safe."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([safe_text(h) for h in headers])
    for row in rows:
        writer.writerow([safe_text(v) for v in row])
    return "\ufeff".encode() + buffer.getvalue().encode("utf-8")


def append_row(sheet, values: list) -> None:
    """``sheet.append(values)`` with every text kept as text (openpyxl stores "=…" as a formula)."""
    sheet.append([_text_cell(sheet, v) if isinstance(v, str) and v.startswith("=") else v for v in values])


def _text_cell(sheet, text: str):
    from openpyxl.cell.cell import Cell

    cell = Cell(sheet, value=text)
    cell.data_type = "s"  # set after the value, which made it a formula
    return cell
