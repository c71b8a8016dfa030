"""Payment means fixed at issue: the provider registry, card payments made at issue (BG-18, BT-113),
the snapshot frozen by the database, and the XRechnung rules for cards and direct debits.

A card provider is registered per test the way ``providers`` registers its own (``PAID_AT_ISSUE``);
the direct-debit provider of ``sepa`` stays registered and finds no mandate for these customers.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import translation
from lxml import etree

from customers.tests.factories import make_customer
from invoicing import hooks
from invoicing.einvoice import cii_build
from invoicing.einvoice.validation import NS, cii_validate
from invoicing.models import Invoice
from invoicing.payment_means import iban_masked, payment_means_text
from invoicing.services import InvoiceIssueError, invoice_issue
from invoicing.tests.test_invoice_pdf_content import pdf_text
from payments.services.allocation import payment_allocate
from payments.services.recording import payment_record

from .factories import (
    D0,
    T0,
    invoicing_setup,  # noqa: F401  (fixture)
    make_company_profile,
    make_draft,
    make_issued,
    make_terms,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("invoicing_setup")]

SETTLEMENT = "/rsm:CrossIndustryInvoice/rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement"
MEANS = f"{SETTLEMENT}/ram:SpecifiedTradeSettlementPaymentMeans"
TOTALS = f"{SETTLEMENT}/ram:SpecifiedTradeSettlementHeaderMonetarySummation"
XRECHNUNG_CONTACT = {"contact_name": "Petra Buchhalter", "phone": "+49 89 1234567", "email": "rechnung@debitor.example"}


@pytest.fixture
def card():
    """A card provider for this test: it answers what the test puts into ``answer`` (None: nothing)."""
    state = {"answer": None, "calls": []}

    def provider(*, invoice, as_of):
        state["calls"].append((invoice.pk, invoice.amount_due, invoice.due_date, as_of))
        return state["answer"]

    hooks.invoice_payment_means_register(provider, order=hooks.PAID_AT_ISSUE)
    yield state
    hooks.invoice_payment_means_unregister(provider)


def card_answer(**overrides) -> dict:
    return {"code": "54", "card_last4": "4242", "card_holder": "Anna Schmidt", "paid_amount": "238.00", **overrides}


def xpath(xml: bytes, path: str) -> list[str]:
    return [str(v).strip() for v in etree.fromstring(xml).xpath(path, namespaces=NS)]


def fatal(xml: bytes, *, xrechnung: bool = False) -> list[str]:
    return [f"{v.rule}: {v.message}" for v in cii_validate(xml, xrechnung=xrechnung) if v.flag == "fatal"]


def xrechnung_customer():
    return make_customer(
        kind="public",
        legal_name="Landratsamt Beispielkreis",
        leitweg_id="04011000-1234512345-06",
        e_invoice_scheme="0204",
        e_invoice_address="04011000-1234512345-06",
        e_invoice_format="xrechnung",
        tax_number="",
    )


# --- the registry -----------------------------------------------------------------------------


def test_the_sepa_provider_is_registered_and_a_payment_at_issue_is_asked_first(card):
    from sepa.payment_means import invoice_direct_debit

    providers = hooks.invoice_payment_means_providers()
    assert invoice_direct_debit in providers
    assert providers.index(next(p for p in providers if p is not invoice_direct_debit)) < providers.index(
        invoice_direct_debit
    )
    hooks.invoice_payment_means_register(invoice_direct_debit)  # registering again keeps one
    assert hooks.invoice_payment_means_providers().count(invoice_direct_debit) == 1


def test_the_provider_is_asked_once_with_totals_and_due_date_fixed(card):
    invoice = make_issued()
    assert card["calls"] == [(invoice.pk, Decimal("238.00"), date(2026, 12, 27), T0)]
    assert invoice.payment_means == {}


def test_nothing_registered_answering_keeps_the_credit_transfer_as_before(card):
    invoice = make_issued()
    xml = cii_build(invoice)
    assert fatal(xml) == []
    assert xpath(xml, f"{MEANS}/ram:TypeCode/text()") == ["58"]
    assert xpath(xml, f"{MEANS}/ram:PayeePartyCreditorFinancialAccount/ram:IBANID/text()") == ["DE89370400440532013000"]
    assert xpath(xml, f"{SETTLEMENT}/ram:CreditorReferenceID") == []
    assert payment_means_text({}, currency="EUR", language="de") == ""


# --- card paid at issue -----------------------------------------------------------------------


def test_an_invoice_paid_by_card_at_issue_is_issued_paid_with_nothing_due(card):
    card["answer"] = card_answer()
    invoice = make_issued(payment_terms=make_terms(days=30, tiers=[{"percent": "2.00", "days": 10}]).pk)

    assert invoice.payment_means == {
        "code": "54",
        "card_last4": "4242",
        "card_holder": "Anna Schmidt",
        "paid_amount": "238.00",
        "paid_on": "2026-11-27",
    }
    assert (invoice.prepaid_amount, invoice.amount_due, invoice.open_amount) == (Decimal("238.00"), 0, 0)
    assert invoice.settlement_state == "paid"
    assert invoice.discount_offers == []
    assert invoice.payment_terms_text == "238,00\xa0€ am 27.11.2026 per Karte mit den Endziffern 4242 bezahlt."


@pytest.mark.parametrize("code", ["54", "48"])
def test_the_e_invoice_of_a_card_paid_invoice_carries_bg_18_and_the_prepaid_amount_and_is_valid(card, code):
    make_company_profile(**XRECHNUNG_CONTACT)
    card["answer"] = card_answer(code=code)
    invoice = make_issued(customer=xrechnung_customer())

    for xrechnung in (False, True):
        xml = cii_build(invoice, xrechnung=xrechnung)
        assert fatal(xml, xrechnung=xrechnung) == []
        assert xpath(xml, f"{MEANS}/ram:TypeCode/text()") == [code]
        assert xpath(xml, f"{MEANS}/ram:ApplicableTradeSettlementFinancialCard/ram:ID/text()") == ["4242"]  # BT-87
        assert xpath(xml, f"{MEANS}/ram:ApplicableTradeSettlementFinancialCard/ram:CardholderName/text()") == [
            "Anna Schmidt"
        ]  # BT-88
        assert xpath(xml, f"{TOTALS}/ram:TotalPrepaidAmount/text()") == ["238.00"]  # BT-113
        assert xpath(xml, f"{TOTALS}/ram:DuePayableAmount/text()") == ["0.00"]  # BT-115
        assert xpath(xml, f"{MEANS}/ram:PayeePartyCreditorFinancialAccount") == []  # BR-DE-24-b


def test_a_part_paid_by_card_leaves_the_rest_due_under_the_terms(card):
    card["answer"] = card_answer(paid_amount="100.00", card_holder="")
    invoice = make_issued()
    assert (invoice.prepaid_amount, invoice.amount_due, invoice.open_amount) == (
        Decimal("100.00"),
        Decimal("138.00"),
        Decimal("138.00"),
    )
    first, terms = invoice.payment_terms_text.split("\n")
    assert first.startswith("100,00\xa0€ am 27.11.2026 per Karte")
    assert terms == "Zahlbar bis 27.12.2026 ohne Abzug."
    xml = cii_build(invoice)
    assert fatal(xml) == []
    assert xpath(xml, f"{MEANS}/ram:ApplicableTradeSettlementFinancialCard/ram:CardholderName") == []
    assert xpath(xml, f"{TOTALS}/ram:DuePayableAmount/text()") == ["138.00"]


@pytest.mark.parametrize("given", ["4242424242424242", "**** 4242", "424", "42a2", 4242])
def test_bt_87_takes_only_the_last_four_digits_and_the_refusal_never_repeats_a_card_number(card, given):
    card["answer"] = card_answer(card_last4=given)
    draft = make_draft()
    with translation.override("en"), pytest.raises(InvoiceIssueError) as refused:
        invoice_issue(invoice=draft, as_of=T0)
    [message] = refused.value.message_dict["payment_means"]
    assert "last four digits" in message and "BT-87" in message
    assert "4242424242424242" not in message
    draft.refresh_from_db()
    assert (draft.status, draft.number, draft.payment_means, draft.prepaid_amount) == ("draft", None, {}, 0)


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (card_answer(paid_amount="300.00"), "exceeds the invoice total €238.00"),
        (card_answer(paid_amount="-1"), "above zero"),
        (card_answer(paid_amount="10.001"), "above zero in EUR"),
        (card_answer(paid_amount="1e40"), "above zero in EUR"),
        (card_answer(paid_amount=None), "above zero in EUR"),
        (card_answer(code="55"), "Unknown payment means code “55”"),
        (card_answer(cvc="123"), "Unknown payment means fields: cvc"),
        (card_answer(paid_on=(D0 + timedelta(days=1)).isoformat()), "after the invoice date"),
    ],
)
def test_a_card_answer_that_does_not_fit_the_invoice_refuses_the_issue_naming_why(card, answer, words):
    card["answer"] = answer
    draft = make_draft()
    with translation.override("en"), pytest.raises(InvoiceIssueError) as refused:
        invoice_issue(invoice=draft, as_of=T0)
    assert words in refused.value.message_dict["payment_means"][0]
    assert Invoice.objects.get(pk=draft.pk).status == "draft"


def test_a_card_payment_wins_over_a_mandate(card):
    from sepa.tests.test_payment_means import make_mandate

    make_company_profile(sepa_creditor_id="DE98ZZZ09999999999")
    customer = make_customer()
    make_mandate(customer)
    card["answer"] = card_answer()
    assert make_issued(customer=customer).payment_means["code"] == "54"
    card["answer"] = None
    assert make_issued(customer=customer).payment_means["code"] == "59"


def test_the_pdf_of_a_card_paid_invoice_says_so_and_asks_for_nothing(card):
    card["answer"] = card_answer()
    text = pdf_text(make_issued())
    assert "238,00 € am 27.11.2026 per Karte mit den Endziffern 4242 bezahlt." in text
    assert "Per Karte bezahlt -238,00 €" in text and "Zahlbetrag 0,00 €" in text
    assert "Bezahlen per Code" not in text and "überweisen" not in text


def test_the_english_card_sentence():
    means = {"code": "48", "card_last4": "0005", "card_holder": "", "paid_amount": "12.50", "paid_on": "2026-11-27"}
    assert (
        payment_means_text(means, currency="EUR", language="en") == "€12.50 paid by card ending in 0005 on 27 Nov 2026."
    )


# --- the snapshot is part of the issued document -----------------------------------------------


def test_the_database_refuses_to_change_the_payment_means_of_an_issued_invoice():
    invoice = make_issued()
    with pytest.raises(IntegrityError, match="immutable"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE invoicing_invoice SET payment_means = %s::jsonb WHERE id = %s",
            ['{"code": "59", "mandate_reference": "FORGED"}', invoice.pk],
        )
    invoice.payment_means = {"code": "54", "card_last4": "4242"}
    with pytest.raises(IntegrityError, match="immutable"), transaction.atomic():
        invoice.save(update_fields=["payment_means"])
    assert Invoice.objects.get(pk=invoice.pk).payment_means == {}


def test_a_card_payment_after_issue_changes_the_open_amount_never_the_e_invoice():
    customer = make_customer()
    invoice = make_issued(customer=customer)
    before = cii_build(invoice)
    payment = payment_record(
        customer=customer,
        channel="card",
        amount=Decimal("238.00"),
        currency="EUR",
        value_date=D0 + timedelta(days=3),
        as_of=T0 + timedelta(days=3),
        allocate=False,
        external_id="ch_later_1",
    )
    payment_allocate(
        payment=payment, targets=[{"invoice": invoice, "amount": Decimal("238.00")}], as_of=T0 + timedelta(days=3)
    )

    invoice.refresh_from_db()
    assert (invoice.open_amount, invoice.settlement_state) == (0, "paid")
    assert invoice.payment_means == {} and invoice.prepaid_amount == 0
    assert cii_build(invoice) == before


# --- the XRechnung rules for cards and direct debits ---------------------------------------------


def _mutated(xml: bytes, change) -> bytes:
    root = etree.fromstring(xml)
    change(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _remove(path: str):
    def change(root):
        found = root.xpath(path, namespaces=NS)
        assert found, path
        for node in found:
            node.getparent().remove(node)

    return change


def _add_payee_account(root):
    means = root.xpath(MEANS, namespaces=NS)[0]
    account = etree.SubElement(means, f"{{{NS['ram']}}}PayeePartyCreditorFinancialAccount")
    etree.SubElement(account, f"{{{NS['ram']}}}IBANID").text = "DE89370400440532013000"


def _add_creditor_reference(root):
    settlement = root.xpath(SETTLEMENT, namespaces=NS)[0]
    element = etree.Element(f"{{{NS['ram']}}}CreditorReferenceID")
    element.text = "DE98ZZZ09999999999"
    settlement.insert(0, element)


def _fatal_rules(xml: bytes) -> set[str]:
    return {v.rule for v in cii_validate(xml, xrechnung=True) if v.flag == "fatal"}


@pytest.fixture
def card_xrechnung(card):
    make_company_profile(**XRECHNUNG_CONTACT)
    card["answer"] = card_answer()
    return cii_build(make_issued(customer=xrechnung_customer()), xrechnung=True)


@pytest.fixture
def direct_debit_xrechnung():
    from sepa.tests.test_payment_means import make_mandate

    make_company_profile(**XRECHNUNG_CONTACT, sepa_creditor_id="DE98ZZZ09999999999")
    customer = xrechnung_customer()
    make_mandate(customer)
    return cii_build(make_issued(customer=customer), xrechnung=True)


def test_a_card_payment_without_card_information_breaks_br_de_24_a(card_xrechnung):
    assert _fatal_rules(card_xrechnung) == set()
    broken = _mutated(card_xrechnung, _remove(f"{MEANS}/ram:ApplicableTradeSettlementFinancialCard"))
    assert "BR-DE-24-a" in _fatal_rules(broken)


@pytest.mark.parametrize("change", [_add_payee_account, _add_creditor_reference], ids=["BG-17", "BG-19"])
def test_a_card_payment_with_an_account_or_a_mandate_breaks_br_de_24_b(card_xrechnung, change):
    assert "BR-DE-24-b" in _fatal_rules(_mutated(card_xrechnung, change))


def test_a_direct_debit_without_its_group_breaks_br_de_25_a(direct_debit_xrechnung):
    assert _fatal_rules(direct_debit_xrechnung) == set()

    def strip_bg_19(root):
        for path in (
            f"{SETTLEMENT}/ram:CreditorReferenceID",
            f"{SETTLEMENT}/ram:SpecifiedTradePaymentTerms/ram:DirectDebitMandateID",
            f"{MEANS}/ram:PayerPartyDebtorFinancialAccount",
        ):
            _remove(path)(root)

    assert "BR-DE-25-a" in _fatal_rules(_mutated(direct_debit_xrechnung, strip_bg_19))


def test_a_direct_debit_with_our_account_breaks_br_de_25_b(direct_debit_xrechnung):
    assert "BR-DE-25-b" in _fatal_rules(_mutated(direct_debit_xrechnung, _add_payee_account))


def test_a_direct_debit_without_creditor_id_or_debited_account_breaks_br_de_30_or_31(direct_debit_xrechnung):
    without_creditor = _mutated(direct_debit_xrechnung, _remove(f"{SETTLEMENT}/ram:CreditorReferenceID"))
    assert _fatal_rules(without_creditor) == {"BR-DE-30"}
    without_account = _mutated(direct_debit_xrechnung, _remove(f"{MEANS}/ram:PayerPartyDebtorFinancialAccount"))
    assert _fatal_rules(without_account) == {"BR-DE-31"}


def test_the_printed_iban_shows_country_check_digits_and_the_last_four_only():
    assert iban_masked("DE89370400440532013000") == "DE89 **** **** **** **30 00"
    assert iban_masked("AT61 1904 3002 3457 3201") == "AT61 **** **** **** 3201"


def direct_debit_answer(**overrides) -> dict:
    return {
        "code": "59",
        "mandate_reference": "M-1",
        "creditor_id": "DE98ZZZ09999999999",
        "debtor_iban": "DE02 1203 0000 0000 2020 51",
        "debtor_name": "Beispiel Handel GmbH",
        "collection_date": "2026-12-28",
        "amount": "238.00",
        "scheme": "CORE",
        **overrides,
    }


def test_a_direct_debit_answer_is_stored_normalised(card):
    card["answer"] = direct_debit_answer()
    assert make_issued().payment_means["debtor_iban"] == "DE02120300000000202051"


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (direct_debit_answer(amount="200.00"), "collects €200.00, but the invoice's amount due is €238.00"),
        (direct_debit_answer(debtor_iban="DE00120300000000202051"), "not a valid IBAN"),
        (direct_debit_answer(scheme="COR1"), "CORE or B2B"),
        (direct_debit_answer(collection_date="2026-12-01"), "before the invoice date or the due date"),
        (direct_debit_answer(collection_date="28.12.2026"), "must be a date"),
        (direct_debit_answer(mandate_reference=""), "lack “mandate_reference”"),
        (direct_debit_answer(mandate_reference="M" * 36), "longer than 35 characters"),
    ],
)
def test_a_direct_debit_answer_that_does_not_fit_refuses_the_issue(card, answer, words):
    card["answer"] = answer
    draft = make_draft()
    with translation.override("en"), pytest.raises(InvoiceIssueError) as refused:
        invoice_issue(invoice=draft, as_of=T0)
    assert words in refused.value.message_dict["payment_means"][0]


def test_a_provider_answering_for_a_credit_note_is_refused_credit_notes_are_never_collected(card):
    from invoicing.services import credit_note_create

    invoice = make_issued()
    card["answer"] = direct_debit_answer()
    with translation.override("en"), pytest.raises(InvoiceIssueError) as refused:
        credit_note_create(invoice=invoice, as_of=T0, issue=True)
    assert "never collected" in refused.value.message_dict["payment_means"][0]
