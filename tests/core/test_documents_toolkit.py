"""The documents toolkit: fonts with accents, the letterhead with page X of Y, vector QR codes."""
from __future__ import annotations

from reportlab.platypus import PageBreak, Paragraph

from eventapp.core.documents.pages import Letterhead, render_pdf, styles
from eventapp.core.documents.qr import QRFlowable, qr_matrix
from eventapp.core.tokens import new_checkin_token, parse_payload, qr_payload
from tests.pdfutil import decode_qr_codes, page_count, pdf_text


def test_letterhead_pages_number_and_accents():
    s = styles()
    story = [Paragraph("Awa Traoré, Fatoumata Maïga, Mamadou N'Diaye", s["body"]), PageBreak(),
             Paragraph("Deuxième page", s["body"])]
    pdf = render_pdf(Letterhead(title="Atelier de restitution", language="fr", organizer="IMRAP"), story)
    text = pdf_text(pdf)
    assert page_count(pdf) == 2
    assert "Awa Traoré, Fatoumata Maïga, Mamadou N'Diaye" in text
    assert "Page 1 sur 2" in text and "Page 2 sur 2" in text
    english = pdf_text(render_pdf(Letterhead(title="Workshop", language="en"), [Paragraph("x", s["body"])]))
    assert "Page 1 of 1" in english


def test_vector_qr_decodes_back_to_its_payload():
    payloads = [qr_payload(new_checkin_token()) for _ in range(3)]
    story = [QRFlowable(p, 60) for p in payloads]  # 60 pt ≈ 21 mm
    pdf = render_pdf(Letterhead(title="QR"), story)
    assert sorted(decode_qr_codes(pdf)[0]) == sorted(payloads)
    assert b"/Subtype /Image" not in pdf  # drawn as vectors, not pictures


def test_payload_is_small_and_parses_back():
    token = new_checkin_token()
    payload = qr_payload(token)
    assert len(qr_matrix(payload)) == 25  # version 2
    assert parse_payload(payload) == token
    assert parse_payload("  " + payload.lower() + "\r\n") == token
    assert parse_payload(token) == token
    assert parse_payload("EA1" + token[:-1]) is None
    assert parse_payload("https://evil.example/" + token) is None
    assert parse_payload("") is None
