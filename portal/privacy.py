"""Personal data of the customer page (``core.privacy``): when a consumer opened their page.

Visits are counted on the link (first and last view, number of views); they are no record the
law asks to keep, so an erasure clears them. The daily "page viewed" events hold only the link's
id. A business customer's visits name no person and are left alone."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.privacy import NONE, DataSubject, ErasureContext, PersonalDataSource, PersonalRecord
from core.privacy import privacy_source_register as register

from .models import PageLink


def _links(subject: DataSubject):
    if not subject.customer_itself:
        return PageLink.objects.none()
    return PageLink.objects.filter(customer_id=subject.customer_id).exclude(view_count=0)


def links_export(subject: DataSubject) -> list[dict]:
    return [
        {
            "id": link.pk,
            "invoice": link.invoice.number if link.invoice_id else None,
            "created_at": link.created_at,
            "expires_at": link.expires_at,
            "status": link.status,
            "first_viewed_at": link.first_viewed_at,
            "last_viewed_at": link.last_viewed_at,
            "view_count": link.view_count,
        }
        for link in _links(subject).select_related("invoice").order_by("created_at", "pk")
    ]


def links_records(subject: DataSubject) -> list[PersonalRecord]:
    return [
        PersonalRecord(
            key=link.pk,
            label=_("visits of customer page link #%(id)s") % {"id": link.pk},
            record_date=None,
            retention=NONE,
        )
        for link in _links(subject).order_by("created_at", "pk")
    ]


def links_erase(subject: DataSubject, keys: list[int], context: ErasureContext) -> int:
    return _links(subject).filter(pk__in=keys).update(first_viewed_at=None, last_viewed_at=None, view_count=0)


register(
    PersonalDataSource(
        name="portal.visits",
        label=gettext_lazy("Customer page visits"),
        holds=gettext_lazy("when a consumer opened their customer page, and how often"),
        export=links_export,
        records=links_records,
        erase=links_erase,
        order=80,
    )
)
