"""Personal data in casework (``core.privacy``): the note of a promise to pay and what a customer
said in a dispute, when they are the person's (their contact, their name in the text, or every
record of a consumer). Staff's working records with no retention duty of their own — the credit
note a dispute led to is a voucher kept by invoicing — so the texts are erased; amounts, dates and
statuses stay for dunning and the books."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.formatting import date_text
from core.privacy import ERASED, NONE, DataSubject, ErasureContext, PersonalDataSource, PersonalRecord, mentions
from core.privacy import privacy_source_register as register

from .models import Dispute, PaymentPromise


def _promises(subject: DataSubject):
    promises = PaymentPromise.objects.filter(customer_id=subject.customer_id)
    if subject.customer_itself:
        return promises
    return promises.filter(Q(contact_id__in=subject.contact_ids) | mentions(subject, "note"))


def _disputes(subject: DataSubject):
    disputes = Dispute.objects.filter(customer_id=subject.customer_id)
    if subject.customer_itself:
        return disputes
    return disputes.filter(mentions(subject, "description", "resolution_note"))


def casework_export(subject: DataSubject) -> list[dict]:
    promises = [
        {
            "promise": promise.pk,
            "promised_date": promise.promised_date,
            "amount": str(promise.amount),
            "channel": promise.channel,
            "contact_id": promise.contact_id,
            "note": promise.note,
        }
        for promise in _promises(subject).order_by("pk")
    ]
    disputes = [
        {
            "dispute": dispute.pk,
            "invoice_id": dispute.invoice_id,
            "reason": dispute.reason,
            "description": dispute.description,
            "resolution_note": dispute.resolution_note,
        }
        for dispute in _disputes(subject).order_by("pk")
    ]
    return promises + disputes


# Keys: promises by their id, disputes by minus their id (one source, two tables).
def casework_records(subject: DataSubject) -> list[PersonalRecord]:
    rows = [
        PersonalRecord(
            key=promise.pk,
            label=_("promise to pay of %(date)s (#%(id)s)") % {"date": date_text(promise.taken_at), "id": promise.pk},
            record_date=None,
            retention=NONE,
        )
        for promise in _promises(subject).order_by("pk")
    ]
    rows += [
        PersonalRecord(
            key=-dispute.pk,
            label=_("dispute of %(date)s (#%(id)s)") % {"date": date_text(dispute.opened_at), "id": dispute.pk},
            record_date=None,
            retention=NONE,
        )
        for dispute in _disputes(subject).order_by("pk")
    ]
    return rows


def casework_erase(subject: DataSubject, keys: list[int], context: ErasureContext) -> int:
    promise_ids = [key for key in keys if key > 0]
    dispute_ids = [-key for key in keys if key < 0]
    changed = PaymentPromise.objects.filter(customer_id=subject.customer_id, pk__in=promise_ids).update(note=ERASED)
    changed += Dispute.objects.filter(customer_id=subject.customer_id, pk__in=dispute_ids).update(
        description=ERASED, resolution_note=ERASED
    )
    return changed


register(
    PersonalDataSource(
        name="casework.casework",
        label=gettext_lazy("Promises to pay and disputes"),
        holds=gettext_lazy("notes of promises to pay and what was said in disputes"),
        export=casework_export,
        records=casework_records,
        erase=casework_erase,
        order=55,
    )
)
