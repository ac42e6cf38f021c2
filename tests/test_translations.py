"""Every user-facing string of the code and templates has a French translation."""
from tools.i18n import extract, load, untranslated


def test_every_message_is_translated_into_french():
    missing = untranslated(load(), extract())
    assert missing == [], "run `python -m tools.i18n update` and translate: " + "; ".join(missing)
