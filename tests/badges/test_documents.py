"""Badge sheets as documents: every layout scans, keeps accents, fits long names, cuts right."""
from __future__ import annotations

import io
import unicodedata
from datetime import date

import pytest

from eventapp.badges.documents.badges import (
    LAYOUTS,
    BadgeEvent,
    BadgePerson,
    UnknownLayout,
    band_items,
    design_for,
    get_layout,
    header_items,
    person_items,
    render_badges,
)
from eventapp.core.documents.qr import QUIET_ZONE, draw_qr, encoder_name, qr_matrix
from eventapp.core.documents.textfit import contrast_text_colour, fit_text, width_at_1pt
from eventapp.core.tokens import new_checkin_token, qr_payload
from tests.pdfutil import decode_qr_codes, page_count, pdf_text

LONG_NAME = ("Abdoulaye Mohamed Ould Sidi Ahmed Ag Intalla Ben Bella Haïdara Cissé Coulibaly Doumbia "
             "Dembélé Sangaré Keïta Kanté Touré Sidibé Diallo Sow")
ARABIC = ("محمد", "الأمين")


def make_event(**kw) -> BadgeEvent:
    values = dict(title="Atelier de restitution des résultats", start_date=date(2023, 6, 21),
                  end_date=date(2023, 6, 21), language="fr", place="Bamako")
    values.update(kw)
    return BadgeEvent(**values)


def people(n: int) -> list[BadgePerson]:
    names = [("Awa", "Traoré", "Société civile", "#1b7a3a"), ("Fatoumata", "Maïga", "Autorités", "#7b2c2c"),
             ("Mamadou", "N'Diaye", "Presse", "#333333"), ("Aminata", "Keïta", "FDS", "#1f4e79")]
    out = []
    for i in range(n):
        first, last, label, colour = names[i % len(names)]
        out.append(BadgePerson(qr_payload(new_checkin_token()), first, last, "IMRAP", "Chercheuse", label, colour))
    return out


def png_logo() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (60, 30), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.parametrize("name", list(LAYOUTS))
def test_every_layout_scans_back_to_each_participants_payload(name):
    layout = LAYOUTS[name]
    crowd = people(layout.per_page + 1)  # a full sheet and one more
    pdf = render_badges(make_event(organizer_logo=png_logo(), partner_logo=png_logo()), crowd, name)
    assert page_count(pdf) == 2
    pages = decode_qr_codes(pdf, dpi=150)
    expected = [p.payload for p in crowd]
    assert sorted(pages[0]) == sorted(expected[:layout.per_page])
    assert pages[1] == [expected[-1]]
    assert b"/Subtype /Image" in pdf  # the logos …
    assert pdf.count(b"/Subtype /Image") == 1  # … stored once: both are the same bytes here


def test_text_keeps_accents():
    text = pdf_text(render_badges(make_event(), people(4)))
    for word in ("Traoré", "Maïga", "N'Diaye", "Keïta", "Société civile", "Autorités", "21 juin 2023"):
        assert word in text


def test_every_badge_lies_inside_the_page_and_its_cut_marks():
    for layout in LAYOUTS.values():
        page_w, page_h = layout.page
        xs, ys = layout.cut_lines()
        segments = layout.cut_mark_segments()
        for i in range(layout.per_page):
            x, y, w, h = layout.badge_box(i)
            assert x >= 0 and x + w <= page_w + 1e-6 and y >= 0 and y + h <= page_h + 1e-6, layout.name
            if layout.cut_marks:
                # Each edge of the badge is on a cut line, and no mark enters a badge.
                assert round(x, 3) in xs and round(x + w, 3) in xs
                assert round(y, 3) in ys and round(y + h, 3) in ys
                for x1, y1, x2, y2 in segments:
                    inside_x = min(x1, x2) < x + w - 1e-6 and max(x1, x2) > x + 1e-6
                    inside_y = min(y1, y2) < y + h - 1e-6 and max(y1, y2) > y + 1e-6
                    assert not (inside_x and inside_y), (layout.name, i)
        for x1, y1, x2, y2 in segments:
            assert min(x1, x2) >= 0 and max(x1, x2) <= page_w and min(y1, y2) >= 0 and max(y1, y2) <= page_h
        if layout.cut_marks:
            assert len(segments) == 2 * (len(xs) + len(ys))


def test_a_layout_that_does_not_fit_is_refused_when_defined():
    from eventapp.badges.documents.badges import Layout

    with pytest.raises(ValueError):
        Layout("too-many", "x", (595, 842), 3, 5, (252, 153))  # 3 × 89 mm > 210 mm
    with pytest.raises(ValueError):
        Layout("no-room", "x", (595, 842), 2, 2, (297, 420))  # no margin left for cut marks


def _inside(items, width, height):
    for item in items:
        assert item.x >= -0.01 and item.x + item.width <= width + 0.01, item
        assert item.y - 0.25 * item.size >= -0.01 and item.y + item.size <= height + 0.01, item


@pytest.mark.parametrize("name", list(LAYOUTS))
def test_long_names_shrink_or_wrap_and_stay_inside_their_box(name):
    d = design_for(LAYOUTS[name])
    event = make_event(title="Atelier national de restitution " * 4)
    x, y, w, h = d.text_box
    for person in (
        BadgePerson("EA1X", LONG_NAME, "", "Ministère de la Sécurité et de la Protection civile " * 3,
                    "Secrétaire général " * 4, "Autorités traditionnelles et religieuses " * 3, "#6a3d9a"),
        BadgePerson("EA1X", "A" * 120, "", "", "", "FDS", "#1f4e79"),
        BadgePerson("EA1X", *ARABIC, "", "", "Partenaires", "#0b7285"),
    ):
        items = person_items(person, event, d)
        # every word of the name is there: nothing is cut
        printed = " ".join(i.text for i in items)
        for word in (person.first_name + " " + person.last_name).split():
            if not any("\u0600" <= c <= "\u06ff" for c in word):
                assert word in printed.replace(" ", " ") or word in printed.replace(" ", "")
        for item in items:
            assert x - 0.01 <= item.x and item.x + item.width <= x + w + 0.01, item
            assert y - 0.25 * item.size <= item.y and item.y + 0.75 * item.size <= y + h + 0.01, item
        _inside(band_items(person.category_label, person.category_colour, d), d.width, d.band_height)
    _inside(header_items(event, d, (True, True)), d.width, d.height)
    # The QR code (quiet zone included) is at least 20 mm and inside the badge.
    qx, qy, qs = d.qr
    assert qs >= 20 * 72 / 25.4 and qx >= 0 and qx + qs <= d.width + 0.01 and qy >= d.band_height


def test_fitting_prefers_one_line_then_two_and_never_cuts():
    one = fit_text("Awa Traoré", "DejaVuSansCondensed-Bold", 200, 60, 20)
    assert one.lines == ("Awa Traoré",) and one.size == pytest.approx(20, rel=0.01)
    two = fit_text(LONG_NAME, "DejaVuSansCondensed-Bold", 180, 60, 20, 8, 2)
    assert len(two.lines) >= 2 and all(w <= 180 for w in two.widths)
    assert " ".join(two.lines).split() == LONG_NAME.split()
    solid = fit_text("B" * 120, "DejaVuSansCondensed-Bold", 150, 40, 20, 8, 2)
    assert "".join(solid.lines) == "B" * 120 and all(w <= 150 for w in solid.widths)
    assert solid.height <= 40
    assert abs(width_at_1pt("Maïga", "DejaVuSans") * 10 - fit_text("Maïga", "DejaVuSans", 500, 50, 10).widths[0]) < 0.1


def test_band_text_colour_reads_on_its_band():
    assert contrast_text_colour("#1f4e79") == "#ffffff"
    assert contrast_text_colour("#f5e663") == "#000000"
    assert contrast_text_colour("not a colour") == "#ffffff"  # the default grey


def test_discreet_badges_show_the_first_name_only():
    person = BadgePerson(qr_payload(new_checkin_token()), "Aïssata", "Coulibaly", "Association des femmes",
                         "Présidente", "Société civile", "#1b7a3a")
    pdf = render_badges(make_event(discreet=True), [person], "a6")
    text = pdf_text(pdf)
    assert "Aïssata" in text
    for hidden in ("Coulibaly", "Association", "Présidente", "Société civile"):
        assert hidden not in text
    assert decode_qr_codes(pdf, dpi=150) == [[person.payload]]


def test_unreadable_logo_is_left_out_and_the_badge_still_made():
    crowd = people(2)
    pdf = render_badges(make_event(organizer_logo=b"\x89PNG\r\n\x1a\nbroken", partner_logo=b"GIF89a..."), crowd)
    assert b"/Subtype /Image" not in pdf
    assert sorted(decode_qr_codes(pdf, dpi=150)[0]) == sorted(p.payload for p in crowd)


def test_arabic_name_renders_shaped_and_extracts():
    person = BadgePerson(qr_payload(new_checkin_token()), *ARABIC, "", "", "Presse", "#333333")
    pdf = render_badges(make_event(language="en"), [person], "a4-10")
    text = unicodedata.normalize("NFKC", pdf_text(pdf))
    # Shaped letters (presentation forms) fold back to the plain letters; visual order is reversed.
    for word in ARABIC:
        assert word in text or word[::-1] in text
    assert decode_qr_codes(pdf, dpi=150) == [[person.payload]]


def test_nobody_gives_a_valid_pdf_that_says_so_and_unknown_layouts_are_refused():
    pdf = render_badges(make_event(), [], "a4-8")
    assert page_count(pdf) == 1 and "Personne à imprimer" in pdf_text(pdf)
    with pytest.raises(UnknownLayout) as info:
        get_layout("a3-99")
    assert "a4-8" in str(info.value) and "id1" in str(info.value)
    assert get_layout(None).name == "a4-8"


def test_qr_encoder_and_rectangles_cover_exactly_the_dark_modules():
    """The path draw_qr writes: its rectangles cover each dark module once and no light one."""
    payload = qr_payload(new_checkin_token())
    matrix = qr_matrix(payload)
    assert len(matrix) == 25
    assert encoder_name() == "zxing-cpp"

    class Canvas:
        def addLiteral(self, text):  # noqa: N802 (ReportLab's name)
            self.text = text

    canvas = Canvas()
    draw_qr(canvas, payload, 0, 0, 100, background=False)
    numbers = canvas.text.split(" 0 g ", 1)[1].split()
    rects = [tuple(int(v) for v in numbers[i:i + 4]) for i in range(0, len(numbers) - 2, 5)]
    top = len(matrix) + QUIET_ZONE
    covered = set()
    for x, y, width, height in rects:
        row, col = top - y - height, x - QUIET_ZONE
        for r in range(row, row + height):
            for c in range(col, col + width):
                assert (r, c) not in covered
                covered.add((r, c))
    assert covered == {(r, c) for r, line in enumerate(matrix) for c, dark in enumerate(line) if dark}


@pytest.mark.parametrize("name", list(LAYOUTS))
def test_drawn_text_stays_inside_the_badges_in_the_pdf(name):
    """Read the characters' boxes back from the rendered PDF (PDFium) and check each one."""
    import pypdfium2 as pdfium

    layout = LAYOUTS[name]
    crowd = [BadgePerson(qr_payload(new_checkin_token()), LONG_NAME, "A" * 40, "Ministère " * 12,
                         "Secrétaire général " * 5, "Autorités traditionnelles et religieuses " * 2, "#6a3d9a"),
             BadgePerson(qr_payload(new_checkin_token()), *ARABIC, "", "", "Presse", "#333333")]
    pdf = render_badges(make_event(title="Atelier national de restitution " * 4, organizer_logo=png_logo()),
                        crowd, name)
    boxes = [layout.badge_box(i) for i in range(layout.per_page)]
    qx, qy, qs = design_for(layout).qr
    codes = [(x + qx, y + qy, qs) for x, y, _w, _h in boxes]  # quiet zones included
    document = pdfium.PdfDocument(pdf)
    try:
        page = document[0]
        text = page.get_textpage()
        checked = 0
        for i in range(text.count_chars()):
            if text.get_text_range(i, 1).isspace():
                continue
            left, bottom, right, top = text.get_charbox(i)
            assert any(x - 0.5 <= left and right <= x + w + 0.5 and y - 0.5 <= bottom and top <= y + h + 0.5
                       for x, y, w, h in boxes), (i, text.get_text_range(i, 1), (left, bottom, right, top))
            assert not any(left < cx + cs and right > cx and bottom < cy + cs and top > cy for cx, cy, cs in codes), \
                (i, text.get_text_range(i, 1))
            checked += 1
        assert checked > 100
    finally:
        document.close()


def test_name_plates_keep_long_words_on_their_own_face():
    """Each face's characters stay in its half of the sheet and inside the page (PDFium boxes)."""
    import pypdfium2 as pdfium

    from eventapp.badges.documents.nameplates import Nameplate, render_nameplates

    plate = Nameplate(last_name="N'DIAYE " + "B" * 60, honorific="Son Excellence Monsieur le Ministre",
                      first_name=LONG_NAME, function="Secrétaire général " * 6, institution="Ministère " * 15)
    pdf = render_nameplates([plate], title="Atelier de restitution", language="fr")
    document = pdfium.PdfDocument(pdf)
    try:
        page = document[0]
        width, height = page.get_size()
        text = page.get_textpage()
        halves = {"lower": 0, "upper": 0}
        for i in range(text.count_chars()):
            if text.get_text_range(i, 1).isspace():
                continue
            left, bottom, right, top = text.get_charbox(i)
            assert left >= 0 and right <= width and bottom >= 0 and top <= height
            assert top <= height / 2 + 0.5 or bottom >= height / 2 - 0.5, text.get_text_range(i, 1)
            halves["lower" if top <= height / 2 + 0.5 else "upper"] += 1
        assert halves["lower"] > 100 and abs(halves["lower"] - halves["upper"]) <= 10  # both faces
    finally:
        document.close()
    assert pdf_text(pdf).count("N'DIAYE") == 2
