"""Files made to stall an import: a million empty XLSX rows, megabytes of newlines."""
from __future__ import annotations

import io
import re
import zipfile


def xlsx_with_empty_rows(n: int = 1_000_000, header=("prénom", "nom", "sexe")) -> bytes:
    """An XLSX whose first sheet has a header row then ``n`` empty rows (about 800 KB for a million)."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(list(header))
    wb.active.append(["Awa", "Traoré", "F"])
    buffer = io.BytesIO()
    wb.save(buffer)
    src = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                empty = "".join(f'<row r="{i}"/>' for i in range(3, n + 3))
                text = text.replace("</sheetData>", empty + "</sheetData>")
                text = re.sub(r'<dimension ref="[^"]*"\s*/>', f'<dimension ref="A1:C{n + 2}"/>', text)
                data = text.encode()
            dst.writestr(info.filename, data)
    return out.getvalue()


def csv_of_newlines(size: int = 10 * 1024 * 1024) -> bytes:
    """A CSV of a header and then ``size`` bytes of newlines."""
    return b"prenom;nom;sexe\n" + b"\n" * (size - 16)
