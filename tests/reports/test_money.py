"""Amounts as people read them, in both languages; the report's chart keeps its title clear."""
from __future__ import annotations

from reportlab.graphics.shapes import Rect, String

from eventapp.core.documents.charts import bar_drawing, bar_svg
from eventapp.core.money import format_amount, format_number

NNBSP = "\u202f"


def test_french_groups_thousands_with_a_narrow_no_break_space():
    assert format_amount(1_020_000, "XOF", "fr") == f"1{NNBSP}020{NNBSP}000 FCFA"
    assert format_amount(12_500, "XOF", "fr") == f"12{NNBSP}500 FCFA"
    assert format_amount(0, "XOF", "fr") == "0 FCFA"
    assert format_number(10_000_000, "fr") == f"10{NNBSP}000{NNBSP}000"


def test_english_groups_thousands_with_commas():
    assert format_amount(1_020_000, "XOF", "en") == "1,020,000 FCFA"
    assert format_amount(950, "XOF", "en") == "950 FCFA"


def test_other_currencies_by_their_code_and_none_is_empty():
    assert format_amount(1500, "EUR", "fr") == f"1{NNBSP}500 EUR"
    assert format_amount(1500, "xaf", "en") == "1,500 FCFA"
    assert format_amount(None, "XOF", "fr") == ""
    assert format_amount(2000, "", "en") == "2,000"


CATEGORIES = ["FDS", "Autorités", "Autorités traditionnelles et religieuses", "Société civile",
              "Population civile", "Presse", "Partenaires", "Organisation"]


def test_chart_title_is_above_its_legend_and_category_names_are_whole():
    drawing = bar_drawing(CATEGORIES, [[5] * 8, [11] * 8, [0] * 8], ["Femmes", "Hommes", "Sexe non renseigné"],
                          "Participation par catégorie et par sexe")
    title = next(s for s in drawing.contents if isinstance(s, String) and s.text.startswith("Participation"))
    swatches = [r for r in drawing.contents if isinstance(r, Rect)]
    assert len(swatches) == 3
    assert all(r.y + r.height < title.y for r in swatches)  # the legend is below the title, not over it
    legend_names = [s for s in drawing.contents if isinstance(s, String) and s is not title]
    assert all(a.x + 40 < b.x for a, b in zip(legend_names, legend_names[1:], strict=False))  # side by side
    chart = drawing.contents[-1]
    names = [n.replace("\n", " ") for n in chart.categoryAxis.categoryNames]
    assert names == CATEGORIES  # wrapped onto lines, never cut with "…"
    assert chart.y + chart.height < min(r.y for r in swatches)  # the bars stay below the legend


def test_chart_svg_names_categories_in_full():
    svg = bar_svg(CATEGORIES, [[1] * 8, [2] * 8, [0] * 8], ["Femmes", "Hommes", "Sexe non renseigné"], "Participation")
    assert "…" not in svg
    assert "traditionnelles" in svg and "religieuses" in svg
