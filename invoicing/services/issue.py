"""Issuing: number, dates, snapshots and totals are fixed; from here on the document is immutable."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, localcontext

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from core.models import CompanyProfile
from core.money import quantize
from core.numbering import number_next
from core.roles import Role, role_of
from customers.models import Customer

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
from .documents import invoice_documents_schedule
from .drafts import (
    ALLOWANCE_FIELDS,
    LINE_FIELDS,
    DocumentNotEditable,
    DocumentStateConflict,
    invoice_draft_create,
    recompute_totals,
    vat_rate_known,
)
from .locks import invoices_lock

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


# VATEX codes (CEF code list) for the breakdown rows of categories that are not taxed here:
# EN 16931 wants a reason text or code on each of them (BR-AE-10, BR-IC-10, BR-G-10, BR-O-10).
EXEMPTION_CODES = {
    VatCategory.REVERSE_CHARGE: "VATEX-EU-AE",
    VatCategory.INTRA_COMMUNITY: "VATEX-EU-IC",
    VatCategory.EXPORT: "VATEX-EU-G",
    VatCategory.NOT_SUBJECT: "VATEX-EU-O",
}


class InvoiceIssueError(ValidationError):
    """The draft cannot be issued yet; field-level reasons."""


def _seller_snapshot(*, needs_vat_id: bool) -> dict:
    profile = CompanyProfile.objects.filter(pk=1).first()
    if profile is None:
        raise InvoiceIssueError(
            {"seller": [_("Fill in the company profile (name, address, VAT ID or tax number) first.")]}
        )
    missing = [
        label
        for label, value in (
            (_("name"), profile.name),
            (_("street"), profile.street),
            (_("postal code"), profile.postal_code),
            (_("city"), profile.city),
        )
        if not value
    ]
    if not (profile.vat_id or profile.tax_number):
        missing.append(_("VAT ID or tax number (§ 14 (4) Nr. 2 UStG)"))
    elif needs_vat_id and not profile.vat_id:
        missing.append(_("our VAT ID, which reverse charge and intra-community supplies state (§ 14a (1), (3) UStG)"))
    if missing:
        raise InvoiceIssueError(
            {"seller": [_("The company profile lacks: %(missing)s.") % {"missing": ", ".join(missing)}]}
        )
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
        "e_invoice_format": customer.e_invoice_format,
        "language": customer.language,
        "shipping": {
            "name": customer.shipping_name,
            "street": customer.shipping_street,
            "street2": customer.shipping_street2,
            "postal_code": customer.shipping_postal_code,
            "city": customer.shipping_city,
            "country": customer.shipping_country,
        }
        if customer.has_shipping_address
        else None,
    }


def _check_complete(invoice: Invoice, lines: list, allowances: list, *, supply_date: date) -> dict[str, list[str]]:
    """§ 14 (4) UStG, § 14a UStG and the EN 16931 category rules a draft must meet to be issued."""
    errors: dict[str, list[str]] = {}
    customer = invoice.customer
    categories = {row.vat_category for row in [*lines, *allowances]}
    if not lines:
        errors.setdefault("lines", []).append(_("An invoice needs at least one line (BR-16)."))
    if bool(invoice.service_period_start) != bool(invoice.service_period_end):
        errors.setdefault("service_period_end", []).append(_("A service period needs its first and its last day."))
    if categories & {VatCategory.REVERSE_CHARGE, VatCategory.INTRA_COMMUNITY} and not customer.vat_id:
        errors.setdefault("lines", []).append(
            _(
                "Reverse charge (AE) and intra-community supplies (K) need the buyer's VAT ID (BR-AE-02, BR-IC-02); "
                "customer %(customer)s has none."
            )
            % {"customer": customer.number}
        )
    if VatCategory.INTRA_COMMUNITY in categories and not invoice.deliver_to_country:
        errors.setdefault("deliver_to_country", []).append(
            _("Intra-community supplies need the deliver-to country (BR-IC-12).")
        )
    if VatCategory.NOT_SUBJECT in categories and len(categories) > 1:
        errors.setdefault("lines", []).append(_("An invoice with category O has only category O lines (BR-O-11)."))
    if VatCategory.EXEMPT in categories and not any(
        line.vat_category == VatCategory.EXEMPT and (line.exemption_reason or line.exemption_code) for line in lines
    ):
        errors.setdefault("lines", []).append(_("Category E needs a line stating the exemption reason (BR-E-10)."))
    # The draft was checked against the rates of its dates then; the dates may have moved since.
    for prefix, rows in (("lines", lines), ("allowances_charges", allowances)):
        for index, row in enumerate(rows):
            if not vat_rate_known(category=row.vat_category, rate=row.vat_rate, on=supply_date):
                errors.setdefault(f"{prefix}.{index}.vat_rate", []).append(
                    _(
                        "%(rate)s %% is not a rate for category %(category)s on the supply date %(date)s "
                        "in the VAT rate table."
                    )
                    % {"rate": row.vat_rate, "category": row.vat_category, "date": f"{supply_date:%d.%m.%Y}"}
                )
    return errors


def _check_xrechnung(invoice: Invoice, customer, seller: dict, *, is_invoice: bool) -> dict[str, list[str]]:
    """What an XRechnung needs and the snapshot must carry, refused before issue rather than
    found by validation afterwards (an issued invoice can no longer be completed):
    seller contact BR-DE-2/5/6/7, payment instructions BR-DE-1/23, buyer reference BR-DE-15,
    buyer electronic address BT-49 (PEPPOL-EN16931-R010)."""
    from .documents import wants_xrechnung

    buyer = {"kind": customer.kind, "leitweg_id": customer.leitweg_id, "e_invoice_format": customer.e_invoice_format}
    if not wants_xrechnung(buyer):
        return {}
    errors: dict[str, list[str]] = {}
    missing = [
        label
        for label, value in (
            (_("contact person (BR-DE-5)"), seller.get("contact_name")),
            (_("phone (BR-DE-6)"), seller.get("phone")),
            (_("e-mail (BR-DE-7)"), seller.get("email")),
            *([(_("IBAN (BR-DE-1, BR-DE-23)"), seller.get("iban"))] if is_invoice else []),
        )
        if not value
    ]
    if missing:
        errors["seller"] = [
            _("Customer %(customer)s receives XRechnung; the company profile lacks: %(missing)s.")
            % {"customer": customer.number, "missing": ", ".join(missing)}
        ]
    if not (invoice.buyer_reference or customer.leitweg_id):
        errors["buyer_reference"] = [
            _("An XRechnung needs the buyer reference (BT-10, BR-DE-15): the Leitweg-ID or the customer's reference.")
        ]
    if not (customer.e_invoice_scheme and customer.e_invoice_address):
        errors["customer"] = [
            _(
                "Customer %(customer)s receives XRechnung but has no electronic address with its scheme (BT-49), "
                "e.g. the Leitweg-ID with scheme 0204."
            )
            % {"customer": customer.number}
        ]
    return errors


def _merge(errors: dict[str, list[str]], more: dict[str, list[str]]) -> dict[str, list[str]]:
    for path, messages in more.items():
        errors.setdefault(path, []).extend(messages)
    return errors


def _latest_issued_date(document_type: str) -> date | None:
    return Invoice.objects.filter(
        document_type=document_type, status__in=[DocumentStatus.ISSUED, DocumentStatus.CANCELLED]
    ).aggregate(latest=Max("invoice_date"))["latest"]


def _date_order_error(invoice_date: date, latest: date | None, series: str) -> str | None:
    if latest and invoice_date < latest:
        if series == "credit_note":
            message = _("%(date)s lies before the last issued credit note (%(latest)s); numbers must follow dates.")
        else:
            message = _("%(date)s lies before the last issued invoice (%(latest)s); numbers must follow dates.")
        return message % {"date": f"{invoice_date:%d.%m.%Y}", "latest": f"{latest:%d.%m.%Y}"}
    return None


def _exchange_rate(invoice: Invoice, on: date, *, daily: bool) -> ExchangeRate | None:
    if invoice.currency == "EUR":
        return None
    if daily:
        return (
            ExchangeRate.objects.filter(currency=invoice.currency, kind="daily", date__lte=on).order_by("-date").first()
        )
    return ExchangeRate.objects.filter(currency=invoice.currency, kind="monthly", date=on.replace(day=1)).first()


def _tax_total_eur(tax_total: Decimal, units_per_eur: Decimal) -> Decimal:
    """BT-111: the VAT in EUR, divided exactly before the one rounding (1/rate would round first)."""
    with localcontext() as context:
        context.prec = 60
        return quantize(tax_total / units_per_eur, "EUR")


def _customer_open_total(customer, *, exclude_pk: int) -> Decimal:
    total = (
        Invoice.objects.filter(customer=customer, status=DocumentStatus.ISSUED, document_type=DocumentType.INVOICE)
        .exclude(pk=exclude_pk)
        .aggregate(total=Sum("open_amount"))["total"]
    )
    return total or Decimal("0")


def _check_credit_note(credit_note: Invoice, invoice: Invoice | None) -> dict[str, list[str]]:
    """A credit note corrects an issued invoice of the same customer and currency, by at most what is left."""
    if invoice is None or invoice.document_type != DocumentType.INVOICE:
        return {"corrected_invoice": [_("A credit note must reference the invoice it corrects (BT-25).")]}
    errors: dict[str, list[str]] = {}
    if invoice.status != DocumentStatus.ISSUED:
        errors.setdefault("corrected_invoice", []).append(
            _("%(document)s is %(status)s; only issued invoices can be credited.")
            % {"document": invoice.number or invoice.pk, "status": invoice.get_status_display()}
        )
    if invoice.customer_id != credit_note.customer_id:
        errors.setdefault("corrected_invoice", []).append(
            _("%(number)s belongs to another customer.") % {"number": invoice.number}
        )
    if invoice.currency != credit_note.currency:
        errors.setdefault("currency", []).append(
            _("A credit note is in the currency of its invoice (%(currency)s), not %(other)s.")
            % {"currency": invoice.currency, "other": credit_note.currency}
        )
    remaining = invoice.tax_inclusive_total - invoice.credited_amount
    if credit_note.tax_inclusive_total > remaining:
        errors.setdefault("lines", []).append(_exceeds(credit_note.tax_inclusive_total, invoice.number, remaining))
    return errors


def _exceeds(amount, number, remaining) -> str:
    return _("The credit note (%(amount)s) exceeds what is left to credit on %(number)s (%(remaining)s).") % {
        "amount": amount,
        "number": number,
        "remaining": remaining,
    }


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
    """
    with transaction.atomic():
        corrected_id = (
            Invoice.objects.filter(pk=invoice.pk).values_list("corrected_invoice_id", flat=True).get()
        )  # fixed at draft creation, so safe to read before locking
        locked = invoices_lock(
            invoice.pk, *([corrected_id] if corrected_id else []), select_related=("customer", "payment_terms")
        )
        invoice, corrected = locked[invoice.pk], locked.get(corrected_id)
        if invoice.status != DocumentStatus.DRAFT:
            raise DocumentNotEditable(invoice)
        is_invoice = invoice.document_type == DocumentType.INVOICE
        customer = invoice.customer
        if is_invoice and customer.credit_limit is not None:
            # Serialises issues to one customer so two invoices cannot both pass the limit.
            customer = Customer.objects.select_for_update().get(pk=customer.pk)
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
            errors.setdefault("lines", []).append(
                _("The invoice total is negative; correct invoices with a credit note.")
            )
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
                            "Open items would reach %(exposure)s %(currency)s, above the credit limit of "
                            "%(limit)s; confirm with a reason to issue anyway."
                        )
                        % {"exposure": exposure, "currency": invoice.currency, "limit": customer.credit_limit}
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

        invoice.invoice_date = invoice_date
        invoice.seller = seller
        invoice.buyer = _buyer_snapshot(customer)
        if not invoice.buyer_reference and customer.leitweg_id:
            invoice.buyer_reference = customer.leitweg_id  # XRechnung BT-10 for public buyers
        if service_date_defaulted:
            invoice.service_date = invoice_date
        language = invoice.language if invoice.language in ("de", "en") else "de"
        notes = [NOTES[c][language] for c in sorted(categories) if c in NOTES]
        if notes:
            invoice.note = "\n".join(filter(None, [invoice.note, *notes]))
        if is_invoice and invoice.payment_terms is not None:
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
                language=language,
                invoice_date=invoice_date,
                gross_amount=invoice.amount_due,
                currency=invoice.currency,
            )
        elif is_invoice:
            invoice.due_date = invoice_date
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
        invoice.status = DocumentStatus.ISSUED
        invoice.issued_at = as_of
        invoice.issued_by = by if getattr(by, "pk", None) else None
        kinds = {kind for kind, _reason, _data in events}
        invoice.review_override_reason = (
            review_override_reason.strip() if InvoiceEvent.Kind.REVIEW_OVERRIDDEN in kinds else ""
        )
        invoice.credit_limit_confirmation = (
            credit_limit_confirmation.strip() if InvoiceEvent.Kind.CREDIT_LIMIT_CONFIRMED in kinds else ""
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
            data={"number": invoice.number, "service_date_defaulted": service_date_defaulted},
        )
        if not is_invoice:
            _apply_credit_note(credit_note=invoice, invoice=corrected, as_of=as_of, by=actor)
        # The PDF and e-invoice are made after commit, by a durable job recorded here.
        invoice_documents_schedule(invoice=invoice, as_of=as_of)
    return invoice


def _exemption_for(lines: list, category: str, language: str) -> dict:
    if category in EXEMPTION_CODES:
        return {"exemption_reason": NOTES[category][language], "exemption_code": EXEMPTION_CODES[category]}
    if category != VatCategory.EXEMPT:
        return {}
    line = next((x for x in lines if x.vat_category == category and (x.exemption_reason or x.exemption_code)), None)
    return {"exemption_reason": line.exemption_reason, "exemption_code": line.exemption_code} if line else {}


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
    if invoice.credited_amount >= invoice.tax_inclusive_total and old_status == DocumentStatus.ISSUED:
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
                reason=_("fully credited by %(number)s") % {"number": credit_note.number},
            )
        )
    invoice.updated_at = as_of
    invoice.save(
        update_fields=["open_amount", "credited_amount", "settlement_state", "status", "cancelled_at", "updated_at"]
    )
    InvoiceEvent.objects.bulk_create(events)
    overflow = credit - applied
    if overflow:
        credit_note.open_amount = overflow
        credit_note.settlement_state = SettlementState.OPEN
        credit_note.save(update_fields=["open_amount", "settlement_state"])


def credit_note_create(
    *,
    invoice: Invoice,
    as_of: datetime,
    by=None,
    lines: list[dict] | None = None,
    reason: str = "",
    issue: bool = False,
) -> Invoice:
    """A credit note (draft, or issued with ``issue=True``) correcting an issued invoice (BT-25).

    Full (``lines=None``: all lines and allowances, only while nothing has been credited) or
    partial with the given lines. Refused when it would credit more than is left; nothing is
    saved then.
    """
    with transaction.atomic():
        invoice = invoices_lock(invoice.pk)[invoice.pk]
        if invoice.status != DocumentStatus.ISSUED or invoice.document_type != DocumentType.INVOICE:
            raise DocumentStateConflict(
                _("Only issued invoices can be credited; %(document)s is %(type)s %(status)s.")
                % {
                    "document": invoice.number or invoice.pk,
                    "type": invoice.get_document_type_display(),
                    "status": invoice.get_status_display(),
                }
            )
        already = invoice.credited_amount
        full = lines is None
        if full:
            if already:
                raise ValidationError(
                    {
                        "invoice": [
                            _("%(number)s has been credited partly (%(amount)s); credit the rest line by line.")
                            % {"number": invoice.number, "amount": already}
                        ]
                    }
                )
            lines = [
                {field: getattr(line, field) for field in LINE_FIELDS} for line in invoice.lines.order_by("position")
            ]
            allowances = [
                {field: getattr(a, field) for field in ALLOWANCE_FIELDS}
                for a in invoice.allowances_charges.order_by("position")
            ]
        else:
            allowances = []
        if invoice.language == "en":
            note = f"Correction of invoice {invoice.number} of {invoice.invoice_date:%d %b %Y}"
        else:
            # Not "Gutschrift": in German VAT law that word means self-billing (§ 14 (2) Satz 2 UStG).
            note = f"Rechnungskorrektur zu Rechnung {invoice.number} vom {invoice.invoice_date:%d.%m.%Y}"
        if reason.strip():
            note = f"{note}: {reason.strip()}"
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
                "purchase_order_reference": invoice.purchase_order_reference,
                "note": note,
            },
            lines=lines,
            allowances_charges=allowances,
        )
        remaining = invoice.tax_inclusive_total - already
        if credit_note.tax_inclusive_total > remaining:
            # Raising rolls the draft back: crediting more would credit the same supply twice.
            raise ValidationError({"lines": [_exceeds(credit_note.tax_inclusive_total, invoice.number, remaining)]})
        if credit_note.tax_inclusive_total <= 0:
            raise ValidationError({"lines": [_("A credit note credits an amount above zero.")]})
        if issue:
            credit_note = invoice_issue(invoice=credit_note, as_of=as_of, by=by)
    return credit_note
