"""Shared helpers of the people tests: real files made in the tests, a real SMTP server."""
from __future__ import annotations

import email
import email.policy
import io
import threading
from contextlib import contextmanager

import pytest

from tests.netutil import free_port


def cp1252_csv(rows: list[list[str]], delimiter: str = ";") -> bytes:
    """A CSV as French Excel saves it: cp1252, semicolons, CRLF."""
    return "\r\n".join(delimiter.join(r) for r in rows).encode("cp1252") + b"\r\n"


def bom_csv(rows: list[list[str]], delimiter: str = ",") -> bytes:
    """A CSV in UTF-8 with a BOM."""
    return ("\ufeff" + "\r\n".join(delimiter.join(r) for r in rows) + "\r\n").encode("utf-8")


def xlsx(rows: list[list], title_row: str | None = None) -> bytes:
    """An XLSX workbook with ``rows`` (numbers kept as numbers), optionally a title row above."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    if title_row:
        sheet.append([title_row])
        sheet.append([])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()



class _Collector:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(message)
            self.envelopes.append(envelope)
        return "250 OK"


@contextmanager
def smtp_server(credentials: tuple[str, str] | None = None):
    """A real SMTP server on 127.0.0.1 (aiosmtpd) for the duration of the block; yields (port, collector).

    With ``credentials`` (user, password) the server refuses mail until the client logs in.
    """
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    collector = _Collector()
    port = free_port()
    options = {}
    if credentials:
        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = (auth_data.login.decode(), auth_data.password.decode()) == credentials
            return AuthResult(success=ok)

        options = dict(authenticator=authenticator, auth_required=True, auth_require_tls=False)
    controller = Controller(collector, hostname="127.0.0.1", port=port, **options)
    controller.start()
    try:
        yield port, collector
    finally:
        controller.stop()


@pytest.fixture(name="smtp")
def smtp_fixture():
    """(port, collector) of a running loopback SMTP server."""
    with smtp_server() as server:
        yield server
