"""GiroCode: the EPC QR code for a SEPA credit transfer (EPC069-12, version 002).

Printed on invoices so the payer's banking app fills in recipient, IBAN, amount and the
invoice number as remittance text. segno builds the payload and the QR code (error
correction level M, at most version 13, as the standard demands); this module only
decides when a code may be printed at all.
"""

from __future__ import annotations

from decimal import Decimal

import segno.helpers

# EPC069-12 § 5.3: the amount field takes EUR 0.01 up to EUR 999,999,999.99.
MIN_AMOUNT = Decimal("0.01")
MAX_AMOUNT = Decimal("999999999.99")
# EPC069-12: beneficiary name at most 70 characters, unstructured remittance at most 140.
MAX_NAME = 70
MAX_TEXT = 140


def girocode_svg(*, name: str, iban: str, bic: str, amount: Decimal, reference: str) -> str | None:
    """Inline SVG of the EPC QR code paying ``amount`` EUR to ``iban``, or None where none may be printed.

    EPC069-12 version 002, SEPA credit transfer ("SCT"): the currency is always EUR, so callers
    pass only EUR amounts. None when the amount lies outside 0.01 … 999,999,999.99, there is no
    IBAN or no name, or the reference is empty: a code that a banking app rejects, or that pays
    without saying what for, is worse than none. ``reference`` (the invoice number) goes into the
    unstructured remittance field; the structured one is reserved for ISO 11649 creditor
    references. Names longer than the 70 characters the standard allows are cut, not refused.
    The SVG has a viewBox and no size, so the template sizes it (EPC recommends at least 2 × 2 cm).
    """
    if not isinstance(amount, Decimal):
        raise TypeError(f"amount must be Decimal, not {type(amount).__name__}")
    if amount.is_finite() and amount != amount.quantize(MIN_AMOUNT):
        raise ValueError(f"amount must be quantized to cents, not {amount}")
    iban = "".join((iban or "").split()).upper()
    bic = "".join((bic or "").split()).upper()
    name = " ".join((name or "").split())[:MAX_NAME]
    reference = " ".join((reference or "").split())[:MAX_TEXT]
    if not (iban and name and reference) or not amount.is_finite() or not (MIN_AMOUNT <= amount <= MAX_AMOUNT):
        return None
    qr = segno.helpers.make_epc_qr(
        name=name,
        iban=iban,
        amount=amount,
        text=reference,
        # Version 002 makes the BIC optional inside the EEA; a malformed one would void the whole code.
        bic=bic if len(bic) in (8, 11) else None,
    )
    return qr.svg_inline(omitsize=True, svgclass="girocode", lineclass=None, border=4)
