"""The providers' webhook endpoints: ``POST /webhooks/stripe/``.

No session, no CSRF token, no API key: the provider's signature is the authentication
(``Stripe-Signature``, checked with the endpoint's signing secret and the tolerance window). A
request that fails it — or has no JSON event — is answered 400 with the reason, and nothing is
stored; while no signing secret is configured every delivery is refused with 403 (fail closed).
A verified event is answered 200 (also when it was delivered before, or when we do not act on
its type: stored, outcome *ignored*); an unexpected error is a 500, nothing stored, and the
provider delivers again.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse, JsonResponse
from django.urls import path
from django.utils import timezone, translation
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .adapters.base import WebhookNotConfigured, WebhookRefused
from .services import provider_event_receive


@csrf_exempt
@login_not_required
@require_POST
def stripe_webhook(request):
    try:
        # Task titles and notes are stored in the site's language, as every job writes them.
        with translation.override(settings.LANGUAGE_CODE):
            stored = provider_event_receive(
                provider="stripe", body=request.body, headers=request.headers, as_of=timezone.now()
            )
    except WebhookNotConfigured as exc:
        return HttpResponse(str(exc), status=403, content_type="text/plain; charset=utf-8")
    except WebhookRefused as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain; charset=utf-8")
    return JsonResponse({"received": True, "duplicate": stored is None})


urlpatterns = [path("stripe/", stripe_webhook, name="stripe")]
