"""Benchmark: 1,000 badges, beside the bare cost of encoding the same 1,000 QR codes.

Run with ``make bench`` (``pytest -s tests/bench``). It prints figures and fails only when the
badges do not scan back, never by the clock. Aim: 1,000 badges in under 1.5 s, PDF < 2 MB.
"""
from __future__ import annotations

import os
import time
from datetime import date

from eventapp.badges.documents.badges import BadgeEvent, BadgePerson, render_badges
from eventapp.core.documents import qr
from eventapp.core.tokens import new_checkin_token, qr_payload
from tests.pdfutil import decode_qr_codes

N = 1000
NAMES = [("Awa", "Traoré"), ("Fatoumata", "Maïga"), ("Mamadou", "N'Diaye"), ("Aminata", "Keïta"),
         ("Boubacar", "Coulibaly"), ("Mariam", "Diarra"), ("Ousmane", "Sangaré"), ("Kadiatou", "Sidibé")]
CATEGORIES = [("FDS", "#1f4e79"), ("Autorités", "#7b2c2c"), ("Société civile", "#1b7a3a"),
              ("Population civile", "#b35900"), ("Presse", "#333333")]


def _encoders():
    import qrcode
    import segno
    from qrcode.constants import ERROR_CORRECT_M

    def qrcode_default(data):
        code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0, box_size=1)
        code.add_data(data)
        code.make(fit=True)
        return code.get_matrix()

    def qrcode_fixed_mask(data):
        code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0, box_size=1, mask_pattern=0)
        code.add_data(data)
        code.make(fit=True)
        return code.get_matrix()

    def segno_default(data):
        return segno.make_qr(data, error="m", boost_error=False).matrix

    def segno_fixed_mask(data):
        return segno.make_qr(data, error="m", boost_error=False, mask=0).matrix

    encoders = {"qrcode (automatic mask)": qrcode_default, "qrcode (fixed mask)": qrcode_fixed_mask,
                "segno (automatic mask)": segno_default, "segno (fixed mask)": segno_fixed_mask}
    if qr.encoder_name() == "zxing-cpp":
        encoders["zxing-cpp (compiled)"] = lambda data: qr._rows_zxing(data, qr.ERROR_CORRECT_M)
    return encoders


def _timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def test_thousand_badges():
    payloads = [qr_payload(new_checkin_token()) for _ in range(N)]
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\n--- badges benchmark: {N} badges; QR encoder in use: {qr.encoder_name()}; "
          f"machine load {load} on {os.cpu_count()} cores (figures grow with it) ---")
    print("bare QR encoding of the same payloads:")
    for name, encode in _encoders().items():
        seconds, _ = _timed(lambda encode=encode: [encode(p) for p in payloads])
        print(f"  {name:26s} {seconds * 1000:8.0f} ms  ({seconds / N * 1000:.3f} ms a code)")

    event = BadgeEvent("Atelier de restitution des résultats de la recherche", date(2023, 6, 21),
                       date(2023, 6, 22), "fr", "Bamako")
    people = [BadgePerson(p, *NAMES[i % len(NAMES)], "Institut malien de recherche action pour la paix",
                          "Chargé de programme", *CATEGORIES[i % len(CATEGORIES)]) for i, p in enumerate(payloads)]
    qr._rows.cache_clear()
    qr._module_path.cache_clear()
    for layout in ("a4-8", "a4-10", "id1"):
        seconds, pdf = _timed(lambda layout=layout: render_badges(event, people, layout))
        print(f"render {N} badges, layout {layout:6s} {seconds:6.3f} s  {N / seconds:7.0f} badges/s  "
              f"PDF {len(pdf) / 1e6:.2f} MB (QR encoding included for the first layout)")
        if layout == "a4-8":
            first_pdf = pdf
    many = [BadgePerson(qr_payload(new_checkin_token()), *NAMES[i % len(NAMES)], "IMRAP", "Participant",
                        *CATEGORIES[i % len(CATEGORIES)]) for i in range(10 * N)]
    seconds, pdf = _timed(lambda: render_badges(event, many, "a4-8"))
    print(f"render {10 * N} badges (a background print), a4-8: {seconds:6.2f} s  {10 * N / seconds:7.0f} badges/s  "
          f"PDF {len(pdf) / 1e6:.2f} MB")
    # The figures count only if the codes scan: read back the first two sheets.
    import io

    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(io.BytesIO(first_pdf)).pages[:2]:
        writer.add_page(page)
    buffer = io.BytesIO()
    writer.write(buffer)
    read = [code for page in decode_qr_codes(buffer.getvalue(), dpi=150) for code in page]
    assert sorted(read) == sorted(payloads[:16])
