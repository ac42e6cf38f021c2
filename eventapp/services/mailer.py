"""Sending mail: through the SMTP server of the configuration, or into instance/outbox/.

At a venue there is often no mail server: with no ``MAIL_SERVER`` each message is written as an
.eml file that can be sent later from any mail program.
"""
from __future__ import annotations

import secrets
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path


@dataclass(frozen=True)
class MailSettings:
    """Where messages go (built from the app's configuration by the caller)."""

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
    def from_config(cls, config, instance_path: str) -> "MailSettings":
        """Settings from a Flask configuration mapping."""
        return cls(server=config.get("MAIL_SERVER"), port=int(config.get("MAIL_PORT") or 25),
                   use_tls=bool(config.get("MAIL_USE_TLS")), use_ssl=bool(config.get("MAIL_USE_SSL")),
                   username=config.get("MAIL_USERNAME"), password=config.get("MAIL_PASSWORD"),
                   sender=config.get("MAIL_DEFAULT_SENDER") or "eventapp@localhost",
                   outbox=Path(instance_path) / "outbox")


def build_message(settings: MailSettings, to: str, subject: str, body: str,
                  attachments: list[tuple[str, bytes, str]] = ()) -> EmailMessage:
    """A message with a plain-text body and attachments (file name, bytes, MIME type)."""
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain=settings.sender.rsplit("@", 1)[-1] or "localhost")
    message.set_content(body)
    for filename, data, mimetype in attachments:
        maintype, subtype = mimetype.split("/", 1)
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return message


class Mailer:
    """Sends several messages over one connection (or writes them to the outbox)."""

    def __init__(self, settings: MailSettings):
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self):
        s = self.settings
        if s.server:
            if s.use_ssl:
                self._smtp = smtplib.SMTP_SSL(s.server, s.port, timeout=s.timeout, context=ssl.create_default_context())
            else:
                self._smtp = smtplib.SMTP(s.server, s.port, timeout=s.timeout)
                if s.use_tls:
                    self._smtp.starttls(context=ssl.create_default_context())
            if s.username:
                self._smtp.login(s.username, s.password or "")
        return self

    def __exit__(self, *exc):
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except smtplib.SMTPException:
                pass
            self._smtp = None

    def send(self, message: EmailMessage) -> str:
        """Send one message; returns 'sent' or 'outbox'."""
        if self._smtp is not None:
            self._smtp.send_message(message)
            return "sent"
        outbox = self.settings.outbox or Path("outbox")
        outbox.mkdir(parents=True, exist_ok=True)
        (outbox / f"{secrets.token_hex(8)}.eml").write_bytes(bytes(message))
        return "outbox"
