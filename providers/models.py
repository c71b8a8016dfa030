"""Card and online payments through a payment provider (Stripe first).

Each provider object we meet is stored once, by the provider's own id (unique per provider): the
checkout session a payer is sent to, the payment (Stripe: the PaymentIntent) with the
``payments.Payment`` it became, refunds, disputes, and every webhook event as received. The
provider's ids are what makes redelivered and crossing webhooks harmless (README *Card payments*).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from core.formatting import date_text, money_text

MONEY = {"max_digits": 14, "decimal_places": 2}


class Provider(models.TextChoices):
    STRIPE = "stripe", _("Stripe")


class CheckoutStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("checkout status", "open")
    PAID = "paid", pgettext_lazy("checkout status", "paid")
    FAILED = "failed", pgettext_lazy("checkout status", "payment failed")
    EXPIRED = "expired", pgettext_lazy("checkout status", "expired")


# A payer pays a session once, or it expires; an asynchronous method (a bank debit through the
# provider) can still fail after the session completed.
CHECKOUT_TRANSITIONS: dict[str, set[str]] = {
    CheckoutStatus.OPEN: {CheckoutStatus.PAID, CheckoutStatus.FAILED, CheckoutStatus.EXPIRED},
    CheckoutStatus.PAID: set(),
    CheckoutStatus.FAILED: set(),
    CheckoutStatus.EXPIRED: set(),
}


class CheckoutSession(models.Model):
    """A "pay now" page at the provider for the open amount of one or several invoices."""

    provider = models.CharField(_("provider"), max_length=20, choices=Provider.choices)
    session_id = models.CharField(_("session id"), max_length=255)
    # Ours, generated before the provider call: client reference, metadata and idempotency key.
    reference = models.UUIDField(_("reference"), unique=True)
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="checkout_sessions"
    )
    amount = models.DecimalField(_("amount"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3)
    url = models.TextField(_("payment page"))
    status = models.CharField(_("status"), max_length=10, choices=CheckoutStatus.choices, default=CheckoutStatus.OPEN)
    payment_intent_id = models.CharField(_("provider payment id"), max_length=255, blank=True, default="")
    created_at = models.DateTimeField(_("created"))
    expires_at = models.DateTimeField(_("expires"))
    updated_at = models.DateTimeField(_("updated"))

    class Meta:
        verbose_name = _("checkout session")
        verbose_name_plural = _("checkout sessions")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["created_at", "id"], name="providers_checkout_recent")]
        constraints = [
            models.UniqueConstraint(fields=["provider", "session_id"], name="providers_checkout_once"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="providers_checkout_amount_positive"),
        ]

    def __str__(self) -> str:
        return gettext("Checkout of %(amount)s of %(date)s") % {
            "amount": money_text(self.amount, self.currency),
            "date": date_text(self.created_at),
        }


class CheckoutItem(models.Model):
    """An invoice a checkout pays, with its open amount when the session was created."""

    session = models.ForeignKey(
        CheckoutSession, verbose_name=_("checkout session"), on_delete=models.CASCADE, related_name="items"
    )
    invoice = models.ForeignKey(
        "invoicing.Invoice", verbose_name=_("invoice"), on_delete=models.PROTECT, related_name="checkout_items"
    )
    amount = models.DecimalField(_("amount"), **MONEY)

    class Meta:
        verbose_name = _("invoice in the checkout")
        verbose_name_plural = _("invoices in the checkout")
        ordering = ["session_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "invoice"], name="providers_checkout_item_once"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="providers_checkout_item_positive"),
        ]

    def __str__(self) -> str:
        return self.invoice.number or str(self.invoice_id)


class ProviderPaymentStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("provider payment status", "pending")
    SUCCEEDED = "succeeded", pgettext_lazy("provider payment status", "succeeded")
    FAILED = "failed", pgettext_lazy("provider payment status", "failed")
    DISPUTED = "disputed", pgettext_lazy("provider payment status", "disputed")
    DISPUTE_LOST = "dispute_lost", pgettext_lazy("provider payment status", "dispute lost")


# A failed attempt may be followed by a successful one (the payer tries another card on the same
# payment); a disputed payment is won (funds reinstated: succeeded again) or lost, once.
PROVIDER_PAYMENT_TRANSITIONS: dict[str, set[str]] = {
    ProviderPaymentStatus.PENDING: {ProviderPaymentStatus.SUCCEEDED, ProviderPaymentStatus.FAILED},
    ProviderPaymentStatus.FAILED: {ProviderPaymentStatus.SUCCEEDED},
    ProviderPaymentStatus.SUCCEEDED: {ProviderPaymentStatus.DISPUTED},
    ProviderPaymentStatus.DISPUTED: {ProviderPaymentStatus.SUCCEEDED, ProviderPaymentStatus.DISPUTE_LOST},
    ProviderPaymentStatus.DISPUTE_LOST: set(),
}


class ProviderPayment(models.Model):
    """One payment at the provider (Stripe: a PaymentIntent), however many events report it; the
    ``payments.Payment`` it became once it succeeded."""

    provider = models.CharField(_("provider"), max_length=20, choices=Provider.choices)
    payment_intent_id = models.CharField(_("provider payment id"), max_length=255)
    status = models.CharField(
        _("status"), max_length=12, choices=ProviderPaymentStatus.choices, default=ProviderPaymentStatus.PENDING
    )
    checkout = models.ForeignKey(
        CheckoutSession,
        verbose_name=_("checkout session"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="provider_payments",
    )
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="provider_payments",
    )
    payment = models.OneToOneField(
        "payments.Payment",
        verbose_name=_("payment"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="provider_payment",
    )
    amount = models.DecimalField(_("amount"), null=True, blank=True, **MONEY)
    currency = models.CharField(_("currency"), max_length=3, blank=True, default="")
    charge_id = models.CharField(_("charge id"), max_length=255, blank=True, default="")
    # Never more of the card than its brand and last four digits (PCI DSS).
    card_brand = models.CharField(_("card brand"), max_length=20, blank=True, default="")
    card_last4 = models.CharField(_("card ends in"), max_length=4, blank=True, default="")
    balance_transaction_id = models.CharField(_("balance transaction"), max_length=255, blank=True, default="")
    fee_amount = models.DecimalField(_("provider fee"), null=True, blank=True, **MONEY)
    fee_currency = models.CharField(_("fee currency"), max_length=3, blank=True, default="")
    net_amount = models.DecimalField(_("net after fee"), null=True, blank=True, **MONEY)
    failure_message = models.CharField(_("failure"), max_length=500, blank=True, default="")
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"))

    class Meta:
        verbose_name = _("provider payment")
        verbose_name_plural = _("provider payments")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["created_at", "id"], name="providers_payment_recent")]
        constraints = [
            # Stripe reports one payment by several events (checkout.session.completed and
            # payment_intent.succeeded, each possibly twice): one row, one Payment.
            models.UniqueConstraint(fields=["provider", "payment_intent_id"], name="providers_payment_once"),
            models.CheckConstraint(
                condition=Q(card_last4="") | Q(card_last4__regex=r"^[0-9]{4}$"), name="providers_payment_last4_only"
            ),
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in ProviderPaymentStatus]), name="providers_payment_status_valid"
            ),
        ]

    def __str__(self) -> str:
        if self.amount is None:
            return self.payment_intent_id
        return gettext("Card payment of %(amount)s") % {"amount": money_text(self.amount, self.currency)}


class EventOutcome(models.TextChoices):
    PROCESSED = "processed", pgettext_lazy("provider event outcome", "processed")
    IGNORED = "ignored", pgettext_lazy("provider event outcome", "ignored")
    FAILED = "failed", pgettext_lazy("provider event outcome", "needs attention")


class ProviderEvent(models.Model):
    """A webhook event as received (verified), stored once per provider event id."""

    provider = models.CharField(_("provider"), max_length=20, choices=Provider.choices)
    event_id = models.CharField(_("event id"), max_length=255)
    type = models.CharField(_("event type"), max_length=100)
    livemode = models.BooleanField(_("live mode"), default=False)
    created_at = models.DateTimeField(_("created at the provider"))
    received_at = models.DateTimeField(_("received"))
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=EventOutcome.choices, blank=True, default="")
    message = models.TextField(_("note"), blank=True, default="")
    provider_payment = models.ForeignKey(
        ProviderPayment,
        verbose_name=_("provider payment"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="events",
    )
    payload = models.JSONField(_("payload"))

    class Meta:
        verbose_name = _("provider event")
        verbose_name_plural = _("provider events")
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["received_at", "id"], name="providers_event_recent")]
        constraints = [models.UniqueConstraint(fields=["provider", "event_id"], name="providers_event_once")]

    def __str__(self) -> str:
        return self.event_id


class RefundStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("provider refund status", "pending")
    REQUIRES_ACTION = "requires_action", pgettext_lazy("provider refund status", "requires action")
    SUCCEEDED = "succeeded", pgettext_lazy("provider refund status", "succeeded")
    FAILED = "failed", pgettext_lazy("provider refund status", "failed")
    CANCELED = "canceled", pgettext_lazy("provider refund status", "cancelled")


# Stripe's refund life cycle; a succeeded refund can still fail (the card account was closed).
REFUND_TRANSITIONS: dict[str, set[str]] = {
    RefundStatus.PENDING: {
        RefundStatus.REQUIRES_ACTION,
        RefundStatus.SUCCEEDED,
        RefundStatus.FAILED,
        RefundStatus.CANCELED,
    },
    RefundStatus.REQUIRES_ACTION: {
        RefundStatus.PENDING,
        RefundStatus.SUCCEEDED,
        RefundStatus.FAILED,
        RefundStatus.CANCELED,
    },
    RefundStatus.SUCCEEDED: {RefundStatus.FAILED},
    RefundStatus.FAILED: set(),
    RefundStatus.CANCELED: set(),
}


class ProviderRefund(models.Model):
    """Money paid back through the provider; its bookkeeping is the ``payments.Refund`` it links."""

    provider = models.CharField(_("provider"), max_length=20, choices=Provider.choices)
    refund_id = models.CharField(_("refund id"), max_length=255)
    provider_payment = models.ForeignKey(
        ProviderPayment, verbose_name=_("provider payment"), on_delete=models.PROTECT, related_name="refunds"
    )
    booked_refund = models.OneToOneField(
        "payments.Refund",
        verbose_name=_("booked refund"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="provider_refund",
    )
    amount = models.DecimalField(_("amount"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3)
    status = models.CharField(_("status"), max_length=15, choices=RefundStatus.choices)
    reason = models.CharField(_("reason"), max_length=500, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"))

    class Meta:
        verbose_name = _("provider refund")
        verbose_name_plural = _("provider refunds")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "refund_id"], name="providers_refund_once"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="providers_refund_amount_positive"),
        ]

    def __str__(self) -> str:
        return gettext("Refund of %(amount)s") % {"amount": money_text(self.amount, self.currency)}


class DisputeStatus(models.TextChoices):
    WARNING_NEEDS_RESPONSE = "warning_needs_response", pgettext_lazy("dispute status", "inquiry: needs a response")
    WARNING_UNDER_REVIEW = "warning_under_review", pgettext_lazy("dispute status", "inquiry: under review")
    WARNING_CLOSED = "warning_closed", pgettext_lazy("dispute status", "inquiry closed")
    NEEDS_RESPONSE = "needs_response", pgettext_lazy("dispute status", "needs a response")
    UNDER_REVIEW = "under_review", pgettext_lazy("dispute status", "under review")
    WON = "won", pgettext_lazy("dispute status", "won")
    LOST = "lost", pgettext_lazy("dispute status", "lost")


# Stripe's dispute life cycle. An inquiry (warning_*) withdraws no money; it may turn into a
# chargeback (needs_response). Events can arrive out of order: a change the table does not allow
# (closed before created) is kept as received and not applied backwards.
DISPUTE_TRANSITIONS: dict[str, set[str]] = {
    DisputeStatus.WARNING_NEEDS_RESPONSE: {
        DisputeStatus.WARNING_UNDER_REVIEW,
        DisputeStatus.WARNING_CLOSED,
        DisputeStatus.NEEDS_RESPONSE,
    },
    DisputeStatus.WARNING_UNDER_REVIEW: {DisputeStatus.WARNING_CLOSED, DisputeStatus.NEEDS_RESPONSE},
    DisputeStatus.WARNING_CLOSED: set(),
    DisputeStatus.NEEDS_RESPONSE: {DisputeStatus.UNDER_REVIEW, DisputeStatus.WON, DisputeStatus.LOST},
    DisputeStatus.UNDER_REVIEW: {DisputeStatus.WON, DisputeStatus.LOST},
    DisputeStatus.WON: set(),
    DisputeStatus.LOST: set(),
}
# Statuses in which the disputed money has been withdrawn from our balance (a chargeback).
DISPUTE_WITHDRAWN = {DisputeStatus.NEEDS_RESPONSE, DisputeStatus.UNDER_REVIEW, DisputeStatus.LOST}


class DisputeReason(models.TextChoices):
    """Stripe's dispute reasons (what the payer's bank said)."""

    BANK_CANNOT_PROCESS = "bank_cannot_process", _("the bank cannot process it")
    CREDIT_NOT_PROCESSED = "credit_not_processed", _("a promised credit was not paid")
    CUSTOMER_INITIATED = "customer_initiated", _("started by the customer")
    DEBIT_NOT_AUTHORIZED = "debit_not_authorized", _("debit not authorised")
    DUPLICATE = "duplicate", _("charged twice")
    FRAUDULENT = "fraudulent", _("fraudulent: card used without permission")
    GENERAL = "general", _("no specific reason")
    INCORRECT_ACCOUNT_DETAILS = "incorrect_account_details", _("incorrect account details")
    INSUFFICIENT_FUNDS = "insufficient_funds", _("insufficient funds")
    PRODUCT_NOT_RECEIVED = "product_not_received", _("product or service not received")
    PRODUCT_UNACCEPTABLE = "product_unacceptable", _("product or service not as described")
    SUBSCRIPTION_CANCELED = "subscription_canceled", _("subscription cancelled")
    UNRECOGNIZED = "unrecognized", _("payment not recognised")


class ProviderDispute(models.Model):
    """A payer's bank disputed a card payment (chargeback, or an inquiry before one)."""

    provider = models.CharField(_("provider"), max_length=20, choices=Provider.choices)
    dispute_id = models.CharField(_("dispute id"), max_length=255)
    provider_payment = models.ForeignKey(
        ProviderPayment, verbose_name=_("provider payment"), on_delete=models.PROTECT, related_name="disputes"
    )
    amount = models.DecimalField(_("amount"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3)
    reason = models.CharField(_("reason"), max_length=50, choices=DisputeReason.choices, blank=True, default="")
    status = models.CharField(_("status"), max_length=22, choices=DisputeStatus.choices)
    # The money won back: recorded as a new payment (a returned payment stays returned).
    reinstated_payment = models.OneToOneField(
        "payments.Payment",
        verbose_name=_("reinstated payment"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reinstating_dispute",
    )
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"))

    class Meta:
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "dispute_id"], name="providers_dispute_once"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="providers_dispute_amount_positive"),
        ]

    def __str__(self) -> str:
        return gettext("Dispute of %(amount)s") % {"amount": money_text(self.amount, self.currency)}
