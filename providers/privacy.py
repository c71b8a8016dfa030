"""Personal data of card payments (``core.privacy``): the card's brand and last four digits, the
provider's failure text and the provider's event payloads (which carry the payer's billing name
and e-mail) of a consumer's payments.

A card payment is a payment record, an accounting voucher: kept 8 years from the end of its year
(§ 147 (3) AO, § 257 (4) HGB as amended from 1 January 2025), then its card data and payloads are
cleared; amounts, fees and ids stay."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.formatting import date_text
from core.privacy import VOUCHERS, DataSubject, ErasureContext, PersonalDataSource, PersonalRecord
from core.privacy import privacy_source_register as register

from .models import ProviderEvent, ProviderPayment


def _payments(subject: DataSubject):
    if not subject.customer_itself:
        return ProviderPayment.objects.none()
    return ProviderPayment.objects.filter(customer_id=subject.customer_id)


def card_payments_export(subject: DataSubject) -> list[dict]:
    return [
        {
            "id": payment.pk,
            "provider": payment.provider,
            "created_at": payment.created_at,
            "status": payment.status,
            "amount": payment.amount,
            "currency": payment.currency,
            "card_brand": payment.card_brand,
            "card_last4": payment.card_last4,
            "failure_message": payment.failure_message,
            "events": [{"type": e.type, "payload": e.payload} for e in payment.events.all()],
        }
        for payment in _payments(subject).order_by("created_at", "pk").prefetch_related("events")
    ]


def card_payments_records(subject: DataSubject) -> list[PersonalRecord]:
    return [
        PersonalRecord(
            key=payment.pk,
            label=_("card payment of %(date)s (#%(id)s)") % {"date": date_text(payment.created_at), "id": payment.pk},
            record_date=timezone.localdate(payment.created_at),
            retention=VOUCHERS,
        )
        for payment in _payments(subject).order_by("created_at", "pk")
    ]


def card_payments_erase(subject: DataSubject, keys: list[int], context: ErasureContext) -> int:
    payments = _payments(subject).filter(pk__in=keys)
    ProviderEvent.objects.filter(provider_payment__in=payments).update(payload={"erased": True}, message="")
    return payments.update(card_brand="", card_last4="", failure_message="", updated_at=context.as_of)


register(
    PersonalDataSource(
        name="providers.card_payments",
        label=gettext_lazy("Card payments"),
        holds=gettext_lazy("card brand and last four digits, failure texts and the provider's payloads"),
        export=card_payments_export,
        records=card_payments_records,
        erase=card_payments_erase,
        order=90,
    )
)
