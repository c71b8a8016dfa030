"""The printed invoice: every § 14 (4) UStG item is in the PDF's text layer, in German or English."""

from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from pypdf import PdfReader

from core.documents import pdf_render
from customers.tests.factories import make_customer
from invoicing.documents import consumer_default_notice, invoice_html
from invoicing.models import ExchangeRate
from invoicing.services import credit_note_create
from invoicing.tests.factories import (
    AT_VAT_ID,
    DE_VAT_ID,
    SELLER,
    T0,
    foreign_business,
    invoicing_setup,  # noqa: F401  (fixture)
    line,
    make_company_profile,
    make_draft,
    make_issued,
    make_terms,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("invoicing_setup")]

E_REASON = "Steuerfrei nach § 4 Nr. 14 UStG"


def render(invoice) -> bytes:
    return pdf_render(
        html=invoice_html(invoice),
        identifier=invoice.number.encode(),
        created=invoice.issued_at,
        lang=invoice.language,
        title=invoice.number,
    )


def page_texts(invoice) -> list[str]:
    """The text layer per page, whitespace collapsed so wrapped lines still read as one sentence."""
    reader = PdfReader(io.BytesIO(render(invoice)))
    return [" ".join(page.extract_text().split()) for page in reader.pages]


def pdf_text(invoice) -> str:
    return " ".join(page_texts(invoice))


def swiss_business():
    return make_customer(
        billing_country="CH",
        billing_postal_code="8001",
        billing_city="Zürich",
        billing_street="Bahnhofstrasse 1",
        vat_id="",
        tax_number="",
    )


# Per category: how to issue one, the breakdown row as printed (rate, net, VAT) and the note it needs.
CATEGORIES = {
    "S": (lambda: make_issued(), ("19 %", "200,00 €", "38,00 €"), None),
    "Z": (lambda: make_issued(lines=[line(vat_category="Z", vat_rate="0")]), ("0 %", "200,00 €", "0,00 €"), None),
    "E": (
        lambda: make_issued(lines=[line(vat_category="E", vat_rate="0", exemption_reason=E_REASON)]),
        ("0 %", "200,00 €", "0,00 €"),
        E_REASON,
    ),
    "AE": (
        lambda: make_issued(customer=make_customer(vat_id=DE_VAT_ID), lines=[line(vat_category="AE", vat_rate=None)]),
        ("0 %", "200,00 €", "0,00 €"),
        "Steuerschuldnerschaft des Leistungsempfängers",
    ),
    "K": (
        lambda: make_issued(
            customer=foreign_business(), deliver_to_country="AT", lines=[line(vat_category="K", vat_rate=None)]
        ),
        ("0 %", "200,00 €", "0,00 €"),
        "Steuerfreie innergemeinschaftliche Lieferung",
    ),
    "G": (
        lambda: make_issued(customer=swiss_business(), lines=[line(vat_category="G", vat_rate="0")]),
        ("0 %", "200,00 €", "0,00 €"),
        "Steuerfreie Ausfuhrlieferung",
    ),
    "O": (
        lambda: make_issued(lines=[line(vat_category="O", vat_rate=None)]),
        ("0 %", "200,00 €", "0,00 €"),
        "Nicht im Inland steuerbare Leistung",
    ),
}


@pytest.mark.parametrize("category", list(CATEGORIES))
def test_an_invoice_of_each_vat_category_prints_every_mandatory_item(category):
    """§ 14 (4) Nr. 1–8 UStG, and the note each category needs (§ 14a UStG, BR-E-10 …)."""
    build, (rate, net, vat), note = CATEGORIES[category]
    invoice = build()
    buyer = invoice.buyer
    text = pdf_text(invoice)

    # Nr. 1: full name and address of seller and buyer.
    for part in (SELLER["name"], SELLER["street"], f"{SELLER['postal_code']} {SELLER['city']}"):
        assert part in text
    for part in (buyer["name"], buyer["street"], f"{buyer['postal_code']} {buyer['city']}"):
        assert part in text
    # Nr. 2: the seller's tax number and VAT ID (both, where both exist).
    assert SELLER["vat_id"] in text and SELLER["tax_number"] in text
    # Nr. 3 and 4: invoice date and number.
    assert "Rechnungsdatum 27.11.2026" in text
    assert f"Rechnung {invoice.number}" in text
    # Nr. 5: quantity, unit and customary description of each line.
    # An exempt line states its own legal basis under its description (issue 13).
    reason = f"{E_REASON} " if category == "E" else ""
    assert f"Beratung Forderungsmanagement {reason}2 Std." in text
    # Nr. 6: date of the supply (the invoice date when none was given, UStAE 14.5 (16)).
    assert "Liefer-/Leistungsdatum 27.11.2026" in text
    # Nr. 7 and 8: net amount by rate or exemption, the rate and the tax amount.
    row = invoice.vat_breakdown.get()
    assert row.vat_category == category
    assert re.search(rf"{re.escape(rate)} {re.escape(net)} {re.escape(vat)}", text), text
    assert "Zahlbetrag" in text
    if note:
        assert note in text


def test_reverse_charge_and_intra_community_supplies_print_the_buyers_vat_id():
    """§ 14a (1), (3) UStG: both parties' VAT IDs on AE and K invoices."""
    reverse = make_issued(customer=make_customer(vat_id=DE_VAT_ID), lines=[line(vat_category="AE", vat_rate=None)])
    intra = make_issued(
        customer=foreign_business(), deliver_to_country="AT", lines=[line(vat_category="K", vat_rate=None)]
    )
    assert f"Ihre USt-IdNr. {DE_VAT_ID}" in pdf_text(reverse)
    intra_text = pdf_text(intra)
    assert f"Ihre USt-IdNr. {AT_VAT_ID}" in intra_text
    assert "Bestimmungsland Österreich" in intra_text
    assert "ÖSTERREICH" in intra_text  # last line of a foreign address (DIN 5008)


def test_several_rates_a_service_period_and_skonto_terms_are_all_printed():
    terms = make_terms(days=30, tiers=[{"percent": "2.00", "days": 10}], name="2 % 10, 30 netto")
    invoice = make_issued(
        service_date=None,
        service_period_start=date(2026, 11, 1),
        service_period_end=date(2026, 11, 30),
        payment_terms=terms.pk,
        purchase_order_reference="PO-4711",
        lines=[
            line(),
            line(description="Fachbuch Mahnwesen", quantity="3", unit_code="C62", unit_price="20.00", vat_rate="7"),
        ],
    )
    text = pdf_text(invoice)
    assert "Leistungszeitraum 01.11.2026 – 30.11.2026" in text
    assert "Fachbuch Mahnwesen 3 Stk." in text
    assert "Umsatzsteuer 19 % auf 200,00 € 38,00 €" in text
    assert "Umsatzsteuer 7 % auf 60,00 € 4,20 €" in text
    assert "Gesamtbetrag brutto 302,20 €" in text
    # The Skonto terms with deadline and amounts, and the due date.
    assert "Bei Zahlung bis 07.12.2026 gewähren wir 2 % Skonto (6,04 €, zu zahlen 296,16 €)." in text
    assert "Zahlbar bis 27.12.2026 ohne Abzug." in text
    assert "Fällig am 27.12.2026" in text
    assert "Ihre Bestellung PO-4711" in text


def test_a_credit_note_is_a_rechnungskorrektur_naming_the_invoice_it_corrects():
    invoice = make_issued()
    credit_note = credit_note_create(invoice=invoice, as_of=T0, issue=True)
    text = pdf_text(credit_note)
    assert f"Rechnungskorrektur {credit_note.number}" in text
    assert f"Korrigierte Rechnung {invoice.number} vom 27.11.2026" in text
    assert f"berichtigt die Rechnung {invoice.number} vom 27.11.2026" in text
    assert "Korrekturbetrag 238,00 €" in text
    # "Gutschrift" means self-billing in German VAT law (§ 14 (2) Satz 2 UStG); nothing to pay, no GiroCode.
    assert "Gutschrift" not in text
    assert "Bezahlen per Code" not in text and "Bitte überweisen" not in text


def test_a_foreign_currency_invoice_states_the_vat_in_euro_with_the_exchange_rate():
    """Art. 230 VAT Directive, § 16 (6) UStG: VAT in EUR, converted at the BMF monthly average."""
    ExchangeRate.objects.create(currency="USD", kind="monthly", date=date(2026, 11, 1), units_per_eur="1.0856")
    invoice = make_issued(currency="USD")
    text = pdf_text(invoice)
    assert "38,00 $" in text and "238,00 $" in text
    assert "Umsatzsteuer in EUR: 35,00 € (Umrechnungskurs 1 EUR = 1,0856 USD, BMF-Monatsdurchschnitt 11/2026)" in text
    assert "Bezahlen per Code" not in text  # the EPC QR code carries EUR only


def test_only_consumer_invoices_carry_the_default_notice_of_paragraph_286_bgb():
    consumer = make_issued(customer=make_customer(kind="consumer", tax_number=""))
    business = make_issued()
    assert consumer_default_notice("de") in pdf_text(consumer)
    assert "§ 286" not in pdf_text(business)


def test_an_english_invoice_speaks_english_with_english_numbers_and_dates():
    customer = make_customer(language="en", kind="consumer", tax_number="")
    invoice = make_issued(customer=customer, payment_terms=make_terms(days=14).pk)
    text = pdf_text(invoice)
    assert f"Invoice {invoice.number}" in text
    assert "Invoice date 27 Nov 2026" in text
    assert "Delivery/service date 27 Nov 2026" in text
    assert "Consulting" not in text  # descriptions are printed as written, not translated
    assert "Beratung Forderungsmanagement 2 h" in text
    assert "VAT 19% on €200.00 €38.00" in text
    assert "Amount due €238.00" in text
    assert "Payable without deduction by 11 Dec 2026." in text
    assert "Page 1 of 1" in text and "Pay by code" in text
    assert consumer_default_notice("en") in text
    assert "Rechnung" not in text and "Seite" not in text


def test_a_long_invoice_repeats_the_table_header_and_numbers_its_pages():
    lines = [line(description=f"Leistung Nummer {n}", quantity="1") for n in range(1, 41)]
    invoice = make_issued(lines=lines)
    pages = page_texts(invoice)
    assert len(pages) >= 2
    total = len(pages)
    for number, text in enumerate(pages, start=1):
        assert f"Seite {number} von {total}" in text
        assert "IBAN DE89 3704 0044 0532 0130 00" in text  # the footer with the bank details is on every page
    # The header row of the items table is printed again where the table continues.
    assert "Pos. Beschreibung Menge Einheit Einzelpreis USt. Betrag" in pages[1]
    assert "Leistung Nummer 40" in " ".join(pages)


def test_the_logo_from_storage_is_embedded_and_a_missing_logo_is_no_error(settings, tmp_path):
    from PIL import Image

    settings.MEDIA_ROOT = tmp_path
    buffer = io.BytesIO()
    Image.new("RGB", (120, 40), (20, 60, 140)).save(buffer, format="PNG")
    name = default_storage.save("company/logo.png", ContentFile(buffer.getvalue()))
    make_company_profile(logo=name)
    with_logo = make_issued()
    assert 'class="logo" src="data:image/png;base64,' in invoice_html(with_logo)
    reader = PdfReader(io.BytesIO(render(with_logo)))
    assert len(reader.pages[0].images) == 1

    default_storage.delete(name)
    html = invoice_html(with_logo)  # the stored name stays in the snapshot; the file is gone
    assert 'class="logo"' not in html and SELLER["name"] in html


def test_the_girocode_is_printed_on_euro_invoices_with_an_iban_only():
    invoice = make_issued()
    html = invoice_html(invoice)
    assert re.search(r'<svg viewBox="[^"]+" class="girocode">', html) and "Bezahlen per Code" in pdf_text(invoice)

    make_company_profile(iban="")
    without_iban = make_issued()
    assert "girocode" not in invoice_html(without_iban).split("</style>")[1]


def test_user_text_is_escaped_not_interpreted():
    invoice = make_issued(lines=[line(description="<script>alert(1)</script> & <b>fett</b>")])
    html = invoice_html(invoice)
    assert "<script>" not in html and "<b>fett" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;fett&lt;/b&gt;" in html
    text = pdf_text(invoice)
    assert "<script>alert(1)</script>&<b>fett</b>" in text.replace(" ", "")  # the cell may wrap anywhere


def test_the_document_shows_the_data_it_was_issued_with_not_todays_master_data():
    """GoBD, § 14 UStG: an issued invoice keeps its addresses; the customer's new name is not printed."""
    customer = make_customer(legal_name="Alte Firma GmbH")
    invoice = make_issued(customer=customer)
    customer.legal_name, customer.billing_street = "Neue Firma AG", "Neuer Weg 9"
    customer.save()
    make_company_profile(name="Umbenannt GmbH")
    invoice.refresh_from_db()
    text = pdf_text(invoice)
    assert "Alte Firma GmbH" in text and SELLER["name"] in text
    assert "Neue Firma AG" not in text and "Umbenannt GmbH" not in text


def test_drafts_are_not_printed():
    with pytest.raises(ValueError, match="draft"):
        invoice_html(make_draft())


def test_amounts_stay_decimal_and_quantities_keep_their_decimals():
    invoice = make_issued(
        lines=[line(quantity="1.5", unit_price="1234.5678", unit_code="KGM"), line(quantity="1000", unit_code="C62")]
    )
    text = pdf_text(invoice)
    assert "1,5 kg 1.234,5678 €" in text
    assert "1.000 Stk. 100,00 €" in text
    assert invoice.tax_exclusive_total == Decimal("101851.85")
    assert "101.851,85 €" in text
