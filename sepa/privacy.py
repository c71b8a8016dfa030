"""Personal data in SEPA mandates (``core.privacy``): the account holder's name and IBAN.

A mandate is the contract behind the direct debits (a business letter: 6 years from the end of
the year it was last used — its last collection, or its revocation or expiry; § 147 (1) no. 2, 3
AO, § 257 (1) no. 2, 3 HGB). An active mandate is in use and is never erased here: revoke it
first. The collection files (pain.008) sent to the bank are vouchers of the collections and stay
as they were sent."""

from __future__ import annotations

from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.privacy import ERASED, LETTERS, DataSubject, ErasureContext, PersonalDataSource, PersonalRecord
from core.privacy import privacy_source_register as register

from .models import Mandate, MandateStatus

PERSONAL = {
    "debtor_name": ERASED,
    "debtor_iban": "",
    "debtor_bic": "",
    "original_debtor_iban": "",
    "original_debtor_bic": "",
}


def _mandates(subject: DataSubject):
    mandates = Mandate.objects.filter(customer_id=subject.customer_id)
    if subject.customer_itself:
        return mandates
    names = {name.lower() for name in subject.names if name}
    return mandates.annotate(debtor_lower=Lower("debtor_name")).filter(debtor_lower__in=names)


def _last_used(mandate: Mandate):
    dates = [mandate.signed_on, mandate.last_collected_on]
    if mandate.status_changed_at is not None:
        dates.append(timezone.localdate(mandate.status_changed_at))
    return max(d for d in dates if d is not None)


def mandates_export(subject: DataSubject) -> list[dict]:
    return [
        {
            "id": mandate.pk,
            "reference": mandate.reference,
            "signed_on": mandate.signed_on,
            "status": mandate.status,
            "debtor_name": mandate.debtor_name,
            "debtor_iban": mandate.debtor_iban,
            "debtor_bic": mandate.debtor_bic,
            "last_collected_on": mandate.last_collected_on,
        }
        for mandate in _mandates(subject).order_by("signed_on", "pk")
    ]


def mandates_records(subject: DataSubject) -> list[PersonalRecord]:
    records = []
    for mandate in _mandates(subject).order_by("signed_on", "pk"):
        active = mandate.status == MandateStatus.ACTIVE
        label = _("SEPA mandate %(reference)s") % {"reference": mandate.reference}
        if active:
            label = _("%(mandate)s (active: revoke it first)") % {"mandate": label}
        records.append(
            PersonalRecord(
                key=mandate.pk, label=label, record_date=_last_used(mandate), retention=LETTERS, erasable=not active
            )
        )
    return records


def mandates_erase(subject: DataSubject, keys: list[int], context: ErasureContext) -> int:
    erased = []
    for mandate in _mandates(subject).filter(pk__in=keys).exclude(status=MandateStatus.ACTIVE).order_by("pk"):
        for name, value in PERSONAL.items():
            setattr(mandate, name, value)
        mandate.updated_at = context.as_of
        mandate._history_user = context.by
        mandate.save()
        erased.append(mandate.pk)
    Mandate.history.filter(id__in=erased).update(**PERSONAL)
    return len(erased)


register(
    PersonalDataSource(
        name="sepa.mandates",
        label=gettext_lazy("SEPA mandates"),
        holds=gettext_lazy("the account holder's name, IBAN and BIC of each mandate, with their history"),
        export=mandates_export,
        records=mandates_records,
        erase=mandates_erase,
        order=70,
    )
)
