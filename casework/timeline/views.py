"""The customer's timeline in the admin: filters in the URL, one page at a time, and the forms
to add a note or log a call (accountants and up). Readable by every finance role."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext

from communications.models import CustomerNote
from communications.services.notes import customer_call_log, customer_note_add
from customers.models import Customer

from .forms import CallForm, NoteForm, TimelineFilterForm
from .selectors import PAGE_SIZE, TimelineQueryError, customer_timeline

NOTE_PERMISSION = "communications.add_customernote"
LETTER_PERMISSION = "communications.add_outboxmessage"


def timeline_url(customer_pk: int) -> str:
    return reverse("admin:communications_customernote_timeline", args=[customer_pk])


def _customer(request, customer_pk) -> Customer:
    if not request.user.has_perm("customers.view_customer"):
        raise PermissionDenied
    return get_object_or_404(Customer, pk=customer_pk)


def _page_link(query: dict, page: int) -> str:
    return "?" + urlencode({**query, "page": page}, doseq=True)


def timeline_page(model_admin, request, customer, *, note_form=None, call_form=None, status=200):
    filters = TimelineFilterForm(request.GET or None)
    cleaned = filters.cleaned_data if filters.is_bound and filters.is_valid() else {}
    page_number = cleaned.get("page") or 1
    arguments = {
        "kinds": cleaned.get("kinds") or None,
        "since": cleaned.get("since"),
        "until": cleaned.get("until"),
        "actor": cleaned.get("actor") or None,
        "page_size": PAGE_SIZE,
        "currency": customer.currency,
    }
    try:
        page = customer_timeline(customer.pk, page=page_number, **arguments)
    except TimelineQueryError:
        messages.warning(request, gettext("That page does not exist; showing the first page."))
        page = customer_timeline(customer.pk, page=1, **arguments)
    query = {key: value for key, value in request.GET.lists() if key != "page"}
    may_note = request.user.has_perm(NOTE_PERMISSION)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": gettext("Timeline of %(customer)s") % {"customer": customer},
        "customer": customer,
        "timeline": page,
        "filters": filters,
        "filtered": bool(cleaned and any(cleaned.get(k) for k in ("kinds", "since", "until", "actor"))),
        "previous_url": _page_link(query, page.page - 1) if page.has_previous else "",
        "next_url": _page_link(query, page.page + 1) if page.has_next else "",
        "may_note": may_note,
        "may_write": request.user.has_perm(LETTER_PERMISSION),
        "note_form": note_form or (NoteForm(customer=customer) if may_note else None),
        "call_form": call_form or (CallForm(customer=customer) if may_note else None),
        "note_url": reverse("admin:communications_customernote_note", args=[customer.pk]),
        "call_url": reverse("admin:communications_customernote_call", args=[customer.pk]),
        "letter_url": reverse("admin:communications_customernote_letter", args=[customer.pk]),
        "customer_url": reverse("admin:customers_customer_change", args=[customer.pk]),
    }
    return TemplateResponse(request, "casework/timeline.html", context, status=status)


def timeline_view(model_admin, request, customer_pk):
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    return timeline_page(model_admin, request, _customer(request, customer_pk))


def _record(model_admin, request, customer_pk, *, form_class, service, done: str, then=None):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    customer = _customer(request, customer_pk)
    if not request.user.has_perm(NOTE_PERMISSION):
        raise PermissionDenied
    form = form_class(request.POST, customer=customer)
    if form.is_valid():
        fields = dict(form.cleaned_data)
        try:
            record = service(customer=customer, as_of=timezone.now(), by=request.user, **fields)
        except ValidationError as exc:
            for field, problems in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        else:
            messages.success(request, done)
            following = then(request, record) if then else ""
            return HttpResponseRedirect(following or timeline_url(customer.pk))
    forms = {"note_form": form} if form_class is NoteForm else {"call_form": form}
    return timeline_page(model_admin, request, customer, status=400, **forms)


def note_add_view(model_admin, request, customer_pk):
    return _record(
        model_admin, request, customer_pk, form_class=NoteForm, service=customer_note_add, done=gettext("Note added.")
    )


def _promise_from_call(request, call) -> str:
    """A call that ended with a promise to pay goes on to record the promise, prefilled."""
    if call.outcome != CustomerNote.Outcome.PROMISED_TO_PAY or not request.user.has_perm("casework.add_paymentpromise"):
        return ""
    messages.info(request, gettext("The customer promised to pay: record the promise, so that dunning waits for it."))
    query = urlencode({"customer": call.customer_id, "contact": call.contact_id or "", "channel": "call"})
    return f"{reverse('admin:casework_paymentpromise_add')}?{query}"


def call_log_view(model_admin, request, customer_pk):
    return _record(
        model_admin,
        request,
        customer_pk,
        form_class=CallForm,
        service=customer_call_log,
        done=gettext("Call logged."),
        then=_promise_from_call,
    )
