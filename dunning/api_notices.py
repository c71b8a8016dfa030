"""API of dunning's notices: send a customer's account statement now, through the outbox.

``POST /api/v1/customers/{id}/statement/send/`` (accountants; ``Idempotency-Key``) beside the
payments app's ``GET .../statement/`` (the PDF itself)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets

from communications.api import OutboxMessageDetailSerializer, message_response
from core.api.idempotency import idempotent
from core.languages import language_codes
from customers.models import Customer

from .notices import account_statement_send


class StatementSendSerializer(serializers.Serializer):
    period_start = serializers.DateField(required=False, help_text="Default: the 1st of the period end's month.")
    period_end = serializers.DateField(required=False, help_text="Default: today; not after today.")
    language = serializers.ChoiceField(
        choices=list(language_codes()), required=False, help_text="Default: the customer's language."
    )


class CustomerStatementSendViewSet(viewsets.ViewSet):
    api_area = "payments"

    @extend_schema(request=StatementSendSerializer, responses={201: OutboxMessageDetailSerializer})
    @idempotent
    def create(self, request, customer_pk):
        """Send the customer's account statement (PDF) now to the contacts who receive reminders
        (else those who receive invoices). Answers the queued outbox message; its delivery status
        follows in the outbox and on the customer's timeline."""
        customer = get_object_or_404(Customer, pk=customer_pk)
        given = StatementSendSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        # An API key is no user: its writes are recorded without one (the event log names the key).
        user = request.user if getattr(request.user, "pk", None) else None
        message = account_statement_send(customer=customer, as_of=timezone.now(), by=user, **given.validated_data)
        return message_response(request, message.pk, status_code=status.HTTP_201_CREATED)


urlpatterns = [
    path(
        "customers/<int:customer_pk>/statement/send/",
        CustomerStatementSendViewSet.as_view({"post": "create"}),
        name="customer-statement-send",
    )
]
