"""Demo data of the sepa app: a customer who pays by direct debit, with a mandate and a collection
of its invoice (the quick start's ``load_demo_data``). Runs once: a mandate means it ran."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.utils import timezone

from core.models import CompanyProfile
from customers.models import Customer, PaymentTerms
from customers.services import customer_create
from invoicing.services import invoice_draft_create, invoice_issue

from .calendar import target2_on_or_after
from .models import Mandate
from .services import collection_batch_create, mandate_create

# The Bundesbank's published sample creditor identifier: valid, and clearly not a real creditor.
DEMO_CREDITOR_ID = "DE98ZZZ09999999999"


def load(*, as_of: datetime, by=None, stdout=None) -> None:
    if Mandate.objects.exists():
        return
    profile = CompanyProfile.objects.filter(pk=1).first()
    if profile is None or not profile.iban:
        return  # no company to collect for (the core demo makes one)
    if not profile.sepa_creditor_id:
        profile.sepa_creditor_id = DEMO_CREDITOR_ID
        profile.save(update_fields=["sepa_creditor_id"])
    today = timezone.localdate(as_of)
    customer = Customer.objects.filter(legal_name="Lastschrift Muster GmbH").first() or customer_create(
        data={
            "legal_name": "Lastschrift Muster GmbH",
            "kind": "business",
            "billing_street": "Bahnhofstraße 12",
            "billing_postal_code": "90402",
            "billing_city": "Nürnberg",
            "billing_country": "DE",
            "tax_number": "241/118/70015",
        },
        contacts=[{"name": "Petra Lang", "email": "buchhaltung@lastschrift-muster.example", "receives_invoices": True}],
        bank_accounts=[{"iban": "DE02120300000000202051", "account_holder": "Lastschrift Muster GmbH"}],
        as_of=as_of,
        by=by,
    )
    mandate_create(
        customer=customer,
        reference=f"LM-{customer.number}-1",
        signed_on=today - timedelta(days=60),
        debtor_name="Lastschrift Muster GmbH",
        debtor_iban="DE02120300000000202051",
        debtor_bic="BYLADEM1001",
        as_of=as_of,
        by=by,
    )
    terms, _created = PaymentTerms.objects.get_or_create(name="14 Tage netto", defaults={"basis": "net", "days": 14})
    lines = [
        {"description": "Software-Wartung (Monat)", "quantity": "1", "unit_code": "MON", "unit_price": "490.00",
         "vat_category": "S", "vat_rate": "19"},
    ]  # fmt: skip
    draft = invoice_draft_create(
        customer=customer, as_of=as_of, by=by, data={"service_date": today, "payment_terms": terms}, lines=lines
    )
    invoice = invoice_issue(invoice=draft, as_of=as_of, by=by)
    # The invoice announces the debit; it is collected once the pre-notification days have passed.
    collection_date = _collection_date(invoice.invoice_date, invoice.due_date, profile.sepa_prenotification_days)
    batch = collection_batch_create(collection_date=collection_date, as_of=as_of, by=by, customers=[customer.pk])
    if stdout is not None:
        stdout.write(f"SEPA: mandate customer {customer.number}, collection {batch.message_id} for {collection_date}.")


def _collection_date(invoice_date: date, due_date: date, days: int) -> date:
    return target2_on_or_after(max(invoice_date + timedelta(days=days), due_date))
