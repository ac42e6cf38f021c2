"""QR codes: encoded once, drawn as vector squares (sharp at any size, small in the PDF).

The matrix includes no quiet zone; :func:`draw_qr` leaves ``QUIET_ZONE`` modules of white
around it, which the size it is given includes.
"""
from __future__ import annotations

from functools import lru_cache

import qrcode
from qrcode.constants import ERROR_CORRECT_M

QUIET_ZONE = 4  # modules of white on each side, as the standard asks


@lru_cache(maxsize=4096)
def qr_matrix(data: str, error_correction: int = ERROR_CORRECT_M) -> tuple[tuple[bool, ...], ...]:
    """The modules of the QR code for ``data`` (True is dark), without quiet zone.

    Cached: a payload drawn on a badge and again on a letter is encoded once.
    """
    code = qrcode.QRCode(error_correction=error_correction, border=0, box_size=1)
    code.add_data(data)
    code.make(fit=True)
    return tuple(tuple(bool(m) for m in row) for row in code.get_matrix())


def dark_runs(matrix) -> list[tuple[int, int, int]]:
    """Horizontal runs of dark modules as (row, first column, length): fewer, larger rectangles."""
    runs = []
    for y, row in enumerate(matrix):
        x, n = 0, len(row)
        while x < n:
            if row[x]:
                start = x
                while x < n and row[x]:
                    x += 1
                runs.append((y, start, x - start))
            else:
                x += 1
    return runs


def draw_qr(canvas, data: str, x: float, y: float, size: float, *, background: bool = True) -> None:
    """Draw the QR code of ``data`` with its lower-left corner at (x, y), ``size`` points wide,
    quiet zone included.
    """
    matrix = qr_matrix(data)
    modules = len(matrix) + 2 * QUIET_ZONE
    unit = size / modules
    canvas.saveState()
    if background:
        canvas.setFillColorRGB(1, 1, 1)
        canvas.rect(x, y, size, size, stroke=0, fill=1)
    canvas.setFillColorRGB(0, 0, 0)
    path = canvas.beginPath()
    top = y + size - QUIET_ZONE * unit
    left = x + QUIET_ZONE * unit
    for row, col, length in dark_runs(matrix):
        path.rect(left + col * unit, top - (row + 1) * unit, length * unit, unit)
    canvas.drawPath(path, stroke=0, fill=1)
    canvas.restoreState()


class QRFlowable:
    """A platypus flowable drawing a QR code (for documents built from flowables)."""

    def __new__(cls, data: str, size: float):
        from reportlab.platypus import Flowable

        class _QR(Flowable):
            def __init__(self):
                super().__init__()
                self.width = self.height = size

            def draw(self):
                draw_qr(self.canv, data, 0, 0, size)

        return _QR()
