"""Compressed answers (Flask-Compress: brotli, else gzip) for every text the browser accepts it for.

What is compressed is set in the configuration (``COMPRESS_*`` in ``config.py``): HTML, JSON
(the door's API and roster), JavaScript, CSS, SVG and the web manifest, from 500 bytes up.
PDF, PNG, JPEG, ZIP and XLSX are already compressed and go as they are.

One rule of our own comes first, against BREACH: an answer that carries a CSRF token is never
compressed. Flask-WTF's token is the session's secret signed with a timestamp: the same
characters in every answer of the same second, not masked per answer; and every page also
shows text from its request (the language switch sends back the page's own address, query
included). Compressing both together would let someone who can make a signed-in browser load
pages, and who sees the encrypted sizes on the Wi-Fi, guess the token a character at a time.
"""
from __future__ import annotations

from flask import Flask, Response, current_app, g, request

from eventapp.extensions import compress


def carries_csrf_token() -> bool:
    """True when this request's answer was given a CSRF token (Flask-WTF keeps it in ``g``)."""
    return current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token") in g


def _accepts_compression() -> bool:
    # Flask-Compress (1.25) ranks encodings by their q but does not drop those at q=0, which
    # means "not acceptable": "br;q=0" alone would still get brotli. Werkzeug reads q properly.
    accepted = request.accept_encodings
    return any(accepted.quality(name) > 0 for name in current_app.config["COMPRESS_ALGORITHM"])


def _compress(response: Response) -> Response:
    if carries_csrf_token():
        return response  # the same answer whatever the browser accepts
    if not _accepts_compression():
        response.vary.add("Accept-Encoding")  # another browser may get it compressed
        return response
    return compress.after_request(response)


def init_app(app: Flask) -> None:
    """Compress answers after every other hook has had its say (registered first, it runs last)."""
    compress.init_app(app)  # COMPRESS_REGISTER is False: the hook below decides, then delegates
    app.after_request(_compress)
