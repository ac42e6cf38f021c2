"""Fitting text into a box: the largest size at which it fits, on one line or a few, never cut.

Widths are measured once at 1 point with reportlab's ``stringWidth`` (width grows linearly
with the size), so fitting costs a handful of additions, not a search over sizes. Text in a
right-to-left script (Arabic, Hebrew) is shaped and put in visual order, so that it reads
right with fonts that carry the presentation forms (DejaVu Sans does).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from reportlab.pdfbase.pdfmetrics import stringWidth

from eventapp.core.documents.fonts import register_fonts

LEADING = 1.12  # line height as a multiple of the font size
_RTL = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]")


@dataclass(frozen=True)
class Fitted:
    """Text set to fit: its lines (in visual order, ready to draw), size and widths."""

    lines: tuple[str, ...]
    size: float
    widths: tuple[float, ...]  # of each line, in points, at ``size``
    font: str

    @property
    def height(self) -> float:
        """The height of the block of lines."""
        return len(self.lines) * self.size * LEADING

    @property
    def width(self) -> float:
        """The width of the widest line."""
        return max(self.widths, default=0.0)


def is_rtl(text: str) -> bool:
    """True when the text contains letters of a right-to-left script."""
    return bool(_RTL.search(text))


@lru_cache(maxsize=1024)
def _shape(text: str) -> str:
    """Arabic letters joined in their contextual forms (logical order kept)."""
    try:
        import arabic_reshaper
    except ImportError:  # pragma: no cover - a dependency; without it the letters print unjoined
        return text
    return arabic_reshaper.reshape(text)


def visual(text: str) -> str:
    """The text as it must be drawn left to right: RTL runs shaped and reversed (bidi)."""
    if not is_rtl(text):
        return text
    try:
        from bidi import get_display
    except ImportError:  # pragma: no cover - a dependency
        from bidi.algorithm import get_display
    return get_display(_shape(text))


def width_at_1pt(text: str, font: str) -> float:
    """The width of ``text`` in ``font`` at 1 point."""
    return stringWidth(text, font, 1.0)


def _tokens(text: str, font: str, max_token: float) -> list[tuple[str, bool, float]]:
    """Words as (text, joined to the previous one without a space, width at 1 pt).

    A word wider than ``max_token`` (at 1 pt) is broken between letters into pieces that fit,
    so that even a 120-letter name without spaces is never cut, only wrapped.
    """
    out: list[tuple[str, bool, float]] = []
    for word in text.split():
        w = width_at_1pt(word, font)
        if w <= max_token or len(word) == 1:
            out.append((word, False, w))
            continue
        piece, glued = "", False
        for char in word:
            if piece and width_at_1pt(piece + char, font) > max_token:
                out.append((piece, glued, width_at_1pt(piece, font)))
                piece, glued = "", True
            piece += char
        out.append((piece, glued, width_at_1pt(piece, font)))
    return out


def _partition(tokens, space: float, n: int) -> tuple[list[list[int]], float]:
    """Split tokens into at most ``n`` lines, minimising the widest line (at 1 pt)."""
    m = len(tokens)
    # width[i][j]: tokens i..j-1 on one line
    def line_width(i: int, j: int) -> float:
        total = 0.0
        for k in range(i, j):
            total += tokens[k][2]
            if k > i and not tokens[k][1]:
                total += space
        return total

    best: dict[tuple[int, int], tuple[float, list[int]]] = {}

    def solve(i: int, lines: int) -> tuple[float, list[int]]:
        if (i, lines) in best:
            return best[(i, lines)]
        if lines == 1 or i == m - 1:
            result = (line_width(i, m), [i])
        else:
            result = (line_width(i, m), [i])
            for j in range(i + 1, m):
                head = line_width(i, j)
                if head >= result[0]:
                    break
                tail, starts = solve(j, lines - 1)
                worst = max(head, tail)
                if worst < result[0]:
                    result = (worst, [i] + starts)
        best[(i, lines)] = result
        return result

    worst, starts = solve(0, max(1, min(n, m)))
    bounds = starts + [m]
    return [list(range(bounds[k], bounds[k + 1])) for k in range(len(starts))], worst


def _join(tokens, indices: list[int]) -> str:
    parts = []
    for k, i in enumerate(indices):
        text, glued, _w = tokens[i]
        parts.append(text if (k == 0 or glued) else " " + text)
    return "".join(parts)


def fit_text(text: str, font: str, max_width: float, max_height: float, max_size: float,
             min_size: float = 6.0, max_lines: int = 2, prefer_one_line: float = 0.85) -> Fitted:
    """Set ``text`` in the largest size (at most ``max_size``) that fits the box, on up to
    ``max_lines`` lines; one line is kept unless two lines allow a size larger by more than
    1/``prefer_one_line``. When nothing fits at ``min_size``, one more line is allowed and the
    size goes below ``min_size``: the text shrinks, it is never cut and never spills over.
    """
    register_fonts()
    text = unicodedata.normalize("NFC", " ".join((text or "").split()))
    if not text or max_width <= 0 or max_height <= 0:
        return Fitted((), max_size, (), font)
    rtl = is_rtl(text)
    logical = _shape(text) if rtl else text
    space = width_at_1pt(" ", font)
    tokens = _tokens(logical, font, max_width / min_size)

    def arrangement(n: int) -> tuple[float, list[list[int]]]:
        lines, widest = _partition(tokens, space, n)
        size = min(max_size, max_width / widest if widest else max_size,
                   max_height / (len(lines) * LEADING))
        return size, lines

    size, lines = arrangement(1)
    for n in range(2, max_lines + 1):
        if size >= max_size:
            break
        more_size, more_lines = arrangement(n)
        if more_size * prefer_one_line > size or (size < min_size and more_size > size):
            size, lines = more_size, more_lines
    if size < min_size:
        extra_size, extra_lines = arrangement(max_lines + 1)
        if extra_size > size:
            size, lines = extra_size, extra_lines
    size = max(0.5, size * 0.999)  # a hair of slack against rounding in the PDF's numbers
    out_lines = tuple(visual(_join(tokens, idx)) if rtl else _join(tokens, idx) for idx in lines)
    widths = tuple(width_at_1pt(line, font) * size for line in out_lines)
    return Fitted(out_lines, size, widths, font)


def contrast_text_colour(hex_colour: str) -> str:
    """Black or white, whichever reads better on ``hex_colour`` (WCAG contrast ratio)."""
    r, g, b = parse_hex(hex_colour)

    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    luminance = 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
    on_white = 1.05 / (luminance + 0.05)
    on_black = (luminance + 0.05) / 0.05
    return "#ffffff" if on_white >= on_black else "#000000"


def parse_hex(hex_colour: str, default: str = "#555555") -> tuple[float, float, float]:
    """(r, g, b) in 0–1 from '#rrggbb' (the default grey for anything else)."""
    value = (hex_colour or "").strip()
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", value):
        value = default
    return tuple(int(value[i:i + 2], 16) / 255 for i in (1, 3, 5))  # type: ignore[return-value]
