"""Organizers' page of participant categories: add, rename, order, colour, retire, merge."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import Length

from eventapp.accounts.security import roles_required
from eventapp.core.errors import NotFound, ValidationError
from eventapp.core.i18n import current_language
from eventapp.core.input import Form, db_int
from eventapp.events.view_helpers import actor, form_errors_from
from eventapp.people import categories as category_service

bp = Blueprint("categories", __name__, url_prefix="/categories")

EDIT_ROLES = ("organizer",)  # and admins, who may do everything


class CategoryForm(Form):
    """A category's labels in both languages and the colour of its badge band."""

    label_fr = StringField(_l("Label in French"), validators=[Length(max=120)])
    label_en = StringField(_l("Label in English"), validators=[Length(max=120)])
    colour = StringField(_l("Colour of the badge band"), default=category_service.DEFAULT_COLOUR,
                         validators=[Length(max=7)])

    def data_for_service(self) -> dict:
        """The fields as the service takes them."""
        return {"label_fr": self.label_fr.data, "label_en": self.label_en.data, "colour": self.colour.data}


class NewCategoryForm(CategoryForm):
    """A new category: its code too (made from the French label when left empty)."""

    code = StringField(_l("Code (for reports and files; cannot be changed later)"), validators=[Length(max=40)])

    def data_for_service(self) -> dict:
        return {**super().data_for_service(), "code": self.code.data}


def _category_or_404(category_id: int):
    try:
        return category_service.get_category(category_id)
    except NotFound:
        abort(404)


@bp.route("", methods=["GET", "POST"])
@roles_required(*EDIT_ROLES)
def index():
    """Every category in its order, with how many persons it holds, and a form to add one."""
    form = NewCategoryForm()
    if form.validate_on_submit():
        try:
            category = category_service.create_category(form.data_for_service(), actor=actor())
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            flash(_("The category “%(label)s” has been added.", label=category.label(current_language())), "success")
            return redirect(url_for("categories.index"))
    everything = category_service.list_categories(include_retired=True)
    return render_template("people/categories.html", form=form, action_form=Form(),
                           offered=[c for c in everything if c.active], retired=[c for c in everything if not c.active],
                           by_id={c.id: c for c in everything}, counts=category_service.persons_per_category(),
                           language=current_language())


@bp.route("/<int:category_id>", methods=["GET", "POST"])
@roles_required(*EDIT_ROLES)
def edit(category_id: int):
    """Rename a category in both languages and choose its colour; the code stays."""
    category = _category_or_404(category_id)
    form = CategoryForm(obj=category)
    if form.validate_on_submit():
        try:
            category_service.update_category(category, form.data_for_service(), actor=actor())
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            flash(_("The changes have been saved."), "success")
            return redirect(url_for("categories.index"))
    return render_template("people/category_form.html", form=form, category=category,
                           count=category_service.persons_per_category().get(category.id, 0))


@bp.route("/<int:category_id>/move", methods=["POST"])
@roles_required(*EDIT_ROLES)
def move(category_id: int):
    """Put a category at a position of the list (the page's arrows send the position wanted)."""
    category = _category_or_404(category_id)
    form = Form()
    if form.validate_on_submit():
        try:
            position = db_int(request.form.get("position", ""))
        except ValueError:
            flash(_("Choose a position in the list."), "error")
        else:
            category_service.move_category(category, position, actor=actor())
    return redirect(url_for("categories.index"))


@bp.route("/<int:category_id>/retire", methods=["POST"])
@roles_required(*EDIT_ROLES)
def retire(category_id: int):
    """Stop offering a category; the events and persons that have it keep it."""
    category = _category_or_404(category_id)
    if Form().validate_on_submit():
        category_service.set_category_active(category, False, actor=actor())
        flash(_("“%(label)s” is retired: no longer offered, kept for the people and events that have it.",
                label=category.label(current_language())), "success")
    return redirect(url_for("categories.index"))


@bp.route("/<int:category_id>/restore", methods=["POST"])
@roles_required(*EDIT_ROLES)
def restore(category_id: int):
    """Offer a retired category again."""
    category = _category_or_404(category_id)
    if Form().validate_on_submit():
        try:
            category_service.set_category_active(category, True, actor=actor())
        except ValidationError as exc:
            flash(str(exc), "error")
        else:
            flash(_("“%(label)s” is offered again.", label=category.label(current_language())), "success")
    return redirect(url_for("categories.index"))


@bp.route("/<int:category_id>/merge", methods=["GET", "POST"])
@roles_required(*EDIT_ROLES)
def merge(category_id: int):
    """Merge a category into another: choose the one kept, read what will happen, confirm."""
    merged = _category_or_404(category_id)
    language = current_language()
    form = Form()
    kept = _kept_of_request(merged)
    if request.method == "POST" and form.validate_on_submit():
        if kept is None:
            flash(_("Choose the category to keep."), "error")
            return redirect(url_for("categories.merge", category_id=merged.id))
        try:
            moved = category_service.merge_categories(kept, merged, actor=actor())
        except category_service.AlreadyMerged as exc:
            flash(str(exc), "info")  # a second click on the same merge: nothing more is done
        except ValidationError as exc:
            flash(str(exc), "error")
            return redirect(url_for("categories.merge", category_id=merged.id))
        else:
            flash(_("“%(merged)s” has been merged into “%(kept)s” (%(n)d persons moved).",
                    merged=merged.label(language), kept=kept.label(language), n=moved), "success")
        return redirect(url_for("categories.index"))
    targets = [c for c in category_service.list_categories() if c.id != merged.id]
    return render_template("people/category_merge.html", form=form, merged=merged, kept=kept, targets=targets,
                           counts=category_service.persons_per_category(), language=language)


def _kept_of_request(merged):
    """The category chosen to keep (``into`` in the query or the form), or None."""
    try:
        kept_id = db_int(request.values.get("into", ""))
    except ValueError:
        return None
    kept = category_service.list_categories()
    return next((c for c in kept if c.id == kept_id and c.id != merged.id), None)
