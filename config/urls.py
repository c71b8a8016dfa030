from functools import wraps

from anymail.webhooks.amazon_ses import AmazonSESInboundWebhookView, AmazonSESTrackingWebhookView
from anymail.webhooks.brevo import BrevoInboundWebhookView, BrevoTrackingWebhookView
from anymail.webhooks.mailgun import MailgunInboundWebhookView, MailgunTrackingWebhookView
from anymail.webhooks.postmark import PostmarkInboundWebhookView, PostmarkTrackingWebhookView
from django.conf import settings
from django.contrib import admin
from django.http import HttpResponseForbidden
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from core.views import healthz

api_v1 = [
    path("", include("core.api.urls")),
    path("", include("tasks.urls")),
    path("", include("customers.urls")),
    path("", include("invoicing.urls")),
    path("", include("payments.urls")),
]


def webhook_secret_required(view):
    """Refuse a provider webhook while ``ANYMAIL["WEBHOOK_SECRET"]`` is unset.

    anymail only warns when basic auth is not configured and then accepts anyone's post: a
    forged "delivered" would set an invoice's date of receipt (§ 286 (3) BGB), a forged bounce
    would block a customer's address. Fail closed instead.
    """

    @wraps(view)
    def guarded(request, *args, **kwargs):
        if not (getattr(settings, "ANYMAIL", None) or {}).get("WEBHOOK_SECRET"):
            return HttpResponseForbidden("Webhooks are not configured (ANYMAIL WEBHOOK_SECRET).")
        return view(request, *args, **kwargs)

    return guarded


# The e-mail providers' webhooks (the ones README documents): delivery tracking and inbound
# replies. anymail checks basic auth in each view, and Mailgun's HMAC signature as well; the
# receivers (customers/receivers.py) call the services.
anymail_webhooks = [
    path(f"{esp}/{kind}/", webhook_secret_required(view.as_view()), name=f"{esp}_{kind}_webhook")
    for esp, kind, view in [
        ("postmark", "tracking", PostmarkTrackingWebhookView),
        ("postmark", "inbound", PostmarkInboundWebhookView),
        ("mailgun", "tracking", MailgunTrackingWebhookView),
        ("mailgun", "inbound", MailgunInboundWebhookView),
        # Mailgun posts the raw MIME when the URL contains "mime", parsed fields otherwise.
        ("mailgun", "inbound_mime", MailgunInboundWebhookView),
        ("amazon_ses", "tracking", AmazonSESTrackingWebhookView),
        ("amazon_ses", "inbound", AmazonSESInboundWebhookView),
        ("brevo", "tracking", BrevoTrackingWebhookView),
        ("brevo", "inbound", BrevoInboundWebhookView),
    ]
]

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("payments/", include(("payments.views", "payments"), namespace="payments")),
    path("api/v1/", include((api_v1, "api"), namespace="v1")),
    path("webhooks/anymail/", include((anymail_webhooks, "anymail"), namespace="anymail")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
]

handler404 = "core.views.not_found"
handler500 = "core.views.server_error"

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
