"""Personal data: where each app keeps it, how long it must keep it, and who may no longer be written to.

The data-protection work (access requests, erasure with retention duties: the ``privacy`` app)
needs to know every place that holds personal data about a customer's contacts or about a
consumer customer. ``core`` imports no app, so each app declares its places itself, in its own
``<app>/privacy.py`` (found by ``django.utils.module_loading.autodiscover_modules("privacy")``
when the ``privacy`` app is ready), with :func:`privacy_source_register`:

- **export**: everything the place holds about the data subject, as JSON-ready dicts (Art. 15 DSGVO);
- **records**: the rows that hold it, each with its date and **retention class** — the law's
  reason to keep it: books and records (10 years), accounting vouchers such as invoices, credit
  notes, bank statements and payment records (8 years) — both § 147 (3) AO and § 257 (4) HGB as
  amended from 1 January 2025 —, business letters such as reminders and e-mails (6 years), or none;
- **erase**: anonymise the given rows in place (Art. 17 (1) DSGVO); rows stay, so references hold.

The ``privacy`` app decides per row: a row whose retention ended (or that has none) is erased;
one still under retention is kept and its processing restricted (Art. 17 (3) b), Art. 18 DSGVO).

**Restrictions** are honoured by apps below ``privacy`` through :func:`processing_restrictions`:
the ``privacy`` app registers the lookup (:func:`restriction_lookup_register`), the outbox asks it
before it addresses anyone, so an erased or restricted contact gets no more e-mail.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from django.utils import timezone

# --- Retention ---------------------------------------------------------------------------------

BOOKS = "books"  # books and records, annual accounts, inventories: § 147 (1) no. 1 AO, § 257 (1) no. 1 HGB
VOUCHERS = "vouchers"  # accounting vouchers: invoices, credit notes, bank statements, payment records
LETTERS = "letters"  # business letters received and sent: reminders, e-mails (§ 147 (1) no. 2, 3 AO)
NONE = "none"  # no duty to keep it

RETENTION_CLASSES = (BOOKS, VOUCHERS, LETTERS, NONE)
# Years from the end of the calendar year of the record (§ 147 (3), (4) AO; § 257 (4), (5) HGB,
# as amended by the Bürokratieentlastungsgesetz IV from 1 January 2025: vouchers 10 → 8 years).
DEFAULT_RETENTION_YEARS: dict[str, int] = {BOOKS: 10, VOUCHERS: 8, LETTERS: 6}

ERASED = "[erased]"  # the neutral marker anonymised personal values become


def retention_ends(
    record_date: date | datetime, retention_class: str, *, periods: Mapping[str, int] | None = None
) -> date | None:
    """The last day a record must be kept: the end of the calendar year of ``record_date`` plus
    the class's years (§ 147 (4) AO: the period begins with the end of the calendar year in which
    the record was made). An invoice dated 2026-03-01 with 8 years is kept until 2034-12-31.
    ``None`` for records without a retention duty. ``periods`` overrides the default years."""
    if retention_class not in RETENTION_CLASSES:
        raise ValueError(f"Unknown retention class {retention_class!r}; use one of {RETENTION_CLASSES}.")
    if retention_class == NONE:
        return None
    years = (periods or DEFAULT_RETENTION_YEARS)[retention_class]
    if isinstance(record_date, datetime):
        record_date = timezone.localdate(record_date) if timezone.is_aware(record_date) else record_date.date()
    return date(record_date.year + years, 12, 31)


# --- Sources -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DataSubject:
    """Whom a request is about: some contacts of a customer, and/or the customer itself when it
    is a natural person (a consumer). ``emails`` and ``names`` are the contacts' and consumer's
    values as they were before any erasure (sources use them to find copies: recipients, payers)."""

    customer_id: int
    contact_ids: tuple[int, ...] = ()
    customer_itself: bool = False
    emails: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    contact_emails: tuple[tuple[int, str], ...] = ()  # (contact id, its address before erasure)

    @property
    def emails_lower(self) -> set[str]:
        return {email.lower() for email in self.emails if email}


@dataclass(frozen=True)
class PersonalRecord:
    """One row that holds personal data of the subject, as a source sees it.

    ``key`` identifies the row within its source (its id); ``label`` says in a reader's words
    what it is, without personal data (``e-mail of 03.03.2026: Rechnung RE-2026-0001``);
    ``record_date`` starts the retention (None: no retention duty); ``erasable`` is False for rows
    the law or the database forbids to change (issued invoices: GoBD) — they are restricted even
    once their retention ended, and a person removes them with the archive."""

    key: int
    label: str
    record_date: date | None
    retention: str
    erasable: bool = True


@dataclass(frozen=True)
class PersonalDataSource:
    """A place that holds personal data, declared by the app that owns it.

    ``records(subject)`` lists the rows, ``export(subject)`` gives their content (JSON-ready:
    ids, strings, ISO dates, amounts as strings), ``erase(subject, keys, context)`` anonymises the
    rows with those keys and returns how many it changed; it runs inside the caller's transaction
    and must raise rather than leave anything half done. A source with ``follows_documents`` (the
    consumer's own master data: the debtor account of the books) is kept while any other row of
    the subject is kept under retention, and erased with the last of them."""

    name: str
    label: str
    holds: str
    export: Callable[[DataSubject], list[dict]]
    records: Callable[[DataSubject], list[PersonalRecord]]
    erase: Callable[[DataSubject, list[int], ErasureContext], int] | None = None
    follows_documents: bool = False
    order: int = 100


@dataclass(frozen=True)
class ErasureContext:
    """What an erasure runs with: the time, the person deciding, the request's id (for reasons)."""

    as_of: datetime
    by: object = None
    request_id: int | None = None


_SOURCES: dict[str, PersonalDataSource] = {}


def privacy_source_register(source: PersonalDataSource) -> PersonalDataSource:
    """Declare a place of personal data (in ``<app>/privacy.py``); registering again replaces it."""
    if "." not in source.name:
        raise ValueError(f"Name a personal-data source '<app>.<place>', not {source.name!r}.")
    _SOURCES[source.name] = source
    return source


def privacy_sources() -> list[PersonalDataSource]:
    """Every registered source, in a stable order (``order``, then name)."""
    return sorted(_SOURCES.values(), key=lambda s: (s.order, s.name))


def privacy_source(name: str) -> PersonalDataSource:
    try:
        return _SOURCES[name]
    except KeyError:
        raise LookupError(f"No personal-data source {name!r} is registered.") from None


# --- Restrictions --------------------------------------------------------------------------------


def address_digest(address: str) -> str:
    """How a restriction remembers an erased address without keeping it: SHA-256 of the lower-cased
    address (a typed-in copy of the address is still refused)."""
    return hashlib.sha256((address or "").strip().lower().encode()).hexdigest()


@dataclass
class Restrictions:
    """Whom of a customer we may no longer write to, each with the reason in a reader's words."""

    customer: str = ""  # the whole customer (a consumer whose processing is restricted)
    contacts: dict[int, str] = field(default_factory=dict)
    digests: dict[str, str] = field(default_factory=dict)  # address_digest → reason

    def reason_for(self, *, contact_id: int | None = None, address: str = "") -> str:
        """Why this recipient must not be written to, or "" when it may."""
        if self.customer:
            return self.customer
        if contact_id is not None and contact_id in self.contacts:
            return self.contacts[contact_id]
        if address:
            return self.digests.get(address_digest(address), "")
        return ""

    def __bool__(self) -> bool:
        return bool(self.customer or self.contacts or self.digests)


RestrictionLookup = Callable[[int], Restrictions]
_LOOKUPS: list[RestrictionLookup] = []


def restriction_lookup_register(lookup: RestrictionLookup) -> None:
    """The ``privacy`` app registers how to read its restrictions (``lookup(customer_id)``)."""
    if lookup not in _LOOKUPS:
        _LOOKUPS.append(lookup)


def processing_restrictions(customer_id: int | None) -> Restrictions:
    """The restrictions on a customer's data (empty for no customer, or when none is registered)."""
    merged = Restrictions()
    if customer_id is None:
        return merged
    for lookup in _LOOKUPS:
        found = lookup(customer_id)
        merged.customer = merged.customer or found.customer
        merged.contacts.update(found.contacts)
        merged.digests.update(found.digests)
    return merged


def mentions(subject: DataSubject, *fields: str):
    """A ``Q`` for rows whose free-text ``fields`` name the subject (a name or an e-mail address,
    case-insensitive): staff notes about a business customer often name the person without a link."""
    from django.db.models import Q

    words = [word for word in (*subject.names, *subject.emails) if word and len(word.strip()) >= 3]
    condition = Q(pk__in=[])
    for word in words:
        for name in fields:
            condition |= Q(**{f"{name}__icontains": word.strip()})
    return condition


def emails_of(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted({value.strip() for value in values if value and value.strip()}))
