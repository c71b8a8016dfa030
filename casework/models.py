"""Promises to pay and disputes: what a customer said about paying, and what they contest.

Both are read by dunning (issue 19) through ``casework.selectors``: an invoice under an open
promise (until its date plus grace) or with an open dispute gets no reminder.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from core.formatting import date_text, money_text

MONEY = {"max_digits": 14, "decimal_places": 2}


# --- Promises to pay ------------------------------------------------------------------------------


class PromiseChannel(models.TextChoices):
    CALL = "call", pgettext_lazy("promise channel", "phone call")
    EMAIL = "e_mail", pgettext_lazy("promise channel", "e-mail")
    LETTER = "letter", pgettext_lazy("promise channel", "letter")
    PORTAL = "portal", pgettext_lazy("promise channel", "customer page")
    OTHER = "other", pgettext_lazy("promise channel", "other")


class PromiseStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("promise status", "open")
    KEPT = "kept", pgettext_lazy("promise status", "kept")
    BROKEN = "broken", pgettext_lazy("promise status", "broken")
    CANCELLED = "cancelled", pgettext_lazy("promise status", "cancelled")


# The allowed status changes of a promise (STYLE 6). Kept and broken are decided once: a payment
# after the deadline does not make a broken promise kept (it is simply a payment), and a kept
# promise stays kept when a payment is later returned (the return has its own task).
PROMISE_TRANSITIONS: dict[str, set[str]] = {
    PromiseStatus.OPEN: {PromiseStatus.KEPT, PromiseStatus.BROKEN, PromiseStatus.CANCELLED},
    PromiseStatus.KEPT: set(),
    PromiseStatus.BROKEN: set(),
    PromiseStatus.CANCELLED: set(),
}


class PaymentPromise(models.Model):
    """A customer's promise to pay ``amount`` towards some of their open invoices by a date.

    Kept when payments allocated to the covered invoices after the promise was taken, with a
    value date up to ``grace_until``, reach the amount (or the invoices are settled); broken when
    ``grace_until`` passed without that (``casework.services.promises``)."""

    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="payment_promises"
    )
    amount = models.DecimalField(_("amount promised"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3)
    promised_date = models.DateField(_("promised for"))
    grace_days = models.PositiveSmallIntegerField(_("grace days"))
    # promised_date + grace_days: the last value date that counts, and the day dunning waits for.
    grace_until = models.DateField(_("counts until"))
    invoices = models.ManyToManyField(
        "invoicing.Invoice",
        verbose_name=_("invoices"),
        through="PromiseInvoice",
        related_name="payment_promises",
    )
    channel = models.CharField(_("taken by"), max_length=6, choices=PromiseChannel.choices)
    contact = models.ForeignKey(
        "customers.Contact",
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True, default="")
    status = models.CharField(_("status"), max_length=9, choices=PromiseStatus.choices, default=PromiseStatus.OPEN)
    amount_received = models.DecimalField(_("received towards it"), default=0, **MONEY)
    taken_at = models.DateTimeField(_("taken at"))
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("taken by (person)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    evaluated_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=255, blank=True, default="")

    class Meta:
        verbose_name = _("promise to pay")
        verbose_name_plural = _("promises to pay")
        ordering = ["-taken_at", "-id"]
        indexes = [
            # The daily job: open promises whose deadline passed.
            models.Index(fields=["grace_until", "id"], condition=Q(status="open"), name="casework_promise_due"),
            models.Index(fields=["customer", "status"], name="casework_promise_customer"),
            models.Index(fields=["taken_at", "id"], name="casework_promise_taken"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="casework_promise_amount_positive"),
            models.CheckConstraint(condition=Q(amount_received__gte=0), name="casework_promise_received_not_negative"),
            models.CheckConstraint(
                condition=Q(status__in=["open", "kept", "broken", "cancelled"]), name="casework_promise_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(channel__in=["call", "e_mail", "letter", "portal", "other"]),
                name="casework_promise_channel_valid",
            ),
            models.CheckConstraint(
                condition=Q(grace_until__gte=F("promised_date")), name="casework_promise_grace_after_date"
            ),
            models.CheckConstraint(
                condition=(Q(status="open") & Q(evaluated_at__isnull=True))
                | (~Q(status="open") & Q(evaluated_at__isnull=False)),
                name="casework_promise_decided_when_closed",
            ),
            models.CheckConstraint(
                condition=~Q(status="cancelled") | ~Q(cancel_reason=""), name="casework_promise_cancel_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return gettext("Promise of %(amount)s by %(date)s") % {
            "amount": money_text(self.amount, self.currency),
            "date": date_text(self.promised_date),
        }

    @property
    def is_open(self) -> bool:
        return self.status == PromiseStatus.OPEN


class PromiseInvoice(models.Model):
    """An invoice a promise covers. ``promise_open`` mirrors the promise's status so the database
    can hold "at most one open promise per invoice" (a partial unique index)."""

    promise = models.ForeignKey(
        PaymentPromise, verbose_name=_("promise to pay"), on_delete=models.CASCADE, related_name="covered"
    )
    invoice = models.ForeignKey(
        "invoicing.Invoice", verbose_name=_("invoice"), on_delete=models.PROTECT, related_name="promise_links"
    )
    promise_open = models.BooleanField(_("promise open"), default=True)

    class Meta:
        verbose_name = _("invoice covered by a promise")
        verbose_name_plural = _("invoices covered by a promise")
        ordering = ["promise_id", "invoice_id"]
        constraints = [
            models.UniqueConstraint(fields=["promise", "invoice"], name="casework_promise_invoice_once"),
            models.UniqueConstraint(
                fields=["invoice"], condition=Q(promise_open=True), name="casework_one_open_promise_per_invoice"
            ),
        ]

    def __str__(self) -> str:
        return str(self.invoice_id)


# --- Disputes -------------------------------------------------------------------------------------


class DisputeReason(models.TextChoices):
    PRICE = "price", pgettext_lazy("dispute reason", "price")
    QUANTITY = "quantity", pgettext_lazy("dispute reason", "quantity")
    QUALITY = "quality", pgettext_lazy("dispute reason", "quality or defect")
    NOT_RECEIVED = "not_received", pgettext_lazy("dispute reason", "not delivered or not received")
    ALREADY_PAID = "already_paid", pgettext_lazy("dispute reason", "already paid")
    DUPLICATE = "duplicate_invoice", pgettext_lazy("dispute reason", "duplicate invoice")
    WRONG_RECIPIENT = "wrong_recipient", pgettext_lazy("dispute reason", "wrong recipient or address")
    OTHER = "other", pgettext_lazy("dispute reason", "other")


class DisputeStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("dispute status", "open")
    RESOLVED = "resolved", pgettext_lazy("dispute status", "resolved in our favour")
    CREDITED = "credited", pgettext_lazy("dispute status", "credit note issued")
    WITHDRAWN = "withdrawn", pgettext_lazy("dispute status", "withdrawn")


DISPUTE_TRANSITIONS: dict[str, set[str]] = {
    DisputeStatus.OPEN: {DisputeStatus.RESOLVED, DisputeStatus.CREDITED, DisputeStatus.WITHDRAWN},
    DisputeStatus.RESOLVED: set(),
    DisputeStatus.CREDITED: set(),
    DisputeStatus.WITHDRAWN: set(),
}


class Dispute(models.Model):
    """A customer contests an issued invoice, or some of its lines, for a reason.

    While open, dunning leaves the invoice alone. It ends resolved in our favour (the invoice
    stands), withdrawn by the customer, or with a credit note for the disputed amount."""

    invoice = models.ForeignKey(
        "invoicing.Invoice", verbose_name=_("invoice"), on_delete=models.PROTECT, related_name="disputes"
    )
    # The invoice's customer, kept here for the customer's lists and timeline.
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="disputes"
    )
    lines = models.ManyToManyField(
        "invoicing.InvoiceLine", verbose_name=_("disputed lines"), blank=True, related_name="disputes"
    )
    amount = models.DecimalField(_("disputed amount"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3)
    reason = models.CharField(_("reason"), max_length=17, choices=DisputeReason.choices)
    description = models.TextField(_("what the customer says"), blank=True, default="")
    status = models.CharField(_("status"), max_length=9, choices=DisputeStatus.choices, default=DisputeStatus.OPEN)
    opened_at = models.DateTimeField(_("opened at"))
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opened by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    resolution_note = models.TextField(_("resolution"), blank=True, default="")
    credit_note = models.ForeignKey(
        "invoicing.Invoice",
        verbose_name=_("credit note"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")
        ordering = ["-opened_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "status"], name="casework_dispute_customer"),
            models.Index(fields=["opened_at", "id"], name="casework_dispute_opened"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["invoice"], condition=Q(status="open"), name="casework_one_open_dispute_per_invoice"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="casework_dispute_amount_positive"),
            models.CheckConstraint(
                condition=Q(status__in=["open", "resolved", "credited", "withdrawn"]),
                name="casework_dispute_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(
                    reason__in=[
                        "price",
                        "quantity",
                        "quality",
                        "not_received",
                        "already_paid",
                        "duplicate_invoice",
                        "wrong_recipient",
                        "other",
                    ]
                ),
                name="casework_dispute_reason_valid",
            ),
            models.CheckConstraint(
                condition=(Q(status="open") & Q(resolved_at__isnull=True))
                | (~Q(status="open") & Q(resolved_at__isnull=False)),
                name="casework_dispute_resolved_when_closed",
            ),
            models.CheckConstraint(
                condition=(Q(status="credited") & Q(credit_note__isnull=False))
                | (~Q(status="credited") & Q(credit_note__isnull=True)),
                name="casework_dispute_credit_note_when_credited",
            ),
        ]

    def __str__(self) -> str:
        return gettext("Dispute about %(invoice)s") % {"invoice": self.invoice.number if self.invoice_id else "?"}

    @property
    def is_open(self) -> bool:
        return self.status == DisputeStatus.OPEN
