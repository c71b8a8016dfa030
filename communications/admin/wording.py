"""The wording of the e-mail templates (subject and opening text per language): finance managers only."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.roles import Role, role_of

from ..models import MessageWording
from ..services.wording import TEMPLATES, message_wording_clean, message_wording_save, template_label


class MessageWordingForm(forms.ModelForm):
    template = forms.ChoiceField(label=_("template"), choices=lambda: [(t, template_label(t)) for t in TEMPLATES])

    class Meta:
        model = MessageWording
        fields = ["template", "language", "subject", "intro"]
        help_texts = {
            "subject": _("Empty: the shipped subject. Placeholders such as {number} are filled per language."),
            "intro": _("Empty: the shipped opening text. Placeholders: {contact_name}, {number}, {amount}, …"),
        }

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            data["subject"], data["intro"] = message_wording_clean(
                template=data.get("template", self.instance.template or ""),
                language=data.get("language", self.instance.language or ""),
                subject=data.get("subject", ""),
                intro=data.get("intro", ""),
            )
        except ValidationError as exc:
            for field, problems in exc.message_dict.items():
                self.add_error(field if field in self.fields else None, problems)
        return data


class TemplateFilter(admin.SimpleListFilter):
    title = _("template")
    parameter_name = "template"

    def lookups(self, request, model_admin):
        return [(template, template_label(template)) for template in TEMPLATES]

    def queryset(self, request, queryset):
        return queryset.filter(template=self.value()) if self.value() else queryset


@admin.register(MessageWording)
class MessageWordingAdmin(admin.ModelAdmin):
    """Finance managers word the templates; everyone else may read what customers are told."""

    form = MessageWordingForm
    list_display = ["template_shown", "language", "subject", "updated_at", "updated_by"]
    list_filter = [TemplateFilter, "language"]
    list_select_related = ["updated_by"]
    ordering = ["template", "language", "id"]
    readonly_fields = ["updated_at", "updated_by"]

    def get_readonly_fields(self, request, obj=None):
        # Another template or language is another row: add it instead of moving this one.
        if obj is None:
            return self.readonly_fields
        return [*self.readonly_fields, "template", "template_shown", "language"]

    def get_fields(self, request, obj=None):
        # An existing row shows its template by name (template_shown), not by its code.
        fields = [name for name in super().get_fields(request, obj) if name != "template_shown"]
        if obj is None:
            return fields
        return ["template_shown" if name == "template" else name for name in fields]

    @admin.display(description=_("template"), ordering="template")
    def template_shown(self, obj):
        return template_label(obj.template)

    def _is_manager(self, request) -> bool:
        role = role_of(request.user)
        return role is not None and role >= Role.FINANCE_MANAGER

    def has_add_permission(self, request):
        return self._is_manager(request) and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return self._is_manager(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._is_manager(request) and super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        saved = message_wording_save(
            template=obj.template,
            language=obj.language,
            subject=obj.subject,
            intro=obj.intro,
            as_of=timezone.now(),
            by=request.user,
        )
        obj.pk = saved.pk  # the admin's redirect and log entry point at the saved row
