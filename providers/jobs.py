"""Background work of the providers app (``core.jobs``): fetching a payment's fee."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from core.jobs import job_handler
from core.services import PermanentJobError

from .adapters import adapter_for
from .models import ProviderPayment
from .services import provider_payment_fee_record


@job_handler("providers.fee_fetch")
def fee_fetch(*, provider_payment_id: int) -> None:
    """The provider's fee from the payment's balance transaction (Stripe reports only its id in
    ``charge.succeeded``). Idempotent: a fee recorded already is not fetched again."""
    payment = ProviderPayment.objects.filter(pk=provider_payment_id).first()
    if payment is None:
        raise PermanentJobError(f"Provider payment {provider_payment_id} is gone.")
    if payment.fee_amount is not None or not payment.balance_transaction_id:
        return
    fee = adapter_for(payment.provider).fee_fetch(balance_transaction_id=payment.balance_transaction_id)
    with transaction.atomic():
        provider_payment_fee_record(provider_payment=payment, fee=fee, as_of=timezone.now())
