"""Customer master data: every write, and the verification checklist.

Input is normalised and checked field by field before anything is written (all
problems at once, each naming its field); a change to legally relevant data is kept
in history (django-simple-history: who, when, old → new) and triggers re-verification
as durable background work.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, Q
from django.utils.translation import gettext as _

from core.money import quantize
from core.numbering import number_next
from core.services import PermanentJobError, job_enqueue
from tasks.models import FollowUpTask
from tasks.services import task_open_for_cause, task_transition

from .checks import FAILED, PASSED, PENDING, WARNING, CheckResult, run_offline_checks
from .countries import EU_COUNTRIES, vat_prefix_country
from .models import (
    LANGUAGES,
    BankAccount,
    Contact,
    Customer,
    DuplicateDismissal,
    VatIdConfirmation,
    VerificationCheck,
    VerificationRun,
    VerificationStatus,
)
from .validation import (
    FieldProblem,
    clean_bic,
    clean_country,
    clean_currency,
    clean_email,
    clean_iban,
    clean_leitweg_id,
    clean_phone,
    clean_postal_code,
    clean_vat_id,
)

CUSTOMER_FIELDS = (
    "legal_name",
    "kind",
    "billing_street",
    "billing_street2",
    "billing_postal_code",
    "billing_city",
    "billing_country",
    "has_shipping_address",
    "shipping_name",
    "shipping_street",
    "shipping_street2",
    "shipping_postal_code",
    "shipping_city",
    "shipping_country",
    "vat_id",
    "tax_number",
    "register_court",
    "register_number",
    "leitweg_id",
    "e_invoice_scheme",
    "e_invoice_address",
    "language",
    "currency",
    "payment_terms",
    "credit_limit",
    "account_owner",
    "dunning_blocked",
    "dunning_block_reason",
    "notes",
)
# Changes to these are re-verified (name, address, VAT ID; bank accounts separately).
LEGALLY_RELEVANT_FIELDS = frozenset(
    {
        "legal_name",
        "kind",
        "billing_street",
        "billing_street2",
        "billing_postal_code",
        "billing_city",
        "billing_country",
        "vat_id",
        "leitweg_id",
    }
)
CONTACT_FIELDS = ("name", "role", "email", "phone", "language", "receives_invoices", "receives_reminders")
BANK_ACCOUNT_FIELDS = ("iban", "bic", "account_holder", "is_active")
REVIEW_TASK_KIND = "customer_needs_review"
MAX_CREDIT_LIMIT = Decimal("1e12")  # the column holds 12 integer digits
REVIEW_RULE = "customers.verification"


def _raise_if(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationError(errors)


def _clean(errors: dict, field: str, func, *args, **kwargs):
    try:
        return func(*args, **kwargs)
    except FieldProblem as problem:
        errors.setdefault(field, []).append(str(problem))
        return None


# --- Customers ------------------------------------------------------------------------------
def customer_clean(data: dict, *, instance: Customer | None = None) -> dict:
    """Normalise customer fields (those present in ``data``) or raise field-level errors."""
    unknown = set(data) - set(CUSTOMER_FIELDS)
    if unknown:
        raise ValidationError({field: [_("This field cannot be set.")] for field in sorted(unknown)})
    if instance is None:  # a new customer: model defaults (country DE, language de, EUR) fill the gaps
        data = {
            f: Customer._meta.get_field(f).get_default()
            for f in CUSTOMER_FIELDS
            if f not in ("account_owner", "payment_terms")
        } | data
    merged = {f: getattr(instance, f) for f in CUSTOMER_FIELDS if instance is not None} | dict(data)
    errors: dict[str, list[str]] = {}
    clean = dict(data)
    for field in ("legal_name", "billing_street", "billing_city"):
        if field in merged and not str(merged.get(field) or "").strip():
            errors.setdefault(field, []).append(_("This field is required."))
    if "kind" in data and data["kind"] not in Customer.Kind.values:
        errors.setdefault("kind", []).append(
            _("Choose one of: %(choices)s.") % {"choices": ", ".join(Customer.Kind.values)}
        )
    if "language" in data and data["language"] not in {code for code, _label in LANGUAGES}:
        errors.setdefault("language", []).append(_("Choose de or en."))
    _check_lengths(errors, Customer, data)
    country = _clean(errors, "billing_country", clean_country, merged.get("billing_country") or "")
    if country:
        clean["billing_country"] = country
        if "billing_postal_code" in merged:
            clean["billing_postal_code"] = _clean(
                errors, "billing_postal_code", clean_postal_code, merged["billing_postal_code"], country=country
            )
    if merged.get("has_shipping_address") or merged.get("shipping_country") or merged.get("shipping_postal_code"):
        # Validated whenever given, so stored shipping data is never garbage.
        ship_country = _clean(errors, "shipping_country", clean_country, merged.get("shipping_country") or "")
        if merged.get("has_shipping_address"):
            for field in ("shipping_street", "shipping_city"):
                if not str(merged.get(field) or "").strip():
                    errors.setdefault(field, []).append(_("Required with a separate shipping address."))
        if ship_country and (merged.get("shipping_postal_code") or merged.get("has_shipping_address")):
            clean["shipping_country"] = ship_country
            clean["shipping_postal_code"] = _clean(
                errors,
                "shipping_postal_code",
                clean_postal_code,
                merged.get("shipping_postal_code") or "",
                country=ship_country,
            )
    if "vat_id" in data:
        clean["vat_id"] = _clean(errors, "vat_id", clean_vat_id, data["vat_id"] or "")
    if "leitweg_id" in data:
        clean["leitweg_id"] = _clean(errors, "leitweg_id", clean_leitweg_id, data["leitweg_id"] or "")
    if "currency" in data:
        clean["currency"] = _clean(errors, "currency", clean_currency, data["currency"] or "")
    if merged.get("dunning_blocked") and not str(merged.get("dunning_block_reason") or "").strip():
        errors.setdefault("dunning_block_reason", []).append(_("Say why dunning is blocked."))
    if data.get("credit_limit") not in (None, ""):
        clean["credit_limit"] = _clean_credit_limit(errors, data["credit_limit"], merged.get("currency") or "EUR")
    elif "credit_limit" in data:
        clean["credit_limit"] = None
    terms = data.get("payment_terms")
    if terms is not None and not getattr(terms, "active", False):
        errors.setdefault("payment_terms", []).append(_("Payment terms %(terms)s are not active.") % {"terms": terms})
    if merged.get("e_invoice_address") and not merged.get("e_invoice_scheme"):
        errors.setdefault("e_invoice_scheme", []).append(_("Give the scheme (EAS code) of the electronic address."))
    _raise_if(errors)
    return clean


def _check_lengths(errors: dict, model, data: dict) -> None:
    """Text longer than its column is an input error, not a database error."""
    for field, value in data.items():
        limit = getattr(model._meta.get_field(field), "max_length", None)
        if limit and isinstance(value, str) and len(value) > limit:
            errors.setdefault(field, []).append(
                _("At most %(limit)d characters (this has %(length)d).") % {"limit": limit, "length": len(value)}
            )


def _clean_credit_limit(errors: dict, value, currency: str) -> Decimal | None:
    try:
        amount = Decimal(str(value))
        if not amount.is_finite():
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        errors.setdefault("credit_limit", []).append(
            _("Credit limit %(value)s: not an amount.") % {"value": repr(value)}
        )
        return None
    if amount < 0:
        errors.setdefault("credit_limit", []).append(_("A credit limit cannot be negative."))
        return None
    if amount >= MAX_CREDIT_LIMIT:
        errors.setdefault("credit_limit", []).append(
            _("A credit limit must be below %(limit)s.") % {"limit": f"{MAX_CREDIT_LIMIT:,}"}
        )
        return None
    try:
        return quantize(amount, currency)
    except ValueError:
        return quantize(amount, "EUR")  # the currency field reports its own error


def _clean_children(contacts: list[dict], bank_accounts: list[dict], *, country: str) -> tuple[list, list]:
    errors: dict[str, list[str]] = {}
    clean_contacts, clean_accounts = [], []
    for index, data in enumerate(contacts):
        try:
            clean_contacts.append(contact_clean(data, country=country))
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors.setdefault(f"contacts.{index}.{field}", []).extend(messages)
    for index, data in enumerate(bank_accounts):
        try:
            clean_accounts.append(bank_account_clean(data))
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors.setdefault(f"bank_accounts.{index}.{field}", []).extend(messages)
    ibans = [a["iban"] for a in clean_accounts]
    if len(ibans) != len(set(ibans)):
        errors.setdefault("bank_accounts", []).append(_("The same IBAN is listed twice."))
    _raise_if(errors)
    return clean_contacts, clean_accounts


def customer_create(
    *, data: dict, as_of: datetime, by=None, contacts: list[dict] = (), bank_accounts: list[dict] = ()
) -> Customer:
    """Create a customer (with contacts and bank accounts, all or nothing) and queue its verification."""
    errors: dict[str, list[str]] = {}
    clean, clean_contacts, clean_accounts = {}, [], []
    try:
        clean = customer_clean(data)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    country = clean.get("billing_country") or str(data.get("billing_country") or "DE").upper()
    try:
        clean_contacts, clean_accounts = _clean_children(list(contacts), list(bank_accounts), country=country)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    _raise_if(errors)  # every problem at once, nothing saved
    with transaction.atomic():
        customer = Customer(**clean, created_at=as_of, updated_at=as_of)
        customer.number = number_next(key="customer", today=as_of.date())
        customer._history_user = by
        customer.save()
        for contact_data in clean_contacts:
            contact = Contact(customer=customer, **contact_data)
            contact._history_user = by
            contact.save()
        for account_data in clean_accounts:
            account = BankAccount(customer=customer, **account_data)
            account._history_user = by
            account.save()
        _queue_verification(customer=customer, trigger=VerificationRun.Trigger.CREATED, as_of=as_of, by=by)
    return customer


def customer_update(*, customer: Customer, data: dict, as_of: datetime, by=None) -> Customer:
    """Change customer fields; legally relevant changes are re-verified in the background."""
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=customer.pk)
        clean = customer_clean(data, instance=customer)
        changed = {field for field, value in clean.items() if getattr(customer, field) != value}
        if not changed:
            return customer
        for field in changed:
            setattr(customer, field, clean[field])
        customer.updated_at = as_of
        customer._history_user = by
        customer.save()
        if changed & LEGALLY_RELEVANT_FIELDS:
            _queue_verification(customer=customer, trigger=VerificationRun.Trigger.CHANGED, as_of=as_of, by=by)
    return customer


def customer_delete(*, customer: Customer, as_of: datetime, by=None) -> None:
    """Delete a customer with contacts and bank accounts (their history stays).

    Documents issued to a customer protect it (their foreign keys refuse the delete).
    """
    try:
        with transaction.atomic():
            customer._history_user = by
            customer.delete()
    except ProtectedError:
        raise ValidationError(
            {"customer": [_("Customer %(number)s has documents and cannot be deleted.") % {"number": customer.number}]}
        ) from None


def _queue_verification(*, customer: Customer, trigger: str, as_of: datetime, by=None) -> None:
    job_enqueue(
        kind="customers.verify",
        payload={"customer_id": customer.pk, "trigger": trigger, "user_id": getattr(by, "pk", None)},
        as_of=as_of,
        dedupe_key=f"customer:{customer.pk}",
        created_by=by if getattr(by, "pk", None) else None,
    )


# --- Contacts and bank accounts ---------------------------------------------------------------
def contact_clean(data: dict, *, country: str, instance: Contact | None = None) -> dict:
    unknown = set(data) - set(CONTACT_FIELDS)
    if unknown:
        raise ValidationError({field: [_("This field cannot be set.")] for field in sorted(unknown)})
    errors: dict[str, list[str]] = {}
    clean = dict(data)
    name = data.get("name", instance.name if instance else "")
    if not str(name or "").strip():
        errors.setdefault("name", []).append(_("This field is required."))
    if "email" in data:
        clean["email"] = _clean(errors, "email", clean_email, data["email"] or "")
    if "phone" in data:
        clean["phone"] = _clean(errors, "phone", clean_phone, data["phone"] or "", country=country)
    if data.get("language") and data["language"] not in {"de", "en"}:
        errors.setdefault("language", []).append(_("Choose de or en."))
    _check_lengths(errors, Contact, {k: v for k, v in data.items() if k not in ("email", "phone")})
    receives = data.get("receives_invoices", instance.receives_invoices if instance else False) or data.get(
        "receives_reminders", instance.receives_reminders if instance else False
    )
    email = clean.get("email", instance.email if instance else "")
    if receives and not email and "email" not in errors:
        errors.setdefault("email", []).append(
            _("A contact who receives invoices or reminders needs an e-mail address.")
        )
    _raise_if(errors)
    return clean


def contact_create(*, customer: Customer, data: dict, as_of: datetime, by=None) -> Contact:
    clean = contact_clean(data, country=customer.billing_country)
    with transaction.atomic():
        contact = Contact(customer=customer, **clean)
        contact._history_user = by
        contact.save()
    return contact


def contact_update(*, contact: Contact, data: dict, as_of: datetime, by=None) -> Contact:
    clean = contact_clean(data, country=contact.customer.billing_country, instance=contact)
    with transaction.atomic():
        for field, value in clean.items():
            setattr(contact, field, value)
        contact._history_user = by
        contact.save()
    return contact


def contact_delete(*, contact: Contact, as_of: datetime, by=None) -> None:
    with transaction.atomic():
        contact._history_user = by
        contact.delete()


def bank_account_clean(data: dict, *, instance: BankAccount | None = None) -> dict:
    unknown = set(data) - set(BANK_ACCOUNT_FIELDS)
    if unknown:
        raise ValidationError({field: [_("This field cannot be set.")] for field in sorted(unknown)})
    errors: dict[str, list[str]] = {}
    clean = dict(data)
    if "iban" in data or instance is None:
        iban = _clean(errors, "iban", clean_iban, data.get("iban") or "")
        if iban is not None:
            clean["iban"] = str(iban.compact)
            try:
                derived = iban.bic
            except Exception:  # noqa: BLE001 - no registry entry for this bank
                derived = None
            clean["bank_name"] = iban.bank_name or ""
            if not data.get("bic") and derived is not None:
                clean["bic"] = str(derived.compact)
    if data.get("bic"):
        clean["bic"] = _clean(errors, "bic", clean_bic, data["bic"])
    _check_lengths(errors, BankAccount, {k: v for k, v in data.items() if k == "account_holder"})
    _raise_if(errors)
    return clean


def _save_unique_iban(account: BankAccount) -> None:
    """Save; a concurrent insert of the same IBAN loses to the unique constraint with a field error."""
    try:
        with transaction.atomic():
            account.save()
    except IntegrityError:
        raise ValidationError(
            {"iban": [_("IBAN %(value)s is already recorded for this customer.") % {"value": account.iban}]}
        ) from None


def bank_account_create(*, customer: Customer, data: dict, as_of: datetime, by=None) -> BankAccount:
    clean = bank_account_clean(data)
    with transaction.atomic():
        if BankAccount.objects.filter(customer=customer, iban=clean["iban"]).exists():
            raise ValidationError(
                {"iban": [_("IBAN %(value)s is already recorded for this customer.") % {"value": clean["iban"]}]}
            )
        account = BankAccount(customer=customer, **clean)
        account._history_user = by
        _save_unique_iban(account)
        _queue_verification(customer=customer, trigger=VerificationRun.Trigger.CHANGED, as_of=as_of, by=by)
    return account


def bank_account_update(*, account: BankAccount, data: dict, as_of: datetime, by=None) -> BankAccount:
    clean = bank_account_clean(data, instance=account)
    with transaction.atomic():
        if (
            "iban" in clean
            and BankAccount.objects.filter(customer_id=account.customer_id, iban=clean["iban"])
            .exclude(pk=account.pk)
            .exists()
        ):
            raise ValidationError(
                {"iban": [_("IBAN %(value)s is already recorded for this customer.") % {"value": clean["iban"]}]}
            )
        for field, value in clean.items():
            setattr(account, field, value)
        account._history_user = by
        _save_unique_iban(account)
        _queue_verification(customer=account.customer, trigger=VerificationRun.Trigger.CHANGED, as_of=as_of, by=by)
    return account


def bank_account_delete(*, account: BankAccount, as_of: datetime, by=None) -> None:
    with transaction.atomic():
        customer = account.customer
        account._history_user = by
        account.delete()
        _queue_verification(customer=customer, trigger=VerificationRun.Trigger.CHANGED, as_of=as_of, by=by)


# --- Verification -----------------------------------------------------------------------------
def _online_checks(customer: Customer) -> list[CheckResult]:
    """Pending placeholders for the online confirmations that apply; a job resolves each."""
    if not customer.vat_id:
        return []
    try:
        compact = clean_vat_id(customer.vat_id)
    except FieldProblem:
        return []  # the format check already failed; asking VIES would not help
    if vat_prefix_country(compact[:2]) not in EU_COUNTRIES | {"GB"}:
        return []
    pending = [
        CheckResult(
            "vat_id.vies",
            PENDING,
            _("Confirmation of %(value)s with EU VIES queued.") % {"value": compact},
            details={"vat_id": compact, "service": "vies"},
        )
    ]
    requester = getattr(settings, "DEBITOR_COMPANY_VAT_ID", "")
    if getattr(settings, "DEBITOR_BZST_CONFIRMATION", False) and requester.startswith("DE") and compact[:2] != "DE":
        pending.append(
            CheckResult(
                "vat_id.bzst",
                PENDING,
                _("Qualified confirmation of %(value)s (name and address) with the BZSt queued.") % {"value": compact},
                details={"vat_id": compact, "service": "bzst"},
            )
        )
    return pending


def customer_verify(*, customer: Customer, trigger: str, as_of: datetime, by=None) -> VerificationRun:
    """Run the checklist now; online confirmations are queued as jobs and resolve their checks later."""
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=customer.pk)
        results = run_offline_checks(customer) + _online_checks(customer)
        run = VerificationRun.objects.create(
            customer=customer, trigger=trigger, run_by=by, run_at=as_of, outcome=_outcome_of(results)
        )
        checks = VerificationCheck.objects.bulk_create(
            VerificationCheck(
                run=run, code=r.code, subject=r.subject, outcome=r.outcome, message=r.message, details=r.details
            )
            for r in results
        )
        for check in checks:
            if check.outcome == PENDING:
                job_enqueue(kind="customers.confirm_vat_id", payload={"check_id": check.pk}, as_of=as_of)
        _apply_outcome(customer=customer, run=run, as_of=as_of)
    return run


def _outcome_of(results) -> str:
    failed = any(r.outcome == FAILED for r in results)
    return VerificationStatus.NEEDS_REVIEW if failed else VerificationStatus.VERIFIED


def _apply_outcome(*, customer: Customer, run: VerificationRun, as_of: datetime) -> None:
    """The customer's status follows its latest run; a failure opens (a pass closes) the review task."""
    latest_id = customer.verification_runs.order_by("-run_at", "-id").values_list("pk", flat=True).first()
    if latest_id != run.pk:
        return
    Customer.objects.filter(pk=customer.pk).update(verification_status=run.outcome, last_verified_at=run.run_at)
    customer.verification_status, customer.last_verified_at = run.outcome, run.run_at
    failed = list(run.checks.filter(outcome=FAILED).order_by("id").values_list("message", flat=True))
    if failed:
        task_open_for_cause(
            kind=REVIEW_TASK_KIND,
            about=customer,
            title=_("Review customer data: %(number)s %(name)s")
            % {"number": customer.number, "name": customer.legal_name},
            description="\n".join(f"- {message}" for message in failed),
            rule=REVIEW_RULE,
            priority=FollowUpTask.Priority.HIGH,
            as_of=as_of,
        )
    else:
        for task in FollowUpTask.objects.filter(
            kind=REVIEW_TASK_KIND, customer=customer, status__in=FollowUpTask.OPEN_STATUSES
        ):
            task_transition(
                task=task,
                to_status=FollowUpTask.Status.DONE,
                as_of=as_of,
                resolution=_("Verification on %(when)s found no failed check.") % {"when": f"{as_of:%Y-%m-%d %H:%M}"},
            )


class OnlineServiceUnavailable(Exception):
    """The confirmation service did not answer; the job retries with backoff."""


def vat_id_confirm(*, check_id: int, as_of: datetime) -> str:
    """Ask VIES or the BZSt for a pending check, store the proof, resolve the check.

    An unavailable service leaves the check pending ("retry scheduled") and raises, so
    the job retries with backoff: never a pass, never a blocker by itself.
    """
    from . import vat_services

    check = VerificationCheck.objects.select_related("run__customer").filter(pk=check_id).first()
    if check is None or check.outcome != PENDING:
        return "nothing to do"
    customer = check.run.customer
    vat_id, service = check.details["vat_id"], check.details["service"]
    if customer.vat_id != vat_id:
        with transaction.atomic():
            VerificationCheck.objects.filter(pk=check.pk, outcome=PENDING).update(
                outcome=WARNING,
                message=_("Not asked: the VAT ID changed to %(value)s meanwhile.")
                % {"value": customer.vat_id or _("(none)")},
            )
        return "superseded"

    timeout = getattr(settings, "DEBITOR_VAT_CHECK_TIMEOUT", 10.0)
    requester = getattr(settings, "DEBITOR_COMPANY_VAT_ID", "")
    if service == "bzst":
        answer = vat_services.bzst_check(
            vat_id=vat_id,
            requester_vat_id=requester,
            name=customer.legal_name,
            street=customer.billing_street,
            postal_code=customer.billing_postal_code,
            city=customer.billing_city,
            timeout=timeout,
        )
    else:
        answer = vat_services.vies_check(vat_id=vat_id, requester_vat_id=requester, timeout=timeout)

    with transaction.atomic():
        check = VerificationCheck.objects.select_for_update().select_related("run").get(pk=check.pk)
        if check.outcome != PENDING:
            return "already resolved"
        VatIdConfirmation.objects.create(
            customer=customer,
            check_row=check,
            service=service,
            vat_id=vat_id,
            requested_at=as_of,
            result=answer.result,
            request_identifier=answer.request_identifier,
            answer_date=answer.answer_date,
            trader_name=answer.trader_name,
            trader_address=answer.trader_address,
            matches=answer.matches,
            message=answer.message,
            raw_response=answer.raw_response,
        )
        proof = f" (request {answer.request_identifier})" if answer.request_identifier else ""
        if answer.result == "valid":
            check.outcome = PASSED if not _mismatch(answer.matches) else WARNING
            check.message = f"{answer.message}{proof}"
        elif answer.result == "invalid":
            check.outcome = FAILED
            check.message = f"{answer.message}{proof}"
        else:
            if answer.retryable:
                check.message = _("Pending, retry scheduled: %(reason)s") % {"reason": answer.message}
            else:
                check.message = _("Pending, not retried, see the failed background job: %(reason)s") % {
                    "reason": answer.message
                }
        check.save(update_fields=["outcome", "message"])
        if check.outcome != PENDING:
            run = check.run
            run.outcome = _outcome_of(list(run.checks.all()))
            run.save(update_fields=["outcome"])
            _apply_outcome(customer=customer, run=run, as_of=as_of)
    if answer.result == "unavailable":
        if not answer.retryable:
            # Asking again cannot help (our requester data or the input is wrong): a person must look.
            raise PermanentJobError(answer.message)
        raise OnlineServiceUnavailable(answer.message)
    return answer.result


def _mismatch(matches: dict) -> bool:
    """BZSt qualified results: B means the stored value differs from the register."""
    return any(value == "B" for key, value in matches.items() if key != "legend")


def duplicate_dismiss(*, customer: Customer, other: Customer, reason: str, as_of: datetime, by=None):
    """Record that two customers are not duplicates; later runs stop flagging the pair."""
    if customer.pk == other.pk:
        raise ValidationError({"other": [_("A customer cannot be its own duplicate.")]})
    if not reason.strip():
        raise ValidationError({"reason": [_("Say why these customers are not duplicates.")]})
    first, second = sorted([customer, other], key=lambda c: c.pk)
    with transaction.atomic():
        dismissal, _created = DuplicateDismissal.objects.get_or_create(
            first=first, second=second, defaults={"reason": reason, "dismissed_by": by, "dismissed_at": as_of}
        )
        for each in (first, second):
            _queue_verification(customer=each, trigger=VerificationRun.Trigger.CHANGED, as_of=as_of, by=by)
    return dismissal


def customers_reverify_due(*, as_of: datetime, batch_size: int = 500) -> int:
    """Beat: queue re-verification of customers never verified or last verified too long ago."""
    days = getattr(settings, "DEBITOR_REVERIFY_AFTER_DAYS", 90)
    due = (
        Customer.objects.filter(Q(last_verified_at__isnull=True) | Q(last_verified_at__lt=as_of - timedelta(days=days)))
        .order_by("last_verified_at", "pk")
        .values_list("pk", flat=True)[:batch_size]
    )
    count = 0
    with transaction.atomic():
        for customer_id in due:
            job_enqueue(
                kind="customers.verify",
                payload={"customer_id": customer_id, "trigger": VerificationRun.Trigger.SCHEDULED, "user_id": None},
                as_of=as_of,
                dedupe_key=f"customer:{customer_id}",
            )
            count += 1
    return count
