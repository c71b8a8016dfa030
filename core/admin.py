from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.models import APIKey as LibraryApiKey

from . import (
    admin_schedules,  # noqa: F401  (django-celery-beat's pages, worded for finance managers)
    services,
)
from .api.scopes import ALL_SCOPES
from .models import ApiKey, Job, NumberSeries
from .roles import ROLE_BY_GROUP, role_of

# The library's own key model is not used (core.ApiKey adds scopes); hide it.
if admin.site.is_registered(LibraryApiKey):
    admin.site.unregister(LibraryApiKey)


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "status", "attempts", "run_after", "finished_at", "short_error"]
    list_filter = ["status", "kind"]
    search_fields = ["kind", "last_error", "dedupe_key"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-id"]
    actions = ["retry_jobs", "cancel_jobs"]
    readonly_fields = [f.name for f in Job._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("last error"))
    def short_error(self, obj):
        lines = obj.last_error.strip().splitlines()
        return lines[-1][:120] if lines else ""

    def _apply(self, request, queryset, service, verb):
        done = 0
        for job in queryset.order_by("pk"):
            try:
                service(job=job, as_of=timezone.now())
                done += 1
            except ValidationError as exc:
                self.message_user(request, f"#{job.pk}: {' '.join(exc.messages)}", messages.WARNING)
        self.message_user(request, _("%(count)d job(s) %(verb)s.") % {"count": done, "verb": verb})

    @admin.action(description=_("Retry selected failed jobs"), permissions=["change"])
    def retry_jobs(self, request, queryset):
        self._apply(request, queryset, services.job_retry, _("queued again"))

    @admin.action(description=_("Cancel selected jobs"), permissions=["change"])
    def cancel_jobs(self, request, queryset):
        self._apply(request, queryset, services.job_cancel, _("cancelled"))


class ApiKeyForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        label=_("scopes"), choices=[(s, s) for s in ALL_SCOPES], widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = ApiKey
        fields = ["name", "scopes", "expiry_date", "revoked"]


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    form = ApiKeyForm
    list_display = ["prefix", "name", "scope_list", "created", "expiry_date", "last_used_at", "revoked"]
    list_filter = ["revoked"]
    search_fields = ["name", "prefix"]
    ordering = ["-created", "id"]

    def get_readonly_fields(self, request, obj=None):
        fields = ["prefix", "created", "last_used_at", "created_by"]
        if obj is not None and obj.revoked:
            fields += ["name", "scopes", "expiry_date", "revoked"]
        return fields

    @admin.display(description=_("scopes"))
    def scope_list(self, obj):
        return ", ".join(obj.scopes)

    def save_model(self, request, obj, form, change):
        if change:
            obj.save()
            return
        api_key, plaintext = services.api_key_create(
            name=obj.name, scopes=list(obj.scopes), created_by=request.user, expiry_date=obj.expiry_date
        )
        obj.pk = api_key.pk
        obj.prefix = api_key.prefix
        messages.warning(
            request,
            _("The API key for %(name)s is %(key)s — copy it now: it is stored hashed and will not be shown again.")
            % {"name": api_key.name, "key": plaintext},
        )


# --- Users and role groups -------------------------------------------------------------
# Finance managers manage users and give them roles, but cannot mint superusers, edit a
# superuser, or grant permissions outside the role table (core/roles.py), which would
# drift from the table and be overwritten at the next migrate anyway.
User = get_user_model()
admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class DebitorUserAdmin(UserAdmin):
    list_display = ["username", "email", "first_name", "last_name", "role", "is_active", "last_login"]
    list_filter = ["groups", "is_active", "is_staff", "is_superuser"]

    @admin.display(description=_("role"))
    def role(self, obj):
        found = role_of(obj)
        return found.group_name if found else "—"

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += ["is_superuser", "user_permissions", "last_login", "date_joined"]
        return fields

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "groups":
            kwargs["queryset"] = Group.objects.filter(name__in=ROLE_BY_GROUP).order_by("name")
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(Group)
class RoleGroupAdmin(GroupAdmin):
    readonly_fields = ["permissions"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        # Only the name could change, and the role table finds groups by name.
        return False


@admin.register(NumberSeries)
class NumberSeriesAdmin(admin.ModelAdmin):
    """Finance managers set the format of customer (later invoice) numbers."""

    list_display = ["key", "format", "next_number", "reset_yearly", "example"]
    ordering = ["key"]

    def get_readonly_fields(self, request, obj=None):
        # Lowering next_number could reissue a number; it only moves forward by drawing.
        return ["key", "next_number", "year"] if obj is not None else ["year"]

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("example"))
    def example(self, obj):
        return obj.render(number=obj.next_number, year=obj.year or timezone.localdate().year)
