"""EN 16931 e-invoices in UN/CEFACT CII D16B: Factur-X / ZUGFeRD profile EN 16931 and XRechnung 3.0.

``cii_build`` writes the ``CrossIndustryInvoice`` of an issued invoice or credit note from what
the document stored when it was issued: its seller and buyer snapshots, lines, allowances and
charges, VAT breakdown rows, totals, dates, payment terms as issued and exchange rate. Live
customer or company data is never read, so re-rendering an issued document gives the same bytes
(GoBD: the archived original can be reproduced).

drafthorse models the CII elements and orders them as the schema wants. Building never
validates: the XSD, the EN 16931 schematron and the XRechnung BR-DE rules are checked by
``invoicing.einvoice.validation``. A value the rules require but the snapshot lacks (a seller
contact, a buyer electronic address) is left out rather than invented, and the document is still
returned, so that validation can name the rule that fails.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from babel.dates import format_date
from django.utils import translation
from django.utils.translation import pgettext, pgettext_lazy
from drafthorse.models.accounting import ApplicableTradeTax, CategoryTradeTax, TradeAllowanceCharge
from drafthorse.models.document import Document
from drafthorse.models.note import IncludedNote
from drafthorse.models.party import TaxRegistration
from drafthorse.models.payment import PaymentTerms
from drafthorse.models.tradelines import LineItem

from core.languages import document_language, document_locale
from customers.terms import DiscountTier, TermsSpec, xrechnung_payment_terms

from ..models import DocumentStatus, DocumentType, Invoice, InvoiceEvent, VatCategory
from ..totals import LineInput, line_amounts
from .payment_means import creditor_reference, mandate_reference, payment_means_element

# BT-24 specification identifiers and the BT-23 business process XRechnung expects.
GUIDELINE_EN16931 = "urn:cen.eu:en16931:2017"
GUIDELINE_XRECHNUNG = "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0"
BUSINESS_PROCESS_PEPPOL = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"

TYPE_CODES = {DocumentType.INVOICE: "380", DocumentType.CREDIT_NOTE: "381"}  # UNTDID 1001 (BT-3)
LINE_DISCOUNT_REASON_CODE = "95"  # UNTDID 5189 "Discount" (BT-140)

_CENT = Decimal("0.01")

# Wording of the e-invoice's texts (English msgids, context "e-invoice"; German in the catalogue).
_WORDS = {
    "discount": pgettext_lazy("e-invoice", "Discount"),
    "project": pgettext_lazy("e-invoice", "Project"),
    "offset": pgettext_lazy("e-invoice", "The amount is offset against invoice {number} of {date}."),
    "offset_info": pgettext_lazy("e-invoice", "Offset against invoice {number}"),
    "rate": pgettext_lazy("e-invoice", "Exchange rate for VAT: 1 EUR = {rate} {currency} ({kind}, {when})."),
    "monthly": pgettext_lazy("e-invoice", "official BMF monthly average"),
    "daily": pgettext_lazy("e-invoice", "daily rate"),
    "directors": pgettext_lazy("e-invoice", "Managing directors"),
}


def _words(language: str) -> dict[str, str]:
    with translation.override(language):
        return {key: str(text) for key, text in _WORDS.items()}


class NotIssued(ValueError):
    """Only issued documents have an e-invoice: a draft has no number, no snapshots and may still change."""


def cii_build(invoice: Invoice, *, xrechnung: bool = False) -> bytes:
    """The CII XML (UTF-8, with XML declaration) of an issued invoice or credit note.

    ``xrechnung=False`` gives the Factur-X / ZUGFeRD EN 16931 document (BT-24
    ``urn:cen.eu:en16931:2017``) that the PDF/A-3 embeds; ``xrechnung=True`` the standalone
    XRechnung 3.0 CIUS (BT-24 with ``#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0``, BT-23
    PEPPOL billing, BT-20 with the ``#SKONTO#`` lines of BR-DE-18).

    Built only from the invoice's stored data (§ 14 UStG values as issued, GoBD); the same
    document always gives the same bytes. Drafts are refused with ``NotIssued``. A cancelled
    invoice (fully credited later) still renders as it was issued.
    """
    if invoice.status == DocumentStatus.DRAFT or not invoice.number or not invoice.invoice_date:
        raise NotIssued(f"Invoice {invoice.pk} is a draft; only issued invoices and credit notes have an e-invoice.")
    language = document_language(invoice.language)
    is_invoice = invoice.document_type == DocumentType.INVOICE
    # .all() so a caller's prefetch_related is used; sorted here in the models' own order.
    lines = sorted(invoice.lines.all(), key=lambda x: (x.position, x.pk))
    allowances = sorted(invoice.allowances_charges.all(), key=lambda x: (x.position, x.pk))
    breakdown = sorted(
        invoice.vat_breakdown.all(), key=lambda x: (x.vat_category, x.vat_rate is None, x.vat_rate or 0, x.pk)
    )
    corrected = invoice.corrected_invoice if invoice.corrected_invoice_id else None

    doc = Document()
    if xrechnung:
        doc.context.business_parameter.id = BUSINESS_PROCESS_PEPPOL
    doc.context.guideline_parameter.id = GUIDELINE_XRECHNUNG if xrechnung else GUIDELINE_EN16931
    _header(doc, invoice, language)
    for line in lines:
        doc.trade.items.add(_line_item(line, invoice.currency, language))
    # BR-O-02..04: a document with category O names neither VAT ID (issue.py keeps O alone, BR-O-11).
    not_subject = any(line.vat_category == VatCategory.NOT_SUBJECT for line in lines)
    _agreement(doc, invoice, language, not_subject=not_subject)
    _delivery(doc, invoice)
    _settlement(doc, invoice, allowances, breakdown, corrected, language, is_invoice=is_invoice, xrechnung=xrechnung)
    # No schema here: drafthorse would check its bundled (older, 1.0.07) XSD and raise on the
    # first error. cii_validate checks the current Factur-X XSD and reports every problem as a
    # violation with its rule, which is what the admin and the follow-up task show.
    return doc.serialize(schema=None)


# --- formatting -------------------------------------------------------------------------------


def _amount(value) -> Decimal:
    """BR-DEC-xx: amounts with two decimals (stored amounts already have them; never a float)."""
    return Decimal(value).quantize(_CENT)


def _plain(value, min_places: int) -> Decimal:
    """A stored quantity or price without trailing zeros beyond ``min_places`` (2.0000 → 2, 12.3400 → 12.34)."""
    number = Decimal(value)
    normal = number.normalize()
    places = max(-normal.as_tuple().exponent, min_places)
    return number.quantize(Decimal(1).scaleb(-places))


def _rate(value) -> Decimal:
    return Decimal(value).quantize(_CENT)


# --- header -----------------------------------------------------------------------------------


def _header(doc: Document, invoice: Invoice, language: str) -> None:
    doc.header.id = invoice.number  # BT-1
    doc.header.type_code = TYPE_CODES[invoice.document_type]  # BT-3
    doc.header.issue_date_time = invoice.invoice_date  # BT-2
    for text, subject in _notes(invoice, language):  # BG-1
        note = IncludedNote()
        note.content = text
        if subject:
            note.subject_code = subject
        doc.header.notes.add(note)


def _notes(invoice: Invoice, language: str) -> list[tuple[str, str]]:
    """BT-22 notes: the invoice's note (with the § 13b / § 4 UStG wording issue added) and, for a
    foreign-currency invoice, the exchange rate the EUR VAT was converted with (Art. 230 VAT
    Directive, § 16 (6) UStG) — EN 16931 has no field for the rate itself."""
    notes = []
    if invoice.note.strip():
        notes.append((invoice.note.strip(), ""))
    if invoice.currency != "EUR" and invoice.exchange_rate:
        words = _words(language)
        when = invoice.exchange_rate_date
        if when is not None:
            when_text = f"{when:%m/%Y}" if invoice.exchange_rate_kind == "monthly" else f"{when:%d.%m.%Y}"
        else:
            when_text = "-"
        notes.append(
            (
                words["rate"].format(
                    rate=_plain(invoice.exchange_rate, 2),
                    currency=invoice.currency,
                    kind=words["daily" if invoice.exchange_rate_kind == "daily" else "monthly"],
                    when=when_text,
                ),
                "TXD",  # UNTDID 4451: tax declaration
            )
        )
    return notes


# --- lines ------------------------------------------------------------------------------------


def _line_item(line, currency: str, language: str) -> LineItem:
    """BG-25: BT-126 position, BT-127 note, BT-153 name, BT-155 item number, BT-129/130 quantity and
    unit, BT-146 net price with BT-149/150 base quantity, BG-26 period, BG-27 allowance, BG-28
    charge, BT-151/152 VAT, BT-131 net."""
    item = LineItem()
    item.document.line_id = str(line.position)
    if line.note:
        note = IncludedNote()
        note.content = line.note  # BT-127
        item.document.notes.add(note)
    if line.item_number:
        item.product.seller_assigned_id = line.item_number
    item.product.name = line.description
    item.agreement.net.amount = _plain(line.unit_price, 2)
    if line.price_base_quantity != 1:
        item.agreement.net.basis_quantity = (_plain(line.price_base_quantity, 0), line.unit_code)
    item.delivery.billed_quantity = (_plain(line.quantity, 0), line.unit_code)
    item.settlement.trade_tax.type_code = "VAT"
    item.settlement.trade_tax.category_code = line.vat_category
    if line.vat_category != VatCategory.NOT_SUBJECT:  # BR-O-05: category O lines carry no rate
        item.settlement.trade_tax.rate_applicable_percent = _rate(line.vat_rate or 0)
    if line.period_start or line.period_end:  # BG-26 (BR-CO-20: a start or an end)
        if line.period_start:
            item.settlement.period.start = line.period_start  # BT-134
        if line.period_end:
            item.settlement.period.end = line.period_end  # BT-135
    gross, amounts = line_amounts(LineInput.of(line), currency=currency)
    if line.allowance_percent is not None or line.allowance_amount:  # BG-27: BT-136..140
        reason, code = line.allowance_reason, line.allowance_reason_code
        if not (reason or code):
            # BR-42 wants a reason; a line that states none gets the UNTDID 5189 "discount" code and word.
            reason, code = _words(language)["discount"], LINE_DISCOUNT_REASON_CODE
        item.settlement.allowance_charge.add(
            _line_allowance_charge(False, line.allowance_percent, amounts.allowance_amount, gross, reason, code)
        )
    if line.charge_percent is not None or line.charge_amount is not None:  # BG-28: BT-141..145 (BR-44 checked)
        item.settlement.allowance_charge.add(
            _line_allowance_charge(
                True, line.charge_percent, amounts.charge_amount, gross, line.charge_reason, line.charge_reason_code
            )
        )
    item.settlement.monetary_summation.total_amount = _amount(line.net_amount)
    return item


def _line_allowance_charge(
    is_charge: bool, percent, amount: Decimal, gross: Decimal, reason: str, code: str
) -> TradeAllowanceCharge:
    """A line allowance (BG-27) or charge (BG-28): its amount as applied, a percentage with the
    rounded line amount as its base (BT-138/137, BT-143/142), the reason text and code."""
    element = TradeAllowanceCharge()
    element.indicator = is_charge
    if percent is not None:
        element.calculation_percent = _rate(percent)
        element.basis_amount = _amount(gross)
    element.actual_amount = _amount(amount)
    if code:
        element.reason_code = code
    if reason:
        element.reason = reason
    return element


# --- agreement: parties and references --------------------------------------------------------


def _agreement(doc: Document, invoice: Invoice, language: str, *, not_subject: bool) -> None:
    agreement = doc.trade.agreement
    if invoice.buyer_reference:
        agreement.buyer_reference = invoice.buyer_reference  # BT-10 (XRechnung: the Leitweg-ID, BR-DE-15)
    _seller(agreement.seller, invoice.seller or {}, language, with_vat_id=not not_subject)
    _buyer(agreement.buyer, invoice.buyer or {}, with_vat_id=not not_subject)
    _buyer_contact(agreement.buyer, invoice)
    if invoice.purchase_order_reference:
        agreement.buyer_order.issuer_assigned_id = invoice.purchase_order_reference  # BT-13
    if invoice.contract_reference:
        agreement.contract.issuer_assigned_id = invoice.contract_reference  # BT-12
    if invoice.project_reference:
        # BT-11. CII's SpecifiedProcuringProject requires a Name that EN 16931 does not have.
        agreement.procuring_project_type.id = invoice.project_reference
        agreement.procuring_project_type.name = invoice.project_name or _words(language)["project"]


def _buyer_contact(party, invoice: Invoice) -> None:
    """BG-9 as stored on the invoice: BT-56 contact person, BT-57 phone, BT-58 e-mail."""
    if not (invoice.buyer_contact_name or invoice.buyer_contact_phone or invoice.buyer_contact_email):
        return
    if invoice.buyer_contact_name:
        party.contact.person_name = invoice.buyer_contact_name
    if invoice.buyer_contact_phone:
        party.contact.telephone.number = invoice.buyer_contact_phone
    if invoice.buyer_contact_email:
        party.contact.email.address = invoice.buyer_contact_email


def _seller(party, seller: dict, language: str, *, with_vat_id: bool) -> None:
    """BG-4 from the seller snapshot: BT-27 name, BT-30 register number, BT-33 register data
    (§ 35a GmbHG), BG-6 contact, BG-5 address, BT-34 e-mail as electronic address (EAS "EM"),
    BT-31 VAT ID (VA), BT-32 tax number (FC).

    BT-30 also identifies the seller where BR-O-02 forbids the VAT ID (BR-CO-26)."""
    party.name = seller.get("name", "")
    legal = ", ".join(
        filter(
            None,
            [
                seller.get("register_court", ""),
                seller.get("register_number", ""),
                f"{_words(language)['directors']}: {seller['managing_directors']}"
                if seller.get("managing_directors")
                else "",
            ],
        )
    )
    if legal:
        party.description = legal
    if seller.get("register_number"):
        party.legal_organization.id = seller["register_number"]
    if seller.get("contact_name") or seller.get("phone") or seller.get("email"):
        if seller.get("contact_name"):
            party.contact.person_name = seller["contact_name"]  # BT-41
        if seller.get("phone"):
            party.contact.telephone.number = seller["phone"]  # BT-42
        if seller.get("email"):
            party.contact.email.address = seller["email"]  # BT-43
    _address(party.address, seller.get("street", ""), "", seller.get("postal_code", ""), seller.get("city", ""))
    party.address.country_id = seller.get("country") or "DE"
    if seller.get("email"):
        party.electronic_address.uri_ID = ("EM", seller["email"])
    if seller.get("vat_id") and with_vat_id:
        party.tax_registrations.add(TaxRegistration(id=("VA", seller["vat_id"])))
    if seller.get("tax_number"):
        party.tax_registrations.add(TaxRegistration(id=("FC", seller["tax_number"])))


def _buyer(party, buyer: dict, *, with_vat_id: bool) -> None:
    """BG-7 from the buyer snapshot: BT-46 customer number, BT-44 name, BG-8 address, BT-49
    electronic address with its EAS scheme, BT-48 VAT ID. The buyer's tax number has no place in
    EN 16931 and is left out."""
    if buyer.get("number"):
        party.id = buyer["number"]
    party.name = buyer.get("name", "")
    _address(
        party.address,
        buyer.get("street", ""),
        buyer.get("street2", ""),
        buyer.get("postal_code", ""),
        buyer.get("city", ""),
    )
    party.address.country_id = buyer.get("country") or "DE"
    if buyer.get("e_invoice_scheme") and buyer.get("e_invoice_address"):
        party.electronic_address.uri_ID = (buyer["e_invoice_scheme"], buyer["e_invoice_address"])
    if buyer.get("vat_id") and with_vat_id:
        party.tax_registrations.add(TaxRegistration(id=("VA", buyer["vat_id"])))


def _address(address, street: str, street2: str, postal_code: str, city: str) -> None:
    if postal_code:
        address.postcode = postal_code
    if street:
        address.line_one = street
    if street2:
        address.line_two = street2
    if city:
        address.city_name = city


# --- delivery ---------------------------------------------------------------------------------


def _delivery(doc: Document, invoice: Invoice) -> None:
    """BT-72 delivery date and BG-13 deliver-to (BT-80 country; BR-IC-12 for intra-community supplies).

    The deliver-to address is the snapshot's shipping address, or — when the customer had none
    (goods go to the billing address) — the buyer's address, each only if its country is the
    deliver-to country; otherwise only the country is stated.
    """
    delivery = doc.trade.delivery
    if invoice.service_date:
        delivery.event.occurrence = invoice.service_date
    buyer = invoice.buyer or {}
    shipping = buyer.get("shipping") or None
    country = invoice.deliver_to_country
    if not country:
        return
    ship_to = delivery.ship_to
    source = shipping if shipping else buyer
    if source.get("country") == country:
        if shipping and shipping.get("name"):
            ship_to.name = shipping["name"]  # BT-70
        _address(
            ship_to.address,
            source.get("street", ""),
            source.get("street2", ""),
            source.get("postal_code", ""),
            source.get("city", ""),
        )
    ship_to.address.country_id = country


# --- settlement -------------------------------------------------------------------------------


def _settlement(
    doc: Document,
    invoice: Invoice,
    allowances: list,
    breakdown: list,
    corrected: Invoice | None,
    language: str,
    *,
    is_invoice: bool,
    xrechnung: bool,
) -> None:
    settlement = doc.trade.settlement
    words = _words(language)
    settlement.payment_reference = invoice.number  # BT-83 remittance information
    foreign = invoice.currency != "EUR" and invoice.tax_total_eur is not None
    if foreign:
        settlement.tax_currency_code = "EUR"  # BT-6 (§ 16 (6) UStG: VAT is declared in EUR)
    settlement.currency_code = invoice.currency  # BT-5

    offset_info = words["offset_info"].format(number=corrected.number) if corrected is not None else ""
    settlement.payment_means.add(payment_means_element(invoice, is_invoice=is_invoice, offset_info=offset_info))
    if creditor_id := creditor_reference(invoice):
        settlement.creditor_reference_id = creditor_id  # BT-90

    for row in breakdown:  # BG-23
        tax = ApplicableTradeTax()
        tax.calculated_amount = _amount(row.tax_amount)  # BT-117
        tax.type_code = "VAT"
        if row.exemption_reason:
            tax.exemption_reason = row.exemption_reason  # BT-120
        tax.basis_amount = _amount(row.taxable_amount)  # BT-116
        tax.category_code = row.vat_category  # BT-118
        if row.exemption_code:
            tax.exemption_reason_code = row.exemption_code  # BT-121
        if row.vat_category != VatCategory.NOT_SUBJECT:  # BR-O-09: no rate for category O
            tax.rate_applicable_percent = _rate(row.vat_rate or 0)  # BT-119
        settlement.trade_tax.add(tax)

    if invoice.service_period_start and invoice.service_period_end:  # BG-14
        settlement.period.start = invoice.service_period_start
        settlement.period.end = invoice.service_period_end

    for item in allowances:  # BG-20 / BG-21
        settlement.allowance_charge.add(_document_allowance_charge(item))

    terms_text = _payment_terms_text(invoice, corrected, language, is_invoice=is_invoice, xrechnung=xrechnung)
    due = _due_date_as_issued(invoice) if is_invoice else None
    mandate = mandate_reference(invoice)
    if terms_text or due or mandate:
        terms = PaymentTerms()
        if terms_text:
            terms.description = terms_text  # BT-20
        if due:
            terms.due = due  # BT-9
        if mandate:
            terms.debit_mandate_id = mandate  # BT-89
        settlement.terms.add(terms)

    totals = settlement.monetary_summation  # BG-22
    totals.line_total = _amount(invoice.line_total)  # BT-106
    totals.charge_total = _amount(invoice.charge_total)  # BT-108
    totals.allowance_total = _amount(invoice.allowance_total)  # BT-107
    totals.tax_basis_total = (_amount(invoice.tax_exclusive_total), None)  # BT-109
    totals.tax_total = (_amount(invoice.tax_total), invoice.currency)  # BT-110
    if foreign:
        totals.tax_total_other_currency.add((_amount(invoice.tax_total_eur), "EUR"))  # BT-111
    rounding = invoice.amount_due - (invoice.tax_inclusive_total - invoice.prepaid_amount)
    if rounding:
        totals.rounding_amount = _amount(rounding)  # BT-114
    totals.grand_total = (_amount(invoice.tax_inclusive_total), None)  # BT-112
    if invoice.prepaid_amount:
        totals.prepaid_total = _amount(invoice.prepaid_amount)  # BT-113
    totals.due_amount = _amount(invoice.amount_due)  # BT-115

    if corrected is not None:  # BG-3: BT-25 preceding invoice and its date BT-26
        settlement.invoice_referenced_document.issuer_assigned_id = corrected.number
        settlement.invoice_referenced_document.issue_date_time = corrected.invoice_date


def _document_allowance_charge(item) -> TradeAllowanceCharge:
    """BT-92..98 / BT-99..105: amount as computed at issue, percent and base when given, reason and
    reason code (UNTDID 5189 / 7161), VAT category and rate (BR-32 / BR-37)."""
    charge = TradeAllowanceCharge()
    charge.indicator = bool(item.is_charge)
    if item.percent is not None and item.base_amount is not None:
        charge.calculation_percent = _rate(item.percent)
        charge.basis_amount = _amount(item.base_amount)
    charge.actual_amount = _amount(item.computed_amount)
    if item.reason_code:
        charge.reason_code = item.reason_code
    if item.reason:
        charge.reason = item.reason
    tax = CategoryTradeTax()
    tax.type_code = "VAT"
    tax.category_code = item.vat_category
    if item.vat_category != VatCategory.NOT_SUBJECT:  # BR-O-06/07
        tax.rate_applicable_percent = _rate(item.vat_rate or 0)
    charge.trade_tax.add(tax)
    return charge


def _terms_spec(snapshot: dict) -> TermsSpec | None:
    if not snapshot or "days" not in snapshot:
        return None
    tiers = tuple(DiscountTier(percent=Decimal(str(t["percent"])), days=int(t["days"])) for t in snapshot["tiers"])
    return TermsSpec(basis=snapshot.get("basis", "net"), days=int(snapshot["days"]), tiers=tiers)


def _payment_terms_text(
    invoice: Invoice, corrected: Invoice | None, language: str, *, is_invoice: bool, xrechnung: bool
) -> str:
    """BT-20. Factur-X: the wording printed on the invoice (``payment_terms_text``). XRechnung: the
    same wording after one ``#SKONTO#TAGE=n#PROZENT=p.pp#`` line per Skonto tier (BR-DE-18), made
    from the terms as issued (``terms_snapshot``) by ``customers.terms.xrechnung_payment_terms``.

    Credit notes have no due date; since their amount due is positive, BR-CO-25 wants BT-9 or
    BT-20, so BT-20 says that the amount is offset against the corrected invoice.
    """
    if not is_invoice:
        if corrected is None:
            return ""
        return _words(language)["offset"].format(
            number=corrected.number, date=_date_text(corrected.invoice_date, language)
        )
    spec = _terms_spec(invoice.terms_snapshot)
    # Only the Skonto the invoice offered: a direct debit or a card payment at issue offers none.
    if xrechnung and spec is not None and spec.tiers and (invoice.discount_offers or not invoice.payment_means):
        return xrechnung_payment_terms(
            spec,
            invoice_date=invoice.invoice_date,
            gross_amount=invoice.amount_due,
            currency=invoice.currency,
            language=language,
        )
    return invoice.payment_terms_text


def _date_text(value: date, language: str) -> str:
    with translation.override(language):
        pattern = pgettext("date format in e-invoice texts (CLDR pattern)", "y-MM-dd")
    return format_date(value, pattern, locale=document_locale(language))


def _due_date_as_issued(invoice: Invoice) -> date | None:
    """BT-9 as issued. ``due_date`` may be moved later (invoice_change_due_date); the first
    change event keeps the original, so the archived e-invoice does not change with it."""
    first_change = (
        InvoiceEvent.objects.filter(invoice=invoice, kind=InvoiceEvent.Kind.DUE_DATE_CHANGED)
        .order_by("at", "id")
        .values_list("from_state", flat=True)
        .first()
    )
    if first_change:
        return date.fromisoformat(first_change)
    return invoice.due_date
