"""Refunds of customer credit by bank transfer: a pain.001 file.

Each refund is booked through ``payments.services.payment_refund`` (channel bank transfer), so
the payments' credit and refund bookkeeping stays in one place; the file pays each refund to the
customer's active bank account (``customers.BankAccount``).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.events import event_build, event_record, events_bulk_record
from core.formatting import date_text
from core.money import quantize
from customers.models import BankAccount
from payments.models import Payment, PaymentChannel
from payments.services import payment_refund

from ..calendar import is_target2_day
from ..models import Batch, BatchItem, BatchKind, BatchStatus
from . import pain
from .collections import _batch_data
from .common import creditor_profile, end_to_end_id, new_message_id, payment_info_id, user_or_none


def _execution_date_check(execution_date: date, as_of: datetime) -> None:
    if execution_date is None:
        raise ValidationError({"execution_date": [_("The execution date is required.")]})
    if execution_date < timezone.localdate(as_of):
        raise ValidationError({"execution_date": [_("The execution date cannot be in the past.")]})
    if not is_target2_day(execution_date):
        raise ValidationError(
            {
                "execution_date": [
                    _("%(day)s is no TARGET2 business day (weekend or bank holiday).")
                    % {"day": date_text(execution_date)}
                ]
            }
        )


def _accounts_of(customer_ids) -> dict[int, BankAccount]:
    """Each customer's active bank account (the newest, where there are several)."""
    accounts: dict[int, BankAccount] = {}
    for account in BankAccount.objects.filter(customer_id__in=customer_ids, is_active=True).order_by(
        "customer_id", "-id"
    ):
        accounts.setdefault(account.customer_id, account)
    return accounts


def refund_batch_create(
    *, execution_date: date, items: list[tuple[Payment, Decimal]], as_of: datetime, by=None
) -> Batch:
    """A pain.001 file refunding ``amount`` of each payment's customer credit; all or nothing.
    Errors name the item: ``items.2.amount``."""
    _execution_date_check(execution_date, as_of)
    if not items:
        raise ValidationError({"items": [_("Give at least one payment to refund.")]})
    profile = creditor_profile(needs_creditor_id=False)
    payments = [payment for payment, _amount in items]
    accounts = _accounts_of({payment.customer_id for payment in payments if payment.customer_id})
    errors: dict[str, list[str]] = {}
    seen: set[int] = set()
    for index, (payment, _amount) in enumerate(items):
        if payment.pk in seen:
            errors[f"items.{index}.payment"] = [_("This payment is named twice; give one amount per payment.")]
        seen.add(payment.pk)
        if payment.customer_id is None:
            errors[f"items.{index}.payment"] = [_("The payment has no customer to refund to.")]
        elif payment.customer_id not in accounts:
            errors[f"items.{index}.payment"] = [
                _("Customer %(number)s has no active bank account to refund to; add one to the customer.")
                % {"number": payment.customer.number}
            ]
        if payment.currency != "EUR":
            errors[f"items.{index}.payment"] = [
                _("SEPA transfers are in EUR; this payment is in %(c)s.") % {"c": payment.currency}
            ]
    if errors:
        raise ValidationError(errors)
    message_id = new_message_id("CT", as_of)
    block_id = payment_info_id(message_id, "TRF")
    with transaction.atomic():
        rows = []
        # Payments in primary-key order (core.locks): payment_refund locks each.
        for index, (payment, amount) in sorted(enumerate(items), key=lambda pair: pair[1][0].pk):
            e2e = end_to_end_id(message_id, index + 1)
            try:
                refund = payment_refund(
                    payment=payment,
                    amount=amount,
                    channel=PaymentChannel.BANK_TRANSFER,
                    as_of=as_of,
                    by=by,
                    reference=e2e,
                )
            except ValidationError as exc:
                raise ValidationError(
                    {f"items.{index}.{key}": messages for key, messages in exc.message_dict.items()}
                ) from None
            account = accounts[payment.customer_id]
            rows.append(
                (
                    index,
                    payment,
                    refund,
                    account,
                    pain.Transaction(
                        end_to_end_id=e2e,
                        amount=refund.amount,
                        name=(account.account_holder or payment.customer.legal_name)[:70],
                        iban=account.iban,
                        bic=account.bic,
                        remittance=_("Refund of your credit, customer %(number)s")
                        % {"number": payment.customer.number},
                    ),
                )
            )
        rows.sort(key=lambda row: row[0])
        schema = profile.sepa_credit_transfer_format
        xml = pain.credit_transfer_xml(
            debtor=pain.Creditor(name=profile.name, iban=profile.iban, bic=profile.bic),
            schema=schema,
            message_id=message_id,
            created_at=as_of,
            execution_date=execution_date,
            transactions=[row[4] for row in rows],
            block_id=block_id,
        )
        batch = Batch.objects.create(
            kind=BatchKind.CREDIT_TRANSFER,
            status=BatchStatus.CREATED,
            schema=schema,
            message_id=message_id,
            requested_date=execution_date,
            currency="EUR",
            total=quantize(sum((row[4].amount for row in rows), Decimal("0")), "EUR"),
            item_count=len(rows),
            xml=xml,
            checksum=pain.sha256(xml),
            created_by=user_or_none(by),
            created_at=as_of,
        )
        created = BatchItem.objects.bulk_create(
            [
                BatchItem(
                    batch=batch,
                    customer_id=payment.customer_id,
                    end_to_end_id=tx.end_to_end_id,
                    payment_info_id=block_id,
                    amount=tx.amount,
                    currency="EUR",
                    remittance=tx.remittance[:140],
                    source_payment=payment,
                    refund=refund,
                    counterparty_name=tx.name,
                    counterparty_iban=tx.iban,
                    counterparty_bic=tx.bic,
                    status_changed_at=as_of,
                )
                for _index, payment, refund, _account, tx in rows
            ]
        )
        event_record(type="sepa_batch.created", obj=batch, data=_batch_data(batch), at=as_of)
        events_bulk_record(
            [
                event_build(
                    type="sepa_item.created",
                    obj=item,
                    customer_id=item.customer_id,
                    data={
                        "batch": batch.pk,
                        "payment": item.source_payment_id,
                        "amount": item.amount,
                        "requested_date": execution_date,
                        "end_to_end_id": item.end_to_end_id,
                    },
                    at=as_of,
                )
                for item in created
            ]
        )
    return batch
