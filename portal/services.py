"""Every write of the customer page: links made and revoked, visits counted.

Links are made by finance staff (admin, API) and by the invoice e-mail when it is composed
(``portal.mail``); the customer's visits are recorded on the link and, the first view of a day per
link, in the customer's history (``invoice.page_viewed`` / ``customer.page_viewed``): one event
per day is what a colleague asks ("has the customer seen it?"), a reload is not news.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.events import Actor, event_record
from core.locks import lock_rows
from core.transitions import transition_check
from invoicing.models import DocumentStatus, Invoice

from .models import PageLink, PageLinkStatus
from .tokens import token_new

# A link made by hand may be given its own end, but no longer than this.
MAX_LIFETIME = timedelta(days=400)
VISITOR = "customer page"  # the actor of a visit: no one signs in to the page


class PageLinkConflict(ValidationError):
    """The link's status does not allow the change (a revoked link is revoked for good)."""


class NewPageLink(NamedTuple):
    """A link just made, with its token: the one moment the token is known (only its hash is kept)."""

    link: PageLink
    token: str

    @property
    def path(self) -> str:
        return page_path(self.token)

    @property
    def url(self) -> str:
        return settings.DEBITOR_PORTAL["BASE_URL"] + self.path


def page_path(token: str) -> str:
    return reverse("portal:page", args=[token])


def _default_expiry(*, invoice: Invoice | None, as_of: datetime) -> datetime:
    config = settings.DEBITOR_PORTAL
    if invoice is None or invoice.due_date is None:
        return as_of + timedelta(days=config["ACCOUNT_LINK_DAYS"])
    # The end of the local day LINK_DAYS_AFTER_DUE after the due date, never sooner than LINK_MIN_DAYS.
    last_day = invoice.due_date + timedelta(days=config["LINK_DAYS_AFTER_DUE"] + 1)
    after_due = timezone.make_aware(datetime.combine(last_day, time.min))
    return max(after_due, as_of + timedelta(days=config["LINK_MIN_DAYS"]))


def page_link_create(
    *,
    as_of: datetime,
    invoice: Invoice | None = None,
    customer=None,
    by=None,
    expires_at: datetime | None = None,
) -> NewPageLink:
    """Make a link to the page of an issued invoice (``invoice``) or of a customer's account
    (``customer`` alone). It works until ``expires_at`` — by default 90 days after the invoice's
    due date, at least 30 days from now (``DEBITOR_PORTAL``) — unless revoked before.
    Refused with field errors: neither or both of different customers given, a draft or cancelled
    invoice, an end not in the future or more than 400 days away."""
    if invoice is None and customer is None:
        raise ValidationError({"invoice": _("Name an invoice or a customer for the link.")})
    if invoice is not None:
        if customer is not None and customer.pk != invoice.customer_id:
            raise ValidationError({"customer": _("The invoice belongs to another customer.")})
        if invoice.status != DocumentStatus.ISSUED:
            raise ValidationError(
                {
                    "invoice": _("Only an issued document has a customer page; %(document)s is %(status)s.")
                    % {"document": invoice.number or _("this draft"), "status": invoice.get_status_display()}
                }
            )
        customer = invoice.customer
    if expires_at is None:
        expires_at = _default_expiry(invoice=invoice, as_of=as_of)
    elif expires_at <= as_of:
        raise ValidationError({"expires_at": _("The link must end in the future.")})
    elif expires_at - as_of > MAX_LIFETIME:
        raise ValidationError(
            {"expires_at": _("A link may work for at most %(days)s days.") % {"days": MAX_LIFETIME.days}}
        )
    token, digest = token_new()
    with transaction.atomic():
        link = PageLink.objects.create(
            customer=customer,
            invoice=invoice,
            token_hash=digest,
            created_at=as_of,
            created_by=by if getattr(by, "pk", None) else None,
            expires_at=expires_at,
        )
        event_record(
            type="page_link.created",
            obj=link,
            customer_id=customer.pk,
            data={"invoice": invoice.number if invoice else "", "expires_at": expires_at.isoformat()},
            at=as_of,
        )
    return NewPageLink(link, token)


def page_link_revoke(*, link: PageLink, as_of: datetime, by=None) -> PageLink:
    """Revoke one link: from now on it shows the "no longer valid" page. A revoked link stays
    revoked (``PageLinkConflict``)."""
    with transaction.atomic():
        link = lock_rows(PageLink, [link.pk])[link.pk]
        _revoke(link, as_of=as_of, by=by)
    return link


def page_links_revoke_all(*, as_of: datetime, customer=None, invoice: Invoice | None = None, by=None) -> int:
    """Revoke every active link of a customer (or only those of an invoice); returns how many."""
    if (customer is None) == (invoice is None):
        raise ValueError("Name a customer or an invoice.")
    links = PageLink.objects.filter(status=PageLinkStatus.ACTIVE)
    links = links.filter(invoice=invoice) if invoice is not None else links.filter(customer=customer)
    with transaction.atomic():
        locked = lock_rows(PageLink, links.values_list("pk", flat=True))
        count = 0
        for link in locked.values():
            if link.status == PageLinkStatus.ACTIVE:  # revoked meanwhile by someone else
                _revoke(link, as_of=as_of, by=by)
                count += 1
    return count


def _revoke(link: PageLink, *, as_of: datetime, by) -> None:
    transition_check(
        PageLink.TRANSITIONS,
        current=link.status,
        to=PageLinkStatus.REVOKED,
        labels=dict(PageLinkStatus.choices),
        conflict=lambda message: PageLinkConflict({"status": message}),
    )
    link.status = PageLinkStatus.REVOKED
    link.revoked_at = as_of
    link.revoked_by = by if getattr(by, "pk", None) else None
    link.save(update_fields=["status", "revoked_at", "revoked_by"])
    event_record(
        type="page_link.revoked",
        obj=link,
        customer_id=link.customer_id,
        data={"from_state": PageLinkStatus.ACTIVE, "to_state": PageLinkStatus.REVOKED},
        at=as_of,
    )


def page_link_visit(*, link: PageLink, as_of: datetime) -> PageLink:
    """Count a view of the page: ``first_viewed_at`` once, ``last_viewed_at`` and the count each
    time, and an event in the customer's history on the link's first view of each local day."""
    with transaction.atomic():
        link = lock_rows(PageLink, [link.pk], select_related=("invoice",))[link.pk]
        first_today = link.last_viewed_at is None or timezone.localdate(link.last_viewed_at) != timezone.localdate(
            as_of
        )
        if link.first_viewed_at is None:
            link.first_viewed_at = as_of
        link.last_viewed_at = as_of
        link.view_count += 1
        link.save(update_fields=["first_viewed_at", "last_viewed_at", "view_count"])
        if first_today:
            event_record(
                type="invoice.page_viewed" if link.invoice_id else "customer.page_viewed",
                obj=link.invoice if link.invoice_id else link,
                customer_id=link.customer_id,
                data={"link": link.pk, "first": link.view_count == 1},
                actor=Actor.for_system(VISITOR),
                at=as_of,
            )
    return link
