"""Creating and upgrading the schema with the Alembic migrations."""
from __future__ import annotations

from flask import current_app
from flask_migrate import upgrade

from eventapp.extensions import db
from eventapp.people.categories import ensure_categories


def upgrade_schema() -> None:
    """Upgrade the database to the newest revision and add missing default categories."""
    upgrade(directory=current_app.extensions["migrate"].directory, revision="heads")
    ensure_categories(current_app.config["CATEGORIES"])
    db.session.commit()
