"""Invoices to mandate customers carry the direct debit: snapshot, PDF, e-mail and e-invoice.

Issued through ``invoice_issue`` with the sepa provider registered by ``SepaConfig.ready``; the
e-invoices are checked by the project's validators (XSD, EN 16931 schematron, XRechnung BR-DE).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import translation
from lxml import etree

from customers.tests.factories import make_customer
from invoicing.documents import invoice_html
from invoicing.einvoice import cii_build
from invoicing.einvoice.validation import NS, cii_validate
from invoicing.models import ExchangeRate
from invoicing.services import InvoiceIssueError, credit_note_create, invoice_issue
from invoicing.services.documents import invoice_documents_render
from invoicing.services.sending import invoice_send
from invoicing.tests.factories import (
    D0,
    T0,
    at,
    invoicing_setup,  # noqa: F401  (fixture)
    line,
    make_company_profile,
    make_draft,
    make_issued,
    make_terms,
)
from invoicing.tests.test_invoice_pdf_content import pdf_text
from sepa.models import Mandate, MandateScheme, MandateStatus
from sepa.payment_means import collection_date

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("invoicing_setup", "creditor")]

CREDITOR_ID = "DE98ZZZ09999999999"
DEBTOR_IBAN = "DE02120300000000202051"
SETTLEMENT = "/rsm:CrossIndustryInvoice/rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement"
MEANS = f"{SETTLEMENT}/ram:SpecifiedTradeSettlementPaymentMeans"
XRECHNUNG_CONTACT = {"contact_name": "Petra Buchhalter", "phone": "+49 89 1234567", "email": "rechnung@debitor.example"}


@pytest.fixture
def creditor():
    return make_company_profile(sepa_creditor_id=CREDITOR_ID, sepa_prenotification_days=14)


def make_mandate(customer, **overrides) -> Mandate:
    data = {
        "reference": f"MANDATE-{customer.number}",
        "signed_on": date(2026, 1, 15),
        "scheme": MandateScheme.CORE,
        "debtor_name": "Beispiel Handel 1 GmbH",
        "debtor_iban": DEBTOR_IBAN,
        "created_at": T0 - timedelta(days=300),
        "updated_at": T0 - timedelta(days=300),
    }
    return Mandate.objects.create(customer=customer, **{**data, **overrides})


def mandate_customer(**overrides):
    customer = make_customer(**overrides)
    make_mandate(customer)
    return customer


def xpath(xml: bytes, path: str) -> list[str]:
    return [str(v).strip() for v in etree.fromstring(xml).xpath(path, namespaces=NS)]


def fatal(xml: bytes, *, xrechnung: bool = False) -> list[str]:
    return [f"{v.rule}: {v.message}" for v in cii_validate(xml, xrechnung=xrechnung) if v.flag == "fatal"]


# --- the snapshot at issue --------------------------------------------------------------------


def test_an_invoice_to_a_mandate_customer_is_issued_for_collection_with_the_pre_notification():
    customer = mandate_customer()
    invoice = make_issued(customer=customer)  # 238,00 € on 27.11.2026, due 27.12.2026 (Sunday)

    assert invoice.payment_means == {
        "code": "59",
        "mandate_reference": f"MANDATE-{customer.number}",
        "creditor_id": CREDITOR_ID,
        "debtor_iban": DEBTOR_IBAN,
        "debtor_name": "Beispiel Handel 1 GmbH",
        "scheme": "CORE",
        "collection_date": "2026-12-28",  # the Monday after the due date
        "amount": "238.00",
    }
    # A direct debit offers no discount and asks for no transfer: the terms are the pre-notification.
    assert invoice.discount_offers == []
    assert invoice.payment_terms_text == (
        "Der Betrag von 238,00\xa0€ wird am 28.12.2026 per SEPA-Lastschrift vom Konto "
        "DE02 **** **** **** **20 51 eingezogen (Mandatsreferenz "
        f"MANDATE-{customer.number}, Gläubiger-Identifikationsnummer {CREDITOR_ID})."
    )
    invoice.refresh_from_db()
    assert invoice.payment_means["code"] == "59"


def test_without_a_mandate_the_invoice_stays_a_credit_transfer():
    invoice = make_issued()
    assert invoice.payment_means == {}
    assert "Lastschrift" not in invoice.payment_terms_text


@pytest.mark.parametrize(
    "change",
    [
        {"status": MandateStatus.REVOKED},
        {"status": MandateStatus.EXPIRED},
        # Still marked active, but 36 months without a collection: it lapsed (SEPA Rulebook).
        {"signed_on": date(2023, 1, 10), "last_collected_on": date(2023, 11, 26)},
        {"needs_attention": True, "attention_reason": "MD01 returned"},
    ],
    ids=["revoked", "expired", "lapsed", "in-doubt"],
)
def test_a_mandate_that_cannot_be_collected_from_leaves_the_credit_transfer(change):
    customer = make_customer()
    make_mandate(customer, **change)
    invoice = make_issued(customer=customer)
    assert invoice.payment_means == {}
    assert xpath(cii_build(invoice), f"{MEANS}/ram:TypeCode/text()") == ["58"]


def test_a_foreign_currency_invoice_is_not_collected():
    ExchangeRate.objects.create(currency="USD", kind="monthly", date=date(2026, 11, 1), units_per_eur="1.05")
    invoice = make_issued(customer=mandate_customer(), currency="USD")
    assert invoice.payment_means == {}


def test_a_credit_note_to_a_mandate_customer_is_offset_never_collected():
    invoice = make_issued(customer=mandate_customer())
    credit_note = credit_note_create(invoice=invoice, as_of=at(D0, 11), issue=True)
    assert credit_note.payment_means == {}
    assert xpath(cii_build(credit_note), f"{MEANS}/ram:TypeCode/text()") == ["97"]


def test_a_mandate_customer_without_a_creditor_id_in_the_company_profile_is_refused_with_the_field_named(
    creditor,
):
    creditor.sepa_creditor_id = ""
    creditor.save()
    customer = mandate_customer()
    draft = make_draft(customer=customer)
    with translation.override("en"), pytest.raises(InvoiceIssueError) as refused:
        invoice_issue(invoice=draft, as_of=T0)
    message = refused.value.message_dict["payment_means"][0]
    assert "company profile" in message and "SEPA creditor identifier" in message
    assert f"MANDATE-{customer.number}" in message
    draft.refresh_from_db()
    assert draft.status == "draft" and draft.number is None and draft.payment_means == {}


def test_the_newest_active_mandate_is_used_and_b2b_is_kept():
    customer = make_customer()
    make_mandate(customer, reference="OLD-1", signed_on=date(2025, 3, 1))
    make_mandate(customer, reference="NEW-1", signed_on=date(2026, 6, 1), scheme=MandateScheme.B2B)
    means = make_issued(customer=customer).payment_means
    assert (means["mandate_reference"], means["scheme"]) == ("NEW-1", "B2B")


# --- the collection date: TARGET2 days, pre-notification ------------------------------------


@pytest.mark.parametrize(
    ("due", "expected"),
    [
        (date(2027, 3, 26), date(2027, 3, 30)),  # Good Friday, Easter weekend and Easter Monday closed
        (date(2027, 3, 29), date(2027, 3, 30)),  # Easter Monday
        (date(2026, 12, 25), date(2026, 12, 28)),  # Christmas Day, Boxing Day, Sunday
        (date(2026, 12, 12), date(2026, 12, 14)),  # Saturday
        (date(2027, 1, 1), date(2027, 1, 4)),  # New Year's Day, then the weekend
        (date(2026, 12, 15), date(2026, 12, 15)),  # a Tuesday stays
    ],
)
def test_the_collection_date_is_the_first_target2_day_on_or_after_the_due_date(due, expected):
    assert collection_date(invoice_date=date(2026, 11, 27), due_date=due, today=date(2026, 11, 27),
                           prenotification_days=14) == expected  # fmt: skip


def test_the_customer_is_told_at_least_the_pre_notification_days_ahead():
    # Due after 7 days, but 14 days' notice: 27.11. + 14 = 11.12.2026, a Friday.
    invoice = make_issued(customer=mandate_customer(), payment_terms=make_terms(days=7).pk)
    assert invoice.due_date == date(2026, 12, 4)
    assert invoice.payment_means["collection_date"] == "2026-12-11"


def test_a_backdated_invoice_counts_the_notice_from_the_day_it_is_issued():
    assert collection_date(invoice_date=date(2026, 11, 2), due_date=date(2026, 11, 9), today=date(2026, 11, 27),
                           prenotification_days=14) == date(2026, 12, 11)  # fmt: skip


def test_issued_on_a_day_that_makes_the_due_date_good_friday_the_debit_waits_for_easter_tuesday():
    as_of = at(date(2027, 2, 24))  # + 30 days = Friday 26.03.2027 (Good Friday)
    invoice = make_issued(customer=mandate_customer(), as_of=as_of, service_date=as_of.date())
    assert invoice.due_date == date(2027, 3, 26)
    assert invoice.payment_means["collection_date"] == "2027-03-30"


# --- the e-invoice --------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", [MandateScheme.CORE, MandateScheme.B2B])
def test_the_factur_x_e_invoice_carries_the_mandate_as_bg_19_and_is_valid(scheme):
    customer = make_customer()
    make_mandate(customer, scheme=scheme)
    invoice = make_issued(customer=customer)
    xml = cii_build(invoice)

    assert fatal(xml) == []
    assert xpath(xml, f"{MEANS}/ram:TypeCode/text()") == ["59"]
    assert xpath(xml, f"{MEANS}/ram:PayerPartyDebtorFinancialAccount/ram:IBANID/text()") == [DEBTOR_IBAN]  # BT-91
    assert xpath(xml, f"{SETTLEMENT}/ram:CreditorReferenceID/text()") == [CREDITOR_ID]  # BT-90
    terms = f"{SETTLEMENT}/ram:SpecifiedTradePaymentTerms"
    assert xpath(xml, f"{terms}/ram:DirectDebitMandateID/text()") == [f"MANDATE-{customer.number}"]  # BT-89
    assert xpath(xml, f"{terms}/ram:Description/text()") == [invoice.payment_terms_text]  # BT-20
    # No account of ours to transfer to (BR-DE-25-b: no BG-17 with code 59).
    assert xpath(xml, f"{MEANS}/ram:PayeePartyCreditorFinancialAccount") == []


def test_the_xrechnung_of_a_direct_debit_with_skonto_terms_passes_the_german_rules():
    make_company_profile(**XRECHNUNG_CONTACT)
    customer = make_customer(
        kind="public",
        legal_name="Landratsamt Beispielkreis",
        leitweg_id="04011000-1234512345-06",
        e_invoice_scheme="0204",
        e_invoice_address="04011000-1234512345-06",
        e_invoice_format="xrechnung",
        tax_number="",
    )
    make_mandate(customer)
    terms = make_terms(days=30, tiers=[{"percent": "2.00", "days": 10}])
    invoice = make_issued(customer=customer, payment_terms=terms.pk)
    xml = cii_build(invoice, xrechnung=True)

    assert fatal(xml, xrechnung=True) == []
    # The collection takes the whole amount: no Skonto lines (BR-DE-18) on a direct-debit invoice.
    [description] = xpath(xml, f"{SETTLEMENT}/ram:SpecifiedTradePaymentTerms/ram:Description/text()")
    assert "#SKONTO#" not in description and "SEPA-Lastschrift" in description


def test_an_e_invoice_built_after_the_mandate_was_revoked_still_says_what_was_issued():
    customer = mandate_customer()
    invoice = make_issued(customer=customer)
    before = cii_build(invoice)
    Mandate.objects.filter(customer=customer).update(status=MandateStatus.REVOKED)
    invoice.refresh_from_db()
    assert cii_build(invoice) == before


# --- the PDF and the e-mail -----------------------------------------------------------------


def test_the_pdf_prints_the_pre_notification_with_the_masked_iban_and_no_transfer_request():
    customer = mandate_customer()
    invoice = make_issued(customer=customer)
    text = pdf_text(invoice)

    assert "Der Betrag von 238,00 € wird am 28.12.2026 per SEPA-Lastschrift vom Konto" in text
    assert "DE02 **** **** **** **20 51" in text and DEBTOR_IBAN not in text
    assert f"Mandatsreferenz MANDATE-{customer.number}" in text and CREDITOR_ID in text
    assert "überweisen" not in text and "Bitte geben Sie" not in text
    # No GiroCode and no account to transfer to: the customer must not pay twice.
    assert "Bezahlen per Code" not in text and 'class="girocode"' not in invoice_html(invoice)
    assert "Bankverbindung" not in text


def test_the_english_pdf_speaks_english():
    customer = mandate_customer(language="en")
    text = pdf_text(make_issued(customer=customer))
    assert "The amount of €238.00 will be collected by SEPA direct debit on 28 Dec 2026" in text
    assert "Pay by code" not in text and "Please transfer" not in text


@pytest.mark.parametrize(
    ("language", "sentence", "transfer"),
    [
        ("de", "Der Betrag von 238,00\xa0€ wird am 28.12.2026 per SEPA-Lastschrift", "überweisen"),
        ("en", "The amount of €238.00 will be collected by SEPA direct debit on 28 Dec 2026", "Please transfer"),
    ],
)
def test_the_invoice_mail_carries_the_pre_notification_instead_of_a_transfer_request(
    settings, tmp_path, language, sentence, transfer
):
    settings.MEDIA_ROOT = tmp_path / "media"
    invoice = make_issued(customer=mandate_customer(language=language, invoice_delivery="manual"))
    state = invoice_documents_render(invoice_id=invoice.pk, as_of=T0 + timedelta(minutes=5))
    assert state.state == "ready", state.summary  # the e-invoice passed validation

    message = invoice_send(invoice=invoice, as_of=T0 + timedelta(hours=1))

    for body in (message.body_text, message.body_html):
        assert sentence in body
        assert "**20 51" in body and CREDITOR_ID in body
        assert transfer not in body


def test_the_mail_of_an_invoice_without_mandate_still_asks_for_the_transfer(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    invoice = make_issued(customer=make_customer(invoice_delivery="manual"))
    invoice_documents_render(invoice_id=invoice.pk, as_of=T0 + timedelta(minutes=5))
    message = invoice_send(invoice=invoice, as_of=T0 + timedelta(hours=1))
    assert "überweisen" in message.body_text and "Lastschrift" not in message.body_text


def test_several_rates_still_collect_the_amount_due():
    invoice = make_issued(customer=mandate_customer(), lines=[line(), line(vat_rate="7", unit_price="24.50")])
    assert invoice.payment_means["amount"] == str(invoice.amount_due)


def test_the_invoice_api_shows_the_payment_means_as_issued(manager):
    from rest_framework.test import APIClient

    invoice = make_issued(customer=mandate_customer())
    client = APIClient()
    client.force_login(manager, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get(f"/api/v1/invoices/{invoice.pk}/")
    assert response.status_code == 200
    assert response.json()["payment_means"] == invoice.payment_means
    assert response.json()["payment_means"]["collection_date"] == "2026-12-28"


def test_issuing_in_the_admin_without_a_creditor_id_shows_the_reason_and_keeps_the_draft(accountant, creditor):
    from django.test import Client

    creditor.sepa_creditor_id = ""
    creditor.save()
    draft = make_draft(customer=mandate_customer())
    client = Client(HTTP_ACCEPT_LANGUAGE="de")
    client.force_login(accountant)
    response = client.post(f"/admin/invoicing/invoice/{draft.pk}/issue/", {})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Gläubiger-Identifikationsnummer" in page and "Unternehmensprofil" in page
    draft.refresh_from_db()
    assert (draft.status, draft.number) == ("draft", None)
