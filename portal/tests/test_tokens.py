"""The page token: any change to it, anywhere, opens nothing (no database needed)."""

from __future__ import annotations

import string

from hypothesis import given
from hypothesis import strategies as st

from portal.tokens import secret_hash, token_hash, token_new

ALPHABET = string.ascii_letters + string.digits + "-_."
TOKEN, DIGEST = token_new()


def test_a_new_token_stands_for_its_stored_hash_and_is_url_safe():
    assert token_hash(TOKEN) == DIGEST
    assert set(TOKEN) <= set(ALPHABET) and len(TOKEN) < 100
    assert token_new()[1] != DIGEST  # random each time


@given(position=st.integers(min_value=0, max_value=len(TOKEN) - 1), replacement=st.sampled_from(ALPHABET))
def test_a_token_with_any_character_changed_is_refused(position, replacement):
    if TOKEN[position] == replacement:
        return
    altered = TOKEN[:position] + replacement + TOKEN[position + 1 :]
    assert token_hash(altered) is None


@given(cut=st.integers(min_value=1, max_value=len(TOKEN) - 1))
def test_a_cut_or_extended_token_is_refused(cut):
    assert token_hash(TOKEN[:cut]) is None
    assert token_hash(TOKEN + TOKEN[:cut]) is None


def test_the_stored_hash_is_not_the_secret():
    secret = TOKEN.rsplit(".", 1)[0]
    assert secret_hash(secret) == DIGEST and secret not in DIGEST
