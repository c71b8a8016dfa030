"""The e-mail providers' webhooks (delivery tracking, inbound replies): URLs and their authentication.

anymail's views parse each provider's payload and send the signals customers/receivers.py
turns into service calls. anymail answers a failed check with a ``SuspiciousOperation``: 400,
and Django's debug page where DEBUG is on. A caller without credentials is not a bad request,
so the credentials are checked here first (RFC 9110 § 11.6.1, § 15.5.2 and § 15.5.4):

- ``ANYMAIL["WEBHOOK_SECRET"]`` unset: 403 for every request. anymail would only warn and accept
  anyone's post: a forged "delivered" would set an invoice's date of receipt (§ 286 (3) BGB),
  a forged bounce would block a customer's address. Fail closed instead.
- basic auth missing or not one of the configured ``user:password`` pairs: 401 with
  ``WWW-Authenticate: Basic``;
- right basic auth, but the provider's own check fails (Mailgun's HMAC signature, Amazon SNS
  headers that do not match the body): 403 — the caller knows the secret, the request is still
  not the provider's.
- right credentials, but a body the provider's format cannot be read from (not JSON, wrong
  shape): 400, instead of the 500 a parsing error would give (a provider retries a 500 forever).
  Errors after parsing (our services, the database) stay 500, so the provider retries them.

Nothing is stored in any of these cases: the signals are sent only after every check passed.
"""

from __future__ import annotations

from anymail.exceptions import AnymailAPIError, AnymailWebhookValidationFailure
from anymail.utils import get_request_basic_auth
from anymail.webhooks.amazon_ses import AmazonSESInboundWebhookView, AmazonSESTrackingWebhookView
from anymail.webhooks.brevo import BrevoInboundWebhookView, BrevoTrackingWebhookView
from anymail.webhooks.mailgun import MailgunInboundWebhookView, MailgunTrackingWebhookView
from anymail.webhooks.postmark import PostmarkInboundWebhookView, PostmarkTrackingWebhookView
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.urls import path
from django.utils.crypto import constant_time_compare
from django.views.decorators.csrf import csrf_exempt

REALM = "Debitor e-mail webhooks"


def configured_secrets() -> list[str]:
    """The accepted ``user:password`` pairs (anymail takes one string or a list)."""
    secret = (getattr(settings, "ANYMAIL", None) or {}).get("WEBHOOK_SECRET") or []
    return [secret] if isinstance(secret, str) else [value for value in secret if value]


def _refusal(status: int, text: str) -> HttpResponse:
    response = HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")
    if status == 401:
        response["WWW-Authenticate"] = f'Basic realm="{REALM}", charset="UTF-8"'
    return response


class MalformedWebhook(Exception):
    """The body could not be read as the provider's format."""


def _strict(view_class):
    """The provider's view, with reading errors of the body raised as MalformedWebhook."""

    class Strict(view_class):
        def run_validators(self, request):
            try:
                super().run_validators(request)
            except AnymailAPIError as exc:  # e.g. "Malformed SNS message body"
                raise MalformedWebhook(str(exc)) from exc

        def parse_events(self, request):
            try:
                return super().parse_events(request)
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                raise MalformedWebhook(str(exc)) from exc

    Strict.__name__ = Strict.__qualname__ = view_class.__name__
    return Strict


def webhook_view(view_class):
    """anymail's view for one provider and kind, behind the checks described above."""
    view = _strict(view_class).as_view()

    @csrf_exempt
    @login_not_required
    def guarded(request, *args, **kwargs):
        secrets = configured_secrets()
        if not secrets:
            return _refusal(403, "Webhooks are not configured (ANYMAIL WEBHOOK_SECRET).")
        sent = get_request_basic_auth(request)
        # Every pair is compared (constant time each), so the answer's timing tells nothing.
        if sent is None or not any([constant_time_compare(sent, secret) for secret in secrets]):
            return _refusal(401, "Missing or wrong credentials (HTTP basic auth).")
        try:
            return view(request, *args, **kwargs)
        except AnymailWebhookValidationFailure:
            return _refusal(403, "The request could not be verified as coming from the e-mail provider.")
        except MalformedWebhook:
            return _refusal(400, "The body is not in the e-mail provider's webhook format.")

    guarded.view_class = view_class
    return guarded


# The providers README documents. Mailgun posts the raw MIME when the URL contains "mime",
# parsed fields otherwise.
urlpatterns = [
    path(f"{esp}/{kind}/", webhook_view(view_class), name=f"{esp}_{kind}_webhook")
    for esp, kind, view_class in [
        ("postmark", "tracking", PostmarkTrackingWebhookView),
        ("postmark", "inbound", PostmarkInboundWebhookView),
        ("mailgun", "tracking", MailgunTrackingWebhookView),
        ("mailgun", "inbound", MailgunInboundWebhookView),
        ("mailgun", "inbound_mime", MailgunInboundWebhookView),
        ("amazon_ses", "tracking", AmazonSESTrackingWebhookView),
        ("amazon_ses", "inbound", AmazonSESInboundWebhookView),
        ("brevo", "tracking", BrevoTrackingWebhookView),
        ("brevo", "inbound", BrevoInboundWebhookView),
    ]
]
