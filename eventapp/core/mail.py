"""Sending email: through the configured SMTP server, or into the instance's outbox folder.

With no ``MAIL_SERVER`` set, each message is written as an ``.eml`` file in
``instance/outbox/``, where an organiser can open it (and nothing is lost).
"""
from __future__ import annotations

import contextlib
import secrets
import smtplib
import ssl
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path


@dataclass(frozen=True)
class MailSettings:
    """Where mail goes: an SMTP server, or the outbox folder when ``server`` is empty."""

    server: str | None
    port: int = 25
    use_tls: bool = False
    use_ssl: bool = False
    username: str | None = None
    password: str | None = None
    sender: str = "eventapp@localhost"
    outbox: Path | None = None
    timeout: float = 20.0

    @classmethod
    def from_config(cls, config, instance_path: str) -> MailSettings:
        """The settings of an app's configuration (``MAIL_*``)."""
        return cls(server=config.get("MAIL_SERVER") or None, port=int(config.get("MAIL_PORT") or 25),
                   use_tls=bool(config.get("MAIL_USE_TLS")), use_ssl=bool(config.get("MAIL_USE_SSL")),
                   username=config.get("MAIL_USERNAME"), password=config.get("MAIL_PASSWORD"),
                   sender=config.get("MAIL_DEFAULT_SENDER") or "eventapp@localhost",
                   outbox=Path(instance_path) / "outbox")


@dataclass
class InlineImage:
    """An image shown inside the HTML part (``<img src="cid:{cid}">``)."""

    cid: str
    data: bytes
    subtype: str = "png"


@dataclass
class Attachment:
    """A file attached to a message (e.g. a certificate as PDF)."""

    filename: str
    data: bytes
    mimetype: str = "application/pdf"


@dataclass
class Mail:
    """One message: both a text and an HTML part, inline images, and attached files."""

    to: str
    subject: str
    text: str
    html: str
    images: list[InlineImage] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    # What the message is about, written into the outbox copy only (never sent), so that a
    # purge or an erasure finds and deletes the copies kept in ``instance/outbox``.
    event_id: int | None = None
    registration_id: int | None = None


def build_message(mail: Mail, sender: str) -> EmailMessage:
    """The MIME message: multipart/alternative text and HTML, images related to the HTML."""
    message = EmailMessage()
    # A line break in a header would start another header (an event title pasted with one):
    # the subject is one line, whatever it was made of.
    message["Subject"] = " ".join(mail.subject.split())
    message["From"] = sender
    message["To"] = mail.to
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1] or "localhost")
    message.set_content(mail.text)
    message.add_alternative(mail.html, subtype="html")
    if mail.images:
        html_part = message.get_payload()[1]
        for image in mail.images:
            html_part.add_related(image.data, maintype="image", subtype=image.subtype, cid=f"<{image.cid}>",
                                  disposition="inline", filename=f"{image.cid.split('@')[0]}.{image.subtype}")
    for attachment in mail.attachments:
        maintype, subtype = attachment.mimetype.split("/", 1)
        message.add_attachment(attachment.data, maintype=maintype, subtype=subtype, filename=attachment.filename)
    return message


def send_messages(mails: list[Mail], settings: MailSettings) -> list[tuple[str, str]]:
    """Send each message; returns (status, error) per message: ``sent``, ``outbox`` or ``failed``.

    One SMTP connection serves the whole batch; a refused recipient fails only its message.
    """
    if not mails:
        return []
    if not settings.server:
        return [_write_outbox(_outbox_copy(m, settings.sender), settings.outbox) for m in mails]
    results: list[tuple[str, str]] = []
    try:
        smtp = _connect(settings)
    except (OSError, smtplib.SMTPException) as exc:
        return [("failed", f"{type(exc).__name__}: {exc}")] * len(mails)
    try:
        for mail in mails:
            try:
                smtp.send_message(build_message(mail, settings.sender))
                results.append(("sent", ""))
            except (smtplib.SMTPException, OSError) as exc:
                results.append(("failed", f"{type(exc).__name__}: {exc}"))
    finally:
        with contextlib.suppress(smtplib.SMTPException, OSError):
            smtp.quit()
    return results


def _connect(settings: MailSettings) -> smtplib.SMTP:
    context = ssl.create_default_context()
    if settings.use_ssl:
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(settings.server, settings.port, timeout=settings.timeout,
                                              context=context)
    else:
        smtp = smtplib.SMTP(settings.server, settings.port, timeout=settings.timeout)
        if settings.use_tls:
            smtp.starttls(context=context)
    if settings.username:
        smtp.login(settings.username, settings.password or "")
    return smtp


#: Headers of an outbox copy naming the event and registration it is about (see :func:`outbox_files`).
EVENT_HEADER, REGISTRATION_HEADER = "X-Eventapp-Event", "X-Eventapp-Registration"


def _outbox_copy(mail: Mail, sender: str) -> EmailMessage:
    message = build_message(mail, sender)
    if mail.event_id is not None:
        message[EVENT_HEADER] = str(mail.event_id)
    if mail.registration_id is not None:
        message[REGISTRATION_HEADER] = str(mail.registration_id)
    return message


def outbox_files(outbox: Path | None) -> list[tuple[Path, int | None, int | None]]:
    """Each message kept in the outbox with the event and registration ids it is about (None when untold)."""
    if outbox is None or not outbox.is_dir():
        return []
    from email.parser import BytesHeaderParser

    found = []
    for path in sorted(outbox.glob("*.eml")):
        try:
            with path.open("rb") as fh:
                headers = BytesHeaderParser().parse(fh)
        except OSError:  # removed meanwhile
            continue
        found.append((path, _int(headers.get(EVENT_HEADER)), _int(headers.get(REGISTRATION_HEADER))))
    return found


def _int(value) -> int | None:
    try:
        return int(str(value).strip()) if value is not None else None
    except ValueError:
        return None


def _write_outbox(message: EmailMessage, outbox: Path | None) -> tuple[str, str]:
    if outbox is None:
        return "failed", "no outbox folder"
    outbox.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    path = outbox / f"{stamp}-{secrets.token_hex(4)}.eml"
    path.write_bytes(bytes(message))
    return "outbox", ""
