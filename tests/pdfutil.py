"""Reading PDFs back in tests: their text, and the QR codes a real decoder finds on the pages."""
from __future__ import annotations

import io


def pdf_text(data: bytes) -> str:
    """All the text of a PDF, page after page (pypdf)."""
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def pdf_words(data: bytes) -> str:
    """The text of a PDF with every run of white space (line ends, no-break spaces) as one space,
    so that a phrase reads the same wherever the lines break."""
    return " ".join(pdf_text(data).split())


def page_count(data: bytes) -> int:
    """The number of pages of a PDF."""
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(data)).pages)


def render_pages(data: bytes, dpi: int = 200):
    """Each page rasterised by PDFium, as PIL images."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    try:
        return [pdf[i].render(scale=dpi / 72).to_pil() for i in range(len(pdf))]
    finally:
        pdf.close()


def decode_qr_codes(data: bytes, dpi: int = 200) -> list[list[str]]:
    """The QR codes zxing-cpp reads on each page of a PDF (a list of texts per page)."""
    import zxingcpp

    pages = []
    for image in render_pages(data, dpi):
        results = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
        pages.append([r.text for r in results])
    return pages
