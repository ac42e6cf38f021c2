"""QR codes: encoded once, drawn as vector squares (sharp at any size, small in the PDF).

The matrix includes no quiet zone; :func:`draw_qr` leaves ``QUIET_ZONE`` modules of white
around it, which the size it is given includes.

Encoder: zxing-cpp's compiled encoder when it is installed (about 0.1 ms a code on the
reference machine), else the pure-Python ``qrcode`` package (about 1.8 ms a code with its
default automatic mask, most of it spent choosing the mask). Both choose the mask by the
standard's penalty rules, so the codes scan equally well. ``tests/bench/test_badges_bench.py``
measures the encoders side by side.
"""
from __future__ import annotations

import base64
import re
import struct
import zlib
from functools import lru_cache

from qrcode.constants import ERROR_CORRECT_H, ERROR_CORRECT_L, ERROR_CORRECT_M, ERROR_CORRECT_Q

try:  # the compiled encoder; optional so that a platform without its wheel still prints
    import zxingcpp as _zxing

    _zxing.create_barcode  # noqa: B018  (zxing-cpp < 2.3 could only read)
except (ImportError, AttributeError):  # pragma: no cover - depends on the platform
    _zxing = None

QUIET_ZONE = 4  # modules of white on each side, as the standard asks
_RUN = re.compile(b"\x01+")
_DARK_TABLE = bytes([1] + [0] * 255)  # byte 0 (black) -> 1, anything else -> 0
_ZXING_LEVELS = {ERROR_CORRECT_L: "L", ERROR_CORRECT_M: "M", ERROR_CORRECT_Q: "Q", ERROR_CORRECT_H: "H"}


def encoder_name() -> str:
    """Which encoder :func:`qr_matrix` uses ("zxing-cpp" or "qrcode")."""
    return "zxing-cpp" if _zxing is not None else "qrcode"


def _rows_zxing(data: str, error_correction: int) -> tuple[bytes, ...]:
    barcode = _zxing.create_barcode(data, _zxing.BarcodeFormat.QRCode, ec_level=_ZXING_LEVELS[error_correction])
    image = memoryview(barcode.to_image(scale=1, add_quiet_zones=False))
    rows, cols = image.shape
    # One byte a module, 0 is dark: bytes.translate maps them all at once to 1 (dark) or 0.
    dark = image.tobytes().translate(_DARK_TABLE)
    return tuple(dark[r * cols:(r + 1) * cols] for r in range(rows))


def _rows_qrcode(data: str, error_correction: int) -> tuple[bytes, ...]:
    import qrcode

    code = qrcode.QRCode(error_correction=error_correction, border=0, box_size=1)
    code.add_data(data)
    code.make(fit=True)
    return tuple(bytes(bool(m) for m in row) for row in code.get_matrix())


@lru_cache(maxsize=4096)
def _rows(data: str, error_correction: int = ERROR_CORRECT_M) -> tuple[bytes, ...]:
    """The code's rows as bytes of 1 (dark) and 0: the compact form the drawing works from."""
    if _zxing is not None:
        return _rows_zxing(data, error_correction)
    return _rows_qrcode(data, error_correction)


@lru_cache(maxsize=4096)
def qr_matrix(data: str, error_correction: int = ERROR_CORRECT_M) -> tuple[tuple[bool, ...], ...]:
    """The modules of the QR code for ``data`` (True is dark), without quiet zone.

    Encoded once per payload (cached): a payload drawn on a badge and again on a letter is
    encoded once.
    """
    return tuple(tuple(map(bool, row)) for row in _rows(data, error_correction))


def _rects(rows: tuple[bytes, ...]) -> list[tuple[int, int, int, int]]:
    if not rows:
        return []
    stride = len(rows[0]) + 1
    # One regex pass over all rows (joined by a light separator) finds every run in C.
    open_rects: dict[tuple[int, int], list[int]] = {}  # (col, width) -> [first row, height]
    done: list[tuple[int, int, int, int]] = []
    for match in _RUN.finditer(b"\x00".join(rows)):
        row, col = divmod(match.start(), stride)
        key = (col, match.end() - match.start())
        rect = open_rects.get(key)
        if rect is not None and rect[0] + rect[1] == row:
            rect[1] += 1
            continue
        if rect is not None:
            done.append((rect[0], col, key[1], rect[1]))
        open_rects[key] = [row, 1]
    done.extend((start, col, width, height) for (col, width), (start, height) in open_rects.items())
    return sorted(done)


@lru_cache(maxsize=4096)
def _module_path(data: str) -> tuple[int, str]:
    """(modules across, quiet zone included; PDF path operators in module units, y upwards)."""
    rows = _rows(data)
    n = len(rows)
    top = n + QUIET_ZONE
    ops = " ".join(f"{QUIET_ZONE + col} {top - row - height} {width} {height} re"
                   for row, col, width, height in _rects(rows))
    return n + 2 * QUIET_ZONE, ops


def draw_qr(canvas, data: str, x: float, y: float, size: float, *, background: bool = True) -> None:
    """Draw the QR code of ``data`` with its lower-left corner at (x, y), ``size`` points wide,
    quiet zone included.

    The code is one filled path in module units under a scaling transform: small integers
    instead of long decimals, so a thousand codes stay small in the PDF and fast to write.
    """
    modules, ops = _module_path(data)
    unit = size / modules
    # q…Q keeps the colour and transform changes inside; the canvas's own state is untouched.
    background_op = f"1 g 0 0 {modules} {modules} re f " if background else ""
    canvas.addLiteral(f"q {unit:.5f} 0 0 {unit:.5f} {x:.3f} {y:.3f} cm {background_op}0 g {ops} f Q")


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


@lru_cache(maxsize=1024)
def qr_png(data: str, box_size: int = 8) -> bytes:
    """The QR code of ``data`` as a greyscale PNG (emails, web pages), quiet zone included.

    Written from :func:`qr_matrix`, so pages, emails and PDFs share one encoder.
    """
    rows = _rows(data)
    n = len(rows) + 2 * QUIET_ZONE
    white = b"\xff" * (QUIET_ZONE * box_size)
    lines = [b"\xff" * (n * box_size)] * (QUIET_ZONE * box_size)
    body = []
    for row in rows:
        line = white + b"".join((b"\x00" if dark else b"\xff") * box_size for dark in row) + white
        body.extend([line] * box_size)
    raw = b"".join(b"\x00" + line for line in lines + body + lines)  # filter type 0 on every line

    def chunk(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))

    size = n * box_size
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def qr_svg_data_uri(data: str) -> str:
    """The QR code of ``data`` as an SVG ``data:`` URI (the pairing code an organizer shows)."""
    rows = _rows(data)
    n = len(rows) + 2 * QUIET_ZONE
    rects = "".join(f'<rect x="{col + QUIET_ZONE}" y="{row + QUIET_ZONE}" width="{width}" height="{height}"/>'
                    for row, col, width, height in _rects(rows))
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {n} {n}" shape-rendering="crispEdges">'
           f'<rect width="{n}" height="{n}" fill="#fff"/><g fill="#000">{rects}</g></svg>')
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii")
