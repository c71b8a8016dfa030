"""The live feed of payment events (polled by the dashboard and by integrations)."""

from __future__ import annotations

from django.db.models import Prefetch, prefetch_related_objects
from rest_framework import serializers
from rest_framework.exceptions import ValidationError as ApiValidationError

from ..models import Allocation
from ..selectors import recent_payment_events
from .serializers import MONEY


class FeedInvoiceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    settlement_state = serializers.CharField()
    open_amount = serializers.DecimalField(**MONEY)


class FeedEventSerializer(serializers.Serializer):
    """A payment event as the live feed shows it."""

    id = serializers.IntegerField()
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    at = serializers.DateTimeField()
    payment = serializers.DictField()
    customer = serializers.DictField(allow_null=True)
    invoices = FeedInvoiceSerializer(many=True)


class FeedSerializer(serializers.Serializer):
    events = FeedEventSerializer(many=True)
    last_id = serializers.IntegerField(allow_null=True, help_text="Pass as ?since= on the next poll.")


def feed_since(request) -> int | None:
    value = request.query_params.get("since") if hasattr(request, "query_params") else request.GET.get("since")
    if value in (None, ""):
        return None
    try:
        since = int(value)
    except (TypeError, ValueError):
        raise ApiValidationError({"since": ["An event id (a whole number)."]}) from None
    if since < 0 or since > 2**63 - 1:
        raise ApiValidationError({"since": ["An event id (a whole number)."]})
    return since


def feed_rows(*, since: int | None, limit: int = 50) -> list[dict]:
    """The feed's rows, newest first: events after ``since`` with payment, customer and invoices.

    A constant number of queries however many events (see payments.selectors).
    """
    rows = []
    events = list(recent_payment_events(since=since, limit=limit))
    # Whatever the selector joined already is not fetched again; what it did not is fetched once.
    prefetch_related_objects(events, "payment__customer")
    prefetch_related_objects(
        [event.payment for event in events],
        Prefetch(
            "allocations",
            queryset=Allocation.objects.filter(reversed_at__isnull=True, invoice__isnull=False)
            .select_related("invoice")
            .order_by("id"),
            to_attr="feed_allocations",
        ),
    )
    for event in events:
        payment = event.payment
        customer = payment.customer
        invoices = {}
        for allocation in payment.feed_allocations:
            invoice = allocation.invoice
            if invoice is not None and invoice.pk not in invoices:
                invoices[invoice.pk] = {
                    "id": invoice.pk,
                    "number": invoice.number,
                    "settlement_state": invoice.settlement_state,
                    "settlement_label": str(invoice.get_settlement_state_display()),
                    "open_amount": invoice.open_amount,
                }
        rows.append(
            {
                "id": event.pk,
                "kind": event.kind,
                "kind_label": str(event.get_kind_display()),
                "at": event.at,
                "payment": {
                    "id": payment.pk,
                    "amount": str(payment.amount),
                    "currency": payment.currency,
                    "status": payment.status,
                    "channel": payment.channel,
                    "value_date": payment.value_date.isoformat(),
                    "unapplied_amount": str(payment.unapplied_amount),
                    "credit_amount": str(payment.credit_amount),
                    "payer_name": payment.payer_name,
                },
                "customer": (
                    {"id": customer.pk, "number": customer.number, "legal_name": customer.legal_name}
                    if customer
                    else None
                ),
                "invoices": list(invoices.values()),
            }
        )
    return rows
