"""Every registered event type reads as a sentence in each language (core.event_sentences)."""

from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import translation
from django.utils.translation import gettext

from core.event_sentences import (
    actor_text,
    event_details,
    event_sentence,
    event_sentence_for,
    register_event_sentences,
)
from core.events import registered_event_types
from tests.support.page_reading import page_text_problems

NBSP = "\xa0"


@pytest.mark.parametrize("language", ["de", "en"])
def test_every_registered_event_type_has_a_sentence_in_the_language(language):
    missing, untranslated, unreadable = [], [], []
    for event_type in registered_event_types():
        sentence = event_sentence_for(event_type)
        if sentence is None:
            missing.append(event_type)
            continue
        with translation.override(language):
            text = event_sentence(event_type, {})
        if language == "de" and text == sentence.plain:
            untranslated.append(event_type)
        # The reading check is German's (its deny list holds English words).
        if event_type in text or (language == "de" and page_text_problems(text)):
            unreadable.append((event_type, text))
    assert missing == [], f"event types without a sentence: {missing}"
    assert untranslated == [], f"sentences without a German translation: {untranslated}"
    assert unreadable == []


def test_every_fuller_sentence_is_translated_and_keeps_its_placeholders():
    for event_type in registered_event_types():
        for detailed in event_sentence_for(event_type).detailed:
            with translation.override("de"):
                german = gettext(detailed)
            assert german != detailed, f"{event_type}: {detailed!r} has no German translation"
            assert sorted(german.count(f"%({key})s") for key in ("amount", "invoice", "number")) == sorted(
                detailed.count(f"%({key})s") for key in ("amount", "invoice", "number")
            )


def test_an_allocation_with_skonto_reads_with_its_amounts_in_german_and_english():
    data = {"rule": "payer", "amount": "1107.89", "invoice": "RE-2026-000004", "discount": "22.61", "allocation": 1}
    with translation.override("de"):
        assert event_sentence("payment.allocated", data, currency="EUR") == (
            f"1.107,89{NBSP}€ der Rechnung RE-2026-000004 zugeordnet, mit Skonto 22,61{NBSP}€"
        )
    with translation.override("en"):
        assert event_sentence("payment.allocated", data, currency="EUR") == (
            "€1,107.89 allocated to invoice RE-2026-000004, with Skonto €22.61"
        )


def test_a_sentence_falls_back_to_its_plain_words_when_the_data_lacks_a_value():
    with translation.override("de"):
        assert event_sentence("payment.allocated", {"amount": "5.00"}) == "Einer Rechnung zugeordnet"


def test_states_and_dates_in_the_data_are_worded_for_the_reader():
    with translation.override("de"):
        text = event_sentence("invoice.due_date_changed", {"from_state": "2026-12-07", "to_state": "2027-01-06"})
        assert text == "Fälligkeit vom 07.12.2026 auf den 06.01.2027 geändert"
        text = event_sentence("payment.status_changed", {"from_state": "completed", "to_state": "returned"})
        assert "returned" not in text and "completed" not in text


def test_what_the_sentence_does_not_say_is_kept_for_the_details_toggle():
    data = {"amount": "1.00", "invoice": "RE-1", "allocation": 7, "typed_event": 3}
    assert event_details("payment.allocated", data) == [("allocation", "7"), ("typed_event", "3")]


def test_an_unknown_type_is_a_programming_error():
    with pytest.raises(LookupError):
        event_sentence("nothing.happened", {})


def test_actors_are_named_in_words():
    api_key = SimpleNamespace(actor_kind="api_key", actor_api_key_name="ERP", actor_api_key_prefix="ab12")
    job = SimpleNamespace(actor_kind="system", actor_name="job:payments.match_statement")
    provider = SimpleNamespace(actor_kind="provider", actor_provider="mailgun")
    with translation.override("de"):
        assert actor_text(api_key) == "API-Schlüssel ERP (ab12)"
        assert actor_text(job) == "Hintergrundauftrag payments.match_statement"
        assert actor_text(provider) == "Anbieter mailgun"


def test_registering_takes_a_plain_sentence_or_a_fuller_one(monkeypatch):
    from core import event_sentences

    monkeypatch.setattr(event_sentences, "_SENTENCES", dict(event_sentences._SENTENCES))
    register_event_sentences({"thing.done": "Thing done"})
    assert event_sentence("thing.done", {"amount": Decimal("1")}) == "Thing done"
