"""Helpers shared by the events tests: small real images."""
from __future__ import annotations

import io


def png_bytes(width: int = 40, height: int = 20, colour=(27, 94, 58)) -> bytes:
    """A real PNG image."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def jpeg_bytes(width: int = 40, height: int = 20) -> bytes:
    """A real JPEG image."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buffer, format="JPEG")
    return buffer.getvalue()
