"""Sign-in sheets use the page: 18 rows or more on a landscape A4 page, each tall enough to sign,
and long names and categories wrapped or shrunk, never cut (read back with pypdf and PDFium)."""
from __future__ import annotations

import io
import os
import re
from pathlib import Path

import pytest
from pypdf import PdfReader
from reportlab.lib.units import mm

from eventapp.core import web
from eventapp.extensions import db
from eventapp.people.models import Category
from eventapp.reports.sheets import print_sheet
from tests.factories import make_event, make_person, make_registration
from tests.pdfutil import pdf_text, render_pages

LONG_CATEGORY = "Leaders religieux, coutumiers et chefs traditionnels des communes rurales du cercle de Mopti"
LONG_NAME = ("Maïga", "Fatoumata Bintou Aïssata Mariam Kadidiatou Oumou")


def sample_dir(tmp_path: Path) -> Path:
    """Where the PNG samples go: $EVENTAPP_SAMPLE_DIR when set (to look at them), else tmp_path."""
    folder = Path(os.environ.get("EVENTAPP_SAMPLE_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def row_numbers_by_page(data: bytes) -> list[list[tuple[int, float]]]:
    """Per page, each row number of the table's first column with its height on the page (pt).

    A row number is a cell that holds only digits, drawn near the left margin.
    """
    pages = []
    for page in PdfReader(io.BytesIO(data)).pages:
        found = []

        def visit(text, cm, tm, font, size, found=found):
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            if re.fullmatch(r"\d+", text.strip()) and x < 20 * mm + 15 * mm:
                found.append((int(text), y))

        page.extract_text(visitor_text=visit)
        pages.append(found)
    return pages


@pytest.fixture
def crowd(app):
    """60 expected people, some in the longest default category, one in a very long custom one."""
    long_cat = Category(code="leaders_mopti", label_fr=LONG_CATEGORY, label_en="Religious and customary leaders "
                        "and traditional chiefs of the rural communes of the Mopti district", sort_order=90)
    db.session.add(long_cat)
    db.session.commit()
    event = make_event(slug="foule", title="Atelier de restitution des résultats du projet « Renforcement des liens "
                       "de confiance entre les forces de défense et de sécurité et la population civile »",
                       sheet_show_phone=False)
    people = [make_person("Awa", "Traoré", category="traditional", organisation="Association des chefs de quartier",
                          function="Imam"),
              make_person(LONG_NAME[1], LONG_NAME[0], category=long_cat, organisation="Haut Conseil islamique du "
                          "Mali, coordination régionale de Mopti", function="Chargée de la communication"),
              make_person("Moussa", "N'Diaye", category="fds", organisation="Police nationale", function="Commissaire")]
    people += [make_person(f"Participant{i:02d}", "Zongo", category="civil_society") for i in range(57)]
    for p in people:
        make_registration(event, p)
    return event


def test_eighteen_rows_on_the_first_page_twenty_after_each_tall_enough_to_sign(crowd):
    data, _ = print_sheet(crowd, "2023-06-21", kind="expected", blank_rows=0, upload_dir=web.settings().upload_dir)
    pages = row_numbers_by_page(data)
    counts = [len(p) for p in pages]
    assert counts[0] >= 18, counts
    assert all(c >= 20 for c in counts[1:-1]), counts
    numbers = [n for page in pages for n, _y in page]
    assert numbers == list(range(1, 61))  # every row once, in order, none lost between pages
    for page in (p for p in pages if len(p) > 1):
        ys = [y for _n, y in page]
        steps = [a - b for a, b in zip(ys, ys[1:], strict=False)]
        assert min(steps) >= 7 * mm - 0.5  # room to sign: at least 7 mm a row


def test_long_categories_and_names_are_printed_in_full(crowd):
    data, _ = print_sheet(crowd, "2023-06-21", blank_rows=0, upload_dir=web.settings().upload_dir)
    text = _pdf_text_joined(data)
    assert "Autorités traditionnelles et religieuses" in text
    assert LONG_CATEGORY in text
    assert f"{LONG_NAME[0]} {LONG_NAME[1]}" in text
    assert "Haut Conseil islamique du Mali, coordination régionale de Mopti — Chargée de la communication" in text
    # Nothing is cut with an ellipsis but the letterhead's title (the opening prints it in full).
    cut = [line for line in pdf_text(data).splitlines() if "…" in line]
    assert cut and all(crowd.title.startswith(line.rstrip("…").strip()) for line in cut), cut
    assert crowd.title in text


def test_english_sheet_prints_the_english_label_in_full(crowd):
    crowd.language = "en"
    db.session.commit()
    text = _pdf_text_joined(print_sheet(crowd, "2023-06-21", blank_rows=0, upload_dir=web.settings().upload_dir)[0])
    assert "SIGN-IN SHEET" in text
    assert "Traditional and religious leaders" in text
    assert "Religious and customary leaders and traditional chiefs of the rural communes of the Mopti district" in text


def test_sheet_page_as_png(crowd, tmp_path):
    """The first page rendered: the signature cells are blank, the category cells carry ink."""
    data, _ = print_sheet(crowd, "2023-06-21", kind="expected", blank_rows=5, upload_dir=web.settings().upload_dir)
    image = render_pages(data, dpi=110)[0]
    image.save(sample_dir(tmp_path) / "sign-in-sheet-page1.png")
    (sample_dir(tmp_path) / "sign-in-sheet.pdf").write_bytes(data)
    width, height = image.size
    assert width > height  # landscape
    grey = image.convert("L")
    # The signature column is the right-hand part of the table: white inside its rows.
    signature = grey.crop((int(width * 0.80), int(height * 0.40), int(width * 0.95), int(height * 0.80)))
    assert _ink(signature, ignore_lines=True) < 0.01
    category = grey.crop((int(width * 0.52), int(height * 0.30), int(width * 0.64), int(height * 0.36)))
    assert _ink(category) > 0.01


def _ink(image, ignore_lines: bool = False) -> float:
    """The share of dark pixels (grid lines, one or two pixels wide, left out when asked)."""
    w, h = image.size
    pixels = image.tobytes()  # one byte a pixel ("L")
    rows = [pixels[i:i + w] for i in range(0, len(pixels), w)]
    if ignore_lines:
        rows = [r for r in rows if sum(p < 160 for p in r) < w * 0.5]  # a horizontal grid line
    dark = sum(p < 160 for r in rows for p in r)
    return dark / max(1, sum(len(r) for r in rows))


def _pdf_text_joined(data: bytes) -> str:
    """The PDF's text with every run of whitespace made one space (a wrapped cell reads whole)."""
    reader = PdfReader(io.BytesIO(data))
    return re.sub(r"\s+", " ", " ".join(p.extract_text() or "" for p in reader.pages))
