"""Who may write where: every URL of Debitor, checked against a table of expectations.

The table below names every route the URL resolver knows. A route that is not in it
fails ``test_every_route_has_an_access_expectation``, so an endpoint is covered the day
it is added. Admin routes of registered models are derived from the admin registry;
everything else is listed by name (or, for unnamed routes, by route).

Then a finance viewer (read only) sends every write method to every route: routes that
accept writes must answer 403, routes that never write 403 or 405, and the few routes
where a viewer may legitimately write (their own session, password and language)
answer what ``VIEWER_MAY_WRITE`` says.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import Group, User
from django.contrib.contenttypes.models import ContentType
from django.forms.models import model_to_dict
from django.test import Client, RequestFactory
from django.urls import URLResolver, get_resolver, resolve
from django.utils import timezone
from django_celery_beat.models import ClockedSchedule, CrontabSchedule, IntervalSchedule, PeriodicTask, SolarSchedule

from communications.models import MessageWording
from core import services as core_services
from core.api.problems import PROBLEM_CONTENT_TYPE
from core.models import ApiKey, CompanyProfile, Job, NumberSeries
from core.roles import MANAGER_ONLY_MODELS
from customers.models import BankAccount, Contact, Customer, PaymentTerms, VerificationRun
from customers.services import customer_create, customer_verify
from dunning.models import DunningPause, DunningPolicy, DunningProfile, ForeignInterestRule, ReferenceRate
from invoicing.models import CustomerNotice, ExchangeRate, Invoice, VatRate
from invoicing.services import invoice_change_due_date, invoice_draft_create, invoice_issue
from payments.models import ReturnFeeRule
from tasks.models import FollowUpTask, TaskRule
from tasks.rules import task_rules_ensure
from tasks.services import task_open_for_cause

pytestmark = pytest.mark.django_db

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")

# What a route does with writes.
ACCEPTS_WRITES = "accepts writes"  # a viewer's write answers 403
NEVER_WRITES = "never writes"  # a viewer's write answers 403 or 405, never 2xx/3xx


# --- The table of expectations ------------------------------------------------------------

# Views every ModelAdmin has (django.contrib.admin.options.ModelAdmin.get_urls).
ADMIN_MODEL_VIEWS = {
    "changelist": ACCEPTS_WRITES,  # actions
    "add": ACCEPTS_WRITES,
    "change": ACCEPTS_WRITES,
    "delete": ACCEPTS_WRITES,
    "history": NEVER_WRITES,
}
# Views some ModelAdmins add to those (their get_urls).
ADMIN_EXTRA_MODEL_VIEWS = {
    "admin:auth_user_password_change": ACCEPTS_WRITES,  # sets another user's password
    # django-simple-history's revert form: reverts are refused to everyone (core/admin_site.py).
    "admin:tasks_followuptask_simple_history": NEVER_WRITES,
    "admin:customers_customer_simple_history": NEVER_WRITES,
    # The customer's verification panel (customers/admin/customers.py): "Verify now" (change permission)
    # and "Dismiss duplicate" (finance managers).
    "admin:customers_customer_verify": ACCEPTS_WRITES,
    "admin:customers_customer_dismiss_duplicate": ACCEPTS_WRITES,
    # The invoice's own pages (invoicing/admin.py), for whoever may change invoices: issue,
    # credit note, due date, and the draft form's live totals (a POST of the form; stores nothing).
    "admin:invoicing_invoice_issue": ACCEPTS_WRITES,
    "admin:invoicing_invoice_credit_note": ACCEPTS_WRITES,
    "admin:invoicing_invoice_change_due_date": ACCEPTS_WRITES,
    "admin:invoicing_invoice_document": NEVER_WRITES,
    "admin:invoicing_invoice_send": ACCEPTS_WRITES,
    "admin:payments_payment_record": ACCEPTS_WRITES,
    "admin:payments_payment_allocate": ACCEPTS_WRITES,
    "admin:payments_payment_credit": ACCEPTS_WRITES,
    "admin:payments_payment_refund": ACCEPTS_WRITES,
    "admin:payments_payment_return": ACCEPTS_WRITES,
    "admin:payments_bankstatementimport_upload": ACCEPTS_WRITES,  # accountants upload statement files
    "admin:payments_bankstatementline_review": ACCEPTS_WRITES,  # accountants decide on lines to review
    "admin:payments_bankstatement_decide": ACCEPTS_WRITES,  # finance managers decide on a re-delivery
    "admin:payments_payment_complete": ACCEPTS_WRITES,
    "admin:payments_payment_fail": ACCEPTS_WRITES,
    "admin:payments_payment_assign": ACCEPTS_WRITES,
    "admin:payments_payment_reverse_allocation": ACCEPTS_WRITES,
    "admin:payments_payment_account": NEVER_WRITES,
    "admin:payments_payment_write_off": ACCEPTS_WRITES,  # finance managers only
    # The ledger (issue 19): bad-debt write-off and its reversal (finance managers); the claims
    # about to become time-barred and their export (reads).
    "admin:payments_baddebtwriteoff_write_off": ACCEPTS_WRITES,
    "admin:payments_baddebtwriteoff_reverse": ACCEPTS_WRITES,
    "admin:dunning_limitationwarning_export": NEVER_WRITES,
    "admin:payments_payment_statement": NEVER_WRITES,
    "admin:providers_providerpayment_refund": ACCEPTS_WRITES,
    "admin:communications_outboxmessage_preview": NEVER_WRITES,
    "admin:communications_outboxmessage_attachment": NEVER_WRITES,
    "admin:communications_outboxmessage_resend": ACCEPTS_WRITES,
    "admin:communications_outboxmessage_mark_sent": ACCEPTS_WRITES,
    "admin:communications_outboxmessage_cancel": ACCEPTS_WRITES,
    "admin:communications_inboundmessage_preview": NEVER_WRITES,
    "admin:communications_inboundmessage_attachment": NEVER_WRITES,
    "admin:invoicing_invoice_documents_recheck": ACCEPTS_WRITES,
    "admin:invoicing_invoice_preview": ACCEPTS_WRITES,
    # Exports of the filtered lists (core/admin_exports.py): reads, for every role that may view.
    "admin:invoicing_invoice_export": NEVER_WRITES,
    "admin:payments_payment_export": NEVER_WRITES,
    "admin:customers_customer_export": NEVER_WRITES,
    "admin:tasks_followuptask_export": NEVER_WRITES,
    # The worklists (tasks/worklist/): "My tasks" and the team view read; their quick actions
    # (done, reassign, put aside, note) post to the task's act/ route, for accountants and up.
    "admin:tasks_followuptask_mine": NEVER_WRITES,
    "admin:tasks_followuptask_team": NEVER_WRITES,
    "admin:tasks_followuptask_act": ACCEPTS_WRITES,
    "admin:sepa_batch_download": NEVER_WRITES,  # the stored file, again
    "admin:sepa_batch_submit": ACCEPTS_WRITES,
    "admin:sepa_batch_cancel": ACCEPTS_WRITES,
    "admin:sepa_batch_refund": ACCEPTS_WRITES,  # makes a pain.001 refund file
    "admin:sepa_batch_book": ACCEPTS_WRITES,  # books pending items from a statement line
    # The customer's timeline (casework/admin.py): read by every role; notes, calls and letters
    # are written by accountants and up.
    "admin:communications_customernote_timeline": NEVER_WRITES,
    "admin:communications_customernote_note": ACCEPTS_WRITES,
    "admin:communications_customernote_call": ACCEPTS_WRITES,
    "admin:communications_customernote_letter": ACCEPTS_WRITES,
    # Data protection (privacy/admin.py), finance managers only: the dry run and the export read
    # (GET only; the export logs itself), executing an erasure writes.
    "admin:privacy_datasubjectrequest_dry_run": NEVER_WRITES,
    "admin:privacy_datasubjectrequest_export": NEVER_WRITES,
    "admin:privacy_datasubjectrequest_execute": ACCEPTS_WRITES,
    "admin:privacy_datasubjectrequest_reject": ACCEPTS_WRITES,
    # Dunning runs (dunning/admin/runs.py): the preview is a dry run (GET, nothing written); the
    # reminder's stored PDF is read; "Run now" is a finance manager's.
    "admin:dunning_dunningrun_preview": NEVER_WRITES,
    "admin:dunning_dunningrun_run_now": ACCEPTS_WRITES,
    "admin:dunning_reminder_pdf": NEVER_WRITES,
}
# The admin site's own views (django.contrib.admin.sites.AdminSite.get_urls).
ADMIN_SITE_VIEWS = {
    "admin:index": NEVER_WRITES,
    "admin:app_list": NEVER_WRITES,
    "admin:password_change_done": NEVER_WRITES,
    "admin:autocomplete": NEVER_WRITES,
    "admin:jsi18n": NEVER_WRITES,
    "admin:view_on_site": NEVER_WRITES,
    "admin/(?P<url>.*)$": NEVER_WRITES,  # final catch-all: 404 for unknown admin pages
    # admin:login, admin:logout and admin:password_change: see VIEWER_MAY_WRITE.
}
API_ROUTES = {
    "v1:me": NEVER_WRITES,
    "v1:job-list": NEVER_WRITES,
    "v1:job-detail": NEVER_WRITES,
    "v1:job-ping": ACCEPTS_WRITES,
    "v1:job-retry": ACCEPTS_WRITES,
    "v1:job-cancel": ACCEPTS_WRITES,
    "v1:followuptask-list": ACCEPTS_WRITES,  # POST: open a task by hand
    "v1:followuptask-detail": NEVER_WRITES,
    "v1:followuptask-transition": ACCEPTS_WRITES,
    "v1:followuptask-assign": ACCEPTS_WRITES,
    "v1:followuptask-snooze": ACCEPTS_WRITES,
    "v1:followuptask-notes": ACCEPTS_WRITES,  # POST: add a note
    "v1:taskrule-list": NEVER_WRITES,
    "v1:taskrule-detail": ACCEPTS_WRITES,  # PATCH: finance managers change a rule
    "v1:customer-list": ACCEPTS_WRITES,
    "v1:customer-detail": ACCEPTS_WRITES,
    "v1:customer-verify": ACCEPTS_WRITES,
    "v1:customer-dismiss-duplicate": ACCEPTS_WRITES,
    "v1:customer-history": NEVER_WRITES,
    "v1:customer-contact-list": ACCEPTS_WRITES,
    "v1:customer-contact-detail": ACCEPTS_WRITES,
    "v1:customer-bank-account-list": ACCEPTS_WRITES,
    "v1:customer-bank-account-detail": ACCEPTS_WRITES,
    "v1:customer-verification-list": NEVER_WRITES,
    "v1:customer-verification-detail": NEVER_WRITES,
    "v1:customer-vat-confirmation-list": NEVER_WRITES,
    "v1:invoice-list": ACCEPTS_WRITES,
    "v1:invoice-detail": ACCEPTS_WRITES,
    "v1:invoice-issue": ACCEPTS_WRITES,
    "v1:invoice-credit-note": ACCEPTS_WRITES,
    "v1:invoice-change-due-date": ACCEPTS_WRITES,
    "v1:invoice-document": NEVER_WRITES,
    "v1:invoice-send": ACCEPTS_WRITES,
    "v1:payment-list": ACCEPTS_WRITES,
    "v1:payment-allocations": ACCEPTS_WRITES,
    "v1:payment-credit": ACCEPTS_WRITES,
    "v1:payment-refund": ACCEPTS_WRITES,
    "v1:sepa-mandate-list": ACCEPTS_WRITES,
    "v1:sepa-mandate-detail": NEVER_WRITES,
    "v1:sepa-mandate-amend": ACCEPTS_WRITES,
    "v1:sepa-mandate-mark-final": ACCEPTS_WRITES,
    "v1:sepa-mandate-revoke": ACCEPTS_WRITES,
    "v1:sepa-batch-list": ACCEPTS_WRITES,  # POST: create a collection
    "v1:sepa-batch-refunds": ACCEPTS_WRITES,
    "v1:sepa-batch-detail": NEVER_WRITES,
    "v1:sepa-batch-download": NEVER_WRITES,
    "v1:sepa-batch-mark-submitted": ACCEPTS_WRITES,
    "v1:sepa-batch-cancel": ACCEPTS_WRITES,
    "v1:payment-return": ACCEPTS_WRITES,
    "v1:bank-import-list": ACCEPTS_WRITES,  # POST: upload a statement file
    "v1:bank-import-detail": NEVER_WRITES,
    "v1:bank-statement-list": NEVER_WRITES,
    "v1:bank-statement-detail": NEVER_WRITES,
    "v1:bank-statement-accept": ACCEPTS_WRITES,  # finance managers accept a re-delivered statement
    "v1:bank-statement-reject": ACCEPTS_WRITES,  # finance managers reject a re-delivered statement
    "v1:bank-statement-line-list": NEVER_WRITES,
    "v1:bank-statement-line-detail": NEVER_WRITES,
    "v1:bank-statement-line-accept": ACCEPTS_WRITES,
    "v1:bank-statement-line-assign": ACCEPTS_WRITES,
    "v1:bank-statement-line-ignore": ACCEPTS_WRITES,
    "v1:bank-statement-line-link-return": ACCEPTS_WRITES,  # returns the payment a return line takes back
    "v1:bank-statement-line-rematch": ACCEPTS_WRITES,  # matching again may record a payment
    "v1:payment-complete": ACCEPTS_WRITES,
    "v1:payment-fail": ACCEPTS_WRITES,
    "v1:payment-assign": ACCEPTS_WRITES,
    "v1:allocation-reverse": ACCEPTS_WRITES,
    "v1:write-off-list": ACCEPTS_WRITES,  # POST only, finance managers only
    # The ledger (issue 19): waivers, bad-debt write-offs, the payer's designation (§ 367 (2) BGB).
    "v1:open-item-waive": ACCEPTS_WRITES,  # finance managers only
    "v1:bad-debt-write-off-list": ACCEPTS_WRITES,  # POST: write off, finance managers only
    "v1:bad-debt-write-off-detail": NEVER_WRITES,
    "v1:bad-debt-write-off-reverse": ACCEPTS_WRITES,  # money arrived, finance managers only
    "v1:payment-designation-list": ACCEPTS_WRITES,  # POST: record, finance managers only
    "v1:payment-designation-detail": NEVER_WRITES,
    "v1:payment-designation-accept": ACCEPTS_WRITES,
    "v1:payment-designation-refuse": ACCEPTS_WRITES,
    "v1:dunning-limitation": NEVER_WRITES,
    # Analytics (analytics/api_*.py): every KPI is a read.
    "v1:analytics-receivables": NEVER_WRITES,
    "v1:analytics-aging": NEVER_WRITES,
    "v1:analytics-aging-customers": NEVER_WRITES,
    "v1:analytics-aging-customer": NEVER_WRITES,
    "v1:analytics-top-debtors": NEVER_WRITES,
    "v1:analytics-dso": NEVER_WRITES,
    "v1:analytics-cei": NEVER_WRITES,
    "v1:analytics-monthly": NEVER_WRITES,
    "v1:analytics-forecast": NEVER_WRITES,
    "v1:analytics-forecast-backtest": NEVER_WRITES,
    "v1:dunning-limitation-export": NEVER_WRITES,
    # Analytics (issue 20): payment behaviour and collection KPIs (analytics/api_behaviour.py), GET only.
    "v1:analytics-payment-behaviour": NEVER_WRITES,
    "v1:analytics-payment-behaviour-customers": NEVER_WRITES,
    "v1:analytics-payment-behaviour-monthly": NEVER_WRITES,
    "v1:analytics-invoiced-vs-collected": NEVER_WRITES,
    "v1:analytics-channel-mix": NEVER_WRITES,
    "v1:analytics-transaction-values": NEVER_WRITES,
    "v1:analytics-countries": NEVER_WRITES,
    "v1:analytics-dunning-effectiveness": NEVER_WRITES,
    "v1:analytics-disputes": NEVER_WRITES,
    "v1:analytics-write-offs": NEVER_WRITES,
    "v1:analytics-fees-and-interest": NEVER_WRITES,
    "v1:payment-detail": NEVER_WRITES,
    "v1:payment-link-list": ACCEPTS_WRITES,
    "v1:provider-payment-list": NEVER_WRITES,
    "v1:provider-payment-detail": NEVER_WRITES,
    "v1:payment-feed": NEVER_WRITES,
    "v1:customer-balance": NEVER_WRITES,
    "v1:customer-open-items": NEVER_WRITES,
    "v1:customer-statement": NEVER_WRITES,
    "v1:customer-statement-send": ACCEPTS_WRITES,  # the statement through the outbox (dunning.api_notices)
    "v1:message-list": NEVER_WRITES,
    "v1:message-detail": NEVER_WRITES,
    "v1:message-resend": ACCEPTS_WRITES,
    "v1:customer-message-list": NEVER_WRITES,
    "v1:invoice-documents-recheck": ACCEPTS_WRITES,
    "v1:recurring-invoice-list": ACCEPTS_WRITES,
    "v1:recurring-invoice-detail": ACCEPTS_WRITES,
    "v1:recurring-invoice-pause": ACCEPTS_WRITES,
    "v1:recurring-invoice-resume": ACCEPTS_WRITES,
    "v1:recurring-invoice-end": ACCEPTS_WRITES,
    "v1:recurring-invoice-preview": NEVER_WRITES,
    "v1:payment-terms-list": NEVER_WRITES,
    "v1:payment-terms-detail": NEVER_WRITES,
    "v1:vat-rate-list": NEVER_WRITES,
    "v1:vat-rate-detail": NEVER_WRITES,
    "v1:page-link-list": ACCEPTS_WRITES,  # POST: a customer page link
    "v1:page-link-detail": NEVER_WRITES,
    "v1:page-link-revoke": ACCEPTS_WRITES,
    "v1:customer-timeline": NEVER_WRITES,
    "v1:customer-note-list": ACCEPTS_WRITES,  # POST: a note or a logged call
    "v1:customer-note-detail": NEVER_WRITES,  # notes are never changed
    # Promises to pay and disputes (casework/api.py): accountants write.
    "v1:payment-promise-list": ACCEPTS_WRITES,
    "v1:payment-promise-detail": NEVER_WRITES,
    "v1:payment-promise-cancel": ACCEPTS_WRITES,
    "v1:dispute-list": ACCEPTS_WRITES,
    "v1:dispute-detail": NEVER_WRITES,
    "v1:dispute-resolve": ACCEPTS_WRITES,
    "v1:dispute-resolve-with-credit-note": ACCEPTS_WRITES,
    # Dunning's configuration (dunning/api_config.py): finance managers write policies, accountants
    # pause and resume and set a customer's dunning settings.
    "v1:dunning-policy-list": ACCEPTS_WRITES,
    "v1:dunning-policy-detail": ACCEPTS_WRITES,
    "v1:dunning-pause-list": ACCEPTS_WRITES,
    "v1:dunning-pause-detail": NEVER_WRITES,
    "v1:dunning-pause-resume": ACCEPTS_WRITES,
    "v1:customer-dunning-settings": ACCEPTS_WRITES,
    # Data-subject requests (privacy/api.py): finance managers only, reads included.
    "v1:privacy-request-list": ACCEPTS_WRITES,  # POST: record a request
    "v1:privacy-request-detail": NEVER_WRITES,
    "v1:privacy-request-dry-run": NEVER_WRITES,
    "v1:privacy-request-execute": ACCEPTS_WRITES,
    "v1:privacy-request-reject": ACCEPTS_WRITES,
    "v1:privacy-request-export": NEVER_WRITES,
    # Dunning runs (dunning/api_runs.py): state and logs are read; the dry run is a POST that
    # writes nothing, refused to a viewer like any write.
    "v1:dunning-invoice-state": NEVER_WRITES,
    "v1:dunning-customer-state": NEVER_WRITES,
    "v1:dunning-dry-run": ACCEPTS_WRITES,
    "v1:dunning-run-list": NEVER_WRITES,
    "v1:dunning-run-detail": NEVER_WRITES,
    "v1:dunning-run-entries": NEVER_WRITES,
    "v1:reminder-list": NEVER_WRITES,
    "v1:reminder-detail": NEVER_WRITES,
    # Reference rates of default interest (dunning/api_rates.py): read only, entered in the admin.
    "v1:reference-rate-list": NEVER_WRITES,
    "v1:reference-rate-detail": NEVER_WRITES,
}
OTHER_ROUTES = {
    "payments:feed": NEVER_WRITES,
    "schema": NEVER_WRITES,
    "swagger-ui": NEVER_WRITES,
    "redoc": NEVER_WRITES,
    "healthz": NEVER_WRITES,
    # The customer's invoice page (portal/views.py): no login, the token is the key; GET only.
    "portal:page": NEVER_WRITES,
    "portal:document": NEVER_WRITES,
    "portal:statement": NEVER_WRITES,
}
# Routes where a finance viewer's write is legitimate, with what each method answers.
VIEWER_MAY_WRITE = {
    # Anyone may try to log in (POST); the form is re-shown on bad input.
    "admin:login": {"POST": 200, "PUT": 405, "PATCH": 405, "DELETE": 405},
    # Everyone may end their own session (Django requires POST for it).
    "admin:logout": {"POST": 200, "PUT": 405, "PATCH": 405, "DELETE": 405},
    # Everyone may change their own password (needs the old one; the form is re-shown).
    "admin:password_change": {"POST": 200, "PUT": 405, "PATCH": 405, "DELETE": 405},
    # Anyone may choose the interface language: a POST sets the language cookie; other
    # methods only redirect (django.views.i18n.set_language ignores their body).
    "set_language": {"POST": 302, "PUT": 302, "PATCH": 302, "DELETE": 302},
    # The site root (config/urls.py) is a RedirectView to the admin index, which answers
    # every method with a redirect; it writes nothing, and the admin guards itself.
    "": {"POST": 302, "PUT": 302, "PATCH": 302, "DELETE": 302},
    # "Pay now" on the customer page: whoever holds a valid page token may ask for a checkout (it
    # records nothing itself; roles do not apply). A token that opens nothing answers 404.
    "portal:pay": {"POST": 404, "PUT": 405, "PATCH": 405, "DELETE": 405},
}


def admin_model_routes() -> dict[str, str]:
    """The routes of every registered ModelAdmin, derived from the admin registry."""
    routes = {}
    for model in admin.site._registry:
        app_label, model_name = model._meta.app_label, model._meta.model_name
        for view, kind in ADMIN_MODEL_VIEWS.items():
            routes[f"admin:{app_label}_{model_name}_{view}"] = kind
        # Django's unnamed redirect from <id>/ to <id>/change/ (kept for old bookmarks).
        routes[f"admin/{app_label}/{model_name}/<path:object_id>/"] = NEVER_WRITES
    return routes


# E-mail providers' webhooks (communications/webhooks.py): authenticated by ANYMAIL["WEBHOOK_SECRET"] (basic auth)
# and Mailgun's HMAC signature, not by roles; without the secret (test settings) every method answers 403.
WEBHOOK_ROUTES = {
    f"anymail:{name}_webhook": ACCEPTS_WRITES
    for name in (
        "postmark_tracking",
        "postmark_inbound",
        "mailgun_tracking",
        "mailgun_inbound",
        "mailgun_inbound_mime",
        "amazon_ses_tracking",
        "amazon_ses_inbound",
        "brevo_tracking",
        "brevo_inbound",
    )
}


# Stripe's webhook (providers/webhooks.py): authenticated by the Stripe-Signature, not by roles;
# without STRIPE_WEBHOOK_SECRET (test settings) a POST answers 403, other methods 405.
WEBHOOK_ROUTES["provider_webhooks:stripe"] = {"POST": 403, "PUT": 405, "PATCH": 405, "DELETE": 405}


def expectations() -> dict[str, Any]:
    return {
        **WEBHOOK_ROUTES,
        **admin_model_routes(),
        **ADMIN_EXTRA_MODEL_VIEWS,
        **ADMIN_SITE_VIEWS,
        **API_ROUTES,
        **OTHER_ROUTES,
        **VIEWER_MAY_WRITE,
    }


# --- The URL resolver, walked -------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    route: str  # the full route as Django's ResolverMatch.route spells it
    name: str | None  # namespaced, e.g. "v1:followuptask-transition"
    view: Any

    @property
    def key(self) -> str:
        return self.name or self.route

    def __str__(self) -> str:
        return f"{self.route!r} (name {self.name!r}, view {getattr(self.view, '__module__', '?')})"


def _join_route(first: str, second: str) -> str:
    # As django.urls.resolvers.URLResolver._join_route: a regex's "^" only counts at the start.
    return second if not first else first + second.removeprefix("^")


def collect_routes(patterns=None, prefix: str = "", namespace: str = "") -> list[Route]:
    if patterns is None:
        patterns = get_resolver().url_patterns
    routes = []
    for entry in patterns:
        route = _join_route(prefix, str(entry.pattern))
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            routes += collect_routes(entry.url_patterns, route, inner)
        else:
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            routes.append(Route(route=route, name=name, view=entry.callback))
    return routes


ROUTE_PARAMETER = re.compile(r"(?<!\?P)<(?:\w+:)?(?P<name>\w+)>")
REGEX_GROUP = re.compile(r"\((?:\?P<(?P<name>\w+)>)?[^()]*\)")


def concrete_path(route: Route, values: dict[str, str], positional: list[str]) -> str:
    """A path that resolves to ``route``, its parameters filled from ``values``."""
    pending = list(positional)

    def value(name: str | None) -> str:
        if name is None:
            assert pending, f"{route}: give its unnamed groups values in path_for() in tests/test_access.py"
            return pending.pop(0)
        assert name in values, (
            f"{route}: give the path parameter {name!r} a value in path_for() in tests/test_access.py"
        )
        return values[name]

    path = ROUTE_PARAMETER.sub(lambda m: value(m["name"]), route.route)
    path = REGEX_GROUP.sub(lambda m: value(m["name"]), path)
    path = path.removeprefix("^").removesuffix("$").replace("/?", "/").replace("\\.", ".")
    path = "/" + path
    match = resolve(path)
    assert match.route == route.route, f"{path} resolves to {match.route!r}, not to {route}"
    return path


def registered_model_of(route: Route):
    for model in admin.site._registry:
        if route.route.startswith(f"admin/{model._meta.app_label}/{model._meta.model_name}/"):
            return model
    return None


def model_of(route: Route):
    """The model whose object a route's ``object_id``/``pk``/``id`` parameter names."""
    model = registered_model_of(route)
    if model is not None:
        return model
    viewset = getattr(route.view, "cls", None)  # DRF views
    queryset = getattr(viewset, "queryset", None)
    return queryset.model if queryset is not None else None


def path_for(route: Route, objects: dict) -> str:
    model = model_of(route)
    obj = objects.get(model) or (model._default_manager.order_by("pk").first() if model else None)
    pk = str(obj.pk) if obj is not None else "1"
    task = objects[FollowUpTask]
    values = {
        "object_id": pk,
        "pk": pk,
        "id": pk,
        "format": "json",
        "app_label": "tasks",
        "url": "no-such-page/",
        "kind": "pdf",  # an invoice's stored document
        "attachment_id": "1",
        # The customer page: a token that opens nothing (the refusal is what a stranger meets).
        "token": "not-a-token",
        "invoice_id": pk,
        # Routes of one customer's objects (/api/v1/customers/<customer_pk>/...).
        "customer_pk": str(objects[Customer].pk),
    }
    positional = []
    if route.name == "admin:view_on_site":
        values["content_type_id"] = str(ContentType.objects.get_for_model(FollowUpTask).pk)
        values["object_id"] = str(task.pk)
    if route.name == "admin:tasks_followuptask_simple_history":
        positional = [str(task.pk), str(task.history.order_by("history_id").first().history_id)]
    if route.name == "admin:customers_customer_simple_history":
        positional = [pk, str(obj.history.order_by("history_id").first().history_id)]
    return concrete_path(route, values, positional)


def send(client: Client, method: str, path: str):
    """A write as a browser form (POST) or an API client (the others) would send it."""
    if method == "POST":
        return client.post(path, {})
    return client.generic(method, path, "{}", content_type="application/json")


# --- Objects for the routes to act on -----------------------------------------------------


@pytest.fixture
def objects(viewer, manager) -> dict:
    """One object of every model the admin and the API serve, keyed by model."""
    now = timezone.now()
    task, _ = task_open_for_cause(kind="call", title="Call the customer", as_of=now, created_by=manager)
    job = Job.objects.create(
        kind="core.ping", status=Job.Status.FAILED, attempts=1, max_attempts=3, run_after=now, created_at=now
    )
    api_key, _ = core_services.api_key_create(name="ERP", scopes=["tasks:read"], created_by=manager)
    attempt_fields = {"user_agent": "test", "ip_address": "10.0.0.1", "username": "x", "http_accept": "*/*"}
    customer = customer_create(
        data={
            "legal_name": "Muster GmbH",
            "billing_street": "Hauptstr. 1",
            "billing_postal_code": "10115",
            "billing_city": "Berlin",
        },
        contacts=[{"name": "Erika Muster", "email": "erika@example.com"}],
        bank_accounts=[{"iban": "DE89370400440532013000"}],
        as_of=now,
        by=manager,
    )
    # Invoicing: a draft (the issue page) and an issued invoice whose due date moved (a notice).
    company = CompanyProfile.objects.create(
        pk=1, name="Debitor GmbH", street="Friedrichstr. 10", postal_code="10117", city="Berlin", vat_id="DE136695976"
    )
    draft_fields = {
        "customer": customer,
        "as_of": now,
        "by": manager,
        "data": {"service_date": timezone.localdate(now)},
        "lines": [
            {"description": "Beratung", "quantity": "1", "unit_price": "100", "vat_category": "S", "vat_rate": "19"}
        ],
    }
    issued = invoice_issue(invoice=invoice_draft_create(**draft_fields), as_of=now, by=manager)
    invoice_change_due_date(
        invoice=issued, new_due_date=issued.due_date + timedelta(days=14), reason="Payment plan", as_of=now, by=manager
    )
    return {
        Customer: customer,
        Contact: customer.contacts.get(),
        BankAccount: customer.bank_accounts.get(),
        VerificationRun: customer_verify(customer=customer, trigger="manual", as_of=now, by=manager),
        FollowUpTask: task,
        Job: job,
        ApiKey: api_key,
        NumberSeries: NumberSeries.objects.get_or_create(key="customer", defaults=NumberSeries.DEFAULTS["customer"])[0],
        User: manager,  # a viewer must not be able to change someone else's account
        Group: Group.objects.get(name="finance_viewer"),
        PeriodicTask: PeriodicTask.objects.order_by("pk").first(),
        IntervalSchedule: IntervalSchedule.objects.order_by("pk").first(),
        CrontabSchedule: CrontabSchedule.objects.create(minute="0", hour="3"),
        SolarSchedule: SolarSchedule.objects.create(event="sunrise", latitude="52.5", longitude="13.4"),
        ClockedSchedule: ClockedSchedule.objects.create(clocked_time=now + timedelta(days=1)),
        AccessAttempt: AccessAttempt.objects.create(
            **attempt_fields, path_info="/admin/login/", get_data="", post_data="", failures_since_start=1
        ),
        AccessLog: AccessLog.objects.create(**attempt_fields, path_info="/admin/login/"),
        AccessFailureLog: AccessFailureLog.objects.create(**attempt_fields, path_info="/admin/login/"),
        CompanyProfile: company,
        Invoice: invoice_draft_create(**draft_fields),
        CustomerNotice: CustomerNotice.objects.get(invoice=issued),
        PaymentTerms: PaymentTerms.objects.order_by("pk").first(),
        VatRate: VatRate.objects.order_by("pk").first(),
        ExchangeRate: ExchangeRate.objects.create(currency="USD", date="2026-01-01", units_per_eur="1.08"),
        MessageWording: MessageWording.objects.create(
            template="invoice", language="de", subject="Rechnung {number}", updated_at=now
        ),
        ReturnFeeRule: ReturnFeeRule.objects.get_or_create(reason_code="AM04", defaults={"decision": "charge"})[0],
        # A row per task kind (the rules' list makes the missing ones; here before anyone counts).
        TaskRule: _task_rule(),
        # Dunning (dunning/admin/policies.py): the default policy comes with the migrations.
        DunningPolicy: DunningPolicy.objects.get(is_default=True),
        DunningProfile: DunningProfile.objects.create(customer=customer, payment_date_agreed=True, updated_at=now),
        DunningPause: DunningPause.objects.create(customer=customer, reason="Klärung", created_at=now),
        # Dunning (issue 19, interest): seeded by the migration (again here after a flush).
        ReferenceRate: ReferenceRate.objects.get_or_create(
            series="de_base", valid_from="2026-01-01", defaults={"rate": "1.27"}
        )[0],
        ForeignInterestRule: ForeignInterestRule.objects.get_or_create(
            country="IT", debtor_kind="business", defaults={"margin": "8", "directive_minimum": True}
        )[0],
    }


def _task_rule() -> TaskRule:
    task_rules_ensure()
    return TaskRule.objects.get(kind="email_bounced")


def snapshot(objects: dict) -> dict:
    return {
        model: model_to_dict(model._default_manager.get(pk=obj.pk)) for model, obj in objects.items() if obj is not None
    }


# --- The table is complete ----------------------------------------------------------------


def test_every_route_has_an_access_expectation():
    table = expectations()
    missing = [route for route in collect_routes() if route.key not in table]
    assert not missing, (
        "These routes have no access expectation. Add each to the table in tests/test_access.py "
        "(ACCEPTS_WRITES, NEVER_WRITES, or VIEWER_MAY_WRITE with a comment saying why):\n"
        + "\n".join(f"  {route}" for route in missing)
    )


def test_the_table_names_no_route_that_does_not_exist():
    known = {route.key for route in collect_routes()}
    stale = sorted(key for key in expectations() if key not in known)
    assert not stale, f"Remove these entries from tests/test_access.py, no such route exists: {stale}"


def test_the_route_walk_finds_admin_api_docs_and_health_routes():
    keys = {route.key for route in collect_routes()}
    assert {"admin:index", "admin:tasks_followuptask_change", "v1:followuptask-transition", "schema"} <= keys
    assert {"healthz", "set_language", "admin/(?P<url>.*)$"} <= keys


# --- A finance viewer writes nowhere ------------------------------------------------------


def test_a_finance_viewer_gets_403_or_405_for_every_write_except_the_listed_ones(viewer, objects):
    table = expectations()
    before = snapshot(objects)
    client = Client()
    failures = []
    for route in collect_routes():
        path = path_for(route, objects)
        expected = table.get(route.key, ACCEPTS_WRITES)
        for method in WRITE_METHODS:
            client.force_login(viewer)
            status = send(client, method, path).status_code
            if isinstance(expected, dict):
                allowed = {expected[method]}
            elif expected == ACCEPTS_WRITES:
                allowed = {403}
            else:
                allowed = {403, 405}
            if status not in allowed:
                failures.append(f"{method} {path} [{route.key}, {expected}]: {status}, expected {sorted(allowed)}")
    assert not failures, "A finance viewer's writes were not refused:\n" + "\n".join(failures)
    assert snapshot(objects) == before


def test_a_finance_viewer_may_change_only_their_own_password(viewer, manager, objects):
    client = Client()
    client.force_login(viewer)
    other = path_for(next(r for r in collect_routes() if r.name == "admin:auth_user_password_change"), objects)
    assert other == f"/admin/auth/user/{manager.pk}/password/"
    new = {"password1": "Another-long-passphrase-7", "password2": "Another-long-passphrase-7"}
    assert client.post(other, new).status_code == 403
    manager.refresh_from_db()
    assert manager.check_password("x")

    response = client.post(
        "/admin/password_change/",
        {
            "old_password": "x",
            "new_password1": "Another-long-passphrase-7",
            "new_password2": "Another-long-passphrase-7",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/admin/password_change/done/"
    viewer.refresh_from_db()
    assert viewer.check_password("Another-long-passphrase-7")


def test_a_finance_viewer_may_log_in_and_out_of_the_admin(viewer):
    client = Client()
    response = client.post("/admin/login/", {"username": "viewer", "password": "x", "next": "/admin/"})
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert client.session[SESSION_KEY] == str(viewer.pk)
    assert client.post("/admin/logout/").status_code == 200
    assert SESSION_KEY not in client.session


def test_the_language_is_chosen_by_post_only(viewer):
    client = Client()
    client.force_login(viewer)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/admin/"})
    assert response.status_code == 302
    assert response.cookies["django_language"].value == "en"
    for method in ("PUT", "PATCH", "DELETE"):
        response = client.generic(method, "/i18n/setlang/?next=/admin/", "language=de")
        assert response.status_code == 302
        assert "django_language" not in response.cookies


def test_the_site_root_redirects_every_method_to_the_admin(viewer):
    client = Client()
    client.force_login(viewer)
    for method in ("GET", *WRITE_METHODS):
        response = client.generic(method, "/")
        assert response.status_code == 302
        assert response["Location"] == "/admin/"


# --- Accountants work, finance managers also administer -----------------------------------


def test_an_accountant_can_move_a_task_through_the_api(accountant, objects):
    task = objects[FollowUpTask]
    client = Client()
    client.force_login(accountant)
    response = client.post(
        f"/api/v1/tasks/{task.pk}/transition/",
        {"status": "done", "resolution": "Paid"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    task.refresh_from_db()
    assert task.status == FollowUpTask.Status.DONE
    assert task.history.latest().history_user == accountant


def test_a_finance_viewer_cannot_move_a_task_through_the_api(viewer, objects):
    task = objects[FollowUpTask]
    client = Client()
    client.force_login(viewer)
    response = client.post(f"/api/v1/tasks/{task.pk}/transition/", {"status": "done"}, content_type="application/json")
    assert response.status_code == 403
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    assert "Buchhaltung" in response.json()["detail"]
    task.refresh_from_db()
    assert task.status == FollowUpTask.Status.OPEN


def test_only_a_finance_manager_can_retry_or_cancel_jobs(accountant, manager, objects):
    job = objects[Job]
    client = Client()
    client.force_login(accountant)
    for action in ("retry", "cancel", "ping"):
        path = f"/api/v1/platform/jobs/{job.pk}/{action}/" if action != "ping" else "/api/v1/platform/jobs/ping/"
        response = client.post(path)
        assert response.status_code == 403, action
        assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED

    client.force_login(manager)
    response = client.post(f"/api/v1/platform/jobs/{job.pk}/retry/")
    assert response.status_code == 200, response.content
    job.refresh_from_db()
    assert job.status == Job.Status.PENDING


MANAGER_ONLY_REGISTERED = sorted(
    f"{model._meta.app_label}.{model._meta.model_name}"
    for model in admin.site._registry
    if (model._meta.app_label, model._meta.model_name) in MANAGER_ONLY_MODELS
)


def test_the_admin_serves_the_manager_only_models_this_test_expects():
    expected = {"auth.user", "auth.group", "core.apikey", "django_celery_beat.periodictask"}
    assert expected <= set(MANAGER_ONLY_REGISTERED)


@pytest.mark.parametrize("label", MANAGER_ONLY_REGISTERED)
def test_an_accountant_can_look_at_but_not_change_manager_only_models_in_the_admin(label, accountant, objects):
    from django.apps import apps

    model = apps.get_model(label)
    obj = objects[model]
    before = snapshot({model: obj})
    count = model._default_manager.count()
    base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
    client = Client()
    client.force_login(accountant)
    assert client.get(base).status_code == 200
    assert client.post(f"{base}add/", {}).status_code == 403
    assert client.post(f"{base}{obj.pk}/change/", {}).status_code == 403
    assert client.post(f"{base}{obj.pk}/delete/", {"post": "yes"}).status_code == 403
    action = {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"}
    assert client.post(base, action).status_code == 403
    assert snapshot({model: obj}) == before
    assert model._default_manager.count() == count


@pytest.mark.parametrize("role", ["viewer", "accountant"])
def test_no_one_runs_an_admin_action_on_a_model_they_may_not_change(role, request, manager, objects, monkeypatch):
    sent = []
    monkeypatch.setattr("celery.app.task.Task.apply_async", lambda task, *args, **kwargs: sent.append(task.name))
    user = request.getfixturevalue(role)
    as_manager = RequestFactory().get("/admin/")
    as_manager.user = manager
    before = snapshot(objects)
    counts = {model: model._default_manager.count() for model in admin.site._registry}
    client = Client()
    client.force_login(user)
    tried, failures = set(), []
    for model, model_admin in admin.site._registry.items():
        if user.has_perm(f"{model._meta.app_label}.change_{model._meta.model_name}"):
            continue
        obj = objects.get(model) or model._default_manager.order_by("pk").first()
        changelist = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        for action in model_admin.get_actions(as_manager):  # everything a manager is offered
            data = {"action": action, "_selected_action": [obj.pk if obj else 1], "post": "yes"}
            status = client.post(changelist, data).status_code
            tried.add(f"{model._meta.label_lower}:{action}")
            if status != 403:
                failures.append(f"{action} on {changelist}: {status}")
    assert not failures
    assert {"django_celery_beat.periodictask:run_tasks", "core.apikey:delete_selected"} <= tried
    if role == "viewer":
        assert {"tasks.followuptask:mark_done", "core.job:retry_jobs", "core.job:cancel_jobs"} <= tried
    assert snapshot(objects) == before
    assert counts == {model: model._default_manager.count() for model in admin.site._registry}
    assert sent == []


def test_a_finance_manager_can_create_api_keys_and_users_in_the_admin(manager):
    client = Client()
    client.force_login(manager)
    response = client.post("/admin/core/apikey/add/", {"name": "Bank import", "scopes": ["payments:write"]})
    assert response.status_code == 302, response.content
    assert ApiKey.objects.get(name="Bank import").scopes == ["payments:write"]

    response = client.post(
        "/admin/auth/user/add/",
        {"username": "newcomer", "password1": "A-long-passphrase-42", "password2": "A-long-passphrase-42"},
    )
    assert response.status_code == 302, response.content
    assert User.objects.filter(username="newcomer").exists()


def test_a_finance_manager_can_run_the_periodic_task_actions(manager, objects):
    periodic = objects[PeriodicTask]
    PeriodicTask.objects.filter(pk=periodic.pk).update(enabled=False)
    client = Client()
    client.force_login(manager)
    response = client.post(
        "/admin/django_celery_beat/periodictask/", {"action": "enable_tasks", "_selected_action": [periodic.pk]}
    )
    assert response.status_code == 302
    periodic.refresh_from_db()
    assert periodic.enabled


# --- API keys: scopes instead of roles ----------------------------------------------------


def test_an_api_key_writes_only_within_its_write_scopes(manager, objects):
    task = objects[FollowUpTask]
    _, read_only = core_services.api_key_create(name="Reader", scopes=["tasks:read"], created_by=manager)
    _, writer = core_services.api_key_create(name="Writer", scopes=["tasks:write"], created_by=manager)
    client = Client()
    path = f"/api/v1/tasks/{task.pk}/transition/"
    body = {"status": "in_progress"}

    assert client.get("/api/v1/tasks/", HTTP_AUTHORIZATION=f"Api-Key {read_only}").status_code == 200
    response = client.post(path, body, content_type="application/json", HTTP_AUTHORIZATION=f"Api-Key {read_only}")
    assert response.status_code == 403
    assert "tasks:write" in response.json()["detail"]
    task.refresh_from_db()
    assert task.status == FollowUpTask.Status.OPEN

    job_path = f"/api/v1/platform/jobs/{objects[Job].pk}/retry/"
    assert client.post(job_path, HTTP_AUTHORIZATION=f"Api-Key {writer}").status_code == 403
    response = client.post(path, body, content_type="application/json", HTTP_AUTHORIZATION=f"Api-Key {writer}")
    assert response.status_code == 200
    task.refresh_from_db()
    assert task.status == FollowUpTask.Status.IN_PROGRESS


def test_a_revoked_api_key_is_refused(manager):
    api_key, raw = core_services.api_key_create(name="Old", scopes=["tasks:read"], created_by=manager)
    ApiKey.objects.filter(pk=api_key.pk).update(revoked=True)
    response = Client().get("/api/v1/tasks/", HTTP_AUTHORIZATION=f"Api-Key {raw}")
    assert response.status_code == 401
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE


# --- Strangers ----------------------------------------------------------------------------


def test_unauthenticated_api_requests_get_401_or_403_problem_documents(objects):
    client = Client()
    failures = []
    for route in collect_routes():
        if not route.route.startswith("api/v1/"):
            continue
        path = path_for(route, objects)
        for method in ("GET", *WRITE_METHODS):
            response = send(client, method, path) if method != "GET" else client.get(path)
            problem = response.json() if response["Content-Type"] == PROBLEM_CONTENT_TYPE else None
            if response.status_code not in (401, 403) or problem is None or problem["status"] != response.status_code:
                failures.append(f"{method} {path}: {response.status_code} {response['Content-Type']}")
    assert not failures, "Unauthenticated API requests were not refused with a problem:\n" + "\n".join(failures)


def test_unauthenticated_admin_requests_are_sent_to_the_login_page(objects):
    client = Client()
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/admin/login/?next=/admin/"
    table = expectations()
    for route in collect_routes():
        # The login page is for strangers; logging out a stranger goes to the index (then login).
        if not route.name or not route.name.startswith("admin:") or route.name in {"admin:login", "admin:logout"}:
            continue
        path = path_for(route, objects)
        methods = ("GET", "POST") if table[route.key] == ACCEPTS_WRITES else ("GET",)
        for method in methods:
            response = send(client, method, path) if method == "POST" else client.get(path)
            assert response.status_code == 302, (method, path, response.status_code)
            assert response["Location"].startswith("/admin/login/?next="), (method, path)


def test_api_routes_that_never_write_refuse_writes_even_from_a_finance_manager(manager, objects):
    client = Client()
    client.force_login(manager)
    table = expectations()
    for route in collect_routes():
        if not route.route.startswith("api/v1/") or table.get(route.key) != NEVER_WRITES:
            continue
        path = path_for(route, objects)
        for method in WRITE_METHODS:
            assert send(client, method, path).status_code == 405, (method, path)


def test_session_authenticated_api_writes_need_a_csrf_token(accountant, objects):
    task = objects[FollowUpTask]
    client = Client(enforce_csrf_checks=True)
    client.force_login(accountant)
    response = client.post(f"/api/v1/tasks/{task.pk}/transition/", {"status": "done"}, content_type="application/json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    task.refresh_from_db()
    assert task.status == FollowUpTask.Status.OPEN
