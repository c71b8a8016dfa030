"""Personal data in payments (``core.privacy``): who paid (name, IBAN) and the remittance text.

A payment record is an accounting voucher, kept 8 years from the end of its value date's year
(§ 147 (3) AO, § 257 (4) HGB as amended from 1 January 2025); after that its payer fields are
cleared, the amounts stay. A consumer's payments are all theirs; a contact's are the customer's
payments whose payer is named like the contact. The bank statement lines themselves are the bank's
vouchers and stay as imported."""

from __future__ import annotations

from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.formatting import date_text, money_text
from core.privacy import ERASED, VOUCHERS, DataSubject, ErasureContext, PersonalDataSource, PersonalRecord
from core.privacy import privacy_source_register as register

from .models import Payment


def _payments(subject: DataSubject):
    payments = Payment.objects.filter(customer_id=subject.customer_id)
    if subject.customer_itself:
        return payments
    names = {name.lower() for name in subject.names if name}
    return payments.annotate(payer_lower=Lower("payer_name")).filter(payer_lower__in=names)


def payments_export(subject: DataSubject) -> list[dict]:
    return [
        {
            "id": payment.pk,
            "value_date": payment.value_date,
            "channel": payment.channel,
            "status": payment.status,
            "amount": payment.amount,
            "currency": payment.currency,
            "payer_name": payment.payer_name,
            "payer_iban": payment.payer_iban,
            "remittance": payment.remittance,
        }
        for payment in _payments(subject).order_by("value_date", "pk")
    ]


def payments_records(subject: DataSubject) -> list[PersonalRecord]:
    return [
        PersonalRecord(
            key=payment.pk,
            label=_("payment of %(amount)s on %(date)s")
            % {"amount": money_text(payment.amount, payment.currency), "date": date_text(payment.value_date)},
            record_date=payment.value_date,
            retention=VOUCHERS,
        )
        for payment in _payments(subject).order_by("value_date", "pk")
    ]


def payments_erase(subject: DataSubject, keys: list[int], context: ErasureContext) -> int:
    return (
        Payment.objects.filter(customer_id=subject.customer_id, pk__in=keys)
        .exclude(payer_name="", payer_iban="", remittance="")
        .update(payer_name=ERASED, payer_iban="", remittance="", updated_at=context.as_of)
    )


register(
    PersonalDataSource(
        name="payments.payments",
        label=gettext_lazy("Payments"),
        holds=gettext_lazy("the payer's name and IBAN and the remittance text of each payment"),
        export=payments_export,
        records=payments_records,
        erase=payments_erase,
        order=60,
    )
)
