"""The verification checklist, online VAT ID confirmation, duplicates and re-verification."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _

from core.events import event_record, scrub_free_text
from core.followups import followup_open, followups_close_about
from core.services import PermanentJobError, job_enqueue

from ..checks import FAILED, PASSED, PENDING, WARNING, CheckResult, run_offline_checks
from ..countries import EU_COUNTRIES, vat_prefix_country
from ..models import (
    Customer,
    DuplicateDismissal,
    VatIdConfirmation,
    VerificationCheck,
    VerificationRun,
    VerificationStatus,
)
from ..validation import (
    FieldProblem,
    clean_vat_id,
)
from .common import REVIEW_RULE, REVIEW_TASK_KIND, _queue_verification


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
        # Stored worded, like task and event texts: in the site language, whoever triggered the run.
        with translation.override(settings.LANGUAGE_CODE):
            results = run_offline_checks(customer) + _online_checks(customer)
        run = VerificationRun.objects.create(
            customer=customer, trigger=trigger, run_by=by, run_at=as_of, outcome=_outcome_of(results)
        )
        event_record(
            type="customer.verified",
            obj=customer,
            customer_id=customer.pk,
            data={"run": run.pk, "trigger": trigger, "outcome": run.outcome},
            at=as_of,
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
        followup_open(
            kind=REVIEW_TASK_KIND,
            about=customer,
            title=_("Review customer data: %(number)s %(name)s")
            % {"number": customer.number, "name": customer.legal_name},
            description="\n".join(f"- {message}" for message in failed),
            rule=REVIEW_RULE,
            priority="high",
            as_of=as_of,
        )
    else:
        followups_close_about(
            kind=REVIEW_TASK_KIND,
            about=customer,
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
    from .. import vat_services

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
        event_record(
            type="customer.duplicate_dismissed",
            obj=customer,
            customer_id=customer.pk,
            data={"other": other.pk, "dismissal": dismissal.pk, "reason": scrub_free_text(reason)},
            at=as_of,
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
