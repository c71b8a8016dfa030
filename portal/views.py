"""The customer page (``/p/<token>/``): no login; the token is the key (``portal.tokens``).

Every view first counts the request against the rate limits, then resolves the token: an
unknown, altered, expired or revoked token shows a page that says so and nothing else (404 for
unknown, 410 for a link that ended). Downloads are checked against the link's customer: a token
never opens another customer's documents, whatever id the URL names.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from csp.decorators import csp_update
from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from core.languages import document_language, is_language
from invoicing.services.documents import DocumentsNotReady, invoice_document_get, invoice_document_read
from payments.statement import account_statement_pdf, statement_filename
from providers import checkout

from .page import PagePaths, page_context, payable_invoices
from .ratelimit import rate_limited
from .selectors import LinkState, customer_invoice, page_link_for_token
from .services import page_link_visit

logger = logging.getLogger(__name__)
STATEMENT_DAYS = 365  # the statement's period: the last year up to today


def _language(request, link=None) -> str:
    asked = request.GET.get("lang", "")
    if is_language(asked):
        return asked
    if link is not None and link.invoice_id:
        return document_language(link.invoice.language)
    if link is not None:
        return document_language(link.customer.language)
    return document_language(translation.get_language_from_request(request))


def _paths(token: str, language: str) -> PagePaths:
    lang = f"?lang={language}"
    return PagePaths(
        page=reverse("portal:page", args=[token]),
        pay=reverse("portal:pay", args=[token]) + lang,
        statement=reverse("portal:statement", args=[token]) + lang,
        document=lambda invoice_id, kind: reverse("portal:document", args=[token, invoice_id, kind]),
    )


def _refusal(request, *, status: int, state: str, retry_after: int | None = None) -> HttpResponse:
    """The page for a link that opens nothing: in the visitor's language, without any data."""
    with translation.override(_language(request)):
        response = render(
            request,
            "portal/refused.html",
            {"state": state, "retry_after": retry_after, "language": translation.get_language()},
            status=status,
        )
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


def _open(request, token: str):
    """The open link of ``token``, or the refusal to answer with."""
    retry_after = rate_limited(request, token)
    if retry_after is not None:
        return None, _refusal(request, status=429, state="rate_limited", retry_after=retry_after)
    link, state = page_link_for_token(token, as_of=timezone.now())
    if link is None:
        return None, _refusal(request, status=404 if state == LinkState.UNKNOWN else 410, state=state)
    return link, None


def _private(response: HttpResponse) -> HttpResponse:
    # The page holds a customer's data behind a bearer token: no cache may keep it, and no other site
    # learns the token as a referrer (same-origin: our own forms still carry an Origin for CSRF).
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@never_cache
@require_GET
@csp_update({"form-action": settings.DEBITOR_PORTAL["CHECKOUT_HOSTS"]})
def page(request, token: str):
    link, refusal = _open(request, token)
    if refusal is not None:
        return _private(refusal)
    now = timezone.now()
    page_link_visit(link=link, as_of=now)
    language = _language(request, link)
    with translation.override(language):
        context = page_context(link=link, today=timezone.localdate(now), paths=_paths(token, language))
        context.update(
            language=language,
            languages=[(code, name, f"?lang={code}") for code, name in settings.LANGUAGES],
            payment=request.GET.get("payment", ""),
        )
        response = render(request, "portal/page.html", context)
    response["Content-Language"] = language
    return _private(response)


@never_cache
@require_GET
def document(request, token: str, invoice_id: int, kind: str):
    link, refusal = _open(request, token)
    if refusal is not None:
        return _private(refusal)
    invoice = customer_invoice(customer=link.customer, invoice_id=invoice_id)
    if invoice is None:
        raise Http404
    try:
        stored = invoice_document_get(invoice=invoice, kind=kind)
    except DocumentsNotReady:
        raise Http404 from None
    response = HttpResponse(invoice_document_read(stored), content_type=stored.content_type)
    response["Content-Disposition"] = f'attachment; filename="{stored.filename}"'
    return _private(response)


@never_cache
@require_GET
def statement(request, token: str):
    link, refusal = _open(request, token)
    if refusal is not None:
        return _private(refusal)
    now = timezone.now()
    today = timezone.localdate(now)
    customer = link.customer
    data = account_statement_pdf(
        customer=customer,
        period_start=today - timedelta(days=STATEMENT_DAYS),
        period_end=today,
        as_of=now,
        language=_language(request, link),
    )
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{statement_filename(customer, today)}"'
    return _private(response)


@never_cache
@require_POST
def pay(request, token: str):
    """ "Pay now": hand the open amount (one invoice, or all open invoices) to the payment provider.
    The amount is the open amount, never more (§ 270a BGB: no surcharge for a way of paying)."""
    link, refusal = _open(request, token)
    if refusal is not None:
        return _private(refusal)
    language = _language(request, link)
    back = request.build_absolute_uri(reverse("portal:page", args=[token]))
    choice = request.POST.get("invoice", "")
    invoice_id = int(choice) if choice.isdigit() else None
    if choice != "all" and invoice_id is None:
        return _private(HttpResponseRedirect(f"{back}?lang={language}&payment=nothing"))
    now = timezone.now()
    invoices = payable_invoices(link=link, today=timezone.localdate(now), invoice_id=invoice_id)
    if not invoices or not checkout.provider_available():
        return _private(HttpResponseRedirect(f"{back}?lang={language}&payment=nothing"))
    try:
        url = checkout.checkout_session_create(
            customer=link.customer,
            invoices=invoices,
            success_url=f"{back}?lang={language}&payment=done",
            cancel_url=f"{back}?lang={language}&payment=cancelled",
            as_of=now,
        )
    except Exception:  # noqa: BLE001 - any provider failure reads the same to the customer
        logger.exception("checkout for page link %s failed", link.pk)
        return _private(HttpResponseRedirect(f"{back}?lang={language}&payment=failed"))
    return _private(HttpResponseRedirect(url))
