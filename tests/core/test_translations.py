"""Every user-facing string of the code and templates has a French translation."""
from tools.i18n import extract, load, untranslated


def test_every_message_is_translated_into_french():
    missing = untranslated(load(), extract())
    assert missing == [], "run `python -m tools.i18n update` and translate: " + "; ".join(missing)


def test_kept_catalogue_follows_the_request_language_and_forced_locales(app):
    """i18n.gettext keeps the request's catalogue, yet obeys force_locale and refresh."""
    from flask import session
    from flask_babel import force_locale, refresh

    from eventapp.core.i18n import gettext
    from eventapp.core.labels import label

    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert gettext("Already checked in.") == "Already checked in."
        assert label("scan_result", "checked_in") == "Checked in"
        with force_locale("fr"):
            assert gettext("Already checked in.") == "Déjà enregistré(e)."
            assert label("scan_result", "checked_in") != "Checked in"
        assert gettext("Already checked in.") == "Already checked in."
        session["lang"] = "fr"
        refresh()
        assert gettext("Already checked in.") == "Déjà enregistré(e)."
        assert gettext("Welcome, %(name)s.", name="Awa Traoré").endswith("Awa Traoré.")
    assert gettext("Already checked in.")  # outside a request: the system's language, no error
