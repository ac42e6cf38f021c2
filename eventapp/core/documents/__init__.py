"""Document makers: plain data in, bytes out. No database, no Flask, no request.

The toolkit every PDF shares:
- :mod:`fonts`: the bundled DejaVu fonts, registered once (every accent, and more);
- :mod:`qr`: QR codes encoded once and drawn as vectors;
- :mod:`pages`: the A4 page template with logos, header, and footer "page X of Y".
"""
