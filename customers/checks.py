"""The verification checklist: each check looks at stored data and says passed, warning or failed.

Checks are pure reads (no writes) so a run can be repeated at will; online VAT ID
confirmation is not here — it runs as background work (customers.services) because
a request must never wait for VIES or the BZSt.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .countries import EU_COUNTRIES, vat_prefix_country
from .models import BankAccount, CheckOutcome, Customer, DuplicateDismissal
from .validation import (
    FieldProblem,
    clean_email,
    clean_iban,
    clean_leitweg_id,
    clean_phone,
    clean_postal_code,
    clean_vat_id,
    phone_is_assigned,
    postal_code_rule_known,
)

PASSED, WARNING, FAILED, PENDING = (
    CheckOutcome.PASSED,
    CheckOutcome.WARNING,
    CheckOutcome.FAILED,
    CheckOutcome.PENDING,
)
NAME_SIMILARITY_THRESHOLD = 0.88


@dataclass(frozen=True)
class CheckResult:
    code: str
    outcome: str
    message: str
    subject: str = ""
    details: dict = field(default_factory=dict)


def seller_country() -> str:
    """The company's own country (the company profile arrives with invoicing; until then a setting)."""
    return getattr(settings, "DEBITOR_COMPANY_COUNTRY", "DE")


# --- Address --------------------------------------------------------------------------------
def check_address(customer: Customer) -> list[CheckResult]:
    results = []
    missing = [
        label
        for label, value in (
            (_("street"), customer.billing_street),
            (_("postal code"), customer.billing_postal_code),
            (_("city"), customer.billing_city),
            (_("country"), customer.billing_country),
        )
        if not (value or "").strip()
    ]
    if missing:
        results.append(
            CheckResult(
                "address.complete",
                FAILED,
                _("Billing address lacks: %(missing)s.") % {"missing": ", ".join(missing)},
                "billing",
            )
        )
    else:
        results.append(CheckResult("address.complete", PASSED, _("Billing address is complete."), "billing"))
    addresses = [("billing", customer.billing_postal_code, customer.billing_country)]
    if customer.has_shipping_address:
        addresses.append(("shipping", customer.shipping_postal_code, customer.shipping_country))
    for subject, postal_code, country in addresses:
        if not postal_code:
            continue
        if not postal_code_rule_known(country):
            results.append(
                CheckResult(
                    "address.postal_code",
                    PASSED,
                    _("No postal code rule for %(country)s; not checked.") % {"country": country},
                    subject,
                )
            )
            continue
        try:
            clean_postal_code(postal_code, country=country)
        except FieldProblem as problem:
            results.append(CheckResult("address.postal_code", FAILED, str(problem), subject))
        else:
            results.append(
                CheckResult(
                    "address.postal_code",
                    PASSED,
                    _("%(value)s is a valid %(country)s postal code.") % {"value": postal_code, "country": country},
                    subject,
                )
            )
    return results


# --- VAT ID ---------------------------------------------------------------------------------
def check_vat_id(customer: Customer) -> list[CheckResult]:
    own = seller_country()
    if not customer.vat_id:
        if customer.kind == Customer.Kind.CONSUMER:
            return [CheckResult("vat_id.present", PASSED, _("Consumers need no VAT ID."))]
        if customer.kind == Customer.Kind.PUBLIC and customer.billing_country == own:
            return [CheckResult("vat_id.present", PASSED, _("Public bodies acting as authorities need no VAT ID."))]
        if customer.billing_country in EU_COUNTRIES and customer.billing_country != own:
            return [
                CheckResult(
                    "vat_id.present",
                    FAILED,
                    _(
                        "A business in %(country)s needs a VAT ID: without it, no reverse charge "
                        "or tax-free intra-community supply can be invoiced (§ 13b, § 6a UStG)."
                    )
                    % {"country": customer.billing_country},
                )
            ]
        if customer.billing_country == own and not customer.tax_number:
            return [CheckResult("vat_id.present", WARNING, _("Neither VAT ID nor tax number is recorded."))]
        return [CheckResult("vat_id.present", PASSED, _("No VAT ID needed for this customer."))]

    try:
        compact = clean_vat_id(customer.vat_id)
    except FieldProblem as problem:
        return [CheckResult("vat_id.format", FAILED, str(problem), details={"vat_id": customer.vat_id})]
    results = [
        CheckResult(
            "vat_id.format", PASSED, _("VAT ID %(value)s: format and check digit are valid.") % {"value": compact}
        )
    ]
    prefix_country = vat_prefix_country(compact[:2])
    if prefix_country != customer.billing_country:
        results.append(
            CheckResult(
                "vat_id.country",
                WARNING,
                _(
                    "VAT ID %(value)s is from %(prefix)s but the billing address is in %(country)s; "
                    "foreign VAT registrations exist, check that this is the one to invoice."
                )
                % {"value": compact, "prefix": compact[:2], "country": customer.billing_country},
            )
        )
    else:
        results.append(
            CheckResult(
                "vat_id.country",
                PASSED,
                _("VAT ID prefix %(prefix)s matches the address.") % {"prefix": compact[:2]},
            )
        )
    return results


# --- Bank accounts --------------------------------------------------------------------------
def check_bank_accounts(customer: Customer, accounts: list[BankAccount]) -> list[CheckResult]:
    results = []
    for account in accounts:
        subject = f"bank_account:{account.pk}"
        try:
            iban = clean_iban(account.iban)
        except FieldProblem as problem:
            results.append(CheckResult("bank.iban", FAILED, str(problem), subject))
            continue
        results.append(
            CheckResult(
                "bank.iban", PASSED, _("IBAN %(value)s: check digits are valid.") % {"value": iban.formatted}, subject
            )
        )
        try:
            derived = iban.bic
        except Exception:  # noqa: BLE001 - registries differ per country; no BIC known is fine
            derived = None
        if derived is not None and account.bic and str(derived.compact)[:8] != account.bic[:8]:
            results.append(
                CheckResult(
                    "bank.bic",
                    WARNING,
                    _("BIC %(bic)s does not belong to the bank of IBAN %(iban)s (%(derived)s).")
                    % {"bic": account.bic, "iban": iban.formatted, "derived": derived.compact},
                    subject,
                )
            )
        elif derived is not None:
            bank = iban.bank_name or derived.compact
            results.append(
                CheckResult(
                    "bank.bic", PASSED, _("Bank: %(bank)s (%(bic)s).") % {"bank": bank, "bic": derived.compact}, subject
                )
            )
        if not account.account_holder:
            results.append(CheckResult("bank.holder", WARNING, _("No account holder recorded."), subject))
    return results


# --- Contacts -------------------------------------------------------------------------------
def check_contacts(customer: Customer, contacts: list) -> list[CheckResult]:
    results = []
    for contact in contacts:
        subject = f"contact:{contact.pk}"
        if contact.email:
            try:
                clean_email(contact.email)
                results.append(
                    CheckResult(
                        "contact.email", PASSED, _("%(value)s: valid address.") % {"value": contact.email}, subject
                    )
                )
            except FieldProblem as problem:
                results.append(CheckResult("contact.email", FAILED, str(problem), subject))
        if contact.phone:
            try:
                e164 = clean_phone(contact.phone, country=customer.billing_country)
            except FieldProblem as problem:
                results.append(CheckResult("contact.phone", FAILED, str(problem), subject))
            else:
                if phone_is_assigned(e164):
                    results.append(
                        CheckResult("contact.phone", PASSED, _("%(value)s: valid number.") % {"value": e164}, subject)
                    )
                else:
                    results.append(
                        CheckResult(
                            "contact.phone",
                            WARNING,
                            _("%(value)s: not in an assigned number range.") % {"value": e164},
                            subject,
                        )
                    )
    if not any(c.receives_invoices and c.email for c in contacts):
        results.append(
            CheckResult(
                "contact.invoice_recipient",
                WARNING,
                _("No contact with an e-mail address receives invoices; they can only be sent by post."),
            )
        )
    else:
        results.append(CheckResult("contact.invoice_recipient", PASSED, _("Invoices have an e-mail recipient.")))
    return results


# --- E-invoicing ----------------------------------------------------------------------------
def check_e_invoicing(customer: Customer) -> list[CheckResult]:
    if customer.kind != Customer.Kind.PUBLIC:
        if customer.leitweg_id:
            try:
                clean_leitweg_id(customer.leitweg_id)
            except FieldProblem as problem:
                return [CheckResult("e_invoice.leitweg_id", FAILED, str(problem))]
        return []
    if not customer.leitweg_id:
        return [
            CheckResult(
                "e_invoice.leitweg_id",
                FAILED,
                _(
                    "Public-sector customers need a Leitweg-ID: XRechnung invoices without one are rejected "
                    "(E-Rech-VO)."
                ),
            )
        ]
    try:
        clean_leitweg_id(customer.leitweg_id)
    except FieldProblem as problem:
        return [CheckResult("e_invoice.leitweg_id", FAILED, str(problem))]
    return [
        CheckResult(
            "e_invoice.leitweg_id", PASSED, _("Leitweg-ID %(value)s is valid.") % {"value": customer.leitweg_id}
        )
    ]


# --- Duplicates -----------------------------------------------------------------------------
LEGAL_FORMS = re.compile(
    r"\b(gmbh|mbh|ag|kg|ohg|ug|gbr|e\.?\s?k|e\.?\s?v|kgaa|se|co|ltd|limited|plc|llc|inc|bv|nv|sarl|sas|sa|srl|spa|"
    r"oy|ab|as|aps|kft|sro|s\.?r\.?o|sp\.?\s?z\.?\s?o\.?\s?o|haftungsbeschrankt)\b\.?"
)


def normalized_name(name: str) -> str:
    """A name reduced to what tells companies apart: Müller & Söhne GmbH → "mueller soehne"."""
    text = name.casefold().replace("&", " ").replace("ß", "ss")
    for umlaut, spelled in (("ä", "ae"), ("ö", "oe"), ("ü", "ue")):  # the German way of spelling them out
        text = text.replace(umlaut, spelled)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = LEGAL_FORMS.sub(" ", text)
    words = re.sub(r"[^a-z0-9]+", " ", text).split()
    return " ".join(word for word in words if word not in {"und", "and", "et", "the", "die", "der"})


def check_duplicates(customer: Customer, accounts: list[BankAccount]) -> list[CheckResult]:
    dismissed = set()
    for first, second in DuplicateDismissal.objects.filter(Q(first=customer) | Q(second=customer)).values_list(
        "first_id", "second_id"
    ):
        dismissed.add(second if first == customer.pk else first)
    others = Customer.objects.exclude(pk=customer.pk).exclude(pk__in=dismissed)
    results = []
    if customer.vat_id:
        for other in others.filter(vat_id=customer.vat_id).order_by("number")[:5]:
            results.append(
                CheckResult(
                    "duplicate.vat_id",
                    FAILED,
                    _(
                        "Same VAT ID %(value)s as customer %(number)s %(name)s: likely the same "
                        "legal entity twice. Merge them, or dismiss the duplicate with a reason."
                    )
                    % {"value": customer.vat_id, "number": other.number, "name": other.legal_name},
                    f"customer:{other.pk}",
                    {"customer_id": other.pk, "number": other.number},
                )
            )
    ibans = [a.iban for a in accounts]
    if ibans:
        # One result per other customer (a run holds one check per code and subject), naming
        # every account the two share: two shared IBANs once made the run fail on that constraint.
        shared: dict[int, tuple[Customer, list[str]]] = {}
        rows = (
            BankAccount.objects.filter(iban__in=ibans, customer__in=others)
            .select_related("customer")
            .order_by("customer__number", "customer_id", "iban", "pk")
        )
        for account in rows[:100]:
            other, found = shared.setdefault(account.customer_id, (account.customer, []))
            if account.iban not in found:
                found.append(account.iban)
        for other, found in list(shared.values())[:5]:
            results.append(
                CheckResult(
                    "duplicate.iban",
                    WARNING,
                    ngettext(
                        "IBAN %(value)s is also recorded for customer %(number)s %(name)s.",
                        "IBANs %(value)s are also recorded for customer %(number)s %(name)s.",
                        len(found),
                    )
                    % {"value": ", ".join(found), "number": other.number, "name": other.legal_name},
                    f"customer:{other.pk}",
                    {"customer_id": other.pk, "number": other.number, "ibans": found},
                )
            )
    mine = normalized_name(customer.legal_name)
    if mine and customer.billing_postal_code:
        neighbours = others.filter(
            billing_postal_code=customer.billing_postal_code, billing_country=customer.billing_country
        ).only("pk", "number", "legal_name")[:500]
        for other in neighbours:
            ratio = difflib.SequenceMatcher(None, mine, normalized_name(other.legal_name)).ratio()
            if ratio >= NAME_SIMILARITY_THRESHOLD:
                results.append(
                    CheckResult(
                        "duplicate.name",
                        WARNING,
                        _("Very similar name at the same postal code: customer %(number)s %(name)s (%(ratio)s alike).")
                        % {"number": other.number, "name": other.legal_name, "ratio": f"{ratio:.0%}"},
                        f"customer:{other.pk}",
                        {"customer_id": other.pk, "number": other.number, "similarity": round(ratio, 3)},
                    )
                )
    if not results:
        results.append(CheckResult("duplicate", PASSED, _("No likely duplicate found.")))
    return results


def run_offline_checks(customer: Customer) -> list[CheckResult]:
    """Every check that needs no outside service, in checklist order."""
    contacts = list(customer.contacts.all())
    accounts = list(customer.bank_accounts.filter(is_active=True))
    return [
        *check_address(customer),
        *check_vat_id(customer),
        *check_bank_accounts(customer, accounts),
        *check_contacts(customer, contacts),
        *check_e_invoicing(customer),
        *check_duplicates(customer, accounts),
    ]
