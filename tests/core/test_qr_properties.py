"""Property-based tests of the QR payload parser: whatever is scanned, a token or None, never a crash."""
from __future__ import annotations

import re

from hypothesis import example, given, settings
from hypothesis import strategies as st

from eventapp.core.tokens import PAYLOAD_PREFIX, TOKEN_LENGTH, new_checkin_token, parse_payload, qr_payload

TOKEN = re.compile(r"[A-Z2-7]{26}")
BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
tokens = st.text(alphabet=BASE32, min_size=TOKEN_LENGTH, max_size=TOKEN_LENGTH)


@settings(max_examples=500)
@given(st.one_of(st.text(), st.binary().map(lambda b: b.decode("latin-1")), st.none(), st.integers(),
                 st.text(alphabet=BASE32 + "EA1 \r\n\t&é\"'(-è_çà", max_size=40)))
@example("")
@example("EA1")
@example("EA1" + "A" * 25)
@example("EA1" + "A" * 27)
@example("\x00" * 300)
def test_any_input_gives_a_valid_token_or_none(raw):
    result = parse_payload(raw)
    assert result is None or (isinstance(result, str) and TOKEN.fullmatch(result))


@given(tokens)
def test_round_trip_of_the_payload(token):
    assert parse_payload(qr_payload(token)) == token


@given(tokens, st.sampled_from(["", " ", "\n", "\r\n", "\t"]), st.sampled_from(["", " ", "\n", "\r\n"]),
       st.booleans())
def test_what_scanners_add_is_tolerated(token, before, after, lower):
    raw = before + qr_payload(token) + after
    assert parse_payload(raw.lower() if lower else raw) == token


@given(tokens, st.text(min_size=1, max_size=5).filter(lambda s: s.strip() and not s.isspace()))
def test_anything_glued_to_a_token_is_rejected_or_is_another_valid_token(token, junk):
    result = parse_payload(qr_payload(token) + junk)
    # Junk never makes it parse as *this* token with extra data silently dropped.
    assert result is None or (TOKEN.fullmatch(result) and len(result) == TOKEN_LENGTH)
    assert result != token or junk.strip() == ""


@settings(max_examples=50)
@given(st.integers(min_value=0, max_value=10))
def test_fresh_tokens_parse_and_never_carry_a_name(_n):
    token = new_checkin_token()
    payload = qr_payload(token)
    assert payload.startswith(PAYLOAD_PREFIX) and len(payload) == len(PAYLOAD_PREFIX) + TOKEN_LENGTH
    assert parse_payload(payload) == token
