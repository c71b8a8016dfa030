"""Admin of dunning: policies with their levels (finance managers), customers' dunning settings and
pauses (accountants); viewers read. Permissions come from ``core.roles`` (policies and levels are
``MANAGER_ONLY_MODELS``).

Policies and levels are checked by ``dunning.policies`` (the API's rules): exactly one default,
levels 1..n without gaps, at least one day, fees not negative, a template and a task kind chosen
by name. Pauses are made and ended by ``dunning.pauses`` only: the add page pauses, the change page
of an open pause resumes it with a reason; nothing is deleted (the record of a pause stays).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.events import event_record
from core.followups import followup_kinds
from core.formatting import date_text, datetime_text

from ..documents import mail_template_choices
from ..models import DunningLevel, DunningPause, DunningPolicy, DunningProfile
from ..pauses import dunning_pause, dunning_resume
from ..policies import (
    POLICY_FIELDS,
    dunning_policy_delete,
    dunning_settings_save,
    level_errors,
    levels_order_error,
    policy_default_errors,
)

DATE_INPUT = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


def task_kind_choices() -> list[tuple[str, str]]:
    kinds = sorted(((kind, str(label)) for kind, label in followup_kinds().items()), key=lambda kv: kv[1])
    return [("", gettext("no task")), *kinds]


def _add_errors(form: forms.BaseForm, errors: dict[str, list[str]]) -> None:
    for field, problems in errors.items():
        form.add_error(field if field in form.fields else None, problems)


# --- Policies and levels --------------------------------------------------------------------------


class LevelForm(forms.ModelForm):
    template = forms.ChoiceField(label=_("template"), choices=mail_template_choices)
    task_kind = forms.ChoiceField(label=_("opens a follow-up task"), choices=task_kind_choices, required=False)

    class Meta:
        model = DunningLevel
        fields = [
            "position",
            "name",
            "days",
            "counted_from",
            "template",
            "fee",
            "charges_interest",
            "attach_invoices",
            "attach_statement",
            "task_kind",
        ]

    def clean(self):
        data = super().clean()
        if not self.errors and data and not data.get("DELETE"):
            _add_errors(self, level_errors(data))
        return data


class LevelFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        positions = [
            form.cleaned_data["position"]
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE") and form.cleaned_data.get("position")
        ]
        if not positions:
            raise ValidationError(gettext("A policy has at least one level."))
        if problem := levels_order_error(positions):
            raise ValidationError(problem)


class LevelInline(admin.TabularInline):
    model = DunningLevel
    form = LevelForm
    formset = LevelFormSet
    extra = 0
    ordering = ["position"]


class PolicyForm(forms.ModelForm):
    class Meta:
        model = DunningPolicy
        fields = list(POLICY_FIELDS)

    def clean(self):
        data = super().clean()
        if "is_default" in data:
            _add_errors(
                self,
                policy_default_errors(
                    policy_pk=self.instance.pk,
                    is_default=data.get("is_default", False),
                    active=data.get("active", True),
                ),
            )
        return data


@admin.register(DunningPolicy)
class DunningPolicyAdmin(admin.ModelAdmin):
    form = PolicyForm
    inlines = [LevelInline]
    list_display = ["name", "is_default", "active", "level_names", "minimum_amount"]
    list_filter = ["active"]
    search_fields = ["name"]
    fieldsets = [
        (None, {"fields": ["name", "is_default", "active", "minimum_amount"]}),
        (
            _("Start of default (§ 286 BGB)"),
            {
                "fields": [
                    "default_by_reminder",
                    "default_by_agreed_date",
                    "default_after_30_days",
                    "receipt_assumed_after_days",
                ]
            },
        ),
        (
            _("Default interest and flat fee (§ 288 BGB)"),
            {
                "fields": [
                    "interest_jurisdiction",
                    "interest_from_day_after_default",
                    "interest_includes_payment_day",
                    "day_count",
                    "flat_fee_enabled",
                    "first_default_reminder_free",
                ]
            },
        ),
    ]  # fmt: skip

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("levels")

    @admin.display(description=_("levels"))
    def level_names(self, obj):
        return " → ".join(level.name for level in sorted(obj.levels.all(), key=lambda lv: lv.position)) or "—"

    def save_model(self, request, obj, form, change):
        now = timezone.now()
        if not change:
            obj.created_at = now
        obj.updated_at = now
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        obj = form.instance
        event_record(
            type="dunning.policy_saved",
            obj=obj,
            data={"policy": obj.pk, "is_default": obj.is_default, "levels": True},
            at=obj.updated_at,
        )

    def delete_model(self, request, obj):
        try:
            dunning_policy_delete(policy=obj, as_of=timezone.now(), by=request.user)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)

    def has_delete_permission(self, request, obj=None):
        # A policy reminders were written under stays (the database protects it too).
        if obj is not None and (obj.is_default or obj.profiles.exists()):
            return False
        return super().has_delete_permission(request, obj)


# --- Customers' dunning settings ------------------------------------------------------------------


class ProfileForm(forms.ModelForm):
    class Meta:
        model = DunningProfile
        fields = ["customer", "policy", "payment_date_agreed", "due_date_notice_days"]

    def clean(self):
        data = super().clean()
        policy, days = data.get("policy"), data.get("due_date_notice_days")
        if policy is not None and not policy.active:
            self.add_error("policy", gettext("Choose an active policy."))
        if days is not None and not 1 <= days <= 60:
            self.add_error("due_date_notice_days", gettext("Between 1 and 60 days, or empty for no heads-up."))
        return data


@admin.register(DunningProfile)
class DunningProfileAdmin(admin.ModelAdmin):
    form = ProfileForm
    list_display = ["customer", "policy_shown", "payment_date_agreed", "due_date_notice_days"]
    list_filter = ["payment_date_agreed", "policy"]
    list_select_related = ["customer", "policy"]
    search_fields = ["customer__legal_name", "customer__number"]
    autocomplete_fields = ["customer"]
    fields = ["customer", "policy", "payment_date_agreed", "due_date_notice_days"]

    @admin.display(description=_("dunning policy"), ordering="policy__name")
    def policy_shown(self, obj):
        return obj.policy.name if obj.policy else gettext("the default policy")

    def get_readonly_fields(self, request, obj=None):
        return ["customer"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        profile = dunning_settings_save(
            customer=obj.customer,
            policy=obj.policy,
            payment_date_agreed=obj.payment_date_agreed,
            due_date_notice_days=obj.due_date_notice_days,
            as_of=timezone.now(),
            by=request.user,
        )
        obj.pk, obj.updated_at = profile.pk, profile.updated_at


# --- Pauses ---------------------------------------------------------------------------------------


class PauseAddForm(forms.ModelForm):
    request = None

    class Meta:
        model = DunningPause
        fields = ["customer", "invoice", "reason", "until"]
        widgets = {"until": DATE_INPUT}

    def clean(self):
        data = super().clean()
        if not self.errors:
            try:
                self.instance = dunning_pause(
                    customer=data.get("customer"),
                    invoice=data.get("invoice"),
                    reason=data.get("reason") or "",
                    until=data.get("until"),
                    as_of=timezone.now(),
                    by=self.request.user,
                )
            except ValidationError as exc:
                _add_errors(self, exc.message_dict)
        return data

    def _post_clean(self):
        pass  # dunning_pause validated and saved


class PauseResumeForm(forms.ModelForm):
    resume = forms.BooleanField(label=_("resume dunning"), required=False)
    resume_reason = forms.CharField(label=_("reason for resuming"), required=False, max_length=255)

    class Meta:
        model = DunningPause
        fields: list[str] = []

    def clean(self):
        data = super().clean()
        if data.get("resume") and not (data.get("resume_reason") or "").strip():
            self.add_error("resume_reason", gettext("Say why dunning resumes."))
        return data


@admin.register(DunningPause)
class DunningPauseAdmin(admin.ModelAdmin):
    list_display = ["paused", "target", "reason", "until_shown", "state"]
    list_select_related = ["customer", "invoice", "invoice__customer"]
    search_fields = ["customer__legal_name", "customer__number", "invoice__number", "reason"]
    autocomplete_fields = ["customer", "invoice"]
    readonly_fields = [
        "customer",
        "invoice",
        "reason",
        "until",
        "paused",
        "created_by",
        "state",
        "ended_by",
        "end_reason",
    ]
    actions = None

    @admin.display(description=_("paused"), ordering="created_at")
    def paused(self, obj):
        return datetime_text(obj.created_at)

    @admin.display(description=_("paused for"))
    def target(self, obj):
        return str(obj.customer or obj.invoice)

    @admin.display(description=_("until"), ordering="until")
    def until_shown(self, obj):
        return date_text(obj.until) if obj.until else gettext("until resumed")

    @admin.display(description=_("state"))
    def state(self, obj):
        if obj.ended_at is not None:
            return gettext("resumed on %(date)s") % {"date": datetime_text(obj.ended_at)}
        if obj.until is not None and obj.until < timezone.localdate():
            return gettext("ended on %(date)s") % {"date": date_text(obj.until)}
        return gettext("paused")

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = PauseAddForm if obj is None else PauseResumeForm
        form = super().get_form(request, obj, change=change, **kwargs)
        form.request = request
        return form

    def get_fields(self, request, obj=None):
        if obj is None:
            return PauseAddForm.Meta.fields
        resumable = obj.ended_at is None and self.has_change_permission(request, obj)
        return [*self.readonly_fields, *(["resume", "resume_reason"] if resumable else [])]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        if not change:
            return  # dunning_pause saved it while the form validated
        if form.cleaned_data.get("resume"):
            try:
                dunning_resume(
                    pause=obj, reason=form.cleaned_data["resume_reason"], as_of=timezone.now(), by=request.user
                )
            except ValidationError as exc:
                self.message_user(request, " ".join(exc.messages), messages.ERROR)

    def has_delete_permission(self, request, obj=None):
        return False
