"""The open items a statement is matched against, loaded once and indexed, so that a line costs
lookups for the tokens of its texts instead of a scan of every open invoice and customer.

``OpenItems`` is built once per ``statement_match`` run (and per ``line_match`` called alone). Per
currency it loads the open invoices (only the columns matching and Skonto read) and their
customers in two queries; payer IBANs are looked up once for all lines of a statement. The
lookups only narrow the search: ``candidates.py`` checks every hit with the same patterns and
rules as a search through everything would, so the result is the same (``number_pattern``,
``within_one_edit``, ``customer_number_pattern``, ``name_similarity``). The one exception is a
suggestion resting on the payer name alone, see ``names.NameIndex.similar``.

- invoice numbers: by the value of the number's last group of digits (``text.number_key``);
  a text asks with the values of all suffixes of its runs of digits (``text.text_keys``);
- numbers written with look-alike characters (O for 0 …, ``text.lookalike_fold``): the same keys
  asked with the folded texts, plus the folded keys of the numbers that hold such a letter;
- numbers with one typo (≥ 6 digits): a deletion-neighbourhood index of the digit strings
  (each string and the strings with one digit deleted), built on first use;
- customer numbers: a dictionary of the (case-folded) numbers, asked with the pieces of the
  text between word boundaries that have the length of a customer number;
- payer names: character trigrams of the names (``names.NameIndex``).

The index is a snapshot: after a line was applied ``refresh`` re-reads the invoices it paid (a
fully paid one leaves the index), so the next line sees the new open amounts. Changes made by
others while a statement is matched are not seen; the payments service checks the open amounts
under lock when it allocates, so a stale suggestion is refused and the line goes to review.
Invoices issued meanwhile are found by the next run.
"""

from __future__ import annotations

import functools
from bisect import insort
from datetime import date

from customers.models import BankAccount, Customer
from invoicing.models import DocumentStatus, DocumentType, Invoice

from . import text
from .names import NameIndex

# What matching and ``skonto_amount_to_pay`` read of an invoice (the rest stays deferred).
INVOICE_FIELDS = (
    "id",
    "number",
    "customer_id",
    "currency",
    "document_type",
    "open_amount",
    "amount_due",
    "credited_amount",
    "discount_offers",
    "due_date",
    "invoice_date",
)
CUSTOMER_FIELDS = ("id", "number", "legal_name")
# Positions in an invoice row (INVOICE_FIELDS).
_NUMBER, _CUSTOMER, _CURRENCY, _TYPE, _OPEN, _OFFERS, _DUE, _ISSUED = 1, 2, 3, 4, 5, 8, 9, 10


def _open_invoices(currency: str):
    return Invoice.objects.filter(
        document_type=DocumentType.INVOICE, status=DocumentStatus.ISSUED, open_amount__gt=0, currency=currency
    )


def _order(row: tuple) -> tuple:
    """ORDER BY due_date, invoice_date, id as PostgreSQL sorts it (NULLs last): the order in
    which a search through all open invoices meets them, which decides ties."""
    due, issued = row[_DUE], row[_ISSUED]
    return (due is None, due or date.min, issued is None, issued or date.min, row[0])


@functools.cache
def _model_order(model, names: tuple[str, ...]) -> tuple[int, ...]:
    """Positions of ``names`` in the model's field order (``Model.from_db`` takes values in that order)."""
    position = {name: index for index, name in enumerate(names)}
    return tuple(position[field.attname] for field in model._meta.concrete_fields if field.attname in position)


def from_row(model, db: str, names: tuple[str, ...], row: tuple):
    """A model instance from a values_list row of ``names`` (the other fields deferred), no query."""
    order = _model_order(model, names)
    return model.from_db(db, [names[i] for i in order], [row[i] for i in order])


class CurrencyIndex:
    """The open invoices of one currency and their customers."""

    def __init__(self, currency: str, *, invoices: list[tuple], customers: list[tuple], db: str = "default"):
        self.currency = currency
        self.db = db
        self._rows: dict[int, tuple] = {}
        self._instances: dict[int, Invoice] = {}
        self._by_key: dict[int, list[int]] = {}
        self._unkeyed: set[int] = set()
        # Numbers holding a look-alike letter next to a digit ("RE-2026-B0035"): their key once the
        # letters are read as digits, when it differs from ``_by_key``'s (or None: checked always).
        self._fold_changed: set[int] = set()
        self._fold_key: dict[int, list[int]] = {}
        self._fold_unkeyed: set[int] = set()
        self._by_customer: dict[int, list[tuple]] = {}  # customer -> [(order, invoice pk)]
        self._digits: dict[int, str] = {}
        self._deadline: dict[int, date] = {}  # the last day an early payment discount is offered
        # digit string or one of its one-deleted variants -> invoice pk, or a list of them when
        # several share it (most variants belong to one invoice: no list per key saves memory)
        self._near: dict[str, int | list[int]] | None = None
        self._customers: dict[int, tuple] = {row[0]: row for row in customers}
        self._customer_instances: dict[int, Customer] = {}
        self._by_customer_number: dict[str, list[int]] = {}
        self._number_lengths: set[int] = set()
        self._unkeyed_customers: set[int] = set()
        self._names: NameIndex | None = None
        for row in invoices:
            self._add(row)
        for pk, number, _name in customers:
            key = text.customer_number_key(number)
            if key is None:
                self._unkeyed_customers.add(pk)
            else:
                self._by_customer_number.setdefault(key, []).append(pk)
                self._number_lengths.add(len(key))

    @classmethod
    def load(cls, currency: str) -> CurrencyIndex:
        """Two queries: the open invoices of the currency and their customers."""
        invoices = _open_invoices(currency)
        rows = list(invoices.values_list(*INVOICE_FIELDS))
        customers = Customer.objects.filter(pk__in=invoices.values("customer_id")).values_list(*CUSTOMER_FIELDS)
        return cls(currency, invoices=rows, customers=list(customers), db=invoices.db)

    # --- keeping it current ---------------------------------------------------------------------

    def _add(self, row: tuple) -> None:
        pk, number = row[0], row[_NUMBER]
        self._rows[pk] = row
        insort(self._by_customer.setdefault(row[_CUSTOMER], []), (_order(row), pk))
        if row[_OFFERS]:
            self._deadline[pk] = max(date.fromisoformat(offer["deadline"]) for offer in row[_OFFERS])
        if not number:
            return
        key = text.number_key(number)
        if key is None:
            self._unkeyed.add(pk)
        else:
            self._by_key.setdefault(key, []).append(pk)
        folded = text.lookalike_fold(number)
        if folded != number:
            self._fold_changed.add(pk)
            fold_key = text.number_key(folded)
            if fold_key is None:
                self._fold_unkeyed.add(pk)
            elif fold_key != key:
                self._fold_key.setdefault(fold_key, []).append(pk)
        found = text.digits(number)
        if len(found) >= text.TYPO_MIN_DIGITS:
            self._digits[pk] = found
            if self._near is not None:
                self._near_add(pk, found)

    def _remove(self, pk: int) -> None:
        row = self._rows.pop(pk)
        self._instances.pop(pk, None)
        self._deadline.pop(pk, None)
        mine = self._by_customer[row[_CUSTOMER]]
        mine.remove((_order(row), pk))
        if not mine:
            del self._by_customer[row[_CUSTOMER]]
        if not row[_NUMBER]:
            return
        key = text.number_key(row[_NUMBER])
        if key is None:
            self._unkeyed.discard(pk)
        else:
            self._by_key[key].remove(pk)
        if pk in self._fold_changed:
            self._fold_changed.discard(pk)
            self._fold_unkeyed.discard(pk)
            fold_key = text.number_key(text.lookalike_fold(row[_NUMBER]))
            if fold_key is not None and fold_key != key:
                self._fold_key[fold_key].remove(pk)
        found = self._digits.pop(pk, None)
        if found is not None and self._near is not None:
            for variant in text.one_deleted(found):
                held = self._near[variant]
                if isinstance(held, list):
                    held.remove(pk)
                else:
                    del self._near[variant]

    def refresh(self, rows: dict[int, tuple | None]) -> None:
        """Take the current state of these invoices (None: no longer open)."""
        for pk, row in rows.items():
            if pk in self._rows:
                self._remove(pk)
            if row is not None and row[_CUSTOMER] in self._customers:
                self._add(row)

    # --- reading --------------------------------------------------------------------------------

    def order(self, pk: int) -> tuple:
        return _order(self._rows[pk])

    def invoice(self, pk: int) -> Invoice:
        instance = self._instances.get(pk)
        if instance is None:
            instance = from_row(Invoice, self.db, INVOICE_FIELDS, self._rows[pk])
            instance.customer = self.customer(self._rows[pk][_CUSTOMER])
            self._instances[pk] = instance
        return instance

    def number(self, pk: int) -> str:
        return self._rows[pk][_NUMBER]

    def customer(self, pk: int) -> Customer:
        instance = self._customer_instances.get(pk)
        if instance is None:
            instance = from_row(Customer, self.db, CUSTOMER_FIELDS, self._customers[pk])
            self._customer_instances[pk] = instance
        return instance

    def has_open(self, customer_pk: int) -> bool:
        return customer_pk in self._by_customer

    def open_customers(self):
        return self._by_customer.keys()

    def invoices_of(self, customer_pk: int, *, may_fit=None, on: date | None = None) -> list[Invoice]:
        """The customer's open invoices, oldest due first. With ``may_fit`` (an amount) only those
        the amount can settle: their open amount, or an early payment discount still offered
        ``on`` that day (``skonto_amount_to_pay`` decides)."""
        pks = [pk for _order_key, pk in self._by_customer.get(customer_pk, [])]
        if may_fit is not None:
            pks = [
                pk
                for pk in pks
                if self._rows[pk][_OPEN] == may_fit or (pk in self._deadline and on <= self._deadline[pk])
            ]
        return [self.invoice(pk) for pk in pks]

    def numbers_in(self, texts: list[str]) -> set[int]:
        """Open invoices whose number may be written in one of the texts (a superset)."""
        found = set(self._unkeyed)
        for value in texts:
            for key in text.text_keys(value):
                found.update(self._by_key.get(key, ()))
        return found

    def lookalikes_in(self, texts: list[str], folded: list[str]) -> set[int]:
        """Open invoices whose number may be written in one of the texts with look-alike characters
        (a superset; ``folded``: the texts through ``text.lookalike_fold``). A text the fold left as
        it was can only name, this way, a number that holds such a letter itself."""
        found = set(self._unkeyed) | self._fold_unkeyed
        for value, fold in zip(texts, folded, strict=True):
            changed = fold != value
            if not changed and not self._fold_changed:
                continue
            for key in text.text_keys(fold):
                held = self._by_key.get(key, ())
                found.update(held if changed else (pk for pk in held if pk in self._fold_changed))
                found.update(self._fold_key.get(key, ()))
        return found

    def prepare(self) -> CurrencyIndex:
        """Build the parts made on first use now (the typo and name lookups)."""
        self._build_near()
        self._name_index().prepare()
        return self

    def _build_near(self) -> None:
        if self._near is None:
            self._near = {}
            for pk, found in self._digits.items():
                self._near_add(pk, found)

    def _near_add(self, pk: int, found: str) -> None:
        for variant in text.one_deleted(found):
            held = self._near.get(variant)
            if held is None:
                self._near[variant] = pk
            elif isinstance(held, list):
                held.append(pk)
            else:
                self._near[variant] = [held, pk]

    def near(self, written: str) -> list[int]:
        """Open invoices whose number's digits are within one edit of ``written`` (≥ 6 digits each)."""
        self._build_near()
        hits = set()
        for variant in text.one_deleted(written):
            held = self._near.get(variant)
            if isinstance(held, list):
                hits.update(held)
            elif held is not None:
                hits.add(held)
        return sorted((pk for pk in hits if text.within_one_edit(written, self._digits[pk])), key=self.order)

    def customers_numbered_in(self, texts: list[str]) -> set[int]:
        """Customers whose number may be written in one of the texts (a superset)."""
        found = set(self._unkeyed_customers)
        for value in texts:
            for piece in text.text_spans(value, self._number_lengths):
                found.update(self._by_customer_number.get(piece, ()))
        return found

    def _name_index(self) -> NameIndex:
        if self._names is None:
            self._names = NameIndex({pk: row[2] for pk, row in self._customers.items()})
        return self._names

    def similar_names(self, payer: str) -> dict[int, float]:
        """Customers whose legal name is similar to the payer's (≥ 0.75), with the similarity;
        see ``names.NameIndex.similar`` for what its prefilter can miss."""
        return self._name_index().similar(payer)


class OpenItems:
    """What one matching run looks candidates up in: an index per currency (loaded when first
    asked for) and the customers behind payer IBANs."""

    def __init__(self, *, currencies: dict[str, CurrencyIndex] | None = None, ibans: dict | None = None):
        """Empty, loading from the database as asked; or given the indexes and IBANs already."""
        self._currencies: dict[str, CurrencyIndex] = dict(currencies or {})
        self._ibans: dict[str, list[tuple]] = dict(ibans or {})

    def currency(self, currency: str) -> CurrencyIndex:
        index = self._currencies.get(currency)
        if index is None:
            index = self._currencies[currency] = CurrencyIndex.load(currency)
        return index

    def load_ibans(self, ibans) -> None:
        """One query for the bank accounts of all these (compact) IBANs not asked for yet."""
        missing = sorted({iban for iban in ibans if iban and iban not in self._ibans})
        if not missing:
            return
        for iban in missing:
            self._ibans[iban] = []
        accounts = (
            BankAccount.objects.filter(iban__in=missing)
            .order_by("customer_id", "id")
            .values_list("iban", "customer_id", "customer__number", "customer__legal_name")
        )
        for iban, *customer in accounts:
            self._ibans[iban].append(tuple(customer))

    def iban_customers(self, iban: str) -> list[tuple]:
        """(pk, number, legal name) of the customers with this bank account, one per account."""
        if iban not in self._ibans:
            self.load_ibans([iban])
        return self._ibans[iban]

    def refresh(self, pks) -> None:
        """Re-read these invoices (one query) after a payment was applied to them."""
        pks = set(pks)
        if not pks or not self._currencies:
            return
        current = {row[0]: row for row in Invoice.objects.filter(pk__in=pks).values_list(*INVOICE_FIELDS, "status")}
        for index in self._currencies.values():
            rows = {}
            for pk in pks:
                row = current.get(pk)
                still_open = (
                    row is not None
                    and row[-1] == DocumentStatus.ISSUED
                    and row[_TYPE] == DocumentType.INVOICE
                    and row[_CURRENCY] == index.currency
                    and row[_OPEN] > 0
                )
                rows[pk] = row[:-1] if still_open else None
            index.refresh(rows)
