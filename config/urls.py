from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from core.views import healthz

api_v1 = [
    path("", include("core.api.urls")),
    path("", include("tasks.urls")),
    path("", include("customers.urls")),
    path("", include("communications.urls")),
    path("", include("invoicing.urls")),
    path("", include("payments.urls")),
    path("", include("sepa.urls")),
    path("", include("portal.api_urls")),
    path("", include("providers.urls")),
    path("", include("casework.urls")),
    path("", include("dunning.urls")),
    path("", include("privacy.urls")),
    path("", include("analytics.urls")),
]


urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("payments/", include(("payments.views", "payments"), namespace="payments")),
    path("analytics/", include(("analytics.dashboard.urls", "analytics"), namespace="analytics")),
    # The customer's invoice page: no login, the signed token is the key (portal/views.py).
    path("p/", include("portal.urls", namespace="portal")),
    path("api/v1/", include((api_v1, "api"), namespace="v1")),
    # The e-mail providers' webhooks, authenticated there (401/403): communications/webhooks.py.
    # The path is configured at the providers: it must not change.
    path("webhooks/anymail/", include(("communications.webhooks", "anymail"), namespace="anymail")),
    # Stripe's webhook; the URL is configured in the Stripe dashboard (README "Card payments").
    path("webhooks/", include(("providers.webhooks", "provider_webhooks"), namespace="provider_webhooks")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start script as a file: the CSP allows no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
]

handler403 = "core.views.permission_denied"
handler404 = "core.views.not_found"
handler500 = "core.views.server_error"

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
