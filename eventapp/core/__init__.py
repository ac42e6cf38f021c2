"""Shared by every capability and importing none: model base, database, i18n, text, tokens, errors, mail,
the web's error pages and input checks."""
