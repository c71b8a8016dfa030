"""Customer master data in the admin: the finance staff's main screen.

Every write goes through customers.services. The forms validate with the services' own
checks (customers/forms.py), and save_model/save_related/save_formset/delete_model call
the services, inside the admin's one transaction per request: history records the user,
legally relevant changes are queued for re-verification, and an invalid inline row
leaves everything unsaved. The change page shows the verification panel (latest run and
its checks, earlier runs, VAT ID proofs) with "Verify now" for accountants and "Dismiss
duplicate" for finance managers; the history page adds contacts and bank accounts.
"""

from __future__ import annotations

from collections import Counter

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from core.admin_site import ServiceRefusalMixin
from core.roles import Role, role_of

from .. import services
from ..countries import country_choices
from ..forms import BankAccountForm, ContactForm, CustomerChildFormSet, CustomerForm, DuplicateDismissForm
from ..models import (
    BankAccount,
    CheckOutcome,
    Contact,
    Customer,
    VerificationCheck,
    VerificationRun,
    VerificationStatus,
)
from ..services import CUSTOMER_FIELDS

# Human names of the checklist's check codes (customers/checks.py, customers/services.py).

CHECK_LABELS = {
    "address.complete": _("Billing address complete"),
    "address.postal_code": _("Postal code"),
    "vat_id.present": _("VAT ID present"),
    "vat_id.format": _("VAT ID format and check digit"),
    "vat_id.country": _("VAT ID country"),
    "vat_id.vies": _("VAT ID confirmation (EU VIES)"),
    "vat_id.bzst": _("Qualified VAT ID confirmation (BZSt)"),
    "bank.iban": _("IBAN"),
    "bank.bic": _("BIC"),
    "bank.holder": _("Account holder"),
    "contact.email": _("Contact e-mail"),
    "contact.phone": _("Contact phone"),
    "contact.invoice_recipient": _("Invoice recipient"),
    "e_invoice.leitweg_id": _("Leitweg-ID"),
    "duplicate": _("Duplicates"),
    "duplicate.vat_id": _("Duplicate: same VAT ID"),
    "duplicate.iban": _("Duplicate: same IBAN"),
    "duplicate.name": _("Duplicate: similar name"),
}
SUBJECT_LABELS = {"billing": _("billing address"), "shipping": _("shipping address")}
EARLIER_RUNS_SHOWN = 10
RELATED_HISTORY_SHOWN = 200


def badge(value: str, label) -> str:
    """A coloured label; the colours live in templates/admin/customers/includes/styles.html."""
    return format_html('<span class="debitor-badge debitor-badge-{}">{}</span>', value, label)


# --- Customers ------------------------------------------------------------------------------


class CountryFilter(admin.SimpleListFilter):
    """Only the countries customers are in (not all 249), by name."""

    title = _("country")
    parameter_name = "billing_country"

    def lookups(self, request, model_admin):
        names = dict(country_choices())
        used = Customer.objects.order_by().values_list("billing_country", flat=True).distinct()
        return sorted(((code, names.get(code, code)) for code in used), key=lambda item: item[1])

    def queryset(self, request, queryset):
        return queryset.filter(billing_country=self.value()) if self.value() else queryset


class CustomerChildInline(admin.TabularInline):
    formset = CustomerChildFormSet

    def get_extra(self, request, obj=None, **kwargs):
        return 1 if obj is None else 0


class ContactInline(CustomerChildInline):
    model = Contact
    form = ContactForm
    fields = ["name", "role", "email", "phone", "language", "receives_invoices", "receives_reminders"]


class BankAccountInline(CustomerChildInline):
    model = BankAccount
    form = BankAccountForm
    fields = ["iban", "bic", "account_holder", "bank_name", "is_active"]
    readonly_fields = ["bank_name"]


# Which service writes which inline row.
CHILD_SERVICES = {
    Contact: {
        "create": services.contact_create,
        "update": lambda obj, **kw: services.contact_update(contact=obj, **kw),
        "delete": lambda obj, **kw: services.contact_delete(contact=obj, **kw),
    },
    BankAccount: {
        "create": services.bank_account_create,
        "update": lambda obj, **kw: services.bank_account_update(account=obj, **kw),
        "delete": lambda obj, **kw: services.bank_account_delete(account=obj, **kw),
    },
}


@admin.register(Customer)
class CustomerAdmin(ServiceRefusalMixin, SimpleHistoryAdmin):
    form = CustomerForm
    inlines = [ContactInline, BankAccountInline]
    list_display = [
        "number",
        "legal_name",
        "kind",
        "billing_country",
        "verification",
        "last_verified",
        "account_owner",
        "dunning",
    ]
    list_display_links = ["number", "legal_name"]
    list_filter = [
        "verification_status",
        CountryFilter,
        "kind",
        ("account_owner", admin.RelatedOnlyFieldListFilter),
        "dunning_blocked",
    ]
    search_fields = ["legal_name", "number", "vat_id", "contacts__email", "bank_accounts__iban"]
    search_help_text = _("Legal name, customer number, VAT ID, contact e-mail or IBAN.")
    list_select_related = ["account_owner"]
    readonly_fields = ["number", "verification", "last_verified_at", "created_at", "updated_at"]
    actions = ["verify_selected", "show_timeline"]
    object_history_template = "admin/customers/customer/object_history.html"
    object_history_list_template = "admin/customers/customer/object_history_list.html"
    object_history_form_template = "admin/customers/customer/object_history_form.html"

    def get_readonly_fields(self, request, obj=None):
        if getattr(request, "debitor_past_version", False):
            return [*CUSTOMER_FIELDS, *self.readonly_fields]
        return super().get_readonly_fields(request, obj)

    def get_fieldsets(self, request, obj=None):
        master = ["legal_name", "kind", "language", "account_owner"]
        if getattr(request, "debitor_past_version", False):
            master = ["number", *master]  # its verification status is not kept in history
        elif obj is not None:
            master = [("number", "verification", "last_verified_at"), *master]
        collapsed = {"classes": ["collapse"]}
        fieldsets = [
            (_("Master data"), {"fields": master}),
            (
                _("Billing address"),
                {
                    "fields": [
                        "billing_street",
                        "billing_street2",
                        ("billing_postal_code", "billing_city"),
                        "billing_country",
                    ]
                },
            ),
            (
                _("Shipping address"),
                {
                    **collapsed,
                    "fields": [
                        "has_shipping_address",
                        "shipping_name",
                        "shipping_street",
                        "shipping_street2",
                        ("shipping_postal_code", "shipping_city"),
                        "shipping_country",
                    ],
                },
            ),
            (_("Tax and register"), {"fields": ["vat_id", "tax_number", ("register_court", "register_number")]}),
            (
                _("E-invoicing"),
                {
                    "fields": [
                        "invoice_delivery",
                        "leitweg_id",
                        ("e_invoice_scheme", "e_invoice_address"),
                        "e_invoice_format",
                    ]
                },
            ),
            (_("Terms and credit"), {"fields": ["payment_terms", ("currency", "credit_limit")]}),
            (_("Dunning"), {"fields": ["dunning_blocked", "dunning_block_reason"]}),
            (_("Notes"), {"fields": ["notes"]}),
        ]
        if obj is not None:
            fieldsets.append((_("Record"), {**collapsed, "fields": [("created_at", "updated_at")]}))
        return fieldsets

    @admin.display(description=_("verification"), ordering="verification_status")
    def verification(self, obj):
        return badge(obj.verification_status, obj.get_verification_status_display())

    @admin.display(description=_("dunning block"), ordering="dunning_blocked")
    def dunning(self, obj):
        # Only a block is worth the eye; Django's boolean icons would show a red cross for "not blocked".
        if not obj.dunning_blocked:
            return ""
        return format_html(
            '<span class="debitor-badge debitor-badge-blocked" title="{}">{}</span>',
            obj.dunning_block_reason,
            gettext("blocked"),
        )

    @admin.display(description=_("last verified"), ordering="last_verified_at")
    def last_verified(self, obj):
        if obj.last_verified_at is None:
            return None  # the admin's "-"
        when = timezone.localtime(obj.last_verified_at)  # the date in the list, the time on hovering
        return format_html(
            '<span title="{}">{}</span>',
            date_format(when, "SHORT_DATETIME_FORMAT"),
            date_format(when, "SHORT_DATE_FORMAT"),
        )

    def get_search_results(self, request, queryset, search_term):
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        # IBANs and VAT IDs are stored compact but often pasted with spaces (DE89 3704 0044 ...).
        # ``queryset`` already carries the list filters, so the extra match keeps to them.
        compact = "".join(search_term.split()).upper()
        if compact != search_term.strip() and len(compact) >= 8 and compact.isalnum():
            found |= queryset.filter(Q(vat_id=compact) | Q(bank_accounts__iban=compact))
            may_have_duplicates = True
        return found, may_have_duplicates

    # --- Writes: through the services only ---------------------------------------------------

    def save_model(self, request, obj, form, change):
        if not change:
            return  # created together with its contacts and bank accounts in save_related()
        services.customer_update(customer=obj, data=form.service_data(), as_of=timezone.now(), by=request.user)
        obj.refresh_from_db()

    def save_related(self, request, form, formsets, change):
        if change:
            super().save_related(request, form, formsets, change)  # each formset through save_formset()
            return
        rows = {formset.model: [row.service_data() for row in formset.rows_to_create()] for formset in formsets}
        customer = services.customer_create(
            data=form.service_data(),
            contacts=rows.get(Contact, []),
            bank_accounts=rows.get(BankAccount, []),
            as_of=timezone.now(),
            by=request.user,
        )
        obj = form.instance
        obj.pk, obj._state.adding = customer.pk, False
        obj.refresh_from_db()
        for formset in formsets:  # what the admin's change message reports
            formset.new_objects = list(formset.model._default_manager.filter(customer=customer))
            formset.changed_objects, formset.deleted_objects = [], []

    def save_formset(self, request, form, formset, change):
        write, as_of = CHILD_SERVICES[formset.model], timezone.now()
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        # Deletions first, so an IBAN moved from a removed row to a new one is not a duplicate.
        for row in formset.rows_to_delete():
            write["delete"](row.instance, as_of=as_of, by=request.user)
            formset.deleted_objects.append(row.instance)
        for row in formset.rows_to_update():
            child = write["update"](row.instance, data=row.service_data(), as_of=as_of, by=request.user)
            formset.changed_objects.append((child, row.changed_data))
        for row in formset.rows_to_create():
            child = write["create"](customer=form.instance, data=row.service_data(), as_of=as_of, by=request.user)
            formset.new_objects.append(child)

    def delete_model(self, request, obj):
        services.customer_delete(customer=obj, as_of=timezone.now(), by=request.user)

    def delete_queryset(self, request, queryset):
        as_of = timezone.now()
        for customer in queryset.order_by("pk"):
            services.customer_delete(customer=customer, as_of=as_of, by=request.user)

    @admin.action(description=_("Verify selected customers"), permissions=["change"])
    def verify_selected(self, request, queryset):
        outcomes = Counter()
        as_of = timezone.now()
        for customer in queryset.order_by("pk"):
            run = services.customer_verify(
                customer=customer, trigger=VerificationRun.Trigger.MANUAL, as_of=as_of, by=request.user
            )
            outcomes[run.outcome] += 1
        self.message_user(
            request,
            gettext("Customers verified: %(count)d (verified: %(verified)d, needs review: %(review)d).")
            % {
                "count": sum(outcomes.values()),
                "verified": outcomes[VerificationStatus.VERIFIED],
                "review": outcomes[VerificationStatus.NEEDS_REVIEW],
            },
            messages.SUCCESS if not outcomes[VerificationStatus.NEEDS_REVIEW] else messages.WARNING,
        )

    # --- Verification panel, "Verify now", "Dismiss duplicate" -------------------------------

    @admin.action(description=_("Show the timeline (notes, calls, letters)"))
    def show_timeline(self, request, queryset):
        """Open the chosen customer's timeline (casework's page, reached by its URL name: customers
        imports no higher app)."""
        customers = list(queryset.order_by("pk")[:2])
        if len(customers) != 1:
            self.message_user(request, gettext("Choose exactly one customer to see the timeline."), messages.WARNING)
            return None
        return HttpResponseRedirect(reverse("admin:communications_customernote_timeline", args=[customers[0].pk]))

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/verify/",
                self.admin_site.admin_view(self.verify_view),
                name="{}_{}_verify".format(*info),
            ),
            path(
                "<path:object_id>/dismiss-duplicate/",
                self.admin_site.admin_view(self.dismiss_duplicate_view),
                name="{}_{}_dismiss_duplicate".format(*info),
            ),
            *super().get_urls(),
        ]

    def may_dismiss_duplicates(self, request, obj=None) -> bool:
        role = role_of(request.user)
        return role is not None and role >= Role.FINANCE_MANAGER and self.has_change_permission(request, obj)

    def _customer_for_post(self, request, object_id, allowed) -> Customer:
        customer = self.get_object(request, unquote(object_id))
        if customer is None:
            raise Http404(gettext("No such customer."))
        if not allowed(request, customer):
            raise PermissionDenied
        return customer

    def _back_to_panel(self, customer) -> HttpResponseRedirect:
        url = reverse(f"{self.admin_site.name}:customers_customer_change", args=[customer.pk])
        return HttpResponseRedirect(f"{url}#verification")

    def verify_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        customer = self._customer_for_post(request, object_id, self.has_change_permission)
        run = services.customer_verify(
            customer=customer, trigger=VerificationRun.Trigger.MANUAL, as_of=timezone.now(), by=request.user
        )
        self.message_user(
            request,
            gettext("Verification finished: %(outcome)s") % {"outcome": run.get_outcome_display()},
            messages.SUCCESS if run.outcome == VerificationStatus.VERIFIED else messages.WARNING,
        )
        return self._back_to_panel(customer)

    def dismiss_duplicate_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        customer = self._customer_for_post(request, object_id, self.may_dismiss_duplicates)
        form = DuplicateDismissForm(request.POST)
        if not form.is_valid():
            problems = " ".join(f"{form.fields[f].label}: {' '.join(e)}" for f, e in form.errors.items())
            self.message_user(request, gettext("Not dismissed: %(problems)s") % {"problems": problems}, messages.ERROR)
            return self._back_to_panel(customer)
        other = form.cleaned_data["other"]
        try:
            services.duplicate_dismiss(
                customer=customer,
                other=other,
                reason=form.cleaned_data["reason"],
                as_of=timezone.now(),
                by=request.user,
            )
        except ValidationError as exc:
            problems = " ".join(exc.messages)
            self.message_user(request, gettext("Not dismissed: %(problems)s") % {"problems": problems}, messages.ERROR)
        else:
            self.message_user(
                request,
                gettext("%(other)s is no longer flagged as a duplicate; both customers are verified again shortly.")
                % {"other": other},
                messages.SUCCESS,
            )
        return self._back_to_panel(customer)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk is not None:
            context["verification_panel"] = self.verification_panel(request, obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def verification_panel(self, request, customer: Customer) -> dict:
        """What the panel on the change page shows: a fixed number of queries, whatever the history."""
        counts = {
            f"{outcome}_count": Count("checks", filter=Q(checks__outcome=outcome)) for outcome in CheckOutcome.values
        }
        runs = list(
            customer.verification_runs.select_related("run_by")
            .annotate(**counts)
            .order_by("-run_at", "-id")[: EARLIER_RUNS_SHOWN + 1]
        )
        latest = runs[0] if runs else None
        checks = list(latest.checks.order_by("id")) if latest else []
        contacts = {c.pk: c for c in customer.contacts.all()}
        accounts = {a.pk: a for a in customer.bank_accounts.all()}
        others = Customer.objects.in_bulk(
            {c.details["customer_id"] for c in checks if isinstance(c.details.get("customer_id"), int)}
        )

        def subject_of(check: VerificationCheck):
            kind, _sep, key = check.subject.partition(":")
            if check.subject in SUBJECT_LABELS:
                return SUBJECT_LABELS[check.subject]
            if key.isdigit():
                if kind == "contact" and int(key) in contacts:
                    return contacts[int(key)]
                if kind == "bank_account" and int(key) in accounts:
                    return accounts[int(key)]
                if kind == "customer" and int(key) in others:
                    other = others[int(key)]
                    url = reverse(f"{self.admin_site.name}:customers_customer_change", args=[other.pk])
                    return format_html('<a href="{}">{}</a>', url, other)
            return check.subject

        rows = [
            {
                "check": check,
                "badge": badge(check.outcome, check.get_outcome_display()),
                "label": CHECK_LABELS.get(check.code, check.code),
                "subject": subject_of(check),
            }
            for check in checks
        ]
        duplicates = [
            others[check.details["customer_id"]]
            for check in checks
            if check.code.startswith("duplicate.")
            and check.outcome != CheckOutcome.PASSED
            and check.details.get("customer_id") in others
        ]
        return {
            "status_badge": badge(customer.verification_status, customer.get_verification_status_display()),
            "latest": latest,
            "latest_badge": badge(latest.outcome, latest.get_outcome_display()) if latest else "",
            "rows": rows,
            "pending": sum(1 for check in checks if check.outcome == CheckOutcome.PENDING),
            "earlier": [(run, badge(run.outcome, run.get_outcome_display())) for run in runs[1:]],
            "confirmations": list(customer.vat_confirmations.order_by("-requested_at", "-id")[:EARLIER_RUNS_SHOWN]),
            "duplicates": list(dict.fromkeys(duplicates)),
            "may_verify": self.has_change_permission(request, customer),
            "may_dismiss": self.may_dismiss_duplicates(request, customer),
        }

    # --- History: the customer's own (SimpleHistoryAdmin) plus its contacts and bank accounts --

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # A past version is for reading: shown as text, not as a form (reverts are refused anyway).
        request.debitor_past_version = True
        return super().history_form_view(request, object_id, version_id, extra_context)

    def history_view_title(self, request, obj):
        return gettext("History of %(customer)s") % {"customer": obj}

    def history_view(self, request, object_id, extra_context=None):
        key = unquote(object_id)
        extra = {"related_history": self.related_history(int(key)) if key.isdigit() else []}
        return super().history_view(request, object_id, extra_context={**extra, **(extra_context or {})})

    def related_history(self, customer_id: int) -> list[dict]:
        """Every recorded change of the customer's contacts and bank accounts, newest first, old → new."""
        entries = []
        for model in (Contact, BankAccount):
            records = model.history.filter(customer_id=customer_id).select_related("history_user")
            previous = {}
            for record in records.order_by("id", "history_date", "history_id"):
                before = previous.get(record.id)
                changes = []
                if before is not None and record.history_type == "~":
                    changes = [
                        (capfirst(model._meta.get_field(c.field).verbose_name), c.old, c.new)
                        for c in record.diff_against(before).changes
                    ]
                entries.append(
                    {
                        "record": record,
                        "kind": capfirst(model._meta.verbose_name),
                        "changes": changes,
                    }
                )
                previous[record.id] = record
        entries.sort(key=lambda e: (e["record"].history_date, e["record"].history_id), reverse=True)
        return entries[:RELATED_HISTORY_SHOWN]
