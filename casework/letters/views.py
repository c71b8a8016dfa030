"""The "Write to customer" page: choose a template (its wording is prefilled in the customer's
language), the recipients and, for a plan, the invoices and instalments; edit; preview; send.
Sending queues the mail in the outbox and returns to the timeline, where it shows."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from customers.models import Customer

from .forms import LetterForm, LetterTemplateForm
from .services import (
    LetterTemplate,
    letter_contacts,
    letter_default_contact_ids,
    letter_draft,
    letter_prepare,
    letter_send,
    open_invoices,
)

LETTER_PERMISSION = "communications.add_outboxmessage"
# The service's field names → the form's.
FORM_FIELDS = {
    "to": "contacts",
    "amount": "plan_amount",
    "count": "plan_count",
    "first_date": "plan_first_date",
    "interval": "plan_interval",
    "instalments": "plan_rows",
}


def letter_view(model_admin, request, customer_pk):
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "HEAD", "POST"])
    if not request.user.has_perm(LETTER_PERMISSION):
        raise PermissionDenied
    customer = get_object_or_404(Customer, pk=customer_pk)
    contacts = letter_contacts(customer)
    invoices = open_invoices(customer)
    preview = None
    if request.method == "POST":
        form = LetterForm(request.POST, contacts=contacts, invoices=invoices)
        template = request.POST.get("template", LetterTemplate.FREE_TEXT)
        if form.is_valid():
            arguments = {
                "customer": customer,
                "template": form.cleaned_data["template"],
                "contact_ids": form.cleaned_data["contacts"],
                "subject": form.cleaned_data["subject"],
                "body": form.cleaned_data["body"],
                "as_of": timezone.now(),
                "invoice_ids": form.cleaned_data["invoices"],
                "plan": form.plan(),
            }
            try:
                if "send" in request.POST:
                    message = letter_send(**arguments, by=request.user)
                    messages.success(
                        request,
                        gettext("The letter “%(subject)s” is queued in the outbox.") % {"subject": message.subject},
                    )
                    return HttpResponseRedirect(
                        reverse("admin:communications_customernote_timeline", args=[customer.pk])
                    )
                preview = letter_prepare(**arguments)
            except ValidationError as exc:
                for field, problems in exc.message_dict.items():
                    name = FORM_FIELDS.get(field, field)
                    form.add_error(name if name in form.fields else None, problems)
    else:
        chooser = LetterTemplateForm(request.GET or None)
        template = (
            chooser.cleaned_data["template"] if chooser.is_bound and chooser.is_valid() else LetterTemplate.FREE_TEXT
        )
        default_ids = letter_default_contact_ids(customer)
        chosen = [contact for contact in contacts if contact.pk in default_ids]
        subject, body = letter_draft(customer=customer, template=template, as_of=timezone.now(), contacts=chosen)
        form = LetterForm(
            initial={"template": template, "contacts": default_ids, "subject": subject, "body": body},
            contacts=contacts,
            invoices=invoices,
        )
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": gettext("Write to %(customer)s") % {"customer": customer},
        "customer": customer,
        "form": form,
        "chooser": LetterTemplateForm(initial={"template": template}),
        "template": template,
        "template_label": LetterTemplate(template).label if template in LetterTemplate.values else "",
        "is_plan": template == LetterTemplate.PAYMENT_PLAN,
        "preview": preview,
        "no_contacts": not any(c.email_invalid_since is None for c in contacts),
        "timeline_url": reverse("admin:communications_customernote_timeline", args=[customer.pk]),
    }
    status = 400 if request.method == "POST" and form.errors else 200
    return TemplateResponse(request, "casework/letter.html", context, status=status)
