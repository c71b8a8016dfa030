"""Payment terms, the commercial master data finance managers agree with customers: the list shows
each one's wording, the change page an example as printed on an invoice in each language."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib import admin
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from core.formatting import money_text
from core.languages import document_language

from ..forms import PaymentTermsForm, tiers_text
from ..models import PaymentTerms
from ..terms import TermsError, terms_text, validate_terms

EXAMPLE_GROSS = Decimal("1190.00")


@admin.register(PaymentTerms)
class PaymentTermsAdmin(admin.ModelAdmin):
    form = PaymentTermsForm
    list_display = ["name", "basis", "days", "discounts", "is_default", "active", "text"]
    list_filter = ["active", "basis"]
    search_fields = ["name"]
    readonly_fields = ["example"]

    def get_fields(self, request, obj=None):
        fields = ["name", "basis", "days", "discount_tiers", ("is_default", "active")]
        return [*fields, "example"] if obj is not None else fields

    @admin.display(description=_("early payment discounts"))
    def discounts(self, obj):
        return tiers_text(obj.discount_tiers) or "—"

    @admin.display(description=_("text on invoices"))
    def text(self, obj):
        language = document_language((get_language() or "").split("-")[0])
        try:
            spec = obj.spec()
            validate_terms(spec)
        except (TermsError, ArithmeticError, KeyError, TypeError, ValueError):
            return "—"
        return terms_text(spec, language=language)

    @admin.display(description=_("example"))
    def example(self, obj):
        """As printed on an invoice dated today over 1,190.00 EUR, in each language."""
        try:
            spec = obj.spec()
            validate_terms(spec)
        except (TermsError, ArithmeticError, KeyError, TypeError, ValueError):
            return "—"
        today = timezone.localdate()
        texts = [
            (label, terms_text(spec, language=code, invoice_date=today, gross_amount=EXAMPLE_GROSS))
            for code, label in settings.LANGUAGES
        ]
        return format_html(
            '<dl class="debitor-terms-example">{}</dl><p class="help">{}</p>',
            format_html_join("", "<dt>{}</dt><dd>{}</dd>", texts),
            gettext("For an invoice dated today over %(amount)s.") % {"amount": money_text(EXAMPLE_GROSS, "EUR")},
        )
