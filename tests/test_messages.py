"""Stored messages are worded when read, in the reader's language, with typed parameters."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation
from django.utils.translation import gettext_noop

from core.messages import Money, message, message_define, message_text, messages_text

SAMPLE = message_define("test.sample", gettext_noop("%(amount)s on %(day)s, %(rate)s, %(name)s"))


def test_a_message_is_worded_for_the_language_of_whoever_reads_it():
    stored = message(
        SAMPLE, amount=Money(Decimal("1234.50"), "EUR"), day=date(2017, 4, 1), rate=Decimal("0.5"), name="X"
    )
    with translation.override("de"):
        assert message_text(stored) == "1.234,50\xa0€ on 01.04.2017, 0,5, X"
    with translation.override("en"):
        assert message_text(stored) == "€1,234.50 on 1 Apr 2017, 0.5, X"


def test_a_stored_message_is_plain_json():
    import json

    stored = message(SAMPLE, amount=Money(Decimal("1.00"), "EUR"), day=date(2020, 1, 2), rate=Decimal("1"), name="n")
    assert json.loads(json.dumps(stored)) == stored


def test_an_undefined_code_is_refused_when_written_and_shown_with_its_parameters_when_read():
    with pytest.raises(KeyError):
        message("test.never_defined", x=1)
    assert message_text({"code": "test.gone", "params": {"x": 1}}) == "test.gone (x=1)"
    assert messages_text([]) == ""


def test_a_code_cannot_be_defined_twice_with_different_wording():
    assert message_define("test.sample", gettext_noop("%(amount)s on %(day)s, %(rate)s, %(name)s")) == SAMPLE
    with pytest.raises(ValueError):
        message_define("test.sample", "other")


def test_a_stored_message_missing_a_parameter_its_wording_names_is_shown_not_raised():
    """A row written before its wording gained a placeholder (or converted by a migration with
    fewer parameters) must still be read: an exception here made the reader's page a 500."""
    stored = {"code": SAMPLE, "params": {"amount": "1,00 €", "name": "X"}}

    with translation.override("en"):
        shown = message_text(stored)

    assert shown.startswith("test.sample (") and "amount=1,00 €" in shown and "name=X" in shown
