"""Settings shared by every environment, read from the environment (12-factor).

With nothing configured, Debitor runs on its embedded default: a private PostgreSQL
server with its data in ``var/postgres/`` (``config/embedded_postgres.py``, started on
demand) and Celery on kombu's filesystem transport, so ``make run`` needs no service.
Production points ``DATABASE_URL`` at its PostgreSQL (15–18) and ``CELERY_BROKER_URL`` at Redis.
"""

from decimal import Decimal
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config import embedded_postgres

env = environ.Env()

BASE_DIR = Path(__file__).resolve().parent.parent.parent
# Everything the embedded default writes (database, broker folder, media, static).
VAR_DIR = Path(env.str("DEBITOR_VAR_DIR", default=str(BASE_DIR / "var")))

DEBUG = env.bool("DEBUG", default=False)
# The fallback key only exists so the embedded quick start works; production.py refuses it.
INSECURE_DEFAULT_SECRET_KEY = "django-insecure-debitor-local-only"  # noqa: S105
SECRET_KEY = env.str("SECRET_KEY", default=INSECURE_DEFAULT_SECRET_KEY)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "core.apps.DebitorAdminConfig",  # replaces django.contrib.admin, see core/admin_site.py
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_api_key",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "django.contrib.postgres",
    "simple_history",
    "axes",
    "csp",
    # Debitor: platform first, then the domain apps of the design card.
    "core.apps.CoreConfig",
    "customers.apps.CustomersConfig",
    "communications.apps.CommunicationsConfig",
    "invoicing.apps.InvoicingConfig",
    "payments.apps.PaymentsConfig",
    "tasks.apps.TasksConfig",
    "sepa.apps.SepaConfig",
    "providers.apps.ProvidersConfig",
    "portal.apps.PortalConfig",
    "casework.apps.CaseworkConfig",
    "dunning.apps.DunningConfig",
    "privacy.apps.PrivacyConfig",
    "analytics.apps.AnalyticsConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Events written during a request name its user or API key (core.events).
    "core.events.EventActorMiddleware",
    "core.api.middleware.ApiProblemMiddleware",
    # django-axes must come last so it sees the outcome of every login attempt.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

# --- Content-Security-Policy (django-csp) --------------------------------------------------
# Defence in depth on every page, in every environment (so development and the browser tour see
# what production enforces): scripts only from our own origin, inline ones only with the
# request's nonce (``{{ request.csp_nonce }}``); nothing from another host — the admin, the API
# docs (drf-spectacular-sidecar) and the dashboards to come are served from static files.
# Inline styles stay allowed: the admin writes style attributes and ReDoc injects its styles at
# run time; a style cannot run code. ReDoc searches in a blob: worker. A response that sets its
# own policy keeps it (the e-mail preview's stricter one, communications.admin.message_display).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "worker-src": [SELF, "blob:"],
        "frame-src": [SELF],
        "frame-ancestors": [SELF],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}

# --- Database -------------------------------------------------------------------------
# PostgreSQL only (15 to 18). Production names its server in DATABASE_URL (production.py requires
# it); development and tests without DATABASE_URL use the embedded server under var/ (local.py,
# test.py), started by the first process that needs it and shared by all later ones.
DATABASE_URL = env.str("DATABASE_URL", default="")


def database_settings(url: str, *, var_dir: Path | None = None) -> dict:
    """The database of ``url``, or with no ``url`` the embedded server under ``var_dir``."""
    if url:
        database = env.db_url_config(url)
        if database["ENGINE"] != "django.db.backends.postgresql":
            raise ImproperlyConfigured(f"DATABASE_URL must point at PostgreSQL (15 to 18), not {database['ENGINE']}.")
    elif var_dir is not None:
        database = embedded_postgres.ensure(var_dir).django_settings()
    else:
        raise ImproperlyConfigured("DATABASE_URL is not set.")
    database.setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    database.setdefault("CONN_HEALTH_CHECKS", True)
    return database


DATABASES = {"default": database_settings(DATABASE_URL)} if DATABASE_URL else {}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth -----------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"

# Login throttling: five failures for one user name from one address lock it for an hour.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=1.0)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True

# --- I18n -----------------------------------------------------------------------------
LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="de")
LANGUAGES = [("de", _("German")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Berlin")
USE_I18N = True
USE_TZ = True
# Django's own dates (admin columns, history) as core.formatting writes them: 07.12.2026 in German.
FORMAT_MODULE_PATH = ["config.formats"]

# --- Static and media -----------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns on every request without it
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# --- E-mail ---------------------------------------------------------------------------
# Every customer e-mail goes through the outbox (communications.services.outbox) and leaves through
# one backend: a provider's API via django-anymail (DEBITOR_EMAIL_PROVIDER), or SMTP
# (EMAIL_URL=smtp://… / smtp+tls://…). With neither, each message is written as a file to
# var/mail/, so `make run` shows what would have gone out without sending anything.
_email = env.email_url("EMAIL_URL", default="filemail://")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
if EMAIL_BACKEND == "django.core.mail.backends.smtp.EmailBackend":
    # The same backend, but it reports recipients the server refused while it accepted others
    # (e.g. the customer refused, the BCC archive accepted): the outbox must not call that "sent".
    EMAIL_BACKEND = "communications.mail.SmtpEmailBackend"
EMAIL_FILE_PATH = _email.get("EMAIL_FILE_PATH") or str(VAR_DIR / "mail")
EMAIL_HOST = _email.get("EMAIL_HOST") or ""
EMAIL_PORT = _email.get("EMAIL_PORT") or 25
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER") or ""
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD") or ""
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Debitor <debitor@localhost>")
SERVER_EMAIL = env.str("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)

# A provider's API instead of SMTP (django-anymail). Its settings come from the environment;
# an unset variable is left out, so anymail names the missing one when it is needed.
EMAIL_PROVIDER_BACKENDS = {
    "postmark": "anymail.backends.postmark.EmailBackend",
    "mailgun": "anymail.backends.mailgun.EmailBackend",
    "amazon_ses": "anymail.backends.amazon_ses.EmailBackend",
    "brevo": "anymail.backends.brevo.EmailBackend",
}
DEBITOR_EMAIL_PROVIDER = env.str("DEBITOR_EMAIL_PROVIDER", default="").strip().lower()
if DEBITOR_EMAIL_PROVIDER:
    if DEBITOR_EMAIL_PROVIDER not in EMAIL_PROVIDER_BACKENDS:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(
            f"DEBITOR_EMAIL_PROVIDER={DEBITOR_EMAIL_PROVIDER!r}: use one of {', '.join(EMAIL_PROVIDER_BACKENDS)} "
            "or leave it empty for EMAIL_URL (SMTP)."
        )
    EMAIL_BACKEND = EMAIL_PROVIDER_BACKENDS[DEBITOR_EMAIL_PROVIDER]
_anymail = {
    "POSTMARK_SERVER_TOKEN": env.str("POSTMARK_SERVER_TOKEN", default=""),
    "POSTMARK_MESSAGE_STREAM": env.str("POSTMARK_MESSAGE_STREAM", default=""),
    "MAILGUN_API_KEY": env.str("MAILGUN_API_KEY", default=""),
    "MAILGUN_SENDER_DOMAIN": env.str("MAILGUN_SENDER_DOMAIN", default=""),
    # EU accounts: https://api.eu.mailgun.net/v3
    "MAILGUN_API_URL": env.str("MAILGUN_API_URL", default=""),
    "MAILGUN_WEBHOOK_SIGNING_KEY": env.str("MAILGUN_WEBHOOK_SIGNING_KEY", default=""),
    # Credentials and region through boto3's own variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
    # AWS_DEFAULT_REGION) or the instance role.
    "AMAZON_SES_CONFIGURATION_SET_NAME": env.str("AMAZON_SES_CONFIGURATION_SET_NAME", default=""),
    "BREVO_API_KEY": env.str("BREVO_API_KEY", default=""),
    # "user:password": tracking and inbound webhooks are refused without this basic auth.
    "WEBHOOK_SECRET": env.str("ANYMAIL_WEBHOOK_SECRET", default=""),
}
ANYMAIL = {key: value for key, value in _anymail.items() if value}
# Bounded like every other outbound call: a hung provider must not hold a worker for minutes.
ANYMAIL["REQUESTS_TIMEOUT"] = EMAIL_TIMEOUT
# Inbound mail webhooks carry attachments in the request body (Postmark: base64 in JSON;
# Mailgun: the raw MIME as a form field); Django's 2.5 MB default would refuse them before
# anymail sees them. communications.services.inbound caps attachments at 25 MB each, 50 MB together.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=70 * 1024 * 1024)

# --- Card payments (Stripe; providers app, README "Card payments (Stripe)") -------------
# Without a secret key no "pay now" is offered (providers.checkout.provider_available).
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_PUBLISHABLE_KEY = env.str("STRIPE_PUBLISHABLE_KEY", default="")
# The endpoint's signing secret (whsec_…); webhooks are refused (400) while it is unset.
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
# Seconds a signed webhook stays acceptable (replay protection; Stripe's library default).
STRIPE_WEBHOOK_TOLERANCE = env.int("STRIPE_WEBHOOK_TOLERANCE", default=300)
# Another API base (a local fake Stripe for browser tests); empty: https://api.stripe.com.
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="")
STRIPE_TIMEOUT = env.int("STRIPE_TIMEOUT", default=20)
# Where the payer returns after paying or cancelling when the caller names no page.
STRIPE_CHECKOUT_SUCCESS_URL = env.str("STRIPE_CHECKOUT_SUCCESS_URL", default="")
STRIPE_CHECKOUT_CANCEL_URL = env.str("STRIPE_CHECKOUT_CANCEL_URL", default="")

# --- Celery ---------------------------------------------------------------------------
CELERY_EMBEDDED_BROKER_DIR = VAR_DIR / "celery"
# Bounded connect/read times: a request that enqueues work must not hang on a dead broker.
REDIS_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 2, "max_retries": 1}
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://localhost//")
if CELERY_BROKER_URL.startswith("filesystem://"):
    for _sub in ("queue", "processed", "control"):
        (CELERY_EMBEDDED_BROKER_DIR / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_EMBEDDED_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_EMBEDDED_BROKER_DIR / "queue"),
        "processed_folder": str(CELERY_EMBEDDED_BROKER_DIR / "processed"),
        "control_folder": str(CELERY_EMBEDDED_BROKER_DIR / "control"),  # default: ./control
        "store_processed": False,
    }
    # The filesystem transport has no fan-out exchanges for remote control.
    CELERY_WORKER_ENABLE_REMOTE_CONTROL = False
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = REDIS_BROKER_TRANSPORT_OPTIONS
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing retries once, then gives up: the job row is already committed and the
# sweeper dispatches it once the broker is back. Measured: a stopped Redis costs the
# request ~0.2 s; a hung one (accepts, never answers) ~2 x socket_timeout.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.3,
}
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="debitor")
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 30
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# --- Cache ------------------------------------------------------------------------------
# Per process by default; production.py switches to Redis. Nothing may rely on either:
# sessions and everything durable live in the database.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "debitor"}}

# --- The customer's invoice page (portal) ----------------------------------------------
DEBITOR_PORTAL = {
    # Where customers open their page: e-mails carry absolute links (no request to build them from).
    "BASE_URL": env.str("PORTAL_BASE_URL", default="http://localhost:8000").rstrip("/"),
    # An invoice's link works until this many days after its due date …
    "LINK_DAYS_AFTER_DUE": env.int("PORTAL_LINK_DAYS_AFTER_DUE", default=90),
    # … and at least this many days after it was made (a late reminder still gets a working link).
    "LINK_MIN_DAYS": env.int("PORTAL_LINK_MIN_DAYS", default=30),
    # A link to the account without an invoice (and one for an invoice without a due date).
    "ACCOUNT_LINK_DAYS": env.int("PORTAL_ACCOUNT_LINK_DAYS", default=90),
    # Views per client IP and per link within the window (the shared cache counts them).
    "RATE_LIMIT_PER_IP": env.int("PORTAL_RATE_LIMIT_PER_IP", default=60),
    "RATE_LIMIT_PER_LINK": env.int("PORTAL_RATE_LIMIT_PER_LINK", default=60),
    "RATE_LIMIT_WINDOW_SECONDS": env.int("PORTAL_RATE_LIMIT_WINDOW_SECONDS", default=60),
    # "Pay now" posts to our server, which redirects to the provider's checkout: Chromium checks
    # such a redirect against the page's CSP form-action, so the page allows these hosts there.
    "CHECKOUT_HOSTS": env.list("PORTAL_CHECKOUT_HOSTS", default=["https://checkout.stripe.com"]),
}

# --- Durable background work (core.jobs) ----------------------------------------------
DEBITOR_JOBS = {
    # A pending job not picked up this long after it was due is dispatched again.
    "REDISPATCH_AFTER_SECONDS": env.int("JOBS_REDISPATCH_AFTER_SECONDS", default=60),
    # A running job older than this lost its worker (longer than the hard time limit).
    "LEASE_SECONDS": env.int("JOBS_LEASE_SECONDS", default=CELERY_TASK_TIME_LIMIT + 120),
    "MAX_ATTEMPTS": env.int("JOBS_MAX_ATTEMPTS", default=8),
    "BACKOFF_BASE_SECONDS": env.int("JOBS_BACKOFF_BASE_SECONDS", default=30),
    "BACKOFF_MAX_SECONDS": env.int("JOBS_BACKOFF_MAX_SECONDS", default=6 * 3600),
    # Work due later than this is not handed to the broker as a delayed message: Redis
    # redelivers an unacknowledged one after its visibility timeout (1 h), so the job waits
    # in its table and the sweeper dispatches it when due. Keep it well below an hour.
    "MAX_BROKER_DELAY_SECONDS": env.int("JOBS_MAX_BROKER_DELAY_SECONDS", default=300),
    # Done jobs are deleted this many days after they finished (failed and cancelled ones
    # are kept: a person decides about them). Two weeks answer "did last week's run
    # happen?" after a holiday; the business record is in each app's events, not here.
    "RETENTION_DAYS": env.int("JOBS_RETENTION_DAYS", default=14),
}

# --- REST API -------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "core.api.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["core.api.permissions.RolePermission"],
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.problems.problem_exception_handler",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_VERSIONING_CLASS": None,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Debitor API",
    "DESCRIPTION": (
        "Accounts receivable: customers, invoices, payments, follow-up tasks and analytics.\n\n"
        "Authenticate with an API key (`Authorization: Api-Key <prefix>.<secret>`) or a browser "
        "session. Errors are RFC 9457 problem details (`application/problem+json`). List "
        "endpoints are paginated with `page` and `page_size` (max 200). POST requests that "
        "create things honour an `Idempotency-Key` header for 24 hours."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "APPEND_COMPONENTS": {
        "securitySchemes": {
            "ApiKeyAuth": {
                "type": "apiKey",
                "in": "header",
                "name": "Authorization",
                "description": "`Api-Key <prefix>.<secret>`",
            }
        }
    },
    # Enums as components (drf-spectacular's default), then the problem responses of every operation.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.api.schema.add_problem_responses",
        "core.api.schema.tag_operations_by_area",
    ],
    # Operations are grouped by area in Swagger UI and ReDoc (core.api.schema.tag_operations_by_area).
    "TAGS": [
        {"name": "Customers", "description": "Customers, contacts, bank accounts, verification and payment terms."},
        {"name": "Invoices", "description": "Invoices and credit notes, recurring invoices, VAT rates."},
        {"name": "Payments", "description": "Payments, allocations and write-offs."},
        {"name": "Bank statements", "description": "Statement imports, lines and the review queue."},
        {"name": "SEPA", "description": "Direct-debit mandates, collection (pain.008) and refund (pain.001) files."},
        {"name": "Card payments", "description": "Payment links (pay now through Stripe) and card payments."},
        {"name": "Tasks", "description": "Follow-up tasks."},
        {"name": "Casework", "description": "Promises to pay and disputes."},
        {
            "name": "Dunning",
            "description": "Policies and levels, pauses, dunning state, dry runs, runs and reminders, reference "
            "rates of default interest, claims about to become time-barred.",
        },
        {"name": "Messages", "description": "E-mails to customers through the outbox."},
        {
            "name": "Analytics",
            "description": "Receivables KPIs for a day and a period: aging, DSO, CEI, payment behaviour, "
            "cash-in forecast — the ledger as it stood at the end of as_of.",
        },
        {"name": "Platform", "description": "The caller, background jobs and other platform services."},
    ],
    "ENUM_NAME_OVERRIDES": {
        "JobStatusEnum": "core.models.Job.Status",
        "TaskStatusEnum": "tasks.models.FollowUpTask.Status",
        "PageLinkStatusEnum": "portal.models.PageLinkStatus",
        "PrivacyRequestKindEnum": "privacy.models.RequestKind",
        "PrivacyRequestStatusEnum": "privacy.models.RequestStatus",
    },
}
# The tag of each area by the first path segment after /api/v1/ (core.api.schema.tag_operations_by_area).
API_TAGS_BY_PATH = {
    "customers": "Customers",
    "payment-terms": "Customers",
    "customer-notes": "Customers",
    "invoices": "Invoices",
    "recurring-invoices": "Invoices",
    "vat-rates": "Invoices",
    "page-links": "Invoices",
    "privacy-requests": "Customers",
    "payments": "Payments",
    "allocations": "Payments",
    "write-offs": "Payments",
    "bad-debt-write-offs": "Payments",
    "open-items": "Payments",
    "payment-designations": "Payments",
    "payment-links": "Card payments",
    "provider-payments": "Card payments",
    "bank-imports": "Bank statements",
    "bank-statements": "Bank statements",
    "bank-statement-lines": "Bank statements",
    "sepa-mandates": "SEPA",
    "sepa-batches": "SEPA",
    "tasks": "Tasks",
    "task-rules": "Tasks",
    "payment-promises": "Casework",
    "disputes": "Casework",
    "dunning-policies": "Dunning",
    "dunning": "Dunning",
    "reference-rates": "Dunning",
    "messages": "Messages",
    "reminders": "Dunning",
    "analytics": "Analytics",
    "me": "Platform",
    "platform": "Platform",
}
IDEMPOTENCY_KEY_TTL_HOURS = 24

# --- Logging --------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"forbidden_without_traceback": {"()": "core.log_filters.ForbiddenWithoutTraceback"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        # A refused request (403) is logged as one line, without the PermissionDenied traceback.
        "django.request": {"filters": ["forbidden_without_traceback"]},
        # WeasyPrint logs every rendering step at INFO; warnings (a missing glyph) still show.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# --- Customers ------------------------------------------------------------------------
# Until the company profile (invoicing) exists: the seller's country and VAT ID, used as
# requester for VIES (its consultation number is the proof of an intra-community supply)
# and for the BZSt qualified confirmation of foreign VAT IDs (§ 18e UStG).
DEBITOR_COMPANY_COUNTRY = env.str("DEBITOR_COMPANY_COUNTRY", default="DE")
DEBITOR_COMPANY_VAT_ID = env.str("DEBITOR_COMPANY_VAT_ID", default="")
DEBITOR_BZST_CONFIRMATION = env.bool("DEBITOR_BZST_CONFIRMATION", default=False)
DEBITOR_VAT_CHECK_TIMEOUT = env.float("DEBITOR_VAT_CHECK_TIMEOUT", default=10.0)
DEBITOR_REVERIFY_AFTER_DAYS = env.int("DEBITOR_REVERIFY_AFTER_DAYS", default=90)

# --- Invoicing ----------------------------------------------------------------------------------
# § 286 (3) BGB counts from receipt: without a delivery report, receipt is assumed this many days
# after the invoice was first e-mailed (else after its issue date); invoicing.services.receipts.
DEBITOR_RECEIPT_ASSUMED_AFTER_DAYS = env.int("DEBITOR_RECEIPT_ASSUMED_AFTER_DAYS", default=3)

# --- Payments -----------------------------------------------------------------------------------
# The largest difference (per item, in its currency) a finance manager may write off with a reason.
DEBITOR_WRITE_OFF_TOLERANCE = Decimal(env.str("DEBITOR_WRITE_OFF_TOLERANCE", default="5.00"))
# Bank statement uploads (CAMT, MT940, CSV): larger files are refused before parsing.
DEBITOR_STATEMENT_MAX_BYTES = env.int("DEBITOR_STATEMENT_MAX_BYTES", default=20 * 1024 * 1024)
# Statement lines whose best match reaches this confidence (0–100), clearly ahead of the next,
# are applied automatically; the rest wait for review (payments.bank.matching).
DEBITOR_MATCH_AUTO_THRESHOLD = env.int("DEBITOR_MATCH_AUTO_THRESHOLD", default=90)
# Credit lines still unmatched this many days after their booking date get a follow-up task
# (payments.bank.followup, daily at 07:30).
DEBITOR_UNMATCHED_LINE_TASK_DAYS = env.int("DEBITOR_UNMATCHED_LINE_TASK_DAYS", default=3)
# Claims that become time-barred (§§ 195, 199 BGB) within this many months get a follow-up task.
DEBITOR_LIMITATION_WARN_MONTHS = env.int("DEBITOR_LIMITATION_WARN_MONTHS", default=6)
# Days after a promised payment date that a payment still counts as keeping the promise.
DEBITOR_PROMISE_GRACE_DAYS = env.int("DEBITOR_PROMISE_GRACE_DAYS", default=3)
