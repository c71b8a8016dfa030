"""Rules on the payment means (BG-16 to BG-19): credit transfer, payment card, direct debit."""

from __future__ import annotations

from collections.abc import Callable

from lxml import etree
from schwifty import IBAN

from .paths import _CARD, _CREDIT_TRANSFER, _DIRECT_DEBIT, _PAYMENT_MEANS, _SETTLEMENT, _all, _filled, _text


def _invalid_iban(path: str) -> Callable[[etree._Element], list[etree._Element]]:
    """The account in ``path`` below each matching payment means is a plausible IBAN (check digits,
    length and national format, per schwifty)."""

    def check(means_list):
        failing = []
        for means in means_list:
            accounts = _all(means, path)
            if not accounts:
                failing.append(means)
            for account in accounts:
                try:
                    IBAN(account.text or "")
                except ValueError:
                    failing.append(account)
        return failing

    return check


def _credit_transfer_iban(root):
    means = [m for m in _all(root, _PAYMENT_MEANS) if _text(m, "ram:TypeCode") == "58"]
    return _invalid_iban("ram:PayeePartyCreditorFinancialAccount/ram:IBANID")(means)


def _direct_debit_iban(root):
    means = [m for m in _all(root, _PAYMENT_MEANS) if _text(m, "ram:TypeCode") == "59"]
    return _invalid_iban("ram:PayerPartyDebtorFinancialAccount/ram:IBANID")(means)


def _credit_transfer_means(root):
    return [m for m in _all(root, _PAYMENT_MEANS) if _text(m, "ram:TypeCode") in _CREDIT_TRANSFER]


def _credit_transfer_account(root):
    return [m for m in _credit_transfer_means(root) if not _all(m, "ram:PayeePartyCreditorFinancialAccount")]


def _credit_transfer_only(root):
    direct_debit = bool(
        _all(
            root,
            f"{_SETTLEMENT}/ram:SpecifiedTradePaymentTerms/ram:DirectDebitMandateID"
            f" | {_SETTLEMENT}/ram:CreditorReferenceID",
        )
    )
    return [
        m
        for m in _credit_transfer_means(root)
        if direct_debit
        or _all(m, "ram:ApplicableTradeSettlementFinancialCard | ram:PayerPartyDebtorFinancialAccount/ram:IBANID")
    ]


def _means_with_code(root, codes: set[str]) -> list[etree._Element]:
    return [m for m in _all(root, _PAYMENT_MEANS) if _text(m, "ram:TypeCode") in codes]


def _direct_debit_given(root, means: etree._Element) -> bool:
    """BG-19 is there: its mandate reference (BT-89) or creditor identifier (BT-90) on the document,
    or the debited account (BT-91) in this payment means — as the KoSIT schematron reads it."""
    return bool(
        _all(
            root,
            f"{_SETTLEMENT}/ram:SpecifiedTradePaymentTerms/ram:DirectDebitMandateID"
            f" | {_SETTLEMENT}/ram:CreditorReferenceID",
        )
        or _all(means, "ram:PayerPartyDebtorFinancialAccount/ram:IBANID")
    )


def _card_information(root):
    return [m for m in _means_with_code(root, _CARD) if not _all(m, "ram:ApplicableTradeSettlementFinancialCard")]


def _card_only(root):
    return [
        m
        for m in _means_with_code(root, _CARD)
        if _all(m, "ram:PayeePartyCreditorFinancialAccount") or _direct_debit_given(root, m)
    ]


def _direct_debit_information(root):
    return [m for m in _means_with_code(root, {_DIRECT_DEBIT}) if not _direct_debit_given(root, m)]


def _direct_debit_only(root):
    return [
        m
        for m in _means_with_code(root, {_DIRECT_DEBIT})
        if _all(m, "ram:PayeePartyCreditorFinancialAccount | ram:ApplicableTradeSettlementFinancialCard")
    ]


def _direct_debit_missing(required: str) -> Callable[[etree._Element], list[etree._Element]]:
    """Where BG-19 is given, ``required`` (relative to the root) must be too (BR-DE-30/31)."""

    def check(root):
        return [m for m in _all(root, _PAYMENT_MEANS) if _direct_debit_given(root, m) and not _filled(m, required)]

    return check
