"""Issuing: number, dates, snapshots and totals are fixed; from here on the document is immutable."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.formatting import money_text
from core.languages import document_language
from core.locks import lock_rows
from core.models import CompanyProfile
from core.numbering import number_next
from core.roles import Role, role_of
from core.typed_events import record_typed_events
from customers.models import Customer
from customers.terms import discount_offers, due_date, terms_text

from ..hooks import invoice_issued_hooks_run
from ..models import (
    DocumentStatus,
    DocumentType,
    ExchangeRate,
    Invoice,
    InvoiceEvent,
    InvoiceVatBreakdown,
    SettlementState,
    VatCategory,
)
from ..payment_means import is_card, is_direct_debit, payment_means_text
from .drafts import DocumentNotEditable, recompute_totals
from .issue_checks import (
    InvoiceIssueError,
    _check_complete,
    _check_credit_note,
    _check_xrechnung,
    _customer_open_total,
    _date_order_error,
    _exchange_rate,
    _latest_issued_date,
    _merge,
    _tax_total_eur,
)
from .locks import invoices_lock
from .payment_means import invoice_payment_means_fix
from .snapshots import NOTES, _buyer_snapshot, _exemption_for, _seller_snapshot, vat_note
from .transitions import invoice_transition

SERIES = {DocumentType.INVOICE: "invoice", DocumentType.CREDIT_NOTE: "credit_note"}


@dataclass
class IssueCheck:
    """What ``check_invoice_issue`` found and locked, for ``do_invoice_issue`` to write."""

    invoice: Invoice
    corrected: Invoice | None
    customer: Customer
    is_invoice: bool
    lines: list
    categories: set
    invoice_date: date
    service_date_defaulted: bool
    series: str
    totals: object
    rate: ExchangeRate | None
    seller: dict
    events: list[tuple[str, str, dict]] = field(default_factory=list)
    review_override_reason: str = ""
    credit_limit_confirmation: str = ""


def invoice_issue(
    *,
    invoice: Invoice,
    as_of: datetime,
    by=None,
    review_override_reason: str = "",
    credit_limit_confirmation: str = "",
) -> Invoice:
    """Issue a draft invoice or credit note: number, dates, snapshots and totals are fixed.

    Refused (field-level reasons) when: the customer needs review and no finance manager
    overrides with a reason; the credit limit would be exceeded without a confirmation;
    § 14 (4) UStG data is missing; AE/K lack the buyer VAT ID (§ 14a UStG); a foreign
    currency has no exchange rate for the month of supply (§ 16 (6) UStG); the invoice date
    lies in the future or before the last issued document of its series (numbers follow dates);
    a credit note exceeds what is left to credit.

    Without a service date or period the supply is taken to have happened on the invoice date,
    and that date is stored and stated: § 14 (4) Nr. 6 UStG wants the date even when it equals the
    invoice date (UStAE 14.5 (16)).

    How the invoice is paid (SEPA direct debit with its pre-notification, a card payment made at
    issue) is asked of the providers registered in ``invoicing.hooks`` and fixed in
    ``payment_means`` (``invoicing.payment_means``); a provider's refusal refuses the issue.

    Two steps in one transaction (Zulip's ``check_*``/``do_*``): ``check_invoice_issue`` locks and
    validates, ``do_invoice_issue`` writes; what follows an issue (documents, later e-mail,
    webhooks, SEPA) is registered in ``invoicing.hooks``, not added here.
    """
    with transaction.atomic():
        checked = check_invoice_issue(
            invoice=invoice,
            as_of=as_of,
            by=by,
            review_override_reason=review_override_reason,
            credit_limit_confirmation=credit_limit_confirmation,
        )
        return do_invoice_issue(checked=checked, as_of=as_of, by=by)


def check_invoice_issue(
    *, invoice: Invoice, as_of: datetime, by=None, review_override_reason: str = "", credit_limit_confirmation: str = ""
) -> IssueCheck:
    """Lock the customer, the draft (and the invoice a credit note corrects) in the one lock
    order (``core.locks``) and validate; raises ``InvoiceIssueError`` with every reason found.
    Writes nothing but the draft's recomputed totals (rolled back with the refusal)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("check_invoice_issue must run inside the issuing transaction.")
    # Fixed at draft creation, so safe to read before locking.
    corrected_id, customer_id = (
        Invoice.objects.filter(pk=invoice.pk).values_list("corrected_invoice_id", "customer_id").get()
    )
    # The customer first: it serialises issues to one customer (two invoices cannot both pass the
    # credit limit) and comes before the invoices, as in allocation and returns.
    customer = lock_rows(Customer, [customer_id])[customer_id]
    locked = invoices_lock(invoice.pk, *([corrected_id] if corrected_id else []), select_related=("payment_terms",))
    invoice, corrected = locked[invoice.pk], locked.get(corrected_id)
    if invoice.status != DocumentStatus.DRAFT:
        raise DocumentNotEditable(invoice)
    is_invoice = invoice.document_type == DocumentType.INVOICE
    invoice.customer = customer
    lines = list(invoice.lines.order_by("position"))
    allowances = list(invoice.allowances_charges.order_by("position"))
    categories = {row.vat_category for row in [*lines, *allowances]}
    today = timezone.localdate(as_of)
    invoice_date = invoice.invoice_date or today
    service_date_defaulted = not (invoice.service_date or invoice.service_period_start)
    supply_date = invoice.service_date or invoice.service_period_end or invoice_date
    series = SERIES[invoice.document_type]

    errors = _check_complete(invoice, lines, allowances, supply_date=supply_date)
    if invoice_date > today:
        errors.setdefault("invoice_date", []).append(
            _("%(date)s lies in the future; an invoice is dated the day it is issued or before.")
            % {"date": f"{invoice_date:%d.%m.%Y}"}
        )
    if message := _date_order_error(invoice_date, _latest_issued_date(invoice.document_type), series):
        errors.setdefault("invoice_date", []).append(message)
    events: list[tuple[str, str, dict]] = []
    if customer.verification_status == "needs_review" and is_invoice:
        role = role_of(by)
        if not review_override_reason.strip():
            errors.setdefault("review_override_reason", []).append(
                _("Customer %(customer)s needs review; a finance manager may issue anyway, giving a reason.")
                % {"customer": customer.number}
            )
        elif role is None or role < Role.FINANCE_MANAGER:
            errors.setdefault("review_override_reason", []).append(
                _("Only a finance manager may issue to a customer that needs review.")
            )
        else:
            events.append((InvoiceEvent.Kind.REVIEW_OVERRIDDEN, review_override_reason.strip(), {}))
    try:
        totals = recompute_totals(invoice)
    except ValidationError as exc:
        raise InvoiceIssueError(_merge(errors, exc.message_dict)) from None
    if is_invoice and invoice.tax_inclusive_total < 0:
        errors.setdefault("lines", []).append(_("The invoice total is negative; correct invoices with a credit note."))
    if not is_invoice:
        if invoice.tax_inclusive_total <= 0:
            errors.setdefault("lines", []).append(_("A credit note credits an amount above zero."))
        _merge(errors, _check_credit_note(invoice, corrected))
    if is_invoice and customer.credit_limit is not None:
        exposure = _customer_open_total(customer, exclude_pk=invoice.pk) + invoice.amount_due
        if exposure > customer.credit_limit:
            if not credit_limit_confirmation.strip():
                errors.setdefault("credit_limit_confirmation", []).append(
                    _(
                        "Open items would reach %(exposure)s, above the credit limit of "
                        "%(limit)s; confirm with a reason to issue anyway."
                    )
                    % {
                        "exposure": money_text(exposure, invoice.currency),
                        "limit": money_text(customer.credit_limit, invoice.currency),
                    }
                )
            else:
                events.append(
                    (
                        InvoiceEvent.Kind.CREDIT_LIMIT_CONFIRMED,
                        credit_limit_confirmation.strip(),
                        {"exposure": str(exposure), "credit_limit": str(customer.credit_limit)},
                    )
                )
    rate = None
    if invoice.currency != "EUR":
        if corrected is not None and corrected.exchange_rate:
            # A correction converts like the invoice it corrects (same supply, § 17 UStG).
            rate = ExchangeRate(
                currency=corrected.currency,
                kind=corrected.exchange_rate_kind,
                date=corrected.exchange_rate_date,
                units_per_eur=corrected.exchange_rate,
            )
        else:
            profile = CompanyProfile.objects.filter(pk=1).first()
            daily = bool(profile and profile.uses_daily_exchange_rates)
            rate = _exchange_rate(invoice, supply_date, daily=daily)
            if rate is None:
                if daily:
                    message = _(
                        "No daily rate up to %(date)s EUR exchange rate for %(currency)s: enter it under "
                        "Exchange rates (Art. 230 VAT Directive, § 16 (6) UStG)."
                    )
                    when = f"{supply_date:%d.%m.%Y}"
                else:
                    message = _(
                        "No BMF monthly average for %(date)s EUR exchange rate for %(currency)s: enter it under "
                        "Exchange rates (Art. 230 VAT Directive, § 16 (6) UStG)."
                    )
                    when = f"{supply_date:%m/%Y}"
                errors.setdefault("currency", []).append(message % {"date": when, "currency": invoice.currency})
    try:
        seller = _seller_snapshot(
            needs_vat_id=bool(categories & {VatCategory.REVERSE_CHARGE, VatCategory.INTRA_COMMUNITY})
        )
    except ValidationError as exc:
        _merge(errors, exc.message_dict)
    else:
        _merge(errors, _check_xrechnung(invoice, customer, seller, is_invoice=is_invoice))
    if errors:
        raise InvoiceIssueError(errors)

    return IssueCheck(
        invoice=invoice,
        corrected=corrected,
        customer=customer,
        is_invoice=is_invoice,
        lines=lines,
        categories=categories,
        invoice_date=invoice_date,
        service_date_defaulted=service_date_defaulted,
        series=series,
        totals=totals,
        rate=rate,
        seller=seller,
        events=events,
        review_override_reason=review_override_reason.strip(),
        credit_limit_confirmation=credit_limit_confirmation.strip(),
    )


def do_invoice_issue(*, checked: IssueCheck, as_of: datetime, by=None) -> Invoice:
    """Write what ``check_invoice_issue`` approved: snapshots, terms, VAT breakdown, the number,
    the state change with its event; then the registered after-issue hooks (``invoicing.hooks``)."""
    invoice, customer, corrected, is_invoice = checked.invoice, checked.customer, checked.corrected, checked.is_invoice
    lines, categories, invoice_date, series = checked.lines, checked.categories, checked.invoice_date, checked.series
    service_date_defaulted, totals, rate, seller = (
        checked.service_date_defaulted,
        checked.totals,
        checked.rate,
        checked.seller,
    )
    events = checked.events
    invoice.invoice_date = invoice_date
    invoice.seller = seller
    invoice.buyer = _buyer_snapshot(customer)
    if not invoice.buyer_reference and customer.leitweg_id:
        invoice.buyer_reference = customer.leitweg_id  # XRechnung BT-10 for public buyers
    if service_date_defaulted:
        invoice.service_date = invoice_date
    language = document_language(invoice.language)
    notes = [vat_note(c, language) for c in sorted(categories) if c in NOTES]
    if notes:
        invoice.note = "\n".join(filter(None, [invoice.note, *notes]))
    spec = invoice.payment_terms.spec() if is_invoice and invoice.payment_terms is not None else None
    if is_invoice:
        invoice.due_date = due_date(spec, invoice_date=invoice_date) if spec is not None else invoice_date
    # How it is paid (direct debit, card paid at issue) once the totals and due date are known; a
    # card payment lowers the amount due, which the terms below are computed from.
    invoice.payment_means = invoice_payment_means_fix(invoice=invoice, as_of=as_of)
    means_text = payment_means_text(invoice.payment_means, currency=invoice.currency, language=language)
    if spec is not None:
        invoice.terms_snapshot = {
            "name": invoice.payment_terms.name,
            "basis": spec.basis,
            "days": spec.days,
            "tiers": [{"percent": str(t.percent), "days": t.days} for t in spec.tiers],
        }
    # A direct debit collects the whole amount on its date, and a card payment leaves nothing or a
    # rest: neither offers a discount, and the sentence saying how it is paid is the terms text.
    paid_by_card = is_card(invoice.payment_means) and invoice.amount_due == 0
    if spec is not None and not is_direct_debit(invoice.payment_means) and not paid_by_card:
        invoice.discount_offers = [
            {
                "percent": str(o.percent),
                "deadline": o.deadline.isoformat(),
                "discount_amount": str(o.discount_amount),
                "amount_to_pay": str(o.amount_to_pay),
            }
            for o in discount_offers(
                spec, invoice_date=invoice_date, gross_amount=invoice.amount_due, currency=invoice.currency
            )
        ]
        invoice.payment_terms_text = terms_text(
            spec,
            language=language,
            invoice_date=invoice_date,
            gross_amount=invoice.amount_due,
            currency=invoice.currency,
        )
    if means_text:
        invoice.payment_terms_text = "\n".join(filter(None, [means_text, invoice.payment_terms_text]))
    if rate is not None:
        invoice.exchange_rate = rate.units_per_eur
        invoice.exchange_rate_kind = rate.kind
        invoice.exchange_rate_date = rate.date
        invoice.tax_total_eur = _tax_total_eur(invoice.tax_total, rate.units_per_eur)
    InvoiceVatBreakdown.objects.bulk_create(
        InvoiceVatBreakdown(
            invoice=invoice,
            vat_category=row.vat_category,
            vat_rate=row.vat_rate,
            taxable_amount=row.taxable_amount,
            tax_amount=row.tax_amount,
            **_exemption_for(lines, row.vat_category, language),
        )
        for row in totals.breakdown
    )
    # Drawn as late as possible: the series row stays locked until commit, so concurrent
    # issuers wait only for the last few statements (bench/bench_invoicing.py).
    invoice.number = number_next(key=series, today=invoice_date)
    # Holding the series lock now: a document issued meanwhile is committed and visible, so
    # numbers and dates cannot cross even when two issues race.
    if message := _date_order_error(invoice_date, _latest_issued_date(invoice.document_type), series):
        raise InvoiceIssueError({"invoice_date": [message]})
    invoice.open_amount = invoice.amount_due if is_invoice else Decimal("0")
    invoice.settlement_state = SettlementState.OPEN if invoice.open_amount > 0 else SettlementState.PAID
    invoice.issued_at = as_of
    invoice.issued_by = by if getattr(by, "pk", None) else None
    kinds = {kind for kind, _reason, _data in events}
    invoice.review_override_reason = (
        checked.review_override_reason if InvoiceEvent.Kind.REVIEW_OVERRIDDEN in kinds else ""
    )
    invoice.credit_limit_confirmation = (
        checked.credit_limit_confirmation if InvoiceEvent.Kind.CREDIT_LIMIT_CONFIRMED in kinds else ""
    )
    invoice.updated_at = as_of
    actor = invoice.issued_by
    # What the issue was allowed with comes first in the history, then the issue itself.
    for kind, reason, data in events:
        InvoiceEvent.objects.create(invoice=invoice, kind=kind, at=as_of, by=actor, reason=reason, data=data)
    invoice_transition(
        invoice=invoice,
        to=DocumentStatus.ISSUED,
        as_of=as_of,
        by=actor,
        data={"number": invoice.number, "service_date_defaulted": service_date_defaulted},
    )
    if not is_invoice:
        _apply_credit_note(credit_note=invoice, invoice=corrected, as_of=as_of, by=actor)
    # What follows an issue (the documents' durable job, later e-mail, webhooks, SEPA).
    invoice_issued_hooks_run(invoice=invoice, as_of=as_of)
    return invoice


def _apply_credit_note(*, credit_note: Invoice, invoice: Invoice, as_of: datetime, by) -> None:
    """Reduce the corrected (locked) invoice's open amount; what exceeds it stays open on the
    credit note as the customer's balance (the payments issue turns it into usable credit).
    Credit notes covering the whole invoice cancel it."""
    credit = credit_note.amount_due
    applied = min(credit, invoice.open_amount)
    paid = invoice.amount_due - invoice.credited_amount - invoice.open_amount  # by payments, before this credit
    old_state, old_status = invoice.settlement_state, invoice.status
    invoice.open_amount -= applied
    invoice.credited_amount += credit
    if invoice.open_amount == 0:
        invoice.settlement_state = SettlementState.PAID
    elif paid > 0:
        invoice.settlement_state = SettlementState.PARTIALLY_PAID
    else:
        invoice.settlement_state = SettlementState.OPEN
    events = [
        InvoiceEvent(
            invoice=invoice,
            kind=InvoiceEvent.Kind.CREDITED,
            at=as_of,
            by=by,
            data={"credit_note": credit_note.number, "amount": str(credit), "applied": str(applied)},
        )
    ]
    if invoice.settlement_state != old_state:
        events.append(
            InvoiceEvent(
                invoice=invoice,
                kind=InvoiceEvent.Kind.SETTLEMENT_CHANGED,
                at=as_of,
                by=by,
                from_state=old_state,
                to_state=invoice.settlement_state,
                reason=_("credit note %(number)s") % {"number": credit_note.number},
            )
        )
    invoice.updated_at = as_of
    fields = ["open_amount", "credited_amount", "settlement_state", "cancelled_at", "updated_at"]
    record_typed_events(InvoiceEvent.objects.bulk_create(events))  # no post_save: write through
    if invoice.credited_amount >= invoice.tax_inclusive_total and old_status == DocumentStatus.ISSUED:
        invoice.cancelled_at = as_of
        invoice_transition(
            invoice=invoice,
            to=DocumentStatus.CANCELLED,
            as_of=as_of,
            by=by,
            reason=_("fully credited by %(number)s") % {"number": credit_note.number},
            update_fields=fields,
        )
    else:
        invoice.save(update_fields=[*fields, "status"])
    overflow = credit - applied
    if overflow:
        credit_note.open_amount = overflow
        credit_note.settlement_state = SettlementState.OPEN
        credit_note.save(update_fields=["open_amount", "settlement_state"])
