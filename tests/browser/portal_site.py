"""The site's URLs plus a stand-in for the payment provider's checkout page (browser test only).

The real checkout is the provider's page (Stripe): the portal only redirects there. Here the
redirect lands on this page of the live server, whose "Pay" records the payment as the provider's
webhook would (``payments.services.payment_record``, source provider) and sends the payer back to
the success URL the portal gave.
"""

from __future__ import annotations

from decimal import Decimal

from django.http import HttpResponse, HttpResponseRedirect
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.csrf import csrf_exempt

from config.urls import handler403, handler404, handler500  # noqa: F401
from config.urls import urlpatterns as site_patterns
from payments.models import PaymentChannel, PaymentSource
from payments.services import payment_record

SESSIONS: dict[int, dict] = {}


def checkout_session_create(*, customer, invoices, success_url, cancel_url, as_of) -> str:
    """The portal's ``providers.checkout.checkout_session_create``, answering with the stand-in's page."""
    number = len(SESSIONS) + 1
    SESSIONS[number] = {
        "customer": customer,
        "numbers": [invoice.number for invoice in invoices],
        "amount": sum((invoice.open_amount for invoice in invoices), Decimal("0.00")),
        "currency": invoices[0].currency,
        "success_url": success_url,
        "cancel_url": cancel_url,
    }
    return f"/test-provider/{number}/"


@csrf_exempt
def provider_page(request, number: int):
    session = SESSIONS[number]
    if request.method == "POST":
        now = timezone.now()
        payment_record(
            customer=session["customer"],
            channel=PaymentChannel.CARD,
            amount=session["amount"],
            currency=session["currency"],
            value_date=timezone.localdate(now),
            as_of=now,
            remittance=" ".join(session["numbers"]),
            external_id=f"cs_test_{number}",
            source=PaymentSource.PROVIDER,
        )
        return HttpResponseRedirect(session["success_url"])
    return HttpResponse(
        format_html(
            '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Test provider checkout</title></head>'
            '<body><main><h1>Test provider checkout</h1><p id="amount">{} {}</p>'
            '<form method="post"><button type="submit" id="pay">Pay</button></form></main></body></html>',
            session["amount"],
            session["currency"],
        )
    )


urlpatterns = [*site_patterns, path("test-provider/<int:number>/", provider_page)]
