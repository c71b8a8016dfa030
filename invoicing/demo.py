"""Demo invoices for the quick start: a company profile, history from the data generator
(small), and a few drafts and issued invoices for the demo customers via the services."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from core.models import CompanyProfile
from customers.models import Customer

from .generator import generate
from .models import Invoice
from .services import invoice_draft_create, invoice_issue

DEMO_SELLER = {
    "name": "Debitor Demo GmbH",
    "street": "Marienplatz 1",
    "postal_code": "80331",
    "city": "München",
    "country": "DE",
    "vat_id": "DE136695976",
    "tax_number": "143/123/45678",
    "register_court": "Amtsgericht München",
    "register_number": "HRB 123456",
    "managing_directors": "Erika Beispiel",
    "iban": "DE89370400440532013000",
    "bic": "COBADEFFXXX",
    "bank_name": "Commerzbank",
    "email": "buchhaltung@debitor.example",
    "phone": "+49 89 1234560",
    "contact_name": "Petra Buchhalter",  # XRechnung wants a seller contact (BR-DE-2, BR-DE-5..7)
    "mail_from_name": "Debitor Demo GmbH Buchhaltung",
    "mail_from_email": "rechnung@debitor.example",
    "mail_reply_to": "antwort@debitor.example",
}


def load(*, as_of: datetime, by=None, stdout=None) -> None:
    CompanyProfile.objects.get_or_create(pk=1, defaults=DEMO_SELLER)
    if Invoice.objects.exists():
        return
    today = timezone.localdate(as_of)
    # History first (numbers follow dates), then today's documents through the services.
    generate(seed=1, customers=30, invoices=300, years=2, as_of=today - timedelta(days=1), stdout=stdout)
    by_name = {c.legal_name: c for c in Customer.objects.filter(verification_status="verified")}
    documents = [
        ("Nordlicht Software AG", True, [
            {"description": "Beratung Forderungsmanagement", "quantity": "6", "unit_code": "HUR",
             "unit_price": "140.00", "vat_category": "S", "vat_rate": "19"},
            {"description": "Fachbuch Mahnwesen", "quantity": "2", "unit_price": "49.90",
             "vat_category": "S", "vat_rate": "7"},
        ]),
        ("Wiener Kaffeerösterei GmbH", True, [  # a service to an Austrian business: reverse charge
            {"description": "Schulung Debitorenmanagement (Tag)", "quantity": "2", "unit_code": "DAY",
             "unit_price": "890.00", "vat_category": "AE", "vat_rate": "0"},
        ]),
        ("Landratsamt Beispielkreis", True, [  # public sector: XRechnung with the Leitweg-ID
            {"description": "Lizenz Debitor (Jahr)", "quantity": "1", "unit_code": "ANN",
             "unit_price": "4800.00", "vat_category": "S", "vat_rate": "19"},
        ]),
        ("Erika Mustermann", False, [
            {"description": "Wartung", "quantity": "1", "unit_code": "MON", "unit_price": "249.00",
             "vat_category": "S", "vat_rate": "19"},
        ]),
    ]  # fmt: skip
    for name, issue, lines in documents:
        customer = by_name.get(name)
        if customer is None:
            continue
        draft = invoice_draft_create(customer=customer, as_of=as_of, by=by, data={"service_date": today}, lines=lines)
        if issue:
            invoice_issue(invoice=draft, as_of=as_of, by=by)
