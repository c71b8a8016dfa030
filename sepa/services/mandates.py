"""SEPA mandates: created, amended, marked final, revoked, expired (SEPA Core/B2B Rulebooks).

A mandate's next sequence type (``FRST``, ``RCUR``, ``FNAL``, ``OOFF``) is advanced by the
collection that uses it (``collections``). An amendment the debtor's bank has not yet seen (a new
reference, IBAN or bank) is kept on the mandate and sent with the next collection, then cleared.
"""

from __future__ import annotations

from datetime import date, datetime

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from schwifty import IBAN

from core.events import event_record
from core.locks import lock_rows
from core.transitions import transition_check
from customers.models import Customer
from customers.validation import FieldProblem, clean_bic, clean_iban

from ..models import Mandate, MandateScheme, MandateStatus, SequenceType
from .common import SEPA_TEXT, outside_eea, user_or_none
from .errors import SepaConflict

# SEPA Rulebook 4.3.2: a mandate with no collection for 36 months expires.
EXPIRY = relativedelta(months=36)


def _day(as_of: datetime | date) -> date:
    return timezone.localdate(as_of) if isinstance(as_of, datetime) else as_of


def clean_mandate_reference(value: str, *, field: str = "reference") -> str:
    """Max 35 characters of the SEPA character set, not only spaces (pain.008 ``MndtId``)."""
    reference = (value or "").strip()
    if not reference:
        raise ValidationError({field: [_("The mandate reference is required.")]})
    if len(reference) > 35:
        raise ValidationError({field: [_("The mandate reference has at most 35 characters.")]})
    if not SEPA_TEXT.fullmatch(reference):
        raise ValidationError(
            {
                field: [
                    _(
                        "The mandate reference may hold only letters A-Z, digits and + ? / - : ( ) . , ' and "
                        "spaces (SEPA character set)."
                    )
                ]
            }
        )
    return reference


def _clean_account(*, iban: str, bic: str) -> tuple[str, str]:
    errors = {}
    try:
        parsed = clean_iban(iban)
        if not parsed.in_sepa_zone:
            errors["debtor_iban"] = [
                _("IBAN %(value)s: %(country)s is not in the SEPA area.")
                % {"value": iban, "country": parsed.country_code}
            ]
        iban = str(parsed.compact)
    except FieldProblem as problem:
        errors["debtor_iban"] = [str(problem)]
    try:
        bic = clean_bic(bic)
    except FieldProblem as problem:
        errors["bic"] = [str(problem)]
    else:
        if not bic and "debtor_iban" not in errors and outside_eea(iban):
            errors["bic"] = [
                _("An account outside the EEA (%(country)s) needs the BIC of the debtor's bank.")
                % {"country": iban[:2].upper()}
            ]
    if errors:
        if "bic" in errors:
            errors["debtor_bic"] = errors.pop("bic")
        raise ValidationError(errors)
    return iban, bic


def _reference_taken(reference: str, *, other_than: int | None = None) -> bool:
    found = Mandate.objects.filter(reference__iexact=reference)
    if other_than is not None:
        found = found.exclude(pk=other_than)
    return found.exists()


def mandate_create(
    *,
    customer: Customer,
    reference: str,
    signed_on: date,
    debtor_name: str,
    debtor_iban: str,
    debtor_bic: str = "",
    scheme: str = MandateScheme.CORE,
    recurring: bool = True,
    as_of: datetime,
    by=None,
) -> Mandate:
    """A signed mandate. A customer may hold several (the newest signed active one is used).
    B2B only for a customer who is not a consumer (SEPA B2B Rulebook: the debtor is no consumer)."""
    errors: dict[str, list[str]] = {}
    try:
        reference = clean_mandate_reference(reference)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if "reference" not in errors and _reference_taken(reference):
        errors["reference"] = [_("Mandate reference %(reference)s is already used.") % {"reference": reference}]
    if signed_on is None:
        errors["signed_on"] = [_("The signature date is required.")]
    elif signed_on > _day(as_of):
        errors["signed_on"] = [_("The mandate cannot be signed in the future.")]
    if scheme not in MandateScheme.values:
        errors["scheme"] = [_("Unknown scheme %(scheme)s; CORE or B2B.") % {"scheme": scheme}]
    elif scheme == MandateScheme.B2B and customer.kind == Customer.Kind.CONSUMER:
        errors["scheme"] = [_("A consumer cannot sign a B2B mandate; use the CORE scheme.")]
    name = (debtor_name or "").strip()
    if not name:
        errors["debtor_name"] = [_("The account holder's name is required.")]
    elif len(name) > 70:
        errors["debtor_name"] = [_("The account holder's name has at most 70 characters.")]
    try:
        debtor_iban, debtor_bic = _clean_account(iban=debtor_iban, bic=debtor_bic)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        mandate = Mandate.objects.create(
            customer=customer,
            reference=reference,
            signed_on=signed_on,
            scheme=scheme,
            recurring=recurring,
            sequence_type=SequenceType.FIRST if recurring else SequenceType.ONE_OFF,
            debtor_name=name,
            debtor_iban=debtor_iban,
            debtor_bic=debtor_bic,
            created_by=user_or_none(by),
            created_at=as_of,
            updated_at=as_of,
            status_changed_at=as_of,
        )
        event_record(
            type="mandate.created",
            obj=mandate,
            customer_id=customer.pk,
            data={"reference": reference, "scheme": scheme, "sequence_type": mandate.sequence_type},
            at=as_of,
        )
    return mandate


def _lock(mandate: Mandate) -> Mandate:
    locked = lock_rows(Mandate, [mandate.pk])[mandate.pk]
    return locked


def _bank_of(iban: str) -> tuple[str, str]:
    parsed = IBAN(iban)
    return parsed.country_code, parsed.bank_code


def mandate_amend(
    *,
    mandate: Mandate,
    as_of: datetime,
    by=None,
    reference: str | None = None,
    debtor_iban: str | None = None,
    debtor_bic: str | None = None,
    debtor_name: str | None = None,
) -> Mandate:
    """Change the mandate's reference, account or holder. Once a collection has been sent under
    it, a new reference or IBAN is an amendment the next collection carries (``AmdmntInd``): the
    original reference, the original IBAN — or ``SMNDA`` when the new IBAN is at another bank.
    The originals kept are those the debtor's bank last saw, through several amendments."""
    with transaction.atomic():
        locked = _lock(mandate)
        if locked.status != MandateStatus.ACTIVE:
            raise SepaConflict(
                _("Mandate %(reference)s is %(status)s and cannot be changed.")
                % {"reference": locked.reference, "status": locked.get_status_display()}
            )
        errors: dict[str, list[str]] = {}
        changed: list[str] = []
        new_reference = locked.reference
        if reference is not None:
            try:
                new_reference = clean_mandate_reference(reference)
            except ValidationError as exc:
                errors.update(exc.message_dict)
            else:
                if new_reference != locked.reference and _reference_taken(new_reference, other_than=locked.pk):
                    errors["reference"] = [
                        _("Mandate reference %(reference)s is already used.") % {"reference": new_reference}
                    ]
        new_iban, new_bic = locked.debtor_iban, locked.debtor_bic
        if debtor_iban is not None or debtor_bic is not None:
            try:
                new_iban, new_bic = _clean_account(
                    iban=debtor_iban if debtor_iban is not None else locked.debtor_iban,
                    bic=debtor_bic if debtor_bic is not None else locked.debtor_bic,
                )
            except ValidationError as exc:
                errors.update(exc.message_dict)
        new_name = locked.debtor_name
        if debtor_name is not None:
            new_name = debtor_name.strip()
            if not new_name or len(new_name) > 70:
                errors["debtor_name"] = [_("The account holder's name is required, at most 70 characters.")]
        if errors:
            raise ValidationError(errors)
        # Before the first collection the debtor's bank knows nothing of the mandate: no amendment.
        seen_by_bank = locked.last_collected_on is not None
        if new_reference != locked.reference:
            if seen_by_bank and not locked.original_reference:
                locked.original_reference = locked.reference
            if locked.original_reference == new_reference:  # changed back to what the bank knows
                locked.original_reference = ""
            locked.reference = new_reference
            changed.append("reference")
        if new_iban != locked.debtor_iban:
            if seen_by_bank and not locked.original_debtor_iban:
                locked.original_debtor_iban = locked.debtor_iban
                locked.original_debtor_bic = locked.debtor_bic
            if locked.original_debtor_iban == new_iban:
                locked.original_debtor_iban = locked.original_debtor_bic = ""
            locked.debtor_bank_changed = bool(locked.original_debtor_iban) and _bank_of(
                locked.original_debtor_iban
            ) != _bank_of(new_iban)
            locked.debtor_iban = new_iban
            changed.append("debtor_iban")
        if new_bic != locked.debtor_bic:
            locked.debtor_bic = new_bic
            changed.append("debtor_bic")
        if new_name != locked.debtor_name:
            locked.debtor_name = new_name
            changed.append("debtor_name")
        if not changed:
            return locked
        locked.updated_at = as_of
        locked._change_reason = "amended"
        locked.save()
        event_record(
            type="mandate.amended",
            obj=locked,
            customer_id=locked.customer_id,
            data={
                "reference": locked.reference,
                "fields": changed,
                "amendment_pending": bool(locked.original_reference or locked.original_debtor_iban),
                "new_debtor_bank": locked.debtor_bank_changed,
            },
            at=as_of,
        )
    return locked


def mandate_mark_final(*, mandate: Mandate, as_of: datetime, by=None) -> Mandate:
    """The next collection is the last of the series (``FNAL``); the mandate is used up after it."""
    with transaction.atomic():
        locked = _lock(mandate)
        if locked.status != MandateStatus.ACTIVE or locked.used_up:
            raise SepaConflict(_("Mandate %(reference)s is no longer usable.") % {"reference": locked.reference})
        if locked.sequence_type != SequenceType.RECURRING:
            raise SepaConflict(
                _("Only a recurring mandate already used once can have a final collection (now: %(sequence)s).")
                % {"sequence": locked.get_sequence_type_display()}
            )
        locked.sequence_type = SequenceType.FINAL
        locked.updated_at = as_of
        locked.save()
        event_record(
            type="mandate.marked_final",
            obj=locked,
            customer_id=locked.customer_id,
            data={"reference": locked.reference},
        )
    return locked


def _transition(locked: Mandate, *, to: str, as_of: datetime, reason: str = "") -> None:
    transition_check(
        Mandate.TRANSITIONS,
        current=locked.status,
        to=to,
        labels=dict(MandateStatus.choices),
        conflict=SepaConflict,
    )
    locked.status = to
    locked.status_changed_at = as_of
    locked.status_reason = reason
    locked.updated_at = as_of
    locked.save()


def mandate_revoke(*, mandate: Mandate, as_of: datetime, by=None, reason: str = "") -> Mandate:
    """The debtor withdrew the mandate: no further collection under it. Collections already in a
    file stay there (cancel the file, or let the bank return them)."""
    with transaction.atomic():
        locked = _lock(mandate)
        _transition(locked, to=MandateStatus.REVOKED, as_of=as_of, reason=(reason or "").strip())
        event_record(
            type="mandate.revoked",
            obj=locked,
            customer_id=locked.customer_id,
            data={"reference": locked.reference, "reason": locked.status_reason},
            at=as_of,
        )
    return locked


def mandates_expiring(*, as_of: datetime | date):
    """Active mandates whose last collection (or signature, never used) is 36 months ago or more."""
    limit = _day(as_of) - EXPIRY
    return Mandate.objects.filter(status=MandateStatus.ACTIVE).filter(
        Q(last_collected_on__lte=limit) | Q(last_collected_on__isnull=True, signed_on__lte=limit)
    )


def mandates_expire(*, as_of: datetime) -> int:
    """The daily job: expire every mandate 36 months without a collection; returns how many."""
    expired = 0
    for pk in mandates_expiring(as_of=as_of).order_by("pk").values_list("pk", flat=True):
        with transaction.atomic():
            locked = lock_rows(Mandate, [pk])[pk]
            # Checked again under the lock: a collection may have used it meanwhile.
            if not mandates_expiring(as_of=as_of).filter(pk=pk).exists():
                continue
            _transition(locked, to=MandateStatus.EXPIRED, as_of=as_of)
            event_record(
                type="mandate.expired",
                obj=locked,
                customer_id=locked.customer_id,
                data={
                    "reference": locked.reference,
                    "last_collected_on": locked.last_collected_on,
                    "signed_on": locked.signed_on,
                },
                at=as_of,
            )
            expired += 1
    return expired
