"""Personal data on invoices and credit notes (``core.privacy``): the buyer's contact person
(BG-9: name, phone, e-mail) and, for a consumer, the buyer as issued.

Issued documents are accounting vouchers, kept 8 years from the end of their year (§ 147 (3) AO,
§ 257 (4) HGB as amended from 1 January 2025), and the database refuses any change to them (GoBD
triggers): they are never erased here, their processing is restricted instead. A draft is no
voucher yet: its contact fields are cleared."""

from __future__ import annotations

from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.privacy import NONE, VOUCHERS, DataSubject, ErasureContext, PersonalDataSource, PersonalRecord
from core.privacy import privacy_source_register as register

from .models import DocumentStatus, Invoice


def _documents(subject: DataSubject):
    documents = Invoice.objects.filter(customer_id=subject.customer_id)
    if subject.customer_itself:
        return documents
    names = {name.lower() for name in subject.names if name}
    return documents.annotate(
        contact_email=Lower("buyer_contact_email"), contact_name=Lower("buyer_contact_name")
    ).filter(Q(contact_email__in=subject.emails_lower) | Q(contact_name__in=names))


def invoices_export(subject: DataSubject) -> list[dict]:
    return [
        {
            "id": doc.pk,
            "document_type": doc.document_type,
            "status": doc.status,
            "number": doc.number,
            "invoice_date": doc.invoice_date,
            "due_date": doc.due_date,
            "currency": doc.currency,
            "total_gross": doc.tax_inclusive_total,
            "buyer_contact_name": doc.buyer_contact_name,
            "buyer_contact_phone": doc.buyer_contact_phone,
            "buyer_contact_email": doc.buyer_contact_email,
            "buyer_as_issued": doc.buyer if subject.customer_itself else {},
        }
        for doc in _documents(subject).order_by("invoice_date", "pk")
    ]


def invoices_records(subject: DataSubject) -> list[PersonalRecord]:
    records = []
    for doc in _documents(subject).order_by("invoice_date", "pk"):
        if doc.status == DocumentStatus.DRAFT:
            records.append(
                PersonalRecord(key=doc.pk, label=_("draft #%(id)s") % {"id": doc.pk}, record_date=None, retention=NONE)
            )
        else:
            records.append(
                PersonalRecord(
                    key=doc.pk,
                    label=_("%(type)s %(number)s") % {"type": doc.get_document_type_display(), "number": doc.number},
                    record_date=doc.invoice_date,
                    retention=VOUCHERS,
                    erasable=False,  # GoBD: an issued document is never changed
                )
            )
    return records


def invoices_erase(subject: DataSubject, keys: list[int], context: ErasureContext) -> int:
    """Drafts only: their buyer contact fields are cleared (issued documents never reach here)."""
    return (
        _documents(subject)
        .filter(pk__in=keys, status=DocumentStatus.DRAFT)
        .update(buyer_contact_name="", buyer_contact_phone="", buyer_contact_email="", updated_at=context.as_of)
    )


register(
    PersonalDataSource(
        name="invoicing.invoices",
        label=gettext_lazy("Invoices and credit notes"),
        holds=gettext_lazy("the buyer's contact person on each document and, for a consumer, the buyer as issued"),
        export=invoices_export,
        records=invoices_records,
        erase=invoices_erase,
        order=50,
    )
)
