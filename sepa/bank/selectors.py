"""Which bank lines booked or returned which of our items, for the admin pages of both."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from core.events import check_event_type
from core.formatting import money_text
from core.models import Event
from payments.models import BankLineMatch, BankStatementLine

from ..models import BatchItem

ITEM_EVENTS = ("sepa_item.collected", "sepa_item.returned")


def line_batch_items(line: BankStatementLine) -> list[BatchItem]:
    """The items the line booked or returned: those whose payment (a collection's, a refund's
    source) the line was matched to, and a collection it returned before it was booked (by its
    end-to-end id)."""
    payments = BankLineMatch.objects.filter(line=line, decision=BankLineMatch.Decision.ACCEPTED).values("payment_id")
    found = Q(payment_id__in=payments) | Q(source_payment_id__in=payments, refund__isnull=False)
    if line.end_to_end_id:
        found |= Q(end_to_end_id=line.end_to_end_id)
    return list(BatchItem.objects.filter(found).select_related("batch").order_by("pk"))


def item_bank_lines(item: BatchItem) -> list[BankStatementLine]:
    """The bank lines that booked or returned the item, as the item's events name them."""
    for event_type in ITEM_EVENTS:
        check_event_type(event_type)
    line_ids = Event.objects.filter(
        type__in=ITEM_EVENTS,
        content_type=ContentType.objects.get_for_model(BatchItem),
        object_id=item.pk,
    ).values_list("data__bank_line", flat=True)
    return list(BankStatementLine.objects.filter(pk__in=[pk for pk in line_ids if pk]).order_by("pk"))


def _admin_url(name: str, pk: int) -> str:
    try:
        return reverse(f"admin:{name}_change", args=[pk])
    except NoReverseMatch:  # the page is not registered (e.g. the batch admin is not installed)
        return ""


def line_describe(*, line: BankStatementLine) -> list[tuple[str, str]]:
    """The bank line admin's "booked or returned of ours" (``payments.bank.confirmations``)."""
    return [
        (
            _("%(kind)s %(reference)s of %(amount)s, batch %(batch)s: %(status)s")
            % {
                "kind": item.batch.get_kind_display(),
                "reference": item.end_to_end_id,
                "amount": money_text(item.amount, item.currency),
                "batch": item.batch.message_id,
                "status": item.get_status_display(),
            },
            _admin_url("sepa_batchitem", item.pk),
        )
        for item in line_batch_items(line)
    ]
