"""Participant categories: the defaults of the configuration, and matching file values."""
from __future__ import annotations

from sqlalchemy import select

from eventapp.extensions import db
from eventapp.people.models import Category


def ensure_categories(defaults) -> list[Category]:
    """Create the configured categories that are missing (codes are stable; labels kept)."""
    existing = {c.code: c for c in db.session.scalars(select(Category))}
    for order, (code, label_fr, label_en, colour) in enumerate(defaults):
        if code not in existing:
            category = Category(code=code, label_fr=label_fr, label_en=label_en, colour=colour, sort_order=order)
            db.session.add(category)
            existing[code] = category
    db.session.flush()
    return sorted(existing.values(), key=lambda c: (c.sort_order, c.code))


def list_categories(include_retired: bool = False) -> list[Category]:
    """Categories in their display order."""
    query = select(Category).order_by(Category.sort_order, Category.code)
    if not include_retired:
        query = query.where(Category.active.is_(True))
    return list(db.session.scalars(query))
