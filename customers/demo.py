"""Demo customers for the quick start: German and other EU customers of every type,
some verified, some needing review with visible reasons, and one duplicate pair.

Online VAT ID confirmations stay pending where VIES cannot be reached (as on a laptop
without network) — honestly shown as "pending, retry scheduled".
"""

from __future__ import annotations

from datetime import datetime

from .models import Customer
from .services import customer_create, customer_verify

DEMO_CUSTOMERS = [
    # (customer data, contacts, bank accounts)
    (
        {
            "legal_name": "Brauerei Alpenblick GmbH",
            "billing_street": "Bräuhausgasse 7",
            "billing_postal_code": "83022",
            "billing_city": "Rosenheim",
            "vat_id": "DE136695976",
            "register_court": "Amtsgericht Traunstein",
            "register_number": "HRB 12345",
            "credit_limit": "25000.00",
        },
        [
            {
                "name": "Maria Huber",
                "role": "Buchhaltung",
                "email": "buchhaltung@alpenblick.example",
                "phone": "08031 123456",
                "receives_invoices": True,
                "receives_reminders": True,
            },
        ],
        [{"iban": "DE89370400440532013000", "account_holder": "Brauerei Alpenblick GmbH"}],
    ),
    (
        {
            "legal_name": "Nordlicht Software AG",
            "billing_street": "Speicherstadt 3",
            "billing_postal_code": "20457",
            "billing_city": "Hamburg",
            "tax_number": "27/123/45678",
        },
        [
            {
                "name": "Jens Petersen",
                "email": "ap@nordlicht.example",
                "receives_invoices": True,
                "receives_reminders": True,
                "language": "en",
            }
        ],
        [],
    ),
    (
        {
            "legal_name": "Wiener Kaffeerösterei GmbH",
            "billing_street": "Mariahilfer Straße 88",
            "billing_postal_code": "1070",
            "billing_city": "Wien",
            "billing_country": "AT",
            "vat_id": "ATU13585627",
            "language": "de",
        },
        [
            {
                "name": "Lukas Gruber",
                "email": "rechnung@kaffee.example",
                "receives_invoices": True,
                "receives_reminders": True,
            }
        ],
        [{"iban": "AT611904300234573201", "account_holder": "Wiener Kaffeerösterei GmbH"}],
    ),
    (
        {
            "legal_name": "Atelier Lumière SARL",
            "billing_street": "12 Rue de Rivoli",
            "billing_postal_code": "75004",
            "billing_city": "Paris",
            "billing_country": "FR",
            "language": "en",
        },
        [
            {
                "name": "Claire Martin",
                "email": "compta@lumiere.example",
                "receives_invoices": True,
                "receives_reminders": True,
            }
        ],
        [],
    ),  # a French business without VAT ID: needs review
    (
        {
            "legal_name": "Stadt Musterhausen",
            "kind": "public",
            "billing_street": "Rathausplatz 1",
            "billing_postal_code": "50667",
            "billing_city": "Köln",
        },
        [{"name": "Kämmerei", "email": "kaemmerei@musterhausen.example", "receives_invoices": True}],
        [],
    ),  # public sector without Leitweg-ID: needs review
    (
        {
            "legal_name": "Landratsamt Beispielkreis",
            "kind": "public",
            "billing_street": "Am Schlossberg 2",
            "billing_postal_code": "91054",
            "billing_city": "Erlangen",
            "leitweg_id": "04011000-1234512345-06",
            "e_invoice_scheme": "0204",
            "e_invoice_address": "04011000-1234512345-06",
            "e_invoice_format": "xrechnung",
        },
        [{"name": "Rechnungseingang", "email": "xrechnung@beispielkreis.example", "receives_invoices": True}],
        [],
    ),
    (
        {
            "legal_name": "Erika Mustermann",
            "kind": "consumer",
            "billing_street": "Heidestraße 17",
            "billing_postal_code": "51147",
            "billing_city": "Köln",
        },
        [
            {
                "name": "Erika Mustermann",
                "email": "erika@mustermann.example",
                "phone": "+49 221 1234567",
                "receives_invoices": True,
                "receives_reminders": True,
            }
        ],
        [{"iban": "DE02120300000000202051", "account_holder": "Erika Mustermann"}],
    ),
    (
        {
            "legal_name": "Hollandse Bloemen B.V.",
            "billing_street": "Keizersgracht 100",
            "billing_postal_code": "1015 CV",
            "billing_city": "Amsterdam",
            "billing_country": "NL",
            "vat_id": "NL004495445B01",
            "language": "en",
            "currency": "EUR",
        },
        [{"name": "Sanne de Vries", "email": "finance@bloemen.example", "receives_invoices": True}],
        [{"iban": "NL91ABNA0417164300", "account_holder": "Hollandse Bloemen B.V."}],
    ),
    # The duplicate pair: the same brewery entered twice, once with a different spelling.
    (
        {
            "legal_name": "Brauerei Alpenblick",
            "billing_street": "Bräuhausgasse 7",
            "billing_postal_code": "83022",
            "billing_city": "Rosenheim",
            "vat_id": "DE136695976",
        },
        [{"name": "M. Huber", "email": "m.huber@alpenblick.example", "receives_invoices": True}],
        [],
    ),
]


def load(*, as_of: datetime, by=None, stdout=None) -> None:
    if Customer.objects.filter(legal_name=DEMO_CUSTOMERS[0][0]["legal_name"]).exists():
        return
    created = []
    for data, contacts, accounts in DEMO_CUSTOMERS:
        created.append(customer_create(data=data, contacts=contacts, bank_accounts=accounts, as_of=as_of, by=by))
    for customer in created:
        customer_verify(customer=customer, trigger="created", as_of=as_of, by=by)
    if stdout is not None:
        review = Customer.objects.filter(verification_status="needs_review").count()
        stdout.write(f"Demo customers: {len(created)} ({review} need review).")
