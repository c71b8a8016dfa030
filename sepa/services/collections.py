"""Direct-debit collections: a pain.008 file of the invoices due by a collection date.

Rules (SEPA Core/B2B Rulebooks, DK data formats):
- the collection date is a TARGET2 day and at least one TARGET2 day after the file is made
  (D-1 for every sequence type of Core since November 2016; B2B has always been D-1);
- the debtor was told in advance: the invoice is the pre-notification, so invoice date plus the
  company's ``sepa_prenotification_days`` must not be after the collection date. B2B uses the same
  lead time: a shorter one must be agreed per mandate, which we do not record;
- one local instrument per file (German banks refuse mixed CORE/B2B files), so a file is made
  per scheme; within it one PmtInf block per sequence type;
- each invoice is collected once: an invoice with a pending or booked item is never taken again
  (partial unique index; two creations at once are serialised by locking the invoices);
- the open amount at creation is collected; the mandate's sequence type advances and a pending
  amendment is sent and cleared, in the same transaction as the file.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from core.events import event_build, event_record, events_bulk_record
from core.formatting import date_text
from core.locks import lock_rows
from core.money import quantize
from invoicing.models import Invoice

from ..calendar import is_target2_day, target2_add
from ..models import Batch, BatchItem, BatchKind, BatchStatus, Mandate, MandateScheme, SequenceType
from ..selectors import Candidate, collection_candidates
from . import pain
from .common import creditor_profile, end_to_end_id, new_message_id, outside_eea, payment_info_id, user_or_none
from .errors import InvoiceAlreadyCollected


def collection_date_check(*, collection_date: date, as_of: datetime) -> None:
    """Refuse a collection date the banks would not take (field ``collection_date``)."""
    if collection_date is None:
        raise ValidationError({"collection_date": [_("The collection date is required.")]})
    if not is_target2_day(collection_date):
        raise ValidationError(
            {
                "collection_date": [
                    _("%(day)s is no TARGET2 business day (weekend or bank holiday); collections settle on those only.")
                    % {"day": date_text(collection_date)}
                ]
            }
        )
    earliest = target2_add(timezone.localdate(as_of), 1)
    if collection_date < earliest:
        raise ValidationError(
            {
                "collection_date": [
                    _("The bank needs the file one TARGET2 day before the collection: the earliest date is %(day)s.")
                    % {"day": date_text(earliest)}
                ]
            }
        )


def collection_preview(
    *, collection_date: date, as_of: datetime, scheme: str = MandateScheme.CORE, customers=None
) -> list[Candidate]:
    """What ``collection_batch_create`` would take now (for the admin's preview); checks the date."""
    collection_date_check(collection_date=collection_date, as_of=as_of)
    profile = creditor_profile(needs_creditor_id=False)
    return collection_candidates(
        collection_date=collection_date,
        scheme=scheme,
        prenotification_days=profile.sepa_prenotification_days,
        customers=customers,
    )


def _remittance(invoice: Invoice) -> str:
    # In the customer's document language: it is printed on their bank statement.
    with translation.override(invoice.language or "de"):
        return pgettext("sepa remittance", "Invoice %(number)s of %(date)s") % {
            "number": invoice.number,
            "date": date_text(invoice.invoice_date),
        }


def _mandate_as_sent(mandate: Mandate, sequence_type: str) -> dict:
    """The mandate as this collection names it, with what to restore if the file is cancelled."""
    return {
        "reference": mandate.reference,
        "signed_on": mandate.signed_on.isoformat(),
        "scheme": mandate.scheme,
        "iban": mandate.debtor_iban,
        "bic": mandate.debtor_bic,
        "sequence_type": sequence_type,
        "amendment": {
            "original_reference": mandate.original_reference,
            "original_debtor_iban": mandate.original_debtor_iban,
            "original_debtor_bic": mandate.original_debtor_bic,
            "new_debtor_bank": mandate.debtor_bank_changed,
        },
        "before": {
            "sequence_type": mandate.sequence_type,
            "last_collected_on": mandate.last_collected_on.isoformat() if mandate.last_collected_on else None,
            "used_up": mandate.used_up,
        },
    }


def _address_of(invoice: Invoice) -> dict:
    """The debtor's postal address: the customer's billing address."""
    customer = invoice.customer
    return {
        "street_name": customer.billing_street[:70],
        "postcode": customer.billing_postal_code[:16],
        "town": customer.billing_city[:35],
        "country": customer.billing_country,
    }


def _amendment_of(mandate: Mandate) -> pain.Amendment:
    return pain.Amendment(
        original_reference=mandate.original_reference,
        original_iban=mandate.original_debtor_iban,
        new_debtor_bank=mandate.debtor_bank_changed,
    )


def _advance(mandate: Mandate, *, collection_date: date, as_of: datetime) -> None:
    """After a collection is in a file: FRST → RCUR; a one-off or final one uses the mandate up;
    the amendment was sent."""
    if mandate.sequence_type == SequenceType.FIRST:
        mandate.sequence_type = SequenceType.RECURRING
    elif mandate.sequence_type in (SequenceType.ONE_OFF, SequenceType.FINAL):
        mandate.used_up = True
    mandate.last_collected_on = max(collection_date, mandate.last_collected_on or collection_date)
    mandate.original_reference = mandate.original_debtor_iban = mandate.original_debtor_bic = ""
    mandate.debtor_bank_changed = False
    mandate.updated_at = as_of
    mandate._change_reason = "collection"
    mandate.save()


def collection_batch_create(
    *,
    collection_date: date,
    as_of: datetime,
    by=None,
    customers=None,
    scheme: str = MandateScheme.CORE,
) -> Batch:
    """A pain.008 file collecting every invoice due by ``collection_date`` under ``scheme`` (of the
    given customer ids only, if ``customers``); refuses when there is nothing to collect."""
    collection_date_check(collection_date=collection_date, as_of=as_of)
    if scheme not in MandateScheme.values:
        raise ValidationError({"scheme": [_("Unknown scheme %(scheme)s; CORE or B2B.") % {"scheme": scheme}]})
    profile = creditor_profile(needs_creditor_id=True)
    schema = profile.sepa_direct_debit_format
    found = collection_candidates(
        collection_date=collection_date,
        scheme=scheme,
        prenotification_days=profile.sepa_prenotification_days,
        customers=customers,
    )
    try:
        with transaction.atomic():
            # Invoices first (core.locks order), then mandates; then select again under the locks:
            # a creation that ran at the same time and committed first has taken its invoices.
            lock_rows(Invoice, [c.invoice.pk for c in found])
            locked_mandates = lock_rows(Mandate, {c.mandate.pk for c in found})
            locked_ids = {c.invoice.pk for c in found}
            chosen = [
                c
                for c in collection_candidates(
                    collection_date=collection_date,
                    scheme=scheme,
                    prenotification_days=profile.sepa_prenotification_days,
                    customers=customers,
                )
                # Only what was locked: a mandate signed meanwhile waits for the next file.
                if c.invoice.pk in locked_ids and c.mandate.pk in locked_mandates
            ]
            if not chosen:
                raise ValidationError(
                    {
                        "collection_date": [
                            _(
                                "Nothing to collect on %(day)s: no open EUR invoice due by then whose customer has an "
                                "active %(scheme)s mandate and whose pre-notification period has passed."
                            )
                            % {"day": date_text(collection_date), "scheme": scheme}
                        ]
                    }
                )
            return _write_batch(
                chosen,
                profile=profile,
                schema=schema,
                scheme=scheme,
                collection_date=collection_date,
                as_of=as_of,
                by=by,
            )
    except IntegrityError as exc:
        if "sepa_item_invoice_collected_once" in str(exc):
            raise InvoiceAlreadyCollected(
                _("An invoice of this collection was put in another collection at the same time; create it again.")
            ) from None
        raise


def _write_batch(chosen, *, profile, schema, scheme, collection_date, as_of, by) -> Batch:
    message_id = new_message_id("DD", as_of)
    # The sequence type is the mandate's as locked; every invoice under it in this file shares it.
    rows = []
    for position, candidate in enumerate(chosen, start=1):
        mandate = candidate.mandate
        rows.append(
            (
                candidate,
                pain.Transaction(
                    end_to_end_id=end_to_end_id(message_id, position),
                    amount=candidate.amount,
                    name=mandate.debtor_name,
                    iban=mandate.debtor_iban,
                    bic=mandate.debtor_bic,
                    remittance=_remittance(candidate.invoice),
                    sequence_type=mandate.sequence_type,
                    mandate_reference=mandate.reference,
                    mandate_signed_on=mandate.signed_on,
                    amendment=_amendment_of(mandate),
                    address=_address_of(candidate.invoice) if outside_eea(mandate.debtor_iban) else {},
                ),
            )
        )
    block_ids = {tx.sequence_type: payment_info_id(message_id, tx.sequence_type) for _c, tx in rows}
    xml = pain.direct_debit_xml(
        creditor=pain.Creditor(
            name=profile.name, iban=profile.iban, bic=profile.bic, creditor_id=profile.sepa_creditor_id
        ),
        schema=schema,
        scheme=scheme,
        message_id=message_id,
        created_at=as_of,
        collection_date=collection_date,
        transactions=[tx for _c, tx in rows],
        block_ids=block_ids,
    )
    total = quantize(sum((tx.amount for _c, tx in rows), Decimal("0")), "EUR")
    batch = Batch.objects.create(
        kind=BatchKind.DIRECT_DEBIT,
        status=BatchStatus.CREATED,
        schema=schema,
        scheme=scheme,
        message_id=message_id,
        requested_date=collection_date,
        currency="EUR",
        total=total,
        item_count=len(rows),
        xml=xml,
        checksum=pain.sha256(xml),
        creditor_id=profile.sepa_creditor_id,
        created_by=user_or_none(by),
        created_at=as_of,
    )
    items = BatchItem.objects.bulk_create(
        [
            BatchItem(
                batch=batch,
                customer_id=candidate.invoice.customer_id,
                end_to_end_id=tx.end_to_end_id,
                payment_info_id=block_ids[tx.sequence_type],
                amount=tx.amount,
                currency="EUR",
                remittance=tx.remittance[:140],
                invoice=candidate.invoice,
                mandate=candidate.mandate,
                sequence_type=tx.sequence_type,
                mandate_data=_mandate_as_sent(candidate.mandate, tx.sequence_type),
                status_changed_at=as_of,
            )
            for candidate, tx in rows
        ]
    )
    advanced: set[int] = set()
    for candidate, _tx in rows:
        if candidate.mandate.pk not in advanced:
            advanced.add(candidate.mandate.pk)
            _advance(candidate.mandate, collection_date=collection_date, as_of=as_of)
    event_record(
        type="sepa_batch.created",
        obj=batch,
        data=_batch_data(batch),
        at=as_of,
    )
    events_bulk_record(
        [
            event_build(
                type="sepa_item.created",
                obj=item,
                customer_id=item.customer_id,
                data={
                    "batch": batch.pk,
                    "invoice": item.invoice_id,
                    "invoice_number": candidate.invoice.number,
                    "amount": item.amount,
                    "requested_date": collection_date,
                    "sequence_type": item.sequence_type,
                    "end_to_end_id": item.end_to_end_id,
                },
                at=as_of,
            )
            for item, (candidate, _tx) in zip(items, rows, strict=True)
        ]
    )
    return batch


def _batch_data(batch: Batch) -> dict:
    return {
        "message_id": batch.message_id,
        "kind": batch.kind,
        "scheme": batch.scheme,
        "total": batch.total,
        "item_count": batch.item_count,
        "requested_date": batch.requested_date,
        "checksum": batch.checksum,
    }
