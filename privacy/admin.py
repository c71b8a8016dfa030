"""Data protection in the admin, for finance managers only (viewers and accountants see none of it:
the export holds everything about a person): the retention periods, the requests with their dry
run, execution and export, and the restrictions in force."""

from __future__ import annotations

from datetime import date

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.formatting import date_text, datetime_text
from core.roles import Role, role_of

from .export import export_filename, export_zip, privacy_export
from .models import (
    DataSubjectDecision,
    DataSubjectRequest,
    ProcessingRestriction,
    RequestKind,
    RequestStatus,
    RetentionSettings,
)
from .services import (
    PrivacyRequestConflict,
    plan_as_dict,
    privacy_plan,
    privacy_request_check,
    privacy_request_create,
    privacy_request_execute,
    privacy_request_reject,
    retention_settings_get,
    retention_settings_update,
)


def _is_manager(request) -> bool:
    role = role_of(request.user)
    return role is not None and role >= Role.FINANCE_MANAGER


class ManagersOnly:
    """Every page of this admin needs the finance manager role (viewing included)."""

    def has_module_permission(self, request):
        return _is_manager(request)

    def has_view_permission(self, request, obj=None):
        return _is_manager(request)

    def has_add_permission(self, request):
        return _is_manager(request)

    def has_change_permission(self, request, obj=None):
        return _is_manager(request)

    def has_delete_permission(self, request, obj=None):
        return False  # records of what was done (Art. 5 (2) DSGVO)


@admin.register(RetentionSettings)
class RetentionSettingsAdmin(ManagersOnly, admin.ModelAdmin):
    list_display = ["__str__", "books_years", "vouchers_years", "letters_years", "updated"]
    fields = ["books_years", "vouchers_years", "letters_years", "updated", "updated_by"]
    readonly_fields = ["updated", "updated_by"]

    def has_add_permission(self, request):
        return False  # one row, made on first use

    def changelist_view(self, request, extra_context=None):
        retention_settings_get()  # the one row exists before it is listed
        return super().changelist_view(request, extra_context)

    @admin.display(description=_("updated"))
    def updated(self, obj):
        return datetime_text(obj.updated_at)

    def save_model(self, request, obj, form, change):
        retention_settings_update(
            books_years=obj.books_years,
            vouchers_years=obj.vouchers_years,
            letters_years=obj.letters_years,
            as_of=timezone.now(),
            by=request.user,
        )


class RequestForm(forms.ModelForm):
    class Meta:
        model = DataSubjectRequest
        fields = ["customer", "contacts", "customer_itself", "kind", "received_at", "requested_by"]

    def clean(self):
        data = super().clean()
        if self.instance.pk:
            return data  # a recorded request is never edited
        try:
            privacy_request_check(
                customer=data.get("customer"),
                kind=data.get("kind") or "",
                received_at=data.get("received_at"),
                contacts=data.get("contacts") or [],
                customer_itself=bool(data.get("customer_itself")),
                requested_by=data.get("requested_by") or "",
                as_of=timezone.now(),
            )
        except ValidationError as exc:
            for field, problems in exc.message_dict.items():
                if field not in self.errors:
                    self.add_error(field if field in self.fields else None, problems)
        return data


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("reason for rejecting"), max_length=500, widget=forms.Textarea(attrs={"rows": 3, "cols": 60})
    )


class DecisionInline(admin.TabularInline):
    model = DataSubjectDecision
    fields = ["source", "action", "basis", "erased_count", "restricted_count", "until", "explanation"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return _is_manager(request)

    @admin.display(description=_("restricted until"))
    def until(self, obj):
        return date_text(obj.restricted_until)


@admin.register(DataSubjectRequest)
class DataSubjectRequestAdmin(ManagersOnly, admin.ModelAdmin):
    form = RequestForm
    list_display = ["__str__", "customer", "status_word", "received"]
    list_filter = ["kind", "status"]
    search_fields = ["customer__number", "customer__legal_name"]
    list_select_related = ["customer"]
    raw_id_fields = ["customer", "contacts"]
    inlines = [DecisionInline]
    change_form_template = "admin/privacy/datasubjectrequest/change_form.html"
    readonly = [
        "customer",
        "contacts",
        "customer_itself",
        "kind",
        "status_word",
        "received",
        "requested_by",
        "decided",
        "decided_by",
    ]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["customer", "contacts", "customer_itself", "kind", "received_at", "requested_by"]
        return self.readonly

    def get_readonly_fields(self, request, obj=None):
        return self.readonly if obj is not None else []

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    @admin.display(description=_("status"), ordering="status")
    def status_word(self, obj):
        return obj.get_status_display()

    @admin.display(description=_("received"), ordering="received_at")
    def received(self, obj):
        return datetime_text(obj.received_at)

    @admin.display(description=_("decided"))
    def decided(self, obj):
        return datetime_text(obj.decided_at)

    def save_model(self, request, obj, form, change):
        if change:
            return  # a request is a record: it is never edited
        created = privacy_request_create(
            customer=form.cleaned_data["customer"],
            contacts=form.cleaned_data.get("contacts") or [],
            customer_itself=form.cleaned_data.get("customer_itself", False),
            kind=form.cleaned_data["kind"],
            received_at=form.cleaned_data["received_at"],
            requested_by=form.cleaned_data.get("requested_by", ""),
            as_of=timezone.now(),
            by=request.user,
        )
        obj.pk = created.pk
        obj.created_at = created.created_at

    def save_related(self, request, form, formsets, change):
        pass  # the contacts were set by the service

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/dry-run/", view(self.dry_run_view), name="privacy_datasubjectrequest_dry_run"),
            path("<path:object_id>/execute/", view(self.execute_view), name="privacy_datasubjectrequest_execute"),
            path("<path:object_id>/export/", view(self.export_view), name="privacy_datasubjectrequest_export"),
            path("<path:object_id>/reject/", view(self.reject_view), name="privacy_datasubjectrequest_reject"),
            *super().get_urls(),
        ]

    def _request(self, request, object_id) -> DataSubjectRequest:
        if not _is_manager(request):
            raise PermissionDenied
        found = DataSubjectRequest.objects.select_related("customer").filter(pk=unquote(object_id)).first()
        if found is None:
            raise Http404(gettext("No such data-protection request."))
        return found

    def change_view(self, request, object_id, form_url="", extra_context=None):
        found = DataSubjectRequest.objects.filter(pk=unquote(object_id)).first()
        extra = {
            "may_execute": found is not None
            and found.kind == RequestKind.ERASURE
            and found.status == RequestStatus.RECEIVED,
        }
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), **extra})

    def dry_run_view(self, request, object_id):
        """What executing the erasure would do, per source, and why; nothing is changed."""
        subject_request = self._request(request, object_id)
        if request.method != "GET":
            return HttpResponseNotAllowed(["GET"])
        plans = plan_as_dict(privacy_plan(request=subject_request, as_of=timezone.now()))
        for plan in plans:
            until = plan["restricted_until"]
            plan["until_text"] = date_text(date.fromisoformat(until)) if until else ""
        return TemplateResponse(
            request,
            "admin/privacy/datasubjectrequest/dry_run.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "original": subject_request,
                "title": gettext("What the erasure would do"),
                "plans": plans,
                "may_execute": subject_request.kind == RequestKind.ERASURE
                and subject_request.status == RequestStatus.RECEIVED,
            },
        )

    def execute_view(self, request, object_id):
        subject_request = self._request(request, object_id)
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        try:
            privacy_request_execute(request=subject_request, as_of=timezone.now(), by=request.user)
        except PrivacyRequestConflict as exc:
            self.message_user(request, str(exc), messages.ERROR)
        else:
            self.message_user(request, gettext("The erasure was executed; the decisions are listed below."))
        return HttpResponseRedirect(reverse("admin:privacy_datasubjectrequest_change", args=[subject_request.pk]))

    def reject_view(self, request, object_id):
        """Close an open request without acting on it, with the reason (e.g. identity not shown)."""
        subject_request = self._request(request, object_id)
        form = RejectForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                privacy_request_reject(
                    request=subject_request, reason=form.cleaned_data["reason"], as_of=timezone.now(), by=request.user
                )
            except PrivacyRequestConflict as exc:
                self.message_user(request, str(exc), messages.ERROR)
            except ValidationError as exc:
                form.add_error("reason", exc.message_dict.get("reason", exc.messages))
            else:
                self.message_user(request, gettext("The request was rejected."))
            if not form.errors:
                return HttpResponseRedirect(
                    reverse("admin:privacy_datasubjectrequest_change", args=[subject_request.pk])
                )
        return TemplateResponse(
            request,
            "admin/privacy/datasubjectrequest/reject.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "original": subject_request,
                "title": gettext("Reject the request"),
                "form": form,
            },
        )

    def export_view(self, request, object_id):
        """The access export as a ZIP (JSON, one CSV per source, a summary to read); logged."""
        subject_request = self._request(request, object_id)
        if request.method != "GET":
            return HttpResponseNotAllowed(["GET"])
        data = privacy_export(request=subject_request, as_of=timezone.now(), by=request.user, file_format="zip")
        response = HttpResponse(export_zip(data, request=subject_request), content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="{export_filename(subject_request)}"'
        return response


@admin.register(ProcessingRestriction)
class ProcessingRestrictionAdmin(ManagersOnly, admin.ModelAdmin):
    """Whom the outbox no longer writes to, and why: written by executed erasures only."""

    list_display = ["__str__", "customer", "contact_id", "until_text"]
    list_select_related = ["customer"]
    search_fields = ["customer__number"]
    fields = ["customer", "contact_id", "kind", "until", "request", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("restricted until"))
    def until_text(self, obj):
        return date_text(obj.until) if obj.until else gettext("for good")
