"""Opaque tokens: check-in tokens and their QR payload, answer tokens, station tokens.

A check-in token is 128 random bits in base32 (26 characters, A–Z and 2–7). The QR code holds
``EA1`` + token: a version prefix, then the token, all uppercase alphanumerics so the QR code
uses its compact alphanumeric mode (version 2, 25×25 modules). No name and no row id are in it.
"""
from __future__ import annotations

import base64
import hashlib
import re
import secrets

PAYLOAD_PREFIX = "EA1"
TOKEN_LENGTH = 26
_TOKEN_RE = re.compile(r"[A-Z2-7]{26}")
# A USB scanner set to a US layout and plugged into a French (AZERTY) laptop types the
# unshifted AZERTY characters instead of digits. Map them back so such a scan still reads.
_AZERTY_DIGITS = str.maketrans({"&": "1", "é": "2", '"': "3", "'": "4", "(": "5",
                                "-": "6", "è": "7", "_": "8", "ç": "9", "à": "0"})


def new_checkin_token() -> str:
    """A fresh check-in token: 128 bits from the OS's CSPRNG, base32 without padding."""
    return base64.b32encode(secrets.token_bytes(16)).decode("ascii").rstrip("=")


def new_answer_token() -> str:
    """A fresh secret for a personal answer link (URL-safe)."""
    return secrets.token_urlsafe(24)


#: The alphabet of answer codes: digits and capitals without the look-alikes 0/O, 1/I/L.
ANSWER_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
#: 12 characters of 31: 59 random bits. The answer page refuses a caller after a few unknown
#: codes a minute (``registration.views``), so guessing one of the codes in use is hopeless.
ANSWER_CODE_LENGTH = 12
_ANSWER_CODE_RE = re.compile(f"[{ANSWER_CODE_ALPHABET}]{{{ANSWER_CODE_LENGTH}}}")


def new_answer_code() -> str:
    """A fresh short answer code, the one a printed letter asks to type by hand."""
    return "".join(secrets.choice(ANSWER_CODE_ALPHABET) for _ in range(ANSWER_CODE_LENGTH))


def spaced_answer_code(code: str) -> str:
    """The code in groups of four, as printed and put in links: 'K7QM-4TXR-9PZC'."""
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def parse_answer_code(text: str) -> str | None:
    """The answer code in what someone typed (any case, with or without its dashes or spaces), or None."""
    if not isinstance(text, str) or len(text) > 40:
        return None
    code = re.sub(r"[\s-]", "", text).upper()
    return code if _ANSWER_CODE_RE.fullmatch(code) else None


def qr_payload(checkin_token: str) -> str:
    """The text put in a registration's QR code."""
    return PAYLOAD_PREFIX + checkin_token


def parse_payload(raw: str) -> str | None:
    """The check-in token inside a scanned payload, or None when it is not one of ours.

    Tolerates what real scanners do: surrounding spaces and line ends, lower case, AZERTY
    digit keys, and a bare token without its prefix. Anything else is rejected.
    """
    if not isinstance(raw, str) or len(raw) > 200:
        return None
    text = raw.strip().translate(_AZERTY_DIGITS).upper()
    if text.startswith(PAYLOAD_PREFIX) and len(text) == len(PAYLOAD_PREFIX) + TOKEN_LENGTH:
        text = text[len(PAYLOAD_PREFIX):]
    if _TOKEN_RE.fullmatch(text):
        return text
    return None


def new_station_token() -> str:
    """A station's bearer token (shown once; only its hash is stored)."""
    return "st_" + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """The stored form of a bearer token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
