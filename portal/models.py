"""Links to the customer's own invoice page (``/p/<token>/``).

A ``PageLink`` opens one customer's page without a login: the invoice it was made for (or the
account alone) with every open item of that customer. The URL carries a random secret, signed
(``portal.tokens``); only its SHA-256 is stored, so a copy of the database opens no page. A link
ends when it expires or is revoked; visits are counted on the link.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _


class PageLinkStatus(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("page link status", "active")
    REVOKED = "revoked", pgettext_lazy("page link status", "revoked")


class PageLink(models.Model):
    """One customer page link. Expiry is a date, not a status: the link reads as expired from then on."""

    TRANSITIONS = {
        PageLinkStatus.ACTIVE: {PageLinkStatus.REVOKED},
        PageLinkStatus.REVOKED: set(),
    }

    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="page_links"
    )
    # None: a link to the customer's account (open items, statement) without a particular invoice.
    invoice = models.ForeignKey(
        "invoicing.Invoice",
        verbose_name=_("invoice"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="page_links",
    )
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True, editable=False)
    status = models.CharField(_("status"), max_length=7, choices=PageLinkStatus.choices, default=PageLinkStatus.ACTIVE)
    created_at = models.DateTimeField(_("created"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    first_viewed_at = models.DateTimeField(_("first viewed"), null=True, blank=True)
    last_viewed_at = models.DateTimeField(_("last viewed"), null=True, blank=True)
    view_count = models.PositiveIntegerField(_("views"), default=0)

    class Meta:
        verbose_name = _("customer page link")
        verbose_name_plural = _("customer page links")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "status"], name="portal_link_customer_status"),
            models.Index(fields=["invoice", "status"], name="portal_link_invoice_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in PageLinkStatus]), name="portal_link_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")), name="portal_link_expires_later"
            ),
            # Revoked exactly when it has a revocation time.
            models.CheckConstraint(
                condition=Q(status="revoked", revoked_at__isnull=False) | Q(status="active", revoked_at__isnull=True),
                name="portal_link_revoked_at",
            ),
        ]

    def __str__(self) -> str:
        if self.invoice_id:
            return gettext("Customer page link for %(invoice)s") % {"invoice": self.invoice.number}
        return gettext("Customer page link for the account of %(customer)s") % {"customer": self.customer.number}

    def is_open_at(self, moment) -> bool:
        """Whether the link still opens the page at ``moment`` (active and not expired)."""
        return self.status == PageLinkStatus.ACTIVE and moment < self.expires_at
