"""BG-16 to BG-19 of the CII e-invoice, from the payment means the invoice was issued with.

``Invoice.payment_means`` (``invoicing.payment_means``) was fixed at issue, so an e-invoice built
again later says the same: a card payment or a revoked mandate after issue changes nothing here.

- ``{}``, invoices: BT-81 58 (SEPA credit transfer) to the seller's account, BT-84 IBAN, BT-86 BIC.
- credit notes: BT-81 97 (clearing between partners), BT-82 naming the corrected invoice.
- direct debit: BT-81 59, BT-91 debited account (``PayerPartyDebtorFinancialAccount``), BT-90
  creditor identifier (``ApplicableHeaderTradeSettlement/CreditorReferenceID``), BT-89 mandate
  reference (``SpecifiedTradePaymentTerms/DirectDebitMandateID``, written with the terms); no
  seller account (XRechnung BR-DE-25-b: BG-17 and BG-18 must not be transmitted).
- card paid at issue: BT-81 54 or 48, BT-87 the last four digits of the card number, BT-88 the
  card holder (``ApplicableTradeSettlementFinancialCard``); the amount paid is BT-113 in the
  totals; no seller account (BR-DE-24-b).
"""

from __future__ import annotations

from drafthorse.models.payment import PaymentMeans

from ..models import Invoice
from ..payment_means import is_card, is_direct_debit

SEPA_CREDIT_TRANSFER = "58"  # UNTDID 4461 (BT-81)
CLEARING_BETWEEN_PARTNERS = "97"  # UNTDID 4461 (BT-81)


def payment_means_element(invoice: Invoice, *, is_invoice: bool, offset_info: str) -> PaymentMeans:
    """The one ``SpecifiedTradeSettlementPaymentMeans`` of the document (BG-16)."""
    means = invoice.payment_means or {}
    seller = invoice.seller or {}
    element = PaymentMeans()
    if not is_invoice:
        # A credit note is settled against the invoice it corrects (the open amount of that invoice
        # is reduced, invoicing.services.issue._apply_credit_note). Code 58 with our IBAN would tell
        # the buyer to pay us; "clearing between partners" says what happens, needs no account
        # (BR-DE-23 only demands BG-17 for 30/58) and keeps BG-16, which XRechnung requires (BR-DE-1).
        element.type_code = CLEARING_BETWEEN_PARTNERS
        if offset_info:
            element.information.add(offset_info)  # BT-82
    elif is_direct_debit(means):
        element.type_code = means["code"]
        element.payer_account.iban = means["debtor_iban"]  # BT-91
    elif is_card(means):
        element.type_code = means["code"]
        element.financial_card.id = means["card_last4"]  # BT-87
        if means.get("card_holder"):
            element.financial_card.cardholder_name = means["card_holder"]  # BT-88
    else:
        element.type_code = SEPA_CREDIT_TRANSFER
        if seller.get("iban"):
            element.payee_account.iban = seller["iban"].replace(" ", "")  # BT-84
        if seller.get("bic"):
            element.payee_institution.bic = seller["bic"]  # BT-86
    return element


def creditor_reference(invoice: Invoice) -> str:
    """BT-90, the seller's SEPA creditor identifier, on direct-debit invoices only."""
    means = invoice.payment_means or {}
    return means["creditor_id"] if is_direct_debit(means) else ""


def mandate_reference(invoice: Invoice) -> str:
    """BT-89, the mandate the invoice is collected under, on direct-debit invoices only."""
    means = invoice.payment_means or {}
    return means["mandate_reference"] if is_direct_debit(means) else ""
