"""The customer timeline (casework.timeline): categories, filters, paging, wording, query counts."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import translation

from casework.timeline.categories import CATEGORIES, OTHER, PATTERNS, category_of, category_q
from casework.timeline.selectors import TimelineQueryError, customer_timeline
from communications.services.notes import customer_call_log, customer_note_add
from core.event_sentences import event_sentence
from core.events import Actor, event_build, events_bulk_record, registered_event_types
from core.models import Event
from customers.tests.factories import T0, make_customer
from invoicing.tests.factories import make_company_profile
from payments.tests.factories import make_invoice

pytestmark = pytest.mark.django_db


# --- Categories ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("event_type", "category"),
    [
        ("message.delivered", "messages"),
        ("reply.received", "replies"),
        ("note.added", "notes"),
        ("call.logged", "notes"),
        ("customer.verified", "verification"),
        ("customer.changed", "master_data"),
        ("contact.created", "master_data"),
        ("invoice.issued", "invoices"),
        ("invoice.page_viewed", "page_visits"),
        ("customer.page_viewed", "page_visits"),
        ("payment.allocated", "payments"),
        ("task.created", "tasks"),
        ("job.retried", OTHER),
        ("promise.made", "promises"),
        ("dispute.opened", "disputes"),
    ],
)
def test_each_type_falls_in_the_category_of_its_longest_pattern(event_type, category):
    assert category_of(event_type) == category


def test_every_category_filter_in_sql_agrees_with_the_table():
    """One event of every registered type: each category's SQL filter picks exactly the types
    ``category_of`` gives it, so page filters and entry labels never disagree."""
    customer = make_customer()
    types = registered_event_types()
    events_bulk_record(
        [event_build(type=t, customer_id=customer.pk, actor=Actor.for_system("tests"), at=T0) for t in types]
    )
    mine = Event.objects.filter(customer_id=customer.pk, actor_name="tests")
    for category in CATEGORIES:
        found = set(mine.filter(category_q(category)).values_list("type", flat=True))
        assert found == {t for t in types if category_of(t) == category}, category
    assert {category_of(t) for t in types} - {OTHER} >= {"messages", "notes", "invoices", "payments", "page_visits"}


def test_every_pattern_names_a_known_category():
    assert set(PATTERNS.values()) <= set(CATEGORIES)


# --- The selector ---------------------------------------------------------------------------------


def _events(customer, count: int, *, start=T0, type_="customer.changed", actor=None):
    actor = actor or Actor.for_system("tests")
    return events_bulk_record(
        [
            event_build(
                type=type_,
                customer_id=customer.pk,
                data={"fields": ["notes"]},
                actor=actor,
                at=start + timedelta(minutes=i),
            )
            for i in range(count)
        ]
    )


def test_the_timeline_is_newest_first_and_pages_through_everything_once():
    customer, other = make_customer(), make_customer()
    _events(customer, 23)
    _events(other, 3)
    total = Event.objects.filter(customer_id=customer.pk).count()

    seen = []
    page = customer_timeline(customer.pk, page=1, page_size=10)
    while True:
        seen += page.entries
        if not page.has_next:
            break
        page = customer_timeline(customer.pk, page=page.page + 1, page_size=10)

    assert page.count == total and len(seen) == total == len({e.id for e in seen})
    assert [(e.at, e.id) for e in seen] == sorted(((e.at, e.id) for e in seen), reverse=True)
    assert page.num_pages == -(-total // 10)


def test_filters_by_category_period_and_actor(accountant):
    customer = make_customer()
    customer_note_add(
        customer=customer,
        summary="Notiz",
        occurred_at=T0 + timedelta(days=1),
        as_of=T0 + timedelta(days=1),
        by=accountant,
    )
    customer_call_log(
        customer=customer,
        direction="incoming",
        outcome="call_back",
        summary="Rückruf",
        occurred_at=T0 + timedelta(days=3),
        as_of=T0 + timedelta(days=3),
        by=accountant,
    )
    _events(customer, 2, start=T0 + timedelta(days=2), actor=Actor.for_provider("stripe", "evt_1"))

    notes = customer_timeline(customer.pk, kinds=["notes"])
    assert [e.type for e in notes.entries] == ["call.logged", "note.added"]
    in_period = customer_timeline(customer.pk, kinds=["notes"], since=date(2026, 11, 28), until=date(2026, 11, 28))
    assert [e.type for e in in_period.entries] == ["note.added"]
    by_provider = customer_timeline(customer.pk, actor="provider")
    assert {e.type for e in by_provider.entries} == {"customer.changed"} and by_provider.count == 2
    both = customer_timeline(
        customer.pk, kinds=["notes", "master_data"], since=date(2026, 11, 28), until=date(2026, 11, 30)
    )
    assert both.count == 4


def test_entries_speak_the_readers_language_and_link_the_object(accountant):
    make_company_profile()
    customer = make_customer()
    invoice = make_invoice(customer=customer)
    customer_call_log(
        customer=customer,
        direction="outgoing",
        outcome="reached",
        summary="Alles klar.",
        occurred_at=T0,
        as_of=T0,
        by=accountant,
    )

    with translation.override("en"):
        page = customer_timeline(customer.pk, currency="EUR")
    entries = {e.type: e for e in page.entries}
    call = entries["call.logged"]
    assert call.sentence == "Phone call logged (outgoing): reached"
    assert call.text == "Alles klar." and call.actor_kind == "user" and call.actor_name == "accountant"
    assert call.category == "notes" and call.when.startswith("27 Nov 2026")
    assert call.url.endswith(f"/admin/communications/customernote/{call.object_id}/change/")
    issued = entries["invoice.issued"]
    assert issued.url == f"/admin/invoicing/invoice/{invoice.pk}/change/"
    assert issued.object_type == "invoicing.invoice" and issued.object_id == invoice.pk
    with translation.override("en"):
        assert issued.sentence == event_sentence("invoice.issued", issued.data)


def test_bad_filters_name_their_parameter():
    customer = make_customer()
    for arguments, field in (
        ({"kinds": ["gossip"]}, "kinds"),
        ({"actor": "robot"}, "actor"),
        ({"since": date(2026, 12, 2), "until": date(2026, 12, 1)}, "until"),
        ({"page": 3}, "page"),
        ({"page_size": 0}, "page_size"),
    ):
        with pytest.raises(TimelineQueryError) as refused:
            customer_timeline(customer.pk, **arguments)
        assert refused.value.field == field


def test_a_reply_appears_on_the_timeline(settings):
    """Inbound mail reaches the timeline through the outbox's reply reaction."""
    from communications.models import InboundMessage
    from communications.registry import react

    customer = make_customer()
    inbound = InboundMessage.objects.create(
        customer=customer, matched_by="sender", from_email="anna@example.com", received_at=T0
    )
    react("reply", inbound=inbound, subjects=[], as_of=T0)

    entry = customer_timeline(customer.pk, kinds=["replies"]).entries[0]
    assert (entry.type, entry.object_id, entry.at) == ("reply.received", inbound.pk, T0)
    assert "anna" not in str(entry.data)


# --- Queries --------------------------------------------------------------------------------------


def _history(customer, size: int, accountant) -> None:
    """A mixed history: messages (with their statuses), notes by a person, system events."""
    from communications.services.outbox import message_queue

    for i in range(max(1, size // 50)):
        message_queue(
            customer=customer,
            template="invoice",
            language="de",
            subject=f"Rechnung {i}",
            body_text="Text",
            to=[{"name": "Anna", "email": "anna@example.com"}],
            cause="test",
            as_of=T0,
        )
    customer_note_add(customer=customer, summary="Notiz", occurred_at=T0, as_of=T0, by=accountant)
    missing = size - Event.objects.filter(customer_id=customer.pk).count()
    built = []
    for i in range(missing):
        actor = Actor.for_user(accountant) if i % 3 == 0 else Actor.for_system("tests")
        built.append(
            event_build(
                type="customer.changed",
                customer_id=customer.pk,
                data={"fields": ["notes"]},
                actor=actor,
                at=T0 - timedelta(minutes=i),
            )
        )
    events_bulk_record(built)
    assert Event.objects.filter(customer_id=customer.pk).count() == size


@pytest.mark.parametrize("size", [5, 500])
def test_a_page_costs_three_queries_however_long_the_history(size, accountant, django_assert_num_queries):
    customer = make_customer(contacts=[])
    _history(customer, size, accountant)

    with django_assert_num_queries(3):  # count, page with actors and content types, message statuses
        page = customer_timeline(customer.pk, page_size=200)
        rendered = [(e.sentence, e.actor_name, e.url, e.message_status_label) for e in page.entries]

    assert len(rendered) == min(size, 200)
    statuses = {e.message_status for e in page.entries if e.category == "messages"}
    assert statuses == {"queued"}
