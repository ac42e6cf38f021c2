"""The bundled TrueType fonts, registered with reportlab once per process."""
from __future__ import annotations

import threading
from pathlib import Path

from reportlab import rl_config
from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_DIR = Path(__file__).parent / "fonts"
REGULAR = "DejaVuSans"
BOLD = "DejaVuSans-Bold"
CONDENSED = "DejaVuSansCondensed"
CONDENSED_BOLD = "DejaVuSansCondensed-Bold"

_lock = threading.Lock()
_registered = False


def register_fonts() -> None:
    """Register the fonts (idempotent and thread-safe; PDFs embed only the glyphs they use)."""
    global _registered
    if _registered:
        return
    with _lock:
        if _registered:
            return
        # Binary (Flate only) streams: ASCII85 makes PDFs a quarter larger and slower to write,
        # for 7-bit mail transports nobody uses any more.
        rl_config.useA85 = 0
        for name in (REGULAR, BOLD, CONDENSED, CONDENSED_BOLD):
            pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / f"{name}.ttf")))
        # <b> in Paragraph markup picks the bold face.
        addMapping(REGULAR, 0, 0, REGULAR)
        addMapping(REGULAR, 1, 0, BOLD)
        addMapping(REGULAR, 0, 1, REGULAR)
        addMapping(REGULAR, 1, 1, BOLD)
        addMapping(CONDENSED, 0, 0, CONDENSED)
        addMapping(CONDENSED, 1, 0, CONDENSED_BOLD)
        addMapping(CONDENSED, 0, 1, CONDENSED)
        addMapping(CONDENSED, 1, 1, CONDENSED_BOLD)
        _registered = True
