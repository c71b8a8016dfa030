"""Disputes: a customer contests an issued invoice, or some of its lines (STYLE: every write here).

Opening one opens a follow-up task (kind ``dispute``, rule ``casework.dispute_opened``); while it
is open, dunning leaves the invoice alone (``casework.selectors.invoice_is_disputed``). It ends
in one of three ways, each closing the task:

- **resolved in our favour** — the invoice stands as issued;
- **withdrawn** by the customer;
- **credit note issued** — a credit note for the disputed lines (in full) or the disputed amount
  (price-reduction lines per VAT rate) is created and issued through invoicing's services
  (``credit_note_create(..., issue=True)``), in the same transaction as the dispute's status.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from core.events import event_record
from core.followups import followup_kind_register, followup_open, followups_close_about
from core.formatting import money_text
from core.languages import document_language
from core.locks import lock_rows
from core.money import minor_unit, quantize
from core.transitions import transition_check
from invoicing.models import DocumentStatus, DocumentType, Invoice, InvoiceLine
from invoicing.services.credit_notes import credit_note_create
from invoicing.services.draft_cleaning import LINE_FIELDS

from ..models import DISPUTE_TRANSITIONS, Dispute, DisputeReason, DisputeStatus
from .common import CaseworkConflict, amount_given

DISPUTE_TASK = followup_kind_register("dispute", gettext_lazy("invoice disputed"))
DISPUTE_RULE = "casework.dispute_opened"
ZERO = Decimal("0")
HUNDRED = Decimal("100")


class DisputeConflict(CaseworkConflict):
    """The invoice's or the dispute's state forbids the change (a second open dispute, a dispute
    already resolved): API 409."""

    type_slug = "dispute-conflict"


def line_gross(line: InvoiceLine, currency: str) -> Decimal:
    """A line's net amount with its VAT (rounded per line: what the line costs the customer)."""
    rate = line.vat_rate or ZERO
    return line.net_amount + quantize(line.net_amount * rate / HUNDRED, currency)


def disputable_amount(invoice: Invoice, lines: list[InvoiceLine]) -> Decimal:
    """The most a dispute can contest: the lines' gross, else the invoice's gross, never more than
    is left after earlier credit notes."""
    left = invoice.tax_inclusive_total - invoice.credited_amount
    if lines:
        return min(sum((line_gross(line, invoice.currency) for line in lines), ZERO), left)
    return left


def dispute_open(
    *,
    invoice: Invoice,
    reason: str,
    as_of: datetime,
    by=None,
    amount=None,
    lines=(),
    description: str = "",
) -> Dispute:
    """Record that the customer contests ``invoice`` (issued, not a credit note), optionally only
    ``lines`` of it, for ``amount`` (default: the lines' gross, else what is left of the invoice;
    never more). At most one open dispute per invoice (a second is a ``DisputeConflict``)."""
    errors: dict[str, list] = {}
    if reason not in DisputeReason.values:
        errors["reason"] = [_("Choose the reason the customer gives.")]
    description = (description or "").strip()
    if reason == DisputeReason.OTHER and not description:
        errors["description"] = [_("Describe what the customer contests.")]
    with transaction.atomic():
        locked = lock_rows(Invoice, [invoice.pk]).get(invoice.pk)
        if locked is None:
            raise ValidationError({"invoice": [_("This invoice does not exist.")]})
        if locked.document_type != DocumentType.INVOICE or locked.status != DocumentStatus.ISSUED:
            raise ValidationError(
                {
                    "invoice": [
                        _("Only an issued invoice can be disputed; %(document)s is %(type)s, %(status)s.")
                        % {
                            "document": locked.number or locked.pk,
                            "type": locked.get_document_type_display(),
                            "status": locked.get_status_display(),
                        }
                    ]
                }
            )
        line_ids = sorted({getattr(line, "pk", line) for line in lines or ()})
        chosen = list(InvoiceLine.objects.filter(invoice=locked, pk__in=line_ids).order_by("position", "pk"))
        if len(chosen) != len(line_ids):
            errors["lines"] = [_("Choose lines of invoice %(number)s only.") % {"number": locked.number}]
        ceiling = disputable_amount(locked, chosen)
        value = amount_given(amount, locked.currency, errors)
        if value is None and "amount" not in errors:
            value = ceiling
        if value is not None and value > ceiling:
            errors["amount"] = [
                _("At most %(max)s can be disputed (the gross of what is disputed, less earlier credit notes).")
                % {"max": money_text(ceiling, locked.currency)}
            ]
        if value is not None and value <= 0 and "amount" not in errors:
            errors["amount"] = [_("Nothing is left to dispute on %(number)s.") % {"number": locked.number}]
        if errors:
            raise ValidationError(errors)
        existing = Dispute.objects.filter(invoice=locked, status=DisputeStatus.OPEN).first()
        if existing is not None:
            raise DisputeConflict(
                _("Invoice %(number)s is disputed already (dispute %(id)s); resolve that dispute first.")
                % {"number": locked.number, "id": existing.pk},
                field="invoice",
            )
        try:
            with transaction.atomic():
                dispute = Dispute.objects.create(
                    invoice=locked,
                    customer_id=locked.customer_id,
                    amount=value,
                    currency=locked.currency,
                    reason=reason,
                    description=description,
                    opened_at=as_of,
                    opened_by=by if getattr(by, "pk", None) else None,
                )
        except IntegrityError:
            raise DisputeConflict(
                _("Invoice %(number)s was disputed meanwhile.") % {"number": locked.number}, field="invoice"
            ) from None
        if chosen:
            dispute.lines.set(chosen)
        event_record(
            type="dispute.opened",
            obj=dispute,
            customer_id=locked.customer_id,
            data={
                "amount": str(value),
                "currency": locked.currency,
                "invoice": locked.number,
                "invoice_id": locked.pk,
                "reason_code": reason,
                "lines": [line.position for line in chosen],
            },
            at=as_of,
        )
        followup_open(
            kind=DISPUTE_TASK,
            title=_("Invoice %(number)s disputed: %(reason)s")
            % {
                "number": locked.number,
                "reason": dispute.get_reason_display(),
            },
            rule=DISPUTE_RULE,
            as_of=as_of,
            about=dispute,
            customer=locked.customer,
            description=_("%(amount)s disputed. %(text)s")
            % {"amount": money_text(value, locked.currency), "text": description},
        )
    return dispute


def _locked_open(dispute: Dispute, to: str) -> Dispute:
    locked = lock_rows(Dispute, [dispute.pk], select_related=("invoice",)).get(dispute.pk)
    if locked is None:
        raise ValidationError({"dispute": [_("This dispute does not exist.")]})
    transition_check(
        DISPUTE_TRANSITIONS,
        current=locked.status,
        to=to,
        labels=dict(DisputeStatus.choices),
        conflict=DisputeConflict,
    )
    return locked


def _close(dispute: Dispute, *, to: str, as_of: datetime, by, note: str, event_type: str, data: dict) -> None:
    dispute.status = to
    dispute.resolved_at = as_of
    dispute.resolved_by = by if getattr(by, "pk", None) else None
    dispute.resolution_note = note
    dispute.save(update_fields=["status", "resolved_at", "resolved_by", "resolution_note", "credit_note"])
    event_record(
        type=event_type,
        obj=dispute,
        customer_id=dispute.customer_id,
        data={"invoice": dispute.invoice.number, "invoice_id": dispute.invoice_id, "status": to, **data},
        at=as_of,
    )
    followups_close_about(
        kind=DISPUTE_TASK,
        about=dispute,
        as_of=as_of,
        by=by if getattr(by, "pk", None) else None,
        resolution=lambda: f"{DisputeStatus(to).label}. {note}".strip(),
    )


def dispute_resolve(*, dispute: Dispute, outcome: str, as_of: datetime, by=None, note: str = "") -> Dispute:
    """End an open dispute without a credit note: ``outcome`` is ``resolved`` (in our favour: the
    invoice stands) or ``withdrawn`` (the customer took it back). Closes its task."""
    if outcome not in (DisputeStatus.RESOLVED, DisputeStatus.WITHDRAWN):
        raise ValidationError({"outcome": [_("Choose “resolved in our favour” or “withdrawn”.")]})
    note = (note or "").strip()
    with transaction.atomic():
        locked = _locked_open(dispute, outcome)
        _close(
            locked,
            to=outcome,
            as_of=as_of,
            by=by,
            note=note,
            event_type="dispute.resolved" if outcome == DisputeStatus.RESOLVED else "dispute.withdrawn",
            data={},
        )
    return locked


def dispute_resolve_with_credit_note(
    *, dispute: Dispute, as_of: datetime, by=None, amount=None, note: str = ""
) -> Dispute:
    """End an open dispute with a credit note, created and issued through invoicing's services in
    this transaction: the disputed lines in full when the whole of them is credited, else
    price-reduction lines for ``amount`` (default: the disputed amount; at most that), split over
    the VAT rates of the disputed lines (or of the invoice) in proportion to their gross."""
    note = (note or "").strip()
    with transaction.atomic():
        locked = _locked_open(dispute, DisputeStatus.CREDITED)
        invoice = locked.invoice
        errors: dict[str, list] = {}
        value = amount_given(amount, invoice.currency, errors) or (None if errors else locked.amount)
        if value is not None and value > locked.amount:
            errors["amount"] = [
                _("At most the disputed %(amount)s can be credited.")
                % {"amount": money_text(locked.amount, invoice.currency)}
            ]
        if errors:
            raise ValidationError(errors)
        disputed_lines = list(locked.lines.order_by("position", "pk"))
        lines_gross = sum((line_gross(line, invoice.currency) for line in disputed_lines), ZERO)
        if disputed_lines and value == lines_gross:
            lines = [{field: getattr(line, field) for field in LINE_FIELDS} for line in disputed_lines]
        else:
            basis = disputed_lines or list(invoice.lines.order_by("position", "pk"))
            lines = reduction_lines(invoice=invoice, basis=basis, gross=value, reason=locked.reason)
        credit_note = credit_note_create(
            invoice=invoice,
            as_of=as_of,
            by=by if getattr(by, "pk", None) else None,
            lines=lines,
            reason=_document_reason(invoice, locked.reason),
            issue=True,
        )
        locked.credit_note = credit_note
        _close(
            locked,
            to=DisputeStatus.CREDITED,
            as_of=as_of,
            by=by,
            note=note,
            event_type="dispute.credited",
            data={
                "amount": str(credit_note.tax_inclusive_total),
                "currency": credit_note.currency,
                "credit_note": credit_note.number,
            },
        )
    return locked


def _document_reason(invoice: Invoice, reason: str) -> str:
    """Why the credit note is issued, in the invoice's language (it is printed on the document)."""
    with translation.override(document_language(invoice.language)):
        return _("dispute: %(reason)s") % {"reason": DisputeReason(reason).label}


def _net_for_gross(gross: Decimal, rate: Decimal, currency: str) -> Decimal:
    """The net whose gross (net + VAT rounded) is ``gross``; where VAT rounding skips that cent,
    the largest net whose gross stays below it (the customer is never credited more)."""
    unit = minor_unit(currency)
    guess = quantize(gross * HUNDRED / (HUNDRED + rate), currency)
    best = None
    for step in range(-3, 4):
        net = guess + unit * step
        if net <= 0:
            continue
        total = net + quantize(net * rate / HUNDRED, currency)
        if total == gross:
            return net
        if total < gross and (best is None or net > best):
            best = net
    return best if best is not None else unit


def reduction_lines(*, invoice: Invoice, basis: list[InvoiceLine], gross: Decimal, reason: str) -> list[dict]:
    # ``reason``: a DisputeReason code, worded in the document's language below.
    """Credit-note lines (one per VAT rate of ``basis``) whose gross adds up to ``gross``, split in
    proportion to the lines' gross, worded in the invoice's language."""
    groups: dict[tuple, list[InvoiceLine]] = defaultdict(list)
    for line in basis:
        groups[(line.vat_category, line.vat_rate)].append(line)
    keys = list(groups)
    weights = [sum((line_gross(line, invoice.currency) for line in groups[key]), ZERO) for key in keys]
    total = sum(weights, ZERO)
    shares = []
    rest = gross
    for index, weight in enumerate(weights):
        share = rest if index == len(weights) - 1 else quantize(gross * weight / total, invoice.currency)
        shares.append(share)
        rest -= share
    with translation.override(document_language(invoice.language)):
        text = pgettext("credit note line", "Price reduction after your complaint (%(reason)s)") % {
            "reason": DisputeReason(reason).label
        }
    lines = []
    for key, share in zip(keys, shares, strict=True):
        if share <= 0:
            continue
        category, rate = key
        first = groups[key][0]
        lines.append(
            {
                "description": text[:500],
                "quantity": Decimal("1"),
                "unit_code": "C62",
                "unit_price": _net_for_gross(share, rate or ZERO, invoice.currency),
                "vat_category": category,
                "vat_rate": rate,
                "exemption_reason": first.exemption_reason,
                "exemption_code": first.exemption_code,
            }
        )
    return lines
