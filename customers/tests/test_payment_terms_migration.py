"""Customers migration 0008 and invoicing 0014 move ``PaymentTerms`` from invoicing to customers in
the state only: rows, the foreign keys of customers, their history, invoices and templates, and the
group permissions (through the content type) stay as they were."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType

from tests.support.migrations import migrate_to, migrate_to_latest

pytestmark = [pytest.mark.django_db(transaction=True)]
BEFORE = [("customers", "0008_messages_move_to_communications"), ("invoicing", "0014_backfill_event_log")]
AFTER = [("customers", "0009_payment_terms"), ("invoicing", "0015_payment_terms_in_customers")]
NOW = datetime(2026, 11, 27, 9, tzinfo=UTC)


def test_payment_terms_keep_their_rows_references_and_permissions_when_they_move_to_customers():
    try:
        apps = migrate_to(BEFORE)
        assert ContentType.objects.get(model="paymentterms").app_label == "invoicing"
        Terms = apps.get_model("invoicing", "PaymentTerms")
        terms = Terms.objects.create(name="Migration 21 Tage", days=21, discount_tiers=[{"percent": "2.00", "days": 7}])
        columns = {
            "number": "K-MIG-1",
            "legal_name": "Migration GmbH",
            "billing_street": "Hauptstraße 1",
            "billing_postal_code": "80331",
            "billing_city": "München",
            "payment_terms": terms,
            "created_at": NOW,
        }
        customer = apps.get_model("customers", "Customer").objects.create(**columns, updated_at=NOW)
        history = apps.get_model("customers", "HistoricalCustomer")
        history.objects.create(id=customer.pk, **columns, history_date=NOW, history_type="+")
        invoice = apps.get_model("invoicing", "Invoice").objects.create(
            document_type="invoice", customer=customer, payment_terms=terms, created_at=NOW, updated_at=NOW
        )
        template = apps.get_model("invoicing", "RecurringInvoiceTemplate").objects.create(
            customer=customer,
            name="Monatlich",
            frequency="monthly",
            start_date=date(2026, 12, 1),
            payment_terms=terms,
            created_at=NOW,
            updated_at=NOW,
        )
        # auth is not part of the move: its real models serve before and after.
        group = Group.objects.create(name="Zahlungsbedingungen pflegen")
        group.permissions.add(Permission.objects.get(codename="change_paymentterms"))

        apps = migrate_to(AFTER)
        ContentType.objects.clear_cache()
        Terms = apps.get_model("customers", "PaymentTerms")
        assert Terms._meta.db_table == "invoicing_paymentterms"
        assert Terms.objects.get(pk=terms.pk).discount_tiers == [{"percent": "2.00", "days": 7}]
        assert apps.get_model("customers", "Customer").objects.get(pk=customer.pk).payment_terms_id == terms.pk
        history = apps.get_model("customers", "HistoricalCustomer")
        assert history.objects.get(id=customer.pk).payment_terms_id == terms.pk
        assert apps.get_model("invoicing", "Invoice").objects.get(pk=invoice.pk).payment_terms_id == terms.pk
        template_model = apps.get_model("invoicing", "RecurringInvoiceTemplate")
        assert template_model.objects.get(pk=template.pk).payment_terms_id == terms.pk
        assert ContentType.objects.get(model="paymentterms").app_label == "customers"
        held = Group.objects.get(pk=group.pk).permissions.get()
        assert (held.content_type.app_label, held.codename) == ("customers", "change_paymentterms")
    finally:
        migrate_to_latest()
        ContentType.objects.clear_cache()
