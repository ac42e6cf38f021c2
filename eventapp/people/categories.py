"""Participant categories: the configured defaults, and the organizers' list of them.

A category's code never changes once made (reports, payment rates and files name it); its
labels, colour and place in the list do. A category in use is never deleted: it is retired
(kept for the events that used it, no longer offered) or merged into another.
"""
from __future__ import annotations

import re

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from eventapp.audit.services import Actor, record
from eventapp.core.errors import NotFound, ServiceError, ValidationError
from eventapp.core.text import fold, slugify
from eventapp.extensions import db
from eventapp.people.models import Category, Person

_CODE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
DEFAULT_COLOUR = "#555555"
_LABEL_MAX = 120


class AlreadyMerged(ServiceError):
    """The category was merged already (a second click on the same merge)."""

    def __init__(self, label: str):
        super().__init__(_("“%(label)s” was already merged.", label=label))


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
    """Categories in their display order (the retired ones too when asked)."""
    query = select(Category).order_by(Category.sort_order, Category.code)
    if not include_retired:
        query = query.where(Category.active.is_(True))
    return list(db.session.scalars(query))


def get_category(category_id) -> Category:
    """The category with this id; raises NotFound."""
    category = db.session.get(Category, category_id)
    if category is None:
        raise NotFound(_("No category has the number %(id)s.", id=category_id))
    return category


def persons_per_category() -> dict[int, int]:
    """How many directory persons each category holds (a category in use is retired, not deleted)."""
    return dict(db.session.execute(select(Person.category_id, func.count()).where(Person.category_id.is_not(None))
                                   .group_by(Person.category_id)).all())


# --- checking what an organizer typed ---------------------------------------------------


def _name_clash(text: str, category_id: int | None) -> Category | None:
    """The other active category already called ``text`` (by code or label, case and accents aside)."""
    key = fold(text)
    for other in list_categories():
        if other.id != category_id and key in {fold(other.code), fold(other.code.replace("_", " ")),
                                               fold(other.label_fr), fold(other.label_en)}:
            return other
    return None


def _clean(data: dict, category: Category | None) -> tuple[dict, dict[str, list[str]]]:
    """Labels and colour checked: (clean values, errors by field)."""
    clean = {key: " ".join(str(data.get(key) or "").split()) for key in ("label_fr", "label_en")}
    clean["colour"] = str(data.get("colour") or DEFAULT_COLOUR).strip()
    errors: dict[str, list[str]] = {}
    for key in ("label_fr", "label_en"):
        if not clean[key]:
            errors[key] = [_("A label is required.")]
        elif len(clean[key]) > _LABEL_MAX:
            errors[key] = [_("At most %(n)d characters.", n=_LABEL_MAX)]
        elif (other := _name_clash(clean[key], category.id if category else None)) is not None:
            errors[key] = [_("Another category is already called “%(label)s”.", label=other.label_fr)]
    if not _COLOUR.match(clean["colour"]):
        errors["colour"] = [_("A colour is written #rrggbb, e.g. #1b7a3a.")]
    return clean, errors


def _free_code(label: str) -> str:
    """A code made of ``label`` that no category has: ``Leaders religieux`` → ``leaders_religieux``."""
    base = slugify(label, max_length=36).replace("-", "_") or "category"
    if not base[0].isalpha():
        base = "c_" + base
    taken = set(db.session.scalars(select(Category.code)))
    code, n = base, 2
    while code in taken:
        code, n = f"{base}_{n}", n + 1
    return code


def _next_order() -> int:
    return (db.session.scalar(select(func.max(Category.sort_order))) or 0) + 1


# --- changes -----------------------------------------------------------------------------


def create_category(data: dict, *, actor: Actor | None = None, commit: bool = True) -> Category:
    """Add a category (``code`` optional: made from the French label); nothing saved on error."""
    clean, errors = _clean(data, None)
    code = str(data.get("code") or "").strip().lower()
    if code and not _CODE.match(code):
        errors["code"] = [_("A code is made of lower-case letters, digits and _ (at most 40), starting with a "
                            "letter.")]
    elif code and db.session.scalar(select(Category.id).where(Category.code == code)) is not None:
        errors["code"] = [_("The code “%(code)s” is taken.", code=code)]
    if errors:
        raise ValidationError(errors)
    category = Category(code=code or _free_code(clean["label_fr"]), sort_order=_next_order(), active=True, **clean)
    db.session.add(category)
    db.session.flush()
    record(actor, "category.create", category, code=category.code)
    if commit:
        db.session.commit()
    return category


def create_category_from_value(value: str, *, actor: Actor | None = None) -> Category:
    """The category an import makes of a file's value (the organizer asked for it), labelled with
    the value in both languages until renamed; the active category already so called, if any.
    Not committed: it is written with the import."""
    label = " ".join(value.split())[:_LABEL_MAX]
    existing = _name_clash(label, None)
    if existing is not None:
        return existing
    category = Category(code=_free_code(label), label_fr=label, label_en=label, colour=DEFAULT_COLOUR,
                        sort_order=_next_order(), active=True)
    db.session.add(category)
    db.session.flush()
    record(actor, "category.create", category, code=category.code, source="import")
    return category


def update_category(category: Category, data: dict, *, actor: Actor | None = None) -> Category:
    """Rename a category in both languages and set its badge colour; its code stays."""
    clean, errors = _clean(data, category)
    if errors:
        raise ValidationError(errors)
    changed = sorted(k for k, v in clean.items() if getattr(category, k) != v)
    for key, value in clean.items():
        setattr(category, key, value)
    record(actor, "category.update", category, code=category.code, fields=changed)
    db.session.commit()
    return category


def move_category(category: Category, position: int, *, actor: Actor | None = None) -> None:
    """Put ``category`` at ``position`` (1 = first) in the list; the same request twice moves it once."""
    ordered = [c for c in list_categories(include_retired=True) if c.id != category.id]
    position = max(1, min(int(position), len(ordered) + 1))
    ordered.insert(position - 1, category)
    for order, item in enumerate(ordered):
        item.sort_order = order
    record(actor, "category.move", category, code=category.code, position=position)
    db.session.commit()


def set_category_active(category: Category, active: bool, *, actor: Actor | None = None) -> None:
    """Retire a category (kept for the events that used it, no longer offered) or offer it again."""
    if category.merged_into_id is not None and active:
        raise ValidationError(_("A merged category cannot be offered again."))
    if category.active == active:
        return  # a second click: nothing to do
    category.active = active
    record(actor, "category.restore" if active else "category.retire", category, code=category.code)
    db.session.commit()


def merge_categories(kept: Category, merged: Category, *, actor: Actor | None = None) -> int:
    """Move every person of ``merged`` to ``kept``, retire ``merged`` pointing at it; returns the
    number of persons moved. A second request for the same merge raises :class:`AlreadyMerged`
    and changes nothing: the UPDATE that marks the merge is the one that wins, once."""
    if kept.id == merged.id:
        raise ValidationError(_("A category cannot be merged into itself."))
    if kept.merged_into_id is not None or not kept.active:
        raise ValidationError(_("“%(label)s” is retired: choose a category that is offered.", label=kept.label_fr))
    label = merged.label_fr
    marked = db.session.execute(update(Category).where(Category.id == merged.id, Category.merged_into_id.is_(None))
                                .values(merged_into_id=kept.id, active=False)
                                .execution_options(synchronize_session=False))
    if marked.rowcount != 1:
        db.session.rollback()
        raise AlreadyMerged(label)
    moved = db.session.execute(update(Person).where(Person.category_id == merged.id).values(category_id=kept.id)
                               .execution_options(synchronize_session=False)).rowcount
    # Categories merged earlier into the merged one now lead to the kept one.
    db.session.execute(update(Category).where(Category.merged_into_id == merged.id, Category.id != merged.id)
                       .values(merged_into_id=kept.id).execution_options(synchronize_session=False))
    record(actor, "category.merge", kept, kept=kept.code, merged=merged.code, persons=moved)
    db.session.commit()
    return moved
