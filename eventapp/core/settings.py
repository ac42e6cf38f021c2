"""The settings services need, as one plain value the views and the CLI hand them.

Services never read ``current_app``: a view or a command builds :class:`Settings` from the
application's configuration (``core.web.settings()``) and passes it, with the public
:class:`Links`, as arguments. A test can then call a service with exactly the settings it means.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from eventapp.core.mail import MailSettings


@dataclass(frozen=True)
class Settings:
    """What the services are configured with (see ``config.DEFAULTS`` for each setting)."""

    age_bands: tuple[tuple[str, int, int | None], ...]  # AGE_BANDS: (code, lowest, highest or None)
    phone_region: str = "ML"  # PHONE_DEFAULT_REGION: of phone numbers typed without a country code
    small_count_threshold: int = 5  # SMALL_COUNT_THRESHOLD: below it, external reports hide a count
    password_min_length: int = 10  # PASSWORD_MIN_LENGTH
    import_max_bytes: int = 10 * 1024 * 1024  # IMPORT_MAX_BYTES
    import_max_rows: int = 20_000  # IMPORT_MAX_ROWS
    import_max_columns: int = 60  # IMPORT_MAX_COLUMNS
    import_max_cell_chars: int = 2_000  # IMPORT_MAX_CELL_CHARS
    import_max_seconds: float = 15  # IMPORT_MAX_SECONDS
    upload_dir: Path = Path("uploads")  # the instance's uploads folder (logos)
    mail: MailSettings = field(default_factory=lambda: MailSettings(server=None))

    @classmethod
    def from_config(cls, config, instance_path: str) -> Settings:
        """The settings of an application's configuration (a mapping) and instance folder."""
        return cls(
            age_bands=tuple(tuple(band) for band in config["AGE_BANDS"]),
            phone_region=config.get("PHONE_DEFAULT_REGION") or "ML",
            small_count_threshold=int(config["SMALL_COUNT_THRESHOLD"]),
            password_min_length=int(config.get("PASSWORD_MIN_LENGTH") or 0),
            import_max_bytes=int(config["IMPORT_MAX_BYTES"]),
            import_max_rows=int(config["IMPORT_MAX_ROWS"]),
            import_max_columns=int(config.get("IMPORT_MAX_COLUMNS", 60)),
            import_max_cell_chars=int(config.get("IMPORT_MAX_CELL_CHARS", 2_000)),
            import_max_seconds=config.get("IMPORT_MAX_SECONDS", 15),
            upload_dir=Path(instance_path) / "uploads",
            mail=MailSettings.from_config(config, instance_path),
        )


@dataclass(frozen=True)
class Links:
    """Every link meant for someone else's phone: answer links, certificates' check pages, the
    pairing of a door phone, the public form.

    ``base_url`` is the public address (``config.public_base_url``); the paths come from the
    application's routes (``core.web.links()``), so no service spells a route. An empty
    ``base_url`` means that no address other phones can open is known: every link is then empty,
    and documents leave it out rather than print one that leads nowhere.
    """

    base_url: str
    answer_path: Callable[[str], str]  # answer code (or token) -> path of the personal answer page
    certificate_path: Callable[[str], str]  # certificate code -> path of its public check page
    pairing_path: Callable[[str], str]  # pairing code -> the page a door phone opens
    public_form_path: Callable[[str], str]  # event slug -> its public registration form

    def _url(self, path: str) -> str:
        return self.base_url.rstrip("/") + path if self.base_url else ""

    def answer(self, code: str) -> str:
        """The personal answer link of a registration's answer code (or older answer token)."""
        return self._url(self.answer_path(code))

    def certificate(self, code: str) -> str:
        """The public check page of a certificate."""
        return self._url(self.certificate_path(code))

    def pairing(self, code: str) -> str:
        """The page a door phone opens to become a station."""
        return self._url(self.pairing_path(code))

    def public_form(self, slug: str) -> str:
        """The public registration form of an event."""
        return self._url(self.public_form_path(slug))
