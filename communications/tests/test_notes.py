"""Notes and logged calls (communications.services.notes): written once, each with its event."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from communications.models import CustomerNote
from communications.services.notes import customer_call_log, customer_note_add
from core.event_sentences import event_sentence
from core.events import REDACTED, Actor, event_redact
from core.models import Event
from customers.tests.factories import T0, make_customer

pytestmark = pytest.mark.django_db


def test_a_note_is_saved_with_its_event_naming_the_author(accountant):
    customer = make_customer()
    contact = customer.contacts.get()

    note = customer_note_add(
        customer=customer,
        contact=contact,
        summary="  Rechnung liegt bei der Buchhaltung.  ",
        occurred_at=T0,
        as_of=T0,
        by=accountant,
    )

    assert (note.kind, note.summary, note.author, note.contact) == (
        "note",
        "Rechnung liegt bei der Buchhaltung.",
        accountant,
        contact,
    )
    event = Event.objects.get(type="note.added")
    assert (event.customer_id, event.object_id, event.created_at) == (customer.pk, note.pk, T0)
    assert (event.actor_kind, event.actor_user_id) == ("user", accountant.pk)
    assert event.data == {"note": "Rechnung liegt bei der Buchhaltung.", "contact": contact.pk}


def test_a_logged_call_words_its_direction_and_outcome(accountant):
    customer = make_customer()

    call = customer_call_log(
        customer=customer,
        direction="outgoing",
        outcome="promised_to_pay",
        summary="Zahlt bis Freitag.",
        occurred_at=T0,
        as_of=T0 + timedelta(minutes=3),
        by=accountant,
    )

    event = Event.objects.get(type="call.logged")
    assert event.data == {
        "kind": "outgoing",
        "outcome": "promised_to_pay",
        "note": "Zahlt bis Freitag.",
        "contact": None,
    }
    assert call.created_at == T0 + timedelta(minutes=3)
    with translation.override("en"):
        assert event_sentence(event.type, event.data) == "Phone call logged (outgoing): promised to pay"
    with translation.override("de"):
        german = event_sentence(event.type, event.data)
    assert "promised" not in german and "outgoing" not in german


@pytest.mark.parametrize("outcome", CustomerNote.Outcome.values)
def test_every_outcome_is_worded_by_its_own_label(outcome):
    with translation.override("en"):
        sentence = event_sentence("call.logged", {"kind": "incoming", "outcome": outcome})
        label = str(CustomerNote.Outcome(outcome).label)
    assert sentence.endswith(label)


def test_the_summary_is_blanked_by_the_one_redaction(accountant, manager):
    customer = make_customer()
    customer_note_add(customer=customer, summary="Herr Maier ist krank.", occurred_at=T0, as_of=T0, by=accountant)

    event_redact(customer_id=customer.pk, reason="Art. 17 DSGVO", actor=Actor.for_user(manager))

    assert Event.objects.get(type="note.added").data["note"] == REDACTED


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"summary": "   "}, "summary"),
        ({"summary": "x" * 5001}, "summary"),
        ({"occurred_at": T0 + timedelta(hours=1)}, "occurred_at"),
        ({"direction": "sideways"}, "direction"),
        ({"outcome": "reached_maybe"}, "outcome"),
    ],
)
def test_bad_input_names_its_field_and_saves_nothing(accountant, changes, field):
    customer = make_customer()
    arguments = {
        "customer": customer,
        "direction": "incoming",
        "outcome": "reached",
        "summary": "ok",
        "occurred_at": T0,
        "as_of": T0,
        "by": accountant,
        **changes,
    }

    with pytest.raises(ValidationError) as refused:
        customer_call_log(**arguments)

    assert field in refused.value.message_dict
    assert not CustomerNote.objects.exists() and not Event.objects.filter(type="call.logged").exists()


def test_a_contact_of_another_customer_is_refused(accountant):
    customer, other = make_customer(), make_customer()

    with pytest.raises(ValidationError) as refused:
        customer_note_add(
            customer=customer, contact=other.contacts.get(), summary="x", occurred_at=T0, as_of=T0, by=accountant
        )

    assert "contact" in refused.value.message_dict


def test_the_database_refuses_a_call_without_outcome_and_a_note_with_one():
    customer = make_customer()
    for fields in ({"kind": "call", "direction": "incoming", "outcome": ""}, {"kind": "note", "outcome": "reached"}):
        with pytest.raises(IntegrityError), transaction.atomic():
            CustomerNote.objects.create(customer=customer, occurred_at=T0, created_at=T0, summary="x", **fields)


def test_letters_and_staff_mails_are_named_in_words_in_the_outbox():
    from django.utils import translation

    from communications.services.wording import template_label

    with translation.override("de"):
        assert template_label("letter_payment_plan") == "Ratenzahlungsvorschlag"
        assert template_label("task_digest") == "Tägliche Aufgabenübersicht"
        assert template_label("task_assigned") == "Aufgabe zugewiesen"
