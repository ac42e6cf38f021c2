"""Services get their settings and public links as arguments (issue 12): the value, the links and
that a service follows what it is handed rather than the application's configuration."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from eventapp.core import web
from eventapp.core.errors import ValidationError
from eventapp.core.settings import Settings
from eventapp.people import imports
from eventapp.reports.services import build_report
from tests import factories


def test_settings_follow_the_configuration(app):
    app.config.update(SMALL_COUNT_THRESHOLD=7, PHONE_DEFAULT_REGION="SN", PASSWORD_MIN_LENGTH=14,
                      IMPORT_MAX_ROWS=12, AGE_BANDS=[("0-29", 0, 29), ("30+", 30, None)],
                      MAIL_SERVER="smtp.example.org")
    settings = web.settings()
    assert (settings.small_count_threshold, settings.phone_region, settings.password_min_length) == (7, "SN", 14)
    assert settings.import_max_rows == 12 and settings.age_bands == (("0-29", 0, 29), ("30+", 30, None))
    assert settings.upload_dir == Path(app.instance_path) / "uploads"
    assert settings.mail.server == "smtp.example.org" and settings.mail.outbox == Path(app.instance_path) / "outbox"
    assert Settings.from_config(app.config, app.instance_path) == settings


def test_links_are_the_routes_of_the_answer_and_certificate_pages(app, client):
    event = factories.make_event()
    registration = factories.make_registration(event, factories.make_person("Awa", "Traoré"), status="invited")
    links = web.links("http://192.168.1.10:5000/")
    answer = links.answer(registration.answer_token)
    assert answer == f"http://192.168.1.10:5000/r/{registration.answer_token}"
    assert client.get(answer.removeprefix("http://192.168.1.10:5000")).status_code == 200
    assert links.certificate("abc_D-1") == "http://192.168.1.10:5000/certificates/abc_D-1"
    assert web.links("https://events.example.org/eventapp").answer("t") == "https://events.example.org/eventapp/r/t"


def test_a_service_follows_the_settings_it_is_given_not_the_configuration(app):
    event = factories.make_event()
    app.config["SMALL_COUNT_THRESHOLD"] = 5
    assert build_report(event, settings=replace(web.settings(), small_count_threshold=20)).threshold == 20
    app.config["IMPORT_MAX_ROWS"] = 20_000
    few = replace(web.settings(), import_max_rows=2)
    with pytest.raises(ValidationError) as exc:
        imports.read_table("Nom\nTraoré\nMaïga\nN'Diaye\n".encode(), "x.csv", settings=few)
    assert any("too many rows" in m for m in exc.value.messages())
