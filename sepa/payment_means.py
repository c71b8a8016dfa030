"""Direct debit on the invoice: the payment means ``invoice_issue`` stores for a mandate customer.

Registered with ``invoicing.hooks.invoice_payment_means_register`` in ``SepaConfig.ready``. An
invoice in euros to a customer with an active mandate is collected (UNTDID 4461 code 59) and
carries the pre-notification the SEPA Rulebook asks of the creditor: amount, collection date,
mandate reference and creditor identifier, at least ``CompanyProfile.sepa_prenotification_days``
calendar days before the collection. Credit notes (refunded or offset), other currencies, fully
prepaid invoices and customers without an active mandate keep the credit transfer.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from core.models import CompanyProfile

from .calendar import target2_on_or_after
from .models import Mandate
from .selectors import mandate_active_for

# SEPA Rulebook: a mandate unused for 36 months after its last collection (or, never used, after
# its signature) may no longer be collected from, even before a sweep marks it expired.
LAPSES_AFTER_MONTHS = 36


def mandate_lapsed(mandate: Mandate, *, on: date) -> bool:
    last = mandate.last_collected_on or mandate.signed_on
    months = (on.year - last.year) * 12 + on.month - last.month - (on.day < last.day)
    return months >= LAPSES_AFTER_MONTHS


def collection_date(*, invoice_date: date, due_date: date | None, today: date, prenotification_days: int) -> date:
    """The first TARGET2 day on or after both the due date and the end of the pre-notification
    period, counted from the later of the invoice date and today (when the customer can first
    read the invoice): a customer is never debited before the invoice is due nor without notice."""
    told_on = max(invoice_date, today)
    earliest = max(due_date or invoice_date, told_on + timedelta(days=prenotification_days))
    return target2_on_or_after(earliest)


def invoice_direct_debit(*, invoice, as_of: datetime) -> dict | None:
    """The direct-debit payment means (``invoicing.payment_means``) of an invoice being issued, or
    None when it is not collected. A mandate customer while the company profile lacks its creditor
    identifier is a configuration error: the issue is refused, naming the field to fill in."""
    if invoice.document_type != "invoice" or invoice.currency != "EUR" or invoice.amount_due <= 0:
        return None
    mandate = mandate_active_for(invoice.customer)
    today = timezone.localdate(as_of)
    # A mandate in doubt (a return said "no mandate", "revoked" …) is not announced again.
    if mandate is None or mandate.needs_attention or mandate_lapsed(mandate, on=today):
        return None
    profile = CompanyProfile.objects.filter(pk=1).first()
    creditor_id = (profile.sepa_creditor_id if profile else "").strip()
    if not creditor_id:
        field = CompanyProfile._meta.get_field("sepa_creditor_id").verbose_name
        raise ValidationError(
            {
                "payment_means": [
                    _(
                        "Customer %(customer)s pays by SEPA direct debit (mandate %(mandate)s), but the company "
                        "profile has no “%(field)s”: enter it under Company profile, then issue again."
                    )
                    % {"customer": invoice.customer.number, "mandate": mandate.reference, "field": field}
                ]
            }
        )
    return {
        "code": "59",
        "mandate_reference": mandate.reference,
        "creditor_id": creditor_id,
        "debtor_iban": mandate.debtor_iban,
        "debtor_name": mandate.debtor_name,
        "scheme": mandate.scheme,
        "collection_date": collection_date(
            invoice_date=invoice.invoice_date,
            due_date=invoice.due_date,
            today=today,
            prenotification_days=profile.sepa_prenotification_days,
        ).isoformat(),
        "amount": str(invoice.amount_due),
    }
