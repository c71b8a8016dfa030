"""The seller's company profile (a core model), checked with the field rules of customer master
data. It is registered here, not in core: core depends on no app (README, *Architecture*)."""

from django import forms
from django.contrib import admin
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.fonts import check_drawable
from core.models import CompanyProfile

from ..validation import (
    FieldProblem,
    clean_bic,
    clean_country,
    clean_creditor_id,
    clean_email,
    clean_iban,
    clean_phone,
    clean_postal_code,
    clean_vat_id,
)

# --- The seller ----------------------------------------------------------------------------------


class CompanyProfileForm(forms.ModelForm):
    """The seller's data, checked with the rules of customer master data (customers/validation.py)."""

    # Room for an IBAN pasted in groups of four; stored compact.
    iban = forms.CharField(
        label=_("IBAN"), max_length=64, required=False, widget=forms.TextInput(attrs={"class": "vTextField"})
    )
    website = forms.URLField(label=capfirst(_("website")), required=False, assume_scheme="https")

    class Meta:
        model = CompanyProfile
        fields = [
            "name",
            "street",
            "postal_code",
            "city",
            "country",
            "logo",
            "vat_id",
            "tax_number",
            "register_court",
            "register_number",
            "managing_directors",
            "iban",
            "bic",
            "bank_name",
            "contact_name",
            "email",
            "phone",
            "website",
            "uses_daily_exchange_rates",
        ]

    def _apply(self, field: str, rule, **kwargs) -> None:
        value = self.cleaned_data.get(field)
        if value in (None, "") or field in self.errors:
            return
        try:
            self.cleaned_data[field] = rule(value, **kwargs)
        except FieldProblem as problem:
            self.add_error(field, str(problem))

    def clean(self):
        cleaned = super().clean()
        self._apply("country", clean_country)
        country = cleaned.get("country") or "DE"
        self._apply("postal_code", clean_postal_code, country=country)
        self._apply("vat_id", clean_vat_id)
        self._apply("iban", lambda value: str(clean_iban(value).compact))
        self._apply("bic", clean_bic)
        self._apply("sepa_creditor_id", clean_creditor_id)
        self._apply("email", clean_email)
        self._apply("phone", clean_phone, country=country)
        # Every text here is printed on invoices and letters: refuse what the document fonts cannot draw.
        errors: dict[str, list[str]] = {}
        check_drawable(errors, {f: v for f, v in cleaned.items() if f not in self.errors})
        for field, problems in errors.items():
            for message in problems:
                self.add_error(field, message)
        if not (cleaned.get("vat_id") or cleaned.get("tax_number")) and "vat_id" not in self.errors:
            self.add_error(
                "vat_id",
                gettext("Invoices need the VAT ID or the tax number (§ 14 (4) Nr. 2 UStG); give at least one."),
            )
        return cleaned


@admin.register(CompanyProfile)
class CompanyProfileAdmin(admin.ModelAdmin):
    """One row (pk 1): added once, then only changed; issued invoices keep their own copy."""

    form = CompanyProfileForm
    list_display = ["name", "city", "vat_id", "tax_number", "iban"]
    fieldsets = [
        (_("Company"), {"fields": ["name", "street", ("postal_code", "city"), "country", "logo"]}),
        (
            _("Tax and register"),
            {"fields": [("vat_id", "tax_number"), ("register_court", "register_number"), "managing_directors"]},
        ),
        (_("Bank account"), {"fields": [("iban", "bic"), "bank_name"]}),
        (_("Contact"), {"fields": ["contact_name", ("email", "phone"), "website"]}),
        (
            _("E-mail to customers"),
            {"fields": [("mail_from_name", "mail_from_email"), "mail_reply_to", "mail_bcc_archive"]},
        ),
        (
            _("SEPA direct debit and transfers"),
            {
                "fields": [
                    "sepa_creditor_id",
                    ("sepa_direct_debit_format", "sepa_credit_transfer_format"),
                    "sepa_prenotification_days",
                ]
            },
        ),
        (_("Exchange rates"), {"fields": ["uses_daily_exchange_rates"]}),
    ]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not CompanyProfile.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        obj.pk = 1  # the single row (a check constraint holds it there)
        super().save_model(request, obj, form, change)
