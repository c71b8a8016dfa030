"""The event log (core.events, core.Event): types, actors, immutability, redaction, write-through."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.utils import InternalError

from core.api.scopes import ALL_SCOPES
from core.events import (
    REDACTED,
    Actor,
    actor_for_api_key,
    actor_for_provider,
    actor_for_system,
    actor_for_user,
    current_actor,
    event_record,
    event_redact,
    registered_event_types,
)
from core.jobs import job_handler
from core.models import Event
from core.selectors import customer_events
from core.services import api_key_create, job_enqueue, job_run
from customers.services.contacts import contact_update
from customers.services.master_data import customer_update
from customers.tests.factories import T0, make_customer
from invoicing.tests.factories import make_company_profile
from payments.tests.factories import make_invoice, make_payment

pytestmark = pytest.mark.django_db

DB_REFUSED = (IntegrityError, InternalError)


def test_the_registry_holds_the_names_the_webhooks_will_publish():
    types = set(registered_event_types())
    assert {"invoice.issued", "payment.allocated", "customer.changed", "customer.created", "event.redacted"} <= types


def test_an_unknown_event_type_is_refused():
    with pytest.raises(LookupError, match="not registered"):
        event_record(type="invoice.teleported", data={})


def test_outside_any_context_the_actor_is_the_command_not_nobody():
    actor = current_actor()
    assert actor.kind == "system"
    assert actor.name.startswith("system:")


def test_each_actor_context_names_its_actor(manager):
    customer = make_customer()
    key, _raw = api_key_create(name="ERP", scopes=list(ALL_SCOPES), created_by=manager)
    with actor_for_user(manager):
        by_user = event_record(type="customer.changed", obj=customer, customer_id=customer.pk)
    with actor_for_api_key(key):
        by_key = event_record(type="customer.changed", obj=customer, customer_id=customer.pk)
    with actor_for_system("rule:dunning"):
        by_rule = event_record(type="customer.changed", obj=customer, customer_id=customer.pk)
    with actor_for_provider("mailgun", "evt-1"):
        by_provider = event_record(type="customer.changed", obj=customer, customer_id=customer.pk)

    assert (by_user.actor_kind, by_user.actor_user_id) == ("user", manager.pk)
    assert (by_key.actor_kind, by_key.actor_api_key_id, by_key.actor_api_key_prefix) == ("api_key", key.pk, key.prefix)
    assert by_key.actor_api_key_name == "ERP"
    assert (by_rule.actor_kind, by_rule.actor_name) == ("system", "rule:dunning")
    assert (by_provider.actor_provider, by_provider.actor_provider_event_id) == ("mailgun", "evt-1")


def test_the_database_refuses_an_event_with_two_actors_or_none(manager):
    with pytest.raises(IntegrityError), transaction.atomic():
        Event.objects.create(type="customer.changed", created_at=T0, actor_kind="user", actor_name="x")
    with pytest.raises(IntegrityError), transaction.atomic():
        Event.objects.create(
            type="customer.changed", created_at=T0, actor_kind="system", actor_name="x", actor_user=manager
        )


def test_a_revoked_key_is_still_named_as_it_was(manager):
    key, _raw = api_key_create(name="ERP", scopes=list(ALL_SCOPES), created_by=manager)
    with actor_for_api_key(key):
        event = event_record(type="event.redacted", data={})
    key.revoked = True
    key.name = "renamed"
    key.save()
    event.refresh_from_db()
    assert (event.actor_api_key_name, event.actor_label) == ("ERP", f"api-key:{key.prefix}")


@pytest.mark.parametrize(
    "data",
    [
        {"email": "anna@example.com"},
        {"contact": {"name": "Anna Schmidt"}},
        {"phone": "+4930123456"},
        {"note": "wrote from anna@example.com"},
    ],
)
def test_event_data_refuses_copies_of_personal_data(data):
    with pytest.raises(ValueError, match="personal data|e-mail address"):
        event_record(type="event.redacted", data=data)


def test_raw_update_and_delete_are_refused_by_the_database():
    event = event_record(type="event.redacted", data={"reason": "x"})
    for sql in ("UPDATE core_event SET type = 'x.y' WHERE id = %s", "DELETE FROM core_event WHERE id = %s"):
        with pytest.raises(DB_REFUSED, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [event.pk])
    with pytest.raises(DB_REFUSED, match="append-only"), transaction.atomic():
        Event.objects.filter(pk=event.pk).update(data={})


def test_the_redaction_flag_allows_data_only():
    event = event_record(type="event.redacted", data={"reason": "x"})
    with pytest.raises(DB_REFUSED, match="data only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL debitor.event_redaction = 'on'")
        cursor.execute("UPDATE core_event SET type = 'x.y' WHERE id = %s", [event.pk])


def test_redaction_blanks_personal_values_keeps_business_values_and_is_logged(manager):
    customer = make_customer()
    with actor_for_user(manager):
        event = event_record(
            type="customer.changed",
            obj=customer,
            customer_id=customer.pk,
            data={"reason": "Herr Müller rief an", "amount": "10.00", "fields": ["notes"]},
        )

    changed = event_redact(customer_id=customer.pk, reason="Art. 17 DSGVO", actor=Actor.for_user(manager))

    event.refresh_from_db()
    assert changed >= 1
    assert event.data == {"reason": REDACTED, "amount": "10.00", "fields": ["notes"]}
    log = Event.objects.filter(type="event.redacted", customer_id=customer.pk).get()
    assert event.pk in log.data["events"]
    assert (log.actor_kind, log.actor_user_id, log.data["reason"]) == ("user", manager.pk, "Art. 17 DSGVO")
    # The flag does not outlive the redaction: the same transaction cannot update afterwards.
    with pytest.raises(DB_REFUSED), transaction.atomic():
        Event.objects.filter(pk=event.pk).update(data={})


def test_redaction_needs_a_reason_and_one_scope(manager):
    with pytest.raises(ValueError, match="reason"):
        event_redact(event_ids=[1], reason=" ", actor=Actor.for_user(manager))
    with pytest.raises(ValueError, match="either"):
        event_redact(event_ids=[1], customer_id=1, reason="x", actor=Actor.for_user(manager))


# --- Write-through ------------------------------------------------------------------------------


@pytest.fixture
def seller():
    return make_company_profile()


def test_typed_events_write_through_with_customer_object_and_user(manager, seller):
    customer = make_customer()
    invoice = make_invoice(customer=customer)
    make_payment(customer=customer, amount="119.00", allocate=True, by=manager)

    types = list(Event.objects.filter(customer_id=customer.pk).values_list("type", flat=True))
    assert "invoice.created" in types and "invoice.issued" in types
    assert "payment.recorded" in types and "payment.allocated" in types
    issued = Event.objects.get(type="invoice.issued", object_id=invoice.pk)
    assert issued.data["number"] == invoice.number
    assert issued.content_type.model == "invoice"
    recorded = Event.objects.get(type="payment.recorded", customer_id=customer.pk)
    assert (recorded.actor_kind, recorded.actor_user_id) == ("user", manager.pk)


def test_every_typed_event_row_has_its_log_entry(seller):
    """Catches a bulk_create that bypasses the write-through: rows and entries match one to one."""
    from invoicing.models import InvoiceEvent
    from invoicing.services.credit_notes import credit_note_create
    from payments.models import PaymentEvent

    customer = make_customer()
    invoice = make_invoice(customer=customer)
    make_payment(customer=customer, amount="50.00", allocate=True)
    credit_note_create(invoice=invoice, as_of=T0 + timedelta(days=1), reason="Rabatt", issue=True)

    for model, prefix in ((InvoiceEvent, "invoice."), (PaymentEvent, "payment.")):
        rows = set(model.objects.values_list("pk", flat=True))
        logged = {e.data["typed_event"] for e in Event.objects.filter(type__startswith=prefix)}
        assert rows and rows == logged, model


def test_master_data_changes_log_field_names_not_values(manager):
    customer = make_customer(contacts=[{"name": "Anna Schmidt", "email": "anna@example.com"}], by=manager)
    contact = customer.contacts.get()
    customer_update(customer=customer, data={"notes": "ruft gern an"}, as_of=T0, by=manager)
    contact_update(contact=contact, data={"email": "anna.s@example.com"}, as_of=T0, by=manager)

    events = {e.type: e for e in Event.objects.filter(customer_id=customer.pk)}
    assert {"customer.created", "contact.created", "customer.changed", "contact.changed"} <= set(events)
    assert events["customer.changed"].data["fields"] == ["notes"]
    assert events["contact.changed"].data == {"fields": ["email"]}
    assert events["customer.changed"].actor_user_id == manager.pk
    assert "anna" not in str([e.data for e in events.values()]).lower()


def test_a_job_names_its_kind_as_the_actor():
    customer = make_customer()

    @job_handler("tests.events_touch")
    def touch(*, customer_id: int) -> None:
        event_record(type="customer.changed", customer_id=customer_id, data={"fields": []})

    job = job_enqueue(kind="tests.events_touch", as_of=T0, payload={"customer_id": customer.pk})
    assert job_run(job_id=job.pk, clock=lambda: T0) == "done"

    event = Event.objects.get(customer_id=customer.pk, type="customer.changed")
    assert (event.actor_kind, event.actor_name) == ("system", "job:tests.events_touch")


# --- The selector -------------------------------------------------------------------------------


def test_customer_events_reads_one_page_newest_first_in_one_query(django_assert_num_queries, manager):
    customer = make_customer()
    other = make_customer()
    with actor_for_user(manager):
        for day in range(5):
            event_record(type="customer.changed", customer_id=customer.pk, at=T0 + timedelta(days=day + 1))
    event_record(type="customer.changed", customer_id=other.pk)

    with django_assert_num_queries(1):
        first = customer_events(customer.pk, limit=3)
        [e.actor_user for e in first]
    everything = list(first)
    while page := customer_events(customer.pk, before=everything[-1], limit=3):
        everything += page

    assert [e.created_at for e in everything] == sorted((e.created_at for e in everything), reverse=True)
    assert len({e.pk for e in everything}) == len(everything) == Event.objects.filter(customer_id=customer.pk).count()


def test_customer_events_uses_the_customer_index():
    customer = make_customer()
    with connection.cursor() as cursor:
        # A ledger's worth of events over many customers, with fresh statistics, so the planner's
        # choice does not hang on what earlier tests left in a tiny table.
        cursor.execute(
            "INSERT INTO core_event (type, created_at, customer_id, data, actor_kind, actor_name,"
            " actor_api_key_prefix, actor_api_key_name, actor_provider, actor_provider_event_id)"
            " SELECT 'customer.changed', now() - n * interval '1 minute', n % 500, '{}', 'system', 'test',"
            " '', '', '', '' FROM generate_series(1, 20000) AS n"
        )
        cursor.execute("ANALYZE core_event")
        # For 40 rows a bitmap scan plus a sort is cheapest; ask whether the index *can* serve the
        # page in order (what a customer with years of history needs) by taking the others away.
        cursor.execute("SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off; SET LOCAL enable_sort = off")
        cursor.execute(
            "EXPLAIN SELECT * FROM core_event WHERE customer_id = %s ORDER BY created_at DESC, id DESC LIMIT 50",
            [customer.pk],
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "core_event_customer" in plan
    assert "Sort" not in plan


def test_customer_events_refuses_a_silly_limit():
    with pytest.raises(ValueError):
        customer_events(1, limit=0)


def test_the_backfill_copies_typed_events_written_before_the_log_with_their_users(manager, seller):
    """Generated history: rows made by bulk_create (no write-through), as if from before the log."""
    import importlib

    from django.apps import apps

    from core.typed_events import backfill_typed_events
    from invoicing.models import InvoiceEvent
    from payments.models import PaymentEvent

    customer = make_customer()
    invoice = make_invoice(customer=customer)
    payment = make_payment(customer=customer, amount="10.00")
    old = InvoiceEvent.objects.bulk_create(
        [
            InvoiceEvent(invoice=invoice, kind="due_date_changed", at=T0, by=manager, reason="Ratenplan"),
            InvoiceEvent(invoice=invoice, kind="sent", at=T0, reason="anna@example.com", data={"recipient": "x"}),
        ]
    )
    old_payment = PaymentEvent.objects.bulk_create([PaymentEvent(payment=payment, kind="credited", at=T0)])
    before = Event.objects.count()

    payments_backfill = importlib.import_module("payments.migrations.0014_backfill_event_log").backfill

    def invoicing_backfill(apps, schema_editor):
        # What invoicing's backfill did (squashed away in issue 15; it ran on every existing database).
        backfill_typed_events(
            apps,
            model="invoicing.InvoiceEvent",
            prefix="invoice",
            obj_model="invoicing.Invoice",
            obj_id_attr="invoice_id",
            customer_path="invoice__customer_id",
            private_reason_kinds={"sent", "delivered"},
        )

    invoicing_backfill(apps, None)
    payments_backfill(apps, None)

    assert Event.objects.count() - before == 3
    changed = Event.objects.get(data__typed_event=old[0].pk, type="invoice.due_date_changed")
    assert (changed.actor_kind, changed.actor_user_id, changed.customer_id) == ("user", manager.pk, customer.pk)
    assert changed.data["reason"] == "Ratenplan"
    sent = Event.objects.get(data__typed_event=old[1].pk, type="invoice.sent")
    assert (sent.actor_kind, sent.actor_name) == ("system", "system:backfill")
    assert "reason" not in sent.data and "recipient" not in sent.data
    credited = Event.objects.get(data__typed_event=old_payment[0].pk, type="payment.credited")
    assert (credited.object_id, credited.customer_id) == (payment.pk, customer.pk)
    # Run again: nothing twice.
    invoicing_backfill(apps, None)
    payments_backfill(apps, None)
    assert Event.objects.count() - before == 3
