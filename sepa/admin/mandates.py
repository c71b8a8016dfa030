"""Mandates in the admin: added and changed through the services (the SEPA checks and the
amendment bookkeeping live there), revoked or marked final by action."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from core.formatting import date_text

from .. import services
from ..models import Mandate
from ..services.errors import SepaConflict

EDITABLE_LATER = ("reference", "debtor_name", "debtor_iban", "debtor_bic")


class MandateForm(forms.ModelForm):
    """Validated and saved by ``mandate_create`` / ``mandate_amend``, not by the model form."""

    request = None  # set per request by MandateAdmin.get_form
    # Room for an IBAN pasted in groups of four; stored compact.
    debtor_iban = forms.CharField(label=_("IBAN"), max_length=64)

    class Meta:
        model = Mandate
        fields = [
            "customer",
            "reference",
            "signed_on",
            "scheme",
            "recurring",
            "debtor_name",
            "debtor_iban",
            "debtor_bic",
        ]

    def _post_clean(self):
        if self.errors:
            return
        data = self.cleaned_data
        by = self.request.user if self.request is not None else None
        try:
            if self.instance.pk is None:
                self.instance = services.mandate_create(
                    as_of=timezone.now(), by=by, **{name: data[name] for name in self.Meta.fields}
                )
            else:
                changes = {name: data[name] for name in EDITABLE_LATER if name in data and name in self.changed_data}
                if changes:
                    self.instance = services.mandate_amend(
                        mandate=self.instance, as_of=timezone.now(), by=by, **changes
                    )
        except ValidationError as exc:
            for field, problems in exc.message_dict.items():
                self.add_error(field if field in self.fields else None, problems)
        except SepaConflict as exc:
            self.add_error(None, str(exc))


@admin.register(Mandate)
class MandateAdmin(admin.ModelAdmin):
    form = MandateForm
    list_display = [
        "reference",
        "customer",
        "status",
        "scheme",
        "sequence_type",
        "last_collected_shown",
        "needs_attention",
    ]
    list_filter = ["status", "scheme", "sequence_type", "needs_attention", "used_up"]
    search_fields = ["reference", "customer__number", "customer__legal_name", "debtor_iban"]
    list_select_related = ["customer"]
    autocomplete_fields = ["customer"]
    actions = ["revoke_selected", "mark_final_selected"]
    readonly_on_change = ["customer", "signed_on", "scheme", "recurring"]
    state_fields = [
        "status",
        "status_changed_at",
        "status_reason",
        "sequence_type",
        "used_up",
        "last_collected_on",
        "needs_attention",
        "attention_reason",
        "original_reference",
        "original_debtor_iban",
        "original_debtor_bic",
        "debtor_bank_changed",
        "created_by",
        "created_at",
        "updated_at",
    ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"request": request})

    def get_fieldsets(self, request, obj=None):
        mandate = [
            (_("Mandate"), {"fields": ["customer", "reference", "signed_on", ("scheme", "recurring")]}),
            (_("Debtor's account"), {"fields": ["debtor_name", "debtor_iban", "debtor_bic"]}),
        ]
        if obj is None:
            return mandate
        return [*mandate, (_("State"), {"fields": self.state_fields})]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else [*self.readonly_on_change, *self.state_fields]

    def has_delete_permission(self, request, obj=None):
        return False  # a mandate is revoked, never deleted (the collections refer to it)

    def save_model(self, request, obj, form, change):
        pass  # the form's service call saved it

    @admin.display(description=_("last collection"), ordering="last_collected_on")
    def last_collected_shown(self, obj):
        return date_text(obj.last_collected_on)

    def _each(self, request, queryset, call, done: str) -> None:
        count = 0
        for mandate in queryset.order_by("pk"):
            try:
                call(mandate)
                count += 1
            except (SepaConflict, ValidationError) as exc:
                text = str(exc) if isinstance(exc, SepaConflict) else " ".join(exc.messages)
                self.message_user(request, f"{mandate.reference}: {text}", messages.WARNING)
        if count:
            self.message_user(request, done % {"count": count}, messages.SUCCESS)

    @admin.action(description=_("Revoke the selected mandates"), permissions=["change"])
    def revoke_selected(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda m: services.mandate_revoke(
                mandate=m, as_of=timezone.now(), by=request.user, reason=gettext("revoked in the admin")
            ),
            ngettext("%(count)s mandate revoked.", "%(count)s mandates revoked.", queryset.count()),
        )

    @admin.action(description=_("Make the next collection the final one"), permissions=["change"])
    def mark_final_selected(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda m: services.mandate_mark_final(mandate=m, as_of=timezone.now(), by=request.user),
            ngettext(
                "%(count)s mandate marked for a final collection.",
                "%(count)s mandates marked for a final collection.",
                queryset.count(),
            ),
        )
