"""What the quick-start smoke test (tests/smoke/run_quickstart.py) opens.

Every later issue adds its pages, API endpoints and KPI endpoints here, so the
embedded-PostgreSQL + filesystem-broker quick start keeps working for every feature.
"""

# Answer 200 without logging in.
PUBLIC_URLS = [
    "/healthz",
    "/admin/login/",
    "/api/schema/",
    "/api/docs/",
    "/api/redoc/",
]

# Answer 200 to the demo finance manager (session login through the admin form).
STAFF_URLS = [
    "/admin/",
    "/admin/core/job/",
    "/admin/core/apikey/",
    "/admin/tasks/followuptask/",
    "/admin/django_celery_beat/periodictask/",
    "/api/v1/me/",
    "/api/v1/platform/jobs/",
    "/api/v1/tasks/",
    "/api/v1/customers/",
    "/api/v1/customers/?search=GmbH&ordering=-last_verified_at",
    "/api/v1/invoices/",
    "/api/v1/invoices/?overdue_as_of=2026-11-27",
    "/api/v1/payment-terms/",
    "/admin/customers/customer/",
    "/admin/invoicing/invoice/",
    "/admin/invoicing/invoice/?overdue=yes",
    "/admin/customers/paymentterms/",
    "/admin/core/companyprofile/",
    "/admin/communications/outboxmessage/",
    "/admin/communications/inboundmessage/",
    "/admin/communications/messagewording/",
    "/api/v1/messages/",
    "/api/v1/payments/",
    "/api/v1/payments/feed/",
    "/admin/payments/payment/",
    "/payments/feed/",
    "/admin/payments/bankstatementimport/",
    "/admin/payments/bankstatementline/",
    "/api/v1/bank-imports/",
    "/admin/payments/bankstatement/",
    "/admin/payments/bankstatementline/?match_status__exact=review",
    "/api/v1/bank-statements/",
    "/api/v1/bank-statement-lines/?match_status=review",
    "/api/v1/analytics/payment-behaviour/",
    "/api/v1/analytics/payment-behaviour/customers/?ordering=-collected",
    "/api/v1/analytics/payment-behaviour/monthly/?months=24",
    "/api/v1/analytics/invoiced-vs-collected/",
    "/api/v1/analytics/channel-mix/",
    "/api/v1/analytics/transaction-values/",
    "/api/v1/analytics/countries/",
    "/api/v1/analytics/dunning-effectiveness/",
    "/api/v1/analytics/disputes/",
    "/api/v1/analytics/write-offs/",
    "/api/v1/analytics/fees-and-interest/",
]

# (method, path, JSON body, expected status); a 202 with a job id is followed until the job is done.
API_CALLS = [
    ("POST", "/api/v1/platform/jobs/ping/", None, 202),
]
