"""Which invoices a bank statement credit line pays: ranked, explained suggestions; automatic
application above a threshold; and the decisions people take on the rest.

``line_candidates`` only reads. It looks for signals, scores every (customer, invoices) pair
they point at and explains each score in words. The confidence is the sum of the signal weights,
clamped to 0–100:

============================  ======  ==========================================================
signal (``code``)             weight  when
============================  ======  ==========================================================
``number_exact``                  70  an open invoice's number appears as printed
``number_mangled``                60  … with other separators or none (RE2026000123,
                                      "2026 000123"), without its "RE" prefix, or without the
                                      leading zeros of its last group when that group is joined
                                      by "-", "/" or "." (2026-123; never "2026 123")
``number_lookalike``              50  … written with look-alike characters (O for 0, I or l for
                                      1, S for 5, B for 8, Z for 2, either way; ≥ 6 digits),
                                      unless the text names another number there as written
``number_typo``                   40  a number one character away (Levenshtein 1, ≥ 6 digits)
                                      from exactly one open invoice's number
``numbers_several``                —   several numbers named: the amount is split over them by
                                      their open amounts; the weakest number's weight counts
``iban``                          35  the payer IBAN is a bank account of the customer
``name_strong``                   20  payer name ≈ legal name (similarity ≥ 0.90, legal forms
                                      such as GmbH/AG and case ignored)
``name_similar``                  10  … similarity ≥ 0.75
``customer_number``               25  the customer number appears in the text
``amount_exact``                  25  the amount equals the open amount (or the sum of the
                                      named invoices' open amounts)
``amount_skonto``                 25  the amount equals the Skonto amount within the discount
                                      period (``skonto_amount_to_pay``)
``amount_partial``                 5  the amount is less than the open amount (partial payment)
``amount_over``                    0  the amount exceeds the open amount (rest stays unapplied)
``number_other_customer``        −40  the invoice number belongs to another customer than the
                                      payer IBAN (applied to both candidates)
``amount_ambiguous``       cap at 60  the amount fits two or more open invoices of the customer
                                      and no number is named: never applied automatically
``customer_only``                  0  the customer is known but no open invoice fits
``reversal``                       0  the bank marks the credit as a reversal (an outgoing
                                      payment of ours that came back): never applied
                                      automatically
============================  ======  ==========================================================

So an exact number with the exact amount (95) is applied automatically at the default threshold
of 90, a mangled number needs the amount and the IBAN as well, and a customer recognised only by
IBAN, name and amount (80) goes to review.

``line_match`` stores the ranking as ``BankLineMatch`` rows (the best ``KEPT``) and applies the
best candidate when its confidence reaches ``settings.DEBITOR_MATCH_AUTO_THRESHOLD`` (default
90) and it leads the second by at least ``LEAD`` points. The payment's external id is derived
from the line's content hash, so a line is never recorded twice (``payments_payment_once``); its
channel is ``direct_debit`` for the collection of one of our SEPA direct debits, else
``bank_transfer``.

The search does not scan: ``index.OpenItems`` loads the open invoices of a currency once per
run and finds what a line's texts, IBAN and payer name point at by lookups; every hit is checked
with the same patterns as before (tests compare it with a search through everything).

Modules: ``text`` (reading texts, numbers, names, IBANs), ``index`` (the open items),
``names`` (which customer names resemble a payer name), ``scoring`` (signals, weights,
amounts), ``candidates`` (``line_candidates``), ``decisions`` (``line_match``,
``statement_match``, accept, assign, ignore).
"""

from .candidates import line_candidates
from .decisions import (
    KEPT,
    line_accept,
    line_assign_to_customer,
    line_ignore,
    line_match,
    line_suggest,
    statement_match,
)
from .index import OpenItems
from .scoring import AMBIGUOUS_CAP, DEFAULT_THRESHOLD, LEAD, WEIGHTS, Candidate, Signal
from .text import name_similarity

__all__ = [
    "AMBIGUOUS_CAP",
    "DEFAULT_THRESHOLD",
    "KEPT",
    "LEAD",
    "WEIGHTS",
    "Candidate",
    "OpenItems",
    "Signal",
    "line_accept",
    "line_assign_to_customer",
    "line_candidates",
    "line_ignore",
    "line_match",
    "line_suggest",
    "name_similarity",
    "statement_match",
]
