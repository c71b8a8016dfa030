"""Issuing: number, dates, snapshots and totals are fixed; from here on the document is immutable."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone

from core.models import CompanyProfile
from core.money import quantize
from core.numbering import number_next
from core.roles import Role, role_of

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
from ..terms import discount_offers, due_date, terms_text
from ..totals import convert_tax_total
from .drafts import DocumentNotEditable, invoice_draft_create, recompute_totals

SERIES = {DocumentType.INVOICE: "invoice", DocumentType.CREDIT_NOTE: "credit_note"}
NOTES = {
    VatCategory.REVERSE_CHARGE: {
        "de": "Steuerschuldnerschaft des Leistungsempfängers (§ 13b UStG).",
        "en": "Reverse charge: the recipient is liable for VAT (§ 13b UStG, Art. 196 VAT Directive).",
    },
    VatCategory.INTRA_COMMUNITY: {
        "de": "Steuerfreie innergemeinschaftliche Lieferung (§ 4 Nr. 1b i. V. m. § 6a UStG).",
        "en": "VAT-exempt intra-community supply (§ 4 Nr. 1b, § 6a UStG; Art. 138 VAT Directive).",
    },
    VatCategory.EXPORT: {
        "de": "Steuerfreie Ausfuhrlieferung (§ 4 Nr. 1a i. V. m. § 6 UStG).",
        "en": "VAT-exempt export delivery (§ 4 Nr. 1a, § 6 UStG).",
    },
    VatCategory.NOT_SUBJECT: {
        "de": "Nicht im Inland steuerbare Leistung.",
        "en": "Not subject to German VAT.",
    },
}


class InvoiceIssueError(ValidationError):
    """The draft cannot be issued yet; field-level reasons."""


def _seller_snapshot() -> dict:
    profile = CompanyProfile.objects.filter(pk=1).first()
    if profile is None:
        raise InvoiceIssueError(
            {"seller": ["Fill in the company profile (name, address, VAT ID or tax number) first."]}
        )
    missing = [
        label
        for label, value in (("name", profile.name), ("street", profile.street), ("city", profile.city))
        if not value
    ]
    if not (profile.vat_id or profile.tax_number):
        missing.append("VAT ID or tax number (§ 14 (4) Nr. 2 UStG)")
    if missing:
        raise InvoiceIssueError({"seller": [f"The company profile lacks: {', '.join(missing)}."]})
    return profile.snapshot()


def _buyer_snapshot(customer) -> dict:
    return {
        "number": customer.number,
        "name": customer.legal_name,
        "kind": customer.kind,
        "street": customer.billing_street,
        "street2": customer.billing_street2,
        "postal_code": customer.billing_postal_code,
        "city": customer.billing_city,
        "country": customer.billing_country,
        "vat_id": customer.vat_id,
        "tax_number": customer.tax_number,
        "leitweg_id": customer.leitweg_id,
        "e_invoice_scheme": customer.e_invoice_scheme,
        "e_invoice_address": customer.e_invoice_address,
        "language": customer.language,
        "shipping": {
            "name": customer.shipping_name,
            "street": customer.shipping_street,
            "postal_code": customer.shipping_postal_code,
            "city": customer.shipping_city,
            "country": customer.shipping_country,
        }
        if customer.has_shipping_address
        else None,
    }


def _check_complete(invoice: Invoice, categories: set[str]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    customer = invoice.customer
    if not invoice.lines.exists():
        errors.setdefault("lines", []).append("An invoice needs at least one line (BR-16).")
    if not (invoice.service_date or invoice.service_period_start):
        errors.setdefault("service_date", []).append("State the delivery/service date or period (§ 14 (4) Nr. 6 UStG).")
    if categories & {VatCategory.REVERSE_CHARGE, VatCategory.INTRA_COMMUNITY} and not customer.vat_id:
        errors.setdefault("lines", []).append(
            "Reverse charge (AE) and intra-community supplies (K) need the buyer's VAT ID (BR-AE-02, BR-IC-02); "
            f"customer {customer.number} has none."
        )
    if VatCategory.INTRA_COMMUNITY in categories:
        if not invoice.deliver_to_country:
            errors.setdefault("deliver_to_country", []).append(
                "Intra-community supplies need the deliver-to country (BR-IC-12)."
            )
        if not (invoice.service_date or invoice.service_period_start):
            errors.setdefault("service_date", []).append("Intra-community supplies need the delivery date (BR-IC-11).")
    if VatCategory.NOT_SUBJECT in categories and len(categories) > 1:
        errors.setdefault("lines", []).append("An invoice with category O has only category O lines (BR-O-11).")
    return errors


def _exchange_rate(invoice: Invoice, on: date, *, daily: bool) -> ExchangeRate | None:
    if invoice.currency == "EUR":
        return None
    if daily:
        return (
            ExchangeRate.objects.filter(currency=invoice.currency, kind="daily", date__lte=on).order_by("-date").first()
        )
    return ExchangeRate.objects.filter(currency=invoice.currency, kind="monthly", date=on.replace(day=1)).first()


def _customer_open_total(customer, *, exclude_pk: int) -> Decimal:
    total = (
        Invoice.objects.filter(customer=customer, status=DocumentStatus.ISSUED, document_type=DocumentType.INVOICE)
        .exclude(pk=exclude_pk)
        .aggregate(total=Sum("open_amount"))["total"]
    )
    return total or Decimal("0")


def invoice_issue(
    *,
    invoice: Invoice,
    as_of: datetime,
    by=None,
    review_override_reason: str = "",
    credit_limit_confirmation: str = "",
) -> Invoice:
    """Issue a draft invoice or credit note.

    Refused (field-level reasons) when: the customer needs review and no finance manager
    overrides with a reason; the credit limit would be exceeded without a confirmation;
    § 14 (4) UStG data is missing; AE/K lack the buyer VAT ID; a foreign currency has no
    exchange rate for the month of supply (§ 16 (6) UStG); the invoice date lies before
    the last issued document of its series (numbers follow dates).
    """
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().select_related("customer", "payment_terms").get(pk=invoice.pk)
        if invoice.status != DocumentStatus.DRAFT:
            raise DocumentNotEditable(invoice)
        customer = invoice.customer
        categories = set(invoice.lines.values_list("vat_category", flat=True)) | set(
            invoice.allowances_charges.values_list("vat_category", flat=True)
        )
        errors = _check_complete(invoice, categories)
        invoice_date = invoice.invoice_date or timezone.localdate(as_of)
        series = SERIES[invoice.document_type]
        latest = Invoice.objects.filter(
            document_type=invoice.document_type, status__in=[DocumentStatus.ISSUED, DocumentStatus.CANCELLED]
        ).aggregate(latest=Max("invoice_date"))["latest"]
        if latest and invoice_date < latest:
            errors.setdefault("invoice_date", []).append(
                f"{invoice_date:%d.%m.%Y} lies before the last issued {series.replace('_', ' ')} ({latest:%d.%m.%Y}); "
                "numbers must follow dates."
            )
        events: list[tuple[str, str, dict]] = []
        if customer.verification_status == "needs_review" and invoice.document_type == DocumentType.INVOICE:
            role = role_of(by)
            if not review_override_reason.strip():
                errors.setdefault("review_override_reason", []).append(
                    f"Customer {customer.number} needs review; a finance manager may issue anyway, giving a reason."
                )
            elif role is None or role < Role.FINANCE_MANAGER:
                errors.setdefault("review_override_reason", []).append(
                    "Only a finance manager may issue to a customer that needs review."
                )
            else:
                events.append((InvoiceEvent.Kind.REVIEW_OVERRIDDEN, review_override_reason.strip(), {}))
        totals = recompute_totals(invoice)
        if invoice.document_type == DocumentType.INVOICE and customer.credit_limit is not None:
            exposure = _customer_open_total(customer, exclude_pk=invoice.pk) + invoice.amount_due
            if exposure > customer.credit_limit:
                if not credit_limit_confirmation.strip():
                    errors.setdefault("credit_limit_confirmation", []).append(
                        f"Open items would reach {exposure} {invoice.currency}, above the credit limit of "
                        f"{customer.credit_limit}; confirm with a reason to issue anyway."
                    )
                else:
                    events.append(
                        (
                            InvoiceEvent.Kind.CREDIT_LIMIT_CONFIRMED,
                            credit_limit_confirmation.strip(),
                            {"exposure": str(exposure)},
                        )
                    )
        supply_date = invoice.service_date or invoice.service_period_end or invoice_date
        rate = None
        if invoice.currency != "EUR":
            profile = CompanyProfile.objects.filter(pk=1).first()
            daily = bool(profile and profile.uses_daily_exchange_rates)
            rate = _exchange_rate(invoice, supply_date, daily=daily)
            if rate is None:
                kind = "daily" if daily else f"BMF monthly average for {supply_date:%m/%Y}"
                errors.setdefault("currency", []).append(
                    f"No {kind} EUR exchange rate for {invoice.currency}: enter it under Exchange rates "
                    "(Art. 230 VAT Directive, § 16 (6) UStG)."
                )
        try:
            seller = _seller_snapshot()
        except ValidationError as exc:
            errors.update(exc.message_dict)
        if errors:
            raise InvoiceIssueError(errors)

        invoice.invoice_date = invoice_date
        invoice.number = number_next(key=series, today=invoice_date)
        invoice.seller = seller
        invoice.buyer = _buyer_snapshot(customer)
        if not invoice.buyer_reference and customer.leitweg_id:
            invoice.buyer_reference = customer.leitweg_id  # XRechnung BT-10 for public buyers
        if not (invoice.service_date or invoice.service_period_start):
            invoice.service_date = invoice_date
        notes = [
            NOTES[c][invoice.language if invoice.language in ("de", "en") else "de"]
            for c in sorted(categories)
            if c in NOTES
        ]
        if notes:
            invoice.note = "\n".join(filter(None, [invoice.note, *notes]))
        if invoice.document_type == DocumentType.INVOICE and invoice.payment_terms is not None:
            spec = invoice.payment_terms.spec()
            invoice.due_date = due_date(spec, invoice_date=invoice_date)
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
            invoice.terms_snapshot = {
                "name": invoice.payment_terms.name,
                "basis": spec.basis,
                "days": spec.days,
                "tiers": [{"percent": str(t.percent), "days": t.days} for t in spec.tiers],
            }
            invoice.payment_terms_text = terms_text(
                spec,
                language=invoice.language,
                invoice_date=invoice_date,
                gross_amount=invoice.amount_due,
                currency=invoice.currency,
            )
        elif invoice.document_type == DocumentType.INVOICE:
            invoice.due_date = invoice_date
        if rate is not None:
            invoice.exchange_rate = rate.units_per_eur
            invoice.exchange_rate_kind = rate.kind
            invoice.exchange_rate_date = rate.date
            # units_per_eur is foreign currency per 1 EUR; convert_tax_total takes EUR per unit.
            invoice.tax_total_eur = convert_tax_total(tax_total=invoice.tax_total, rate=Decimal(1) / rate.units_per_eur)
        InvoiceVatBreakdown.objects.bulk_create(
            InvoiceVatBreakdown(
                invoice=invoice,
                vat_category=row.vat_category,
                vat_rate=row.vat_rate,
                taxable_amount=row.taxable_amount,
                tax_amount=row.tax_amount,
                **_exemption_for(invoice, row.vat_category),
            )
            for row in totals.breakdown
        )
        invoice.open_amount = invoice.amount_due if invoice.document_type == DocumentType.INVOICE else Decimal("0")
        invoice.settlement_state = SettlementState.OPEN if invoice.open_amount > 0 else SettlementState.PAID
        invoice.status = DocumentStatus.ISSUED
        invoice.issued_at = as_of
        invoice.issued_by = by if getattr(by, "pk", None) else None
        invoice.review_override_reason = (
            review_override_reason.strip()
            if events and any(e[0] == InvoiceEvent.Kind.REVIEW_OVERRIDDEN for e in events)
            else ""
        )
        invoice.credit_limit_confirmation = (
            credit_limit_confirmation.strip()
            if any(e[0] == InvoiceEvent.Kind.CREDIT_LIMIT_CONFIRMED for e in events)
            else ""
        )
        invoice.updated_at = as_of
        invoice.save()
        actor = invoice.issued_by
        for kind, reason, data in events:
            InvoiceEvent.objects.create(invoice=invoice, kind=kind, at=as_of, by=actor, reason=reason, data=data)
        InvoiceEvent.objects.create(
            invoice=invoice,
            kind=InvoiceEvent.Kind.ISSUED,
            at=as_of,
            by=actor,
            from_state=DocumentStatus.DRAFT,
            to_state=DocumentStatus.ISSUED,
            data={"number": invoice.number},
        )
        if invoice.document_type == DocumentType.CREDIT_NOTE:
            _apply_credit_note(credit_note=invoice, as_of=as_of, by=actor)
    return invoice


def _exemption_for(invoice: Invoice, category: str) -> dict:
    if category != VatCategory.EXEMPT:
        return {}
    line = invoice.lines.filter(vat_category=category).exclude(exemption_reason="", exemption_code="").first()
    return {"exemption_reason": line.exemption_reason, "exemption_code": line.exemption_code} if line else {}


def _apply_credit_note(*, credit_note: Invoice, as_of: datetime, by) -> None:
    """Reduce the corrected invoice's open amount; what exceeds it stays open on the credit note
    as the customer's balance (the payments issue turns it into usable credit). A credit note
    covering the whole invoice cancels it."""
    invoice = Invoice.objects.select_for_update().get(pk=credit_note.corrected_invoice_id)
    credit = credit_note.amount_due
    applied = min(credit, invoice.open_amount)
    invoice.open_amount -= applied
    invoice.credited_amount += credit
    paid = invoice.amount_due - invoice.credited_amount - invoice.open_amount
    if invoice.open_amount == 0:
        invoice.settlement_state = SettlementState.PAID
    elif paid > 0:
        invoice.settlement_state = SettlementState.PARTIALLY_PAID
    events = [
        InvoiceEvent(
            invoice=invoice,
            kind=InvoiceEvent.Kind.CREDITED,
            at=as_of,
            by=by,
            data={"credit_note": credit_note.number, "amount": str(credit), "applied": str(applied)},
        )
    ]
    if invoice.credited_amount >= invoice.tax_inclusive_total and invoice.status == DocumentStatus.ISSUED:
        invoice.status = DocumentStatus.CANCELLED
        invoice.cancelled_at = as_of
        events.append(
            InvoiceEvent(
                invoice=invoice,
                kind=InvoiceEvent.Kind.CANCELLED,
                at=as_of,
                by=by,
                from_state=DocumentStatus.ISSUED,
                to_state=DocumentStatus.CANCELLED,
                reason=f"fully credited by {credit_note.number}",
            )
        )
    invoice.updated_at = as_of
    invoice.save(
        update_fields=["open_amount", "credited_amount", "settlement_state", "status", "cancelled_at", "updated_at"]
    )
    InvoiceEvent.objects.bulk_create(events)
    overflow = credit - applied
    if overflow:
        Invoice.objects.filter(pk=credit_note.pk).update(open_amount=overflow, settlement_state=SettlementState.OPEN)
        credit_note.open_amount = overflow


def credit_note_create(
    *,
    invoice: Invoice,
    as_of: datetime,
    by=None,
    lines: list[dict] | None = None,
    reason: str = "",
    issue: bool = False,
) -> Invoice:
    """A credit note for an issued invoice: full (all lines and allowances) or with the given lines."""
    if invoice.status != DocumentStatus.ISSUED or invoice.document_type != DocumentType.INVOICE:
        raise ValidationError(
            {"invoice": [f"Only issued invoices can be credited; {invoice.number or invoice.pk} is {invoice.status}."]}
        )
    already = Invoice.objects.filter(corrected_invoice=invoice, status=DocumentStatus.ISSUED).aggregate(
        t=Sum("tax_inclusive_total")
    )["t"] or Decimal("0")
    full = lines is None
    if full:
        lines = [
            {
                field: getattr(line, field)
                for field in (
                    "description",
                    "item_number",
                    "quantity",
                    "unit_code",
                    "unit_price",
                    "price_base_quantity",
                    "allowance_percent",
                    "allowance_amount",
                    "vat_category",
                    "vat_rate",
                    "exemption_reason",
                    "exemption_code",
                )
            }
            for line in invoice.lines.order_by("position")
        ]
        allowances = [
            {
                field: getattr(a, field)
                for field in (
                    "is_charge",
                    "reason",
                    "reason_code",
                    "amount",
                    "percent",
                    "base_amount",
                    "vat_category",
                    "vat_rate",
                )
            }
            for a in invoice.allowances_charges.order_by("position")
        ]
        if already:
            raise ValidationError(
                {"invoice": [f"{invoice.number} has been credited partly ({already}); credit the rest line by line."]}
            )
    else:
        allowances = []
    note = reason.strip() or ("Gutschrift zu" if invoice.language == "de" else "Credit note for") + f" {invoice.number}"
    credit_note = invoice_draft_create(
        customer=invoice.customer,
        as_of=as_of,
        by=by,
        document_type=DocumentType.CREDIT_NOTE,
        corrected_invoice=invoice,
        data={
            "currency": invoice.currency,
            "language": invoice.language,
            "service_date": invoice.service_date,
            "service_period_start": invoice.service_period_start,
            "service_period_end": invoice.service_period_end,
            "deliver_to_country": invoice.deliver_to_country,
            "buyer_reference": invoice.buyer_reference,
            "note": note,
        },
        lines=lines,
        allowances_charges=allowances,
    )
    if credit_note.tax_inclusive_total > invoice.tax_inclusive_total - already:
        # More than what is left to credit would credit the same supply twice.
        transaction.set_rollback(False)
        credit_note.delete()
        raise ValidationError(
            {
                "lines": [
                    f"The credit note ({credit_note.tax_inclusive_total}) exceeds what is left to credit on "
                    f"{invoice.number} ({invoice.tax_inclusive_total - already})."
                ]
            }
        )
    if issue:
        credit_note = invoice_issue(invoice=credit_note, as_of=as_of, by=by)
    return credit_note


def _round(amount: Decimal, currency: str) -> Decimal:
    return quantize(amount, currency)
