"""Every write through the API with an API key leaves an event naming that key (issue 15).

The write endpoints are enumerated from the URLconf (POST/PUT/PATCH/DELETE of every route under
/api/v1/), so a new endpoint cannot slip past: it must be walked here or listed in NOT_WALKED
with the reason.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from itertools import count

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import get_resolver
from django.urls.resolvers import URLResolver
from django.utils import timezone
from rest_framework.test import APIClient

from communications.models import OutboxMessage
from core.api.scopes import ALL_SCOPES
from core.models import Event, Job
from core.services import api_key_create, job_enqueue
from customers.tests.factories import make_customer
from invoicing.recurring import recurring_template_create, recurring_template_pause
from invoicing.services.documents import invoice_documents_render
from invoicing.services.sending import invoice_send
from invoicing.tests.factories import D0, T0, line, make_company_profile, make_draft
from payments.bank.matching import line_match
from payments.models import Allocation, BankStatementLine, WriteOff
from payments.services import payment_keep_as_credit
from payments.tests.factories import make_invoice, make_payment
from payments.tests.test_bank_matching import make_statement
from payments.tests.test_bank_redelivery import A, B, day_statement, held, imported
from tasks.models import TaskRule
from tasks.services import task_open_for_cause

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"  # rendered documents and uploaded statements


WRITE_METHODS = ("post", "put", "patch", "delete")
IBAN = "DE02120300000000202051"


def api_write_routes() -> set[tuple[str, str]]:
    found = set()

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif prefix.startswith("api/v1/"):
                actions = getattr(pattern.callback, "actions", None)
                view_class = getattr(pattern.callback, "cls", None)
                methods = actions.keys() if actions else [m for m in WRITE_METHODS if hasattr(view_class, m)]
                found.update((pattern.name, method) for method in methods if method in WRITE_METHODS)

    walk(get_resolver().url_patterns)
    return found


# (route, method) -> why it cannot be walked with an API key. Each refuses API keys by design, which
# test_a_route_that_refuses_api_keys_refuses_them_and_writes_nothing proves.
NOT_WALKED = {
    ("write-off-list", "post"): "finance managers only (payments.services.write_off): an API key is nobody",
    # Decisions of a finance manager (payments.services.bad_debts, waivers, § 367 (2) designations).
    ("bad-debt-write-off-list", "post"): "finance managers only (bad_debt_write_off): an API key is nobody",
    ("bad-debt-write-off-reverse", "post"): "finance managers only (bad_debt_write_off_reverse)",
    ("open-item-waive", "post"): "finance managers only (open_item_waive)",
    ("payment-designation-accept", "post"): "finance managers only (payment_designation_accept)",
    ("payment-designation-refuse", "post"): "finance managers only (payment_designation_refuse)",
}
# The finance managers' routes above with a real object each: (path, body) from the world below.
MANAGER_ONLY_CALLS = {
    ("bad-debt-write-off-list", "post"): (
        "/api/v1/bad-debt-write-offs/",
        lambda w: {"invoice": w["open"].pk, "reason": "insolvency"},
    ),
    ("bad-debt-write-off-reverse", "post"): (
        "/api/v1/bad-debt-write-offs/{write_off}/reverse/",
        lambda w: {"amount": "10.00", "reason": "Zahlung vom Insolvenzverwalter"},
    ),
    ("open-item-waive", "post"): ("/api/v1/open-items/{item}/waive/", lambda w: {"reason": "Kulanz"}),
    ("payment-designation-accept", "post"): ("/api/v1/payment-designations/{designation}/accept/", lambda w: {}),
    ("payment-designation-refuse", "post"): (
        "/api/v1/payment-designations/{designation}/refuse/",
        lambda w: {"reason": "Kosten zuerst"},
    ),
}


def _manager_only_world(manager):
    from payments.models import OpenItemKind
    from payments.services import bad_debt_write_off, payment_designation_record
    from payments.tests.factories import make_open_item, make_payment

    now = timezone.now()
    customer = make_customer()
    open_invoice = make_invoice(customer=customer)
    written_off = make_invoice(customer=customer)
    write_off = bad_debt_write_off(invoice=written_off, reason="insolvency", as_of=now, by=manager)
    item = make_open_item(customer=customer, kind=OpenItemKind.DUNNING_FEE, amount="5.00", invoice=open_invoice)
    designated = make_payment(customer=customer, amount="50.00")
    designation = payment_designation_record(payment=designated, order="principal_only", as_of=now, by=manager)
    return {"open": open_invoice, "write_off": write_off, "item": item, "designation": designation}


# (route, method) -> why a key's POST there writes nothing, so there is no event to name the key;
# test_a_post_that_writes_nothing_leaves_no_event proves it.
WRITES_NOTHING = {
    ("dunning-dry-run", "post"): "the dunning dry run (dunning.services.dunning_dry_run) only reports",
}


def _statement_world():
    make_company_profile()
    invoice = make_invoice(customer=make_customer())
    return {"customer": invoice.customer}


def _designation_world():
    from payments.tests.factories import make_payment

    make_company_profile()
    customer = make_customer()
    make_invoice(customer=customer)
    return {"payment": make_payment(customer=customer, amount="20.00")}


def _customer_world():
    customer = make_customer(bank_accounts=[{"iban": "DE89370400440532013000"}])
    return {"customer": customer, "contact": customer.contacts.get(), "account": customer.bank_accounts.get()}


def _invoice_world():
    make_company_profile()
    customer = make_customer()
    return {"customer": customer, "invoice": make_invoice(customer=customer), "draft": make_draft(customer=customer)}


def _task_world():
    customer = make_customer()
    task, _ = task_open_for_cause(kind="check", title="Prüfen", about=customer, rule="test", as_of=timezone.now())
    return {"customer": customer, "task": task}


def _payment_world():
    customer = make_customer()
    return {"customer": customer, "payment": make_payment(customer=customer, amount="50.00")}


def _payments_world():
    """An unapplied payment, a pending one, one kept as credit, one allocated, one without a payer."""
    make_company_profile()
    customer = make_customer()
    invoice = make_invoice(customer=customer)
    allocated = make_payment(customer=customer, amount="119.00", allocate=True)
    credit = payment_keep_as_credit(payment=make_payment(customer=customer, amount="30.00"), as_of=timezone.now())
    return {
        "customer": customer,
        "invoice": make_invoice(customer=customer),
        "payment": make_payment(customer=customer, amount="50.00"),
        "pending": make_payment(customer=customer, amount="20.00", status="pending"),
        "credit": credit,
        "unassigned": make_payment(customer=None, amount="40.00"),
        "allocation": Allocation.objects.get(payment=allocated, invoice=invoice),
    }


def _recurring_world():
    customer = make_customer()
    data = {"customer": customer, "name": "Wartung", "frequency": "monthly", "day_of_month": 1}
    start = timezone.localdate() + timedelta(days=40)
    active = recurring_template_create(data={**data, "start_date": start}, lines=[RECURRING_LINE], as_of=timezone.now())
    paused = recurring_template_create(data={**data, "start_date": start}, lines=[RECURRING_LINE], as_of=timezone.now())
    recurring_template_pause(template=paused, as_of=timezone.now())
    return {"customer": customer, "template": active, "paused": paused, "start": start.isoformat()}


def _page_link_world():
    from portal.services import page_link_create

    world = _invoice_world()
    return {**world, "link": page_link_create(invoice=world["invoice"], as_of=timezone.now()).link}


def _policy_body(name: str) -> dict:
    level = {"position": 1, "name": "Erinnerung", "days": 7, "counted_from": "due_date", "template": "payment_reminder"}
    return {"name": name, "is_default": False, "levels": [level]}


def _dunning_world():
    from dunning.models import DunningLevel, DunningPolicy
    from dunning.pauses import dunning_pause

    customer = make_customer()
    policy = DunningPolicy.objects.create(name="Sonder", created_at=timezone.now(), updated_at=timezone.now())
    DunningLevel.objects.create(policy=policy, position=1, name="Erinnerung", days=7, template="payment_reminder")
    pause = dunning_pause(customer=customer, reason="Klärung", as_of=timezone.now())
    return {"customer": customer, "policy": policy, "pause": pause}


def _casework_world():
    from casework.services import dispute_open, promise_take

    world = _invoice_world()
    now, customer = timezone.now(), world["customer"]
    second, third = make_invoice(customer=customer), make_invoice(customer=customer)
    promise = promise_take(
        customer=customer,
        invoices=[second],
        amount=Decimal("50.00"),
        promised_date=timezone.localdate() + timedelta(days=7),
        channel="call",
        as_of=now,
    )
    dispute = dispute_open(invoice=third, reason="price", amount=Decimal("11.90"), as_of=now)
    return {**world, "promise": promise, "dispute": dispute}


def _promise_body(world):
    return {
        "customer": world["customer"].pk,
        "invoices": [world["invoice"].pk],
        "amount": "10.00",
        "promised_date": (timezone.localdate() + timedelta(days=7)).isoformat(),
        "channel": "e_mail",
    }


def _jobs_world():
    failed = job_enqueue(kind="core.ping", as_of=timezone.now())
    Job.objects.filter(pk=failed.pk).update(status=Job.Status.FAILED)
    return {"failed": failed, "pending": job_enqueue(kind="core.ping", as_of=timezone.now(), dedupe_key="walk")}


def _sending_world():
    make_company_profile()
    invoice = make_invoice(customer=make_customer(invoice_delivery="manual"))
    invoice_documents_render(invoice_id=invoice.pk, as_of=timezone.now())
    sent = make_invoice(customer=invoice.customer)
    invoice_documents_render(invoice_id=sent.pk, as_of=timezone.now())
    message = invoice_send(invoice=sent, as_of=timezone.now())
    OutboxMessage.objects.filter(pk=message.pk).update(status="sent", sending_at=timezone.now(), sent_at=timezone.now())
    return {"invoice": invoice, "message": message}


_lines = count(1)


def _statement_line(*, amount: str, credit: bool = True, **fields) -> BankStatementLine:
    n = next(_lines)
    return BankStatementLine.objects.create(
        statement=make_statement(),
        position=n,
        content_hash=f"walk{n:x}".ljust(64, "b"),
        amount=Decimal(amount),
        currency="EUR",
        credit=credit,
        booking_date=T0.date(),
        value_date=T0.date(),
        **fields,
    )


def _bank_world():
    """A credit line in review (it names an invoice's number without dashes) and a return line."""
    make_company_profile()
    customer = make_customer()
    invoice = make_invoice(customer=customer)
    review = _statement_line(amount="119.00", remittance=f"Zahlung {invoice.number.replace('-', '')}")
    line_match(line=review, as_of=T0)
    review.refresh_from_db()
    assert review.match_status == "review"
    returned = make_payment(customer=customer, amount="59.50")
    debit = _statement_line(amount="59.50", credit=False, kind="return", remittance="Rücklastschrift MD06")
    return {"customer": customer, "line": review, "debit": debit, "returned": returned}


def _sepa_world():
    """A mandate customer with an invoice due, a used mandate, a collection not yet submitted, and a
    customer with credit and a bank account (what the sepa write routes act on)."""
    from payments.services import payment_keep_as_credit as keep
    from sepa.calendar import target2_add, target2_on_or_after
    from sepa.models import SequenceType
    from sepa.services import collection_batch_create
    from sepa.tests.factories import DUE, due_invoice, make_mandate, sepa_profile

    sepa_profile()
    today = timezone.localdate()
    collection_date = max(target2_add(today, 1), target2_on_or_after(DUE))
    used = make_mandate()
    used.sequence_type, used.last_collected_on = SequenceType.RECURRING, D0
    used.save()
    collected = make_mandate()
    due_invoice(customer=collected.customer)
    batch = collection_batch_create(collection_date=collection_date, as_of=timezone.now())
    fresh = make_mandate()
    due_invoice(customer=fresh.customer)
    refunded = make_customer(bank_accounts=[{"iban": IBAN}])
    credit = make_payment(customer=refunded, amount="30.00")
    keep(payment=credit, as_of=timezone.now())
    return {
        "customer": make_customer(),
        "mandate": used,
        "batch": batch,
        "collection_date": collection_date,
        "credit": credit,
        "execution_date": target2_on_or_after(today),
    }


def _privacy_world():
    """An erasure request about a contact who was written to (privacy/api.py)."""
    from privacy.services import privacy_request_create

    world = _customer_world()
    request = privacy_request_create(
        customer=world["customer"], contacts=[world["contact"]], kind="erasure", received_at=T0, as_of=T0
    )
    return {**world, "request": request}


MULTIPART_MARK = "__multipart__"  # an upload: sent as multipart/form-data, not JSON
MULTIPART = {MULTIPART_MARK: True}


def _held_world():
    """A statement delivered again with one more line: on hold for a decision."""
    imported(day_statement(A), data=b"first")
    imported(day_statement(A, B), data=b"second")
    return {"statement": held()}


RECURRING_LINE = {
    "description": "Wartungsvertrag",
    "quantity": "1",
    "unit_code": "MON",
    "unit_price": "249.00",
    "vat_category": "S",
    "vat_rate": "19",
}
CUSTOMER = {
    "legal_name": "Neue Kundin GmbH",
    "kind": "business",
    "billing_street": "Hauptstraße 1",
    "billing_postal_code": "80331",
    "billing_city": "München",
    "billing_country": "DE",
    "tax_number": "143/123/45678",
}


# (route, method) -> (world builder, url, body). Bodies may use the world's objects.
WALKED = {
    ("customer-list", "post"): (
        lambda: {},
        "/api/v1/customers/",
        lambda w: CUSTOMER,
    ),
    ("customer-detail", "put"): (_customer_world, "/api/v1/customers/{customer}/", lambda w: CUSTOMER),
    ("customer-detail", "patch"): (_customer_world, "/api/v1/customers/{customer}/", lambda w: {"notes": "per Post"}),
    ("customer-detail", "delete"): (_customer_world, "/api/v1/customers/{customer}/", lambda w: None),
    ("customer-verify", "post"): (_customer_world, "/api/v1/customers/{customer}/verify/", lambda w: {}),
    ("customer-dismiss-duplicate", "post"): (
        _customer_world,
        "/api/v1/customers/{customer}/dismiss-duplicate/",
        lambda w: {"other": make_customer().pk, "reason": "Zwei Standorte"},
    ),
    ("customer-contact-list", "post"): (
        _customer_world,
        "/api/v1/customers/{customer}/contacts/",
        lambda w: {"name": "Jonas Weber", "email": "jonas@example.com"},
    ),
    ("customer-contact-detail", "patch"): (
        _customer_world,
        "/api/v1/customers/{customer}/contacts/{contact}/",
        lambda w: {"role": "Buchhaltung"},
    ),
    ("customer-contact-detail", "delete"): (
        _customer_world,
        "/api/v1/customers/{customer}/contacts/{contact}/",
        lambda w: None,
    ),
    ("customer-bank-account-list", "post"): (
        _customer_world,
        "/api/v1/customers/{customer}/bank-accounts/",
        lambda w: {"iban": IBAN},
    ),
    ("customer-bank-account-detail", "patch"): (
        _customer_world,
        "/api/v1/customers/{customer}/bank-accounts/{account}/",
        lambda w: {"bic": "DEUTDEDBXXX"},
    ),
    ("customer-bank-account-detail", "delete"): (
        _customer_world,
        "/api/v1/customers/{customer}/bank-accounts/{account}/",
        lambda w: None,
    ),
    ("followuptask-transition", "post"): (
        _task_world,
        "/api/v1/tasks/{task}/transition/",
        lambda w: {"status": "in_progress"},
    ),
    ("followuptask-list", "post"): (
        _task_world,
        "/api/v1/tasks/",
        lambda w: {"kind": "call_customer", "title": "Anrufen", "customer": w["customer"].pk},
    ),
    ("followuptask-assign", "post"): (_task_world, "/api/v1/tasks/{task}/assign/", lambda w: {"assignee": "manager"}),
    ("followuptask-snooze", "post"): (
        _task_world,
        "/api/v1/tasks/{task}/snooze/",
        lambda w: {"waiting_until": (timezone.localdate() + timedelta(days=3)).isoformat()},
    ),
    ("followuptask-notes", "post"): (_task_world, "/api/v1/tasks/{task}/notes/", lambda w: {"text": "Rückruf"}),
    ("taskrule-detail", "patch"): (
        lambda: {"rule": TaskRule.objects.get_or_create(kind="email_bounced")[0].kind},
        "/api/v1/task-rules/{rule}/",
        lambda w: {"due_in_days": 2},
    ),
    ("invoice-list", "post"): (
        _invoice_world,
        "/api/v1/invoices/",
        lambda w: {"customer": w["customer"].pk, "service_date": D0.isoformat(), "lines": [line()]},
    ),
    ("invoice-detail", "patch"): (_invoice_world, "/api/v1/invoices/{draft}/", lambda w: {"note": "Danke"}),
    ("invoice-detail", "delete"): (_invoice_world, "/api/v1/invoices/{draft}/", lambda w: None),
    ("invoice-issue", "post"): (_invoice_world, "/api/v1/invoices/{draft}/issue/", lambda w: {}),
    ("invoice-change-due-date", "post"): (
        _invoice_world,
        "/api/v1/invoices/{invoice}/change-due-date/",
        lambda w: {"due_date": (w["invoice"].due_date + timedelta(days=14)).isoformat(), "reason": "Ratenplan"},
    ),
    ("invoice-credit-note", "post"): (
        _invoice_world,
        "/api/v1/invoices/{invoice}/credit-note/",
        lambda w: {"reason": "Rabatt", "issue": True},
    ),
    ("payment-list", "post"): (
        _payment_world,
        "/api/v1/payments/",
        lambda w: {
            "customer": w["customer"].pk,
            "channel": "bank_transfer",
            "amount": "10.00",
            "currency": "EUR",
            "value_date": D0.isoformat(),
        },
    ),
    ("payment-credit", "post"): (_payment_world, "/api/v1/payments/{payment}/credit/", lambda w: {}),
    ("customer-contact-detail", "put"): (
        _customer_world,
        "/api/v1/customers/{customer}/contacts/{contact}/",
        lambda w: {"name": "Jonas Weber", "email": "jonas@example.com", "role": "Buchhaltung"},
    ),
    ("customer-bank-account-detail", "put"): (
        _customer_world,
        "/api/v1/customers/{customer}/bank-accounts/{account}/",
        lambda w: {"iban": IBAN, "bic": "DEUTDEDBXXX"},
    ),
    ("invoice-detail", "put"): (
        _invoice_world,
        "/api/v1/invoices/{draft}/",
        lambda w: {"customer": w["customer"].pk, "service_date": D0.isoformat(), "lines": [line()], "note": "Danke"},
    ),
    ("invoice-documents-recheck", "post"): (_invoice_world, "/api/v1/invoices/{invoice}/documents/recheck/", None),
    ("invoice-send", "post"): (_sending_world, "/api/v1/invoices/{invoice}/send/", lambda w: {}),
    ("message-resend", "post"): (_sending_world, "/api/v1/messages/{message}/resend/", lambda w: {}),
    ("recurring-invoice-list", "post"): (
        _recurring_world,
        "/api/v1/recurring-invoices/",
        lambda w: {
            "customer": w["customer"].pk,
            "name": "Wartung Halle 3",
            "frequency": "monthly",
            "day_of_month": 1,
            "start_date": w["start"],
            "lines": [RECURRING_LINE],
        },
    ),
    ("recurring-invoice-detail", "put"): (
        _recurring_world,
        "/api/v1/recurring-invoices/{template}/",
        lambda w: {
            "customer": w["customer"].pk,
            "name": "Wartung Halle 4",
            "frequency": "monthly",
            "day_of_month": 2,
            "start_date": w["start"],
            "lines": [RECURRING_LINE],
        },
    ),
    ("recurring-invoice-detail", "patch"): (
        _recurring_world,
        "/api/v1/recurring-invoices/{template}/",
        lambda w: {"name": "Wartung Halle 5"},
    ),
    ("recurring-invoice-pause", "post"): (
        _recurring_world,
        "/api/v1/recurring-invoices/{template}/pause/",
        lambda w: {"reason": "Betriebsferien"},
    ),
    ("recurring-invoice-resume", "post"): (_recurring_world, "/api/v1/recurring-invoices/{paused}/resume/", None),
    ("recurring-invoice-end", "post"): (
        _recurring_world,
        "/api/v1/recurring-invoices/{template}/end/",
        lambda w: {"reason": "Vertrag gekündigt"},
    ),
    ("payment-allocations", "post"): (
        _payments_world,
        "/api/v1/payments/{payment}/allocations/",
        lambda w: {"targets": [{"invoice": w["invoice"].pk, "amount": "50.00"}]},
    ),
    ("payment-assign", "post"): (
        _payments_world,
        "/api/v1/payments/{unassigned}/assign/",
        lambda w: {"customer": w["customer"].pk, "allocate": False},
    ),
    ("payment-complete", "post"): (_payments_world, "/api/v1/payments/{pending}/complete/", lambda w: {}),
    ("payment-fail", "post"): (_payments_world, "/api/v1/payments/{pending}/fail/", lambda w: {"reason": "abgelehnt"}),
    # The Stripe call is faked (fixture ``stripe_faked``): only its HTTP request is replaced.
    ("payment-link-list", "post"): (
        _invoice_world,
        "/api/v1/payment-links/",
        lambda w: {
            "invoices": [w["invoice"].pk],
            "success_url": "https://x.example/ok",
            "cancel_url": "https://x.example/no",
        },
    ),
    ("payment-refund", "post"): (
        _payments_world,
        "/api/v1/payments/{credit}/refund/",
        lambda w: {"amount": "30.00", "channel": "bank_transfer", "reference": "R-1"},
    ),
    ("payment-return", "post"): (
        _payments_world,
        "/api/v1/payments/{payment}/return/",
        lambda w: {"reason": "Rücklastschrift", "return_code": "MD06"},
    ),
    ("allocation-reverse", "post"): (
        _payments_world,
        "/api/v1/allocations/{allocation}/reverse/",
        lambda w: {"reason": "falscher Kunde"},
    ),
    ("bank-import-list", "post"): (
        dict,
        "/api/v1/bank-imports/",
        lambda w: MULTIPART | {"file": SimpleUploadedFile("auszug.xml", b"<walk/>")},
    ),
    ("bank-statement-line-accept", "post"): (
        _bank_world,
        "/api/v1/bank-statement-lines/{line}/accept/",
        lambda w: {"match": w["line"].matches.order_by("rank", "id").first().pk},
    ),
    ("bank-statement-line-assign", "post"): (
        _bank_world,
        "/api/v1/bank-statement-lines/{line}/assign/",
        lambda w: {"customer": w["customer"].pk},
    ),
    ("bank-statement-line-ignore", "post"): (
        _bank_world,
        "/api/v1/bank-statement-lines/{line}/ignore/",
        lambda w: {"reason": "Umbuchung"},
    ),
    ("bank-statement-line-rematch", "post"): (_bank_world, "/api/v1/bank-statement-lines/{line}/rematch/", None),
    ("bank-statement-line-link-return", "post"): (
        _bank_world,
        "/api/v1/bank-statement-lines/{debit}/link-return/",
        lambda w: {"payment": w["returned"].pk},
    ),
    ("bank-statement-accept", "post"): (
        _held_world,
        "/api/v1/bank-statements/{statement}/accept/",
        lambda w: {"reason": "geprüft"},
    ),
    ("bank-statement-reject", "post"): (_held_world, "/api/v1/bank-statements/{statement}/reject/", None),
    ("sepa-mandate-list", "post"): (
        _sepa_world,
        "/api/v1/sepa-mandates/",
        lambda w: {
            "customer": w["customer"].pk,
            "reference": "KD-API-1",
            "signed_on": D0.isoformat(),
            "debtor_name": "Beispiel Handel GmbH",
            "debtor_iban": IBAN,
        },
    ),
    ("sepa-mandate-amend", "post"): (
        _sepa_world,
        "/api/v1/sepa-mandates/{mandate}/amend/",
        lambda w: {"debtor_iban": "DE89370400440532013000"},
    ),
    ("sepa-mandate-mark-final", "post"): (_sepa_world, "/api/v1/sepa-mandates/{mandate}/mark-final/", None),
    ("sepa-mandate-revoke", "post"): (
        _sepa_world,
        "/api/v1/sepa-mandates/{mandate}/revoke/",
        lambda w: {"reason": "widerrufen"},
    ),
    ("sepa-batch-list", "post"): (
        _sepa_world,
        "/api/v1/sepa-batches/",
        lambda w: {"collection_date": w["collection_date"].isoformat()},
    ),
    ("sepa-batch-refunds", "post"): (
        _sepa_world,
        "/api/v1/sepa-batches/refunds/",
        lambda w: {
            "execution_date": w["execution_date"].isoformat(),
            "items": [{"payment": w["credit"].pk, "amount": "30.00"}],
        },
    ),
    ("sepa-batch-mark-submitted", "post"): (_sepa_world, "/api/v1/sepa-batches/{batch}/mark-submitted/", None),
    ("sepa-batch-cancel", "post"): (_sepa_world, "/api/v1/sepa-batches/{batch}/cancel/", lambda w: {}),
    ("job-ping", "post"): (dict, "/api/v1/platform/jobs/ping/", None),
    ("job-retry", "post"): (_jobs_world, "/api/v1/platform/jobs/{failed}/retry/", None),
    ("job-cancel", "post"): (_jobs_world, "/api/v1/platform/jobs/{pending}/cancel/", None),
    ("page-link-list", "post"): (_page_link_world, "/api/v1/page-links/", lambda w: {"invoice": w["invoice"].pk}),
    ("page-link-revoke", "post"): (_page_link_world, "/api/v1/page-links/{link}/revoke/", None),
    ("customer-note-list", "post"): (
        _customer_world,
        "/api/v1/customer-notes/",
        lambda w: {
            "customer": w["customer"].pk,
            "kind": "call",
            "direction": "incoming",
            "outcome": "reached",
            "summary": "Ruft wegen der Rechnung an.",
        },
    ),
    ("payment-promise-list", "post"): (_casework_world, "/api/v1/payment-promises/", _promise_body),
    ("customer-statement-send", "post"): (_statement_world, "/api/v1/customers/{customer}/statement/send/", None),
    ("payment-designation-list", "post"): (
        _designation_world,
        "/api/v1/payment-designations/",
        lambda w: {"payment": w["payment"].pk, "order": "principal_only"},
    ),
    ("payment-promise-cancel", "post"): (
        _casework_world,
        "/api/v1/payment-promises/{promise}/cancel/",
        lambda w: {"reason": "Kunde zahlt per Lastschrift"},
    ),
    ("dispute-list", "post"): (
        _casework_world,
        "/api/v1/disputes/",
        lambda w: {"invoice": w["invoice"].pk, "reason": "quality"},
    ),
    ("dispute-resolve", "post"): (
        _casework_world,
        "/api/v1/disputes/{dispute}/resolve/",
        lambda w: {"outcome": "withdrawn"},
    ),
    ("dispute-resolve-with-credit-note", "post"): (
        _casework_world,
        "/api/v1/disputes/{dispute}/resolve-with-credit-note/",
        lambda w: {},
    ),
    ("dunning-policy-list", "post"): (dict, "/api/v1/dunning-policies/", lambda w: _policy_body("Kulant")),
    ("dunning-policy-detail", "put"): (
        _dunning_world,
        "/api/v1/dunning-policies/{policy}/",
        lambda w: _policy_body("Streng"),
    ),
    ("dunning-policy-detail", "patch"): (
        _dunning_world,
        "/api/v1/dunning-policies/{policy}/",
        lambda w: {"minimum_amount": "10.00"},
    ),
    ("dunning-policy-detail", "delete"): (_dunning_world, "/api/v1/dunning-policies/{policy}/", None),
    ("dunning-pause-list", "post"): (
        _customer_world,
        "/api/v1/dunning/pauses/",
        lambda w: {"customer": w["customer"].pk, "reason": "Kunde ruft zurück"},
    ),
    ("dunning-pause-resume", "post"): (
        _dunning_world,
        "/api/v1/dunning/pauses/{pause}/resume/",
        lambda w: {"reason": "Rückruf erfolgt"},
    ),
    ("customer-dunning-settings", "put"): (
        _customer_world,
        "/api/v1/customers/{customer}/dunning-settings/",
        lambda w: {"policy": None, "payment_date_agreed": True, "due_date_notice_days": 3},
    ),
    ("privacy-request-list", "post"): (
        _customer_world,
        "/api/v1/privacy-requests/",
        lambda w: {
            "customer": w["customer"].pk,
            "contacts": [w["contact"].pk],
            "kind": "erasure",
            "received_at": T0.isoformat(),
        },
    ),
    ("privacy-request-execute", "post"): (_privacy_world, "/api/v1/privacy-requests/{request}/execute/", None),
    ("privacy-request-reject", "post"): (
        _privacy_world,
        "/api/v1/privacy-requests/{request}/reject/",
        lambda w: {"reason": "Identität nicht nachgewiesen"},
    ),
}


def test_every_api_write_endpoint_is_walked_or_listed_with_its_reason():
    routes = api_write_routes()
    assert len(routes) > 30  # the enumeration found the API (not an empty URLconf walk)
    covered = set(WALKED) | set(NOT_WALKED) | set(WRITES_NOTHING)
    assert routes == covered, f"not covered: {sorted(routes - covered)}; stale: {sorted(covered - routes)}"
    assert not set(WALKED) & set(NOT_WALKED)
    assert not (set(WALKED) | set(NOT_WALKED)) & set(WRITES_NOTHING)


@pytest.fixture
def stripe_faked(settings, monkeypatch):
    from providers.adapters import stripe as stripe_adapter
    from providers.tests.fake_stripe import FakeStripe, FakeStripeHTTPClient

    settings.STRIPE_SECRET_KEY = "sk_test_walk"
    monkeypatch.setattr(stripe_adapter, "HTTP_CLIENT", FakeStripeHTTPClient(FakeStripe()))


@pytest.mark.parametrize("route", sorted(WALKED), ids=lambda route: f"{route[1]} {route[0]}")
def test_a_write_through_an_api_key_leaves_an_event_naming_the_key(manager, route, stripe_faked):
    build, path, body = WALKED[route]
    world = build()
    key, raw = api_key_create(name="ERP", scopes=list(ALL_SCOPES), created_by=manager)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    url = path.format(**{name: getattr(obj, "pk", obj) for name, obj in world.items()})
    payload = body(world) if body else None
    multipart = payload is not None and payload.pop(MULTIPART_MARK, False)
    last = Event.objects.order_by("-id").values_list("id", flat=True).first() or 0

    response = getattr(client, route[1])(url, payload, format="multipart" if multipart else "json")

    assert 200 <= response.status_code < 300, response.content
    new = list(Event.objects.filter(id__gt=last))
    assert new, f"{route}: the write left no event"
    assert all(e.actor_kind == "api_key" for e in new), [(e.type, e.actor_label) for e in new]
    assert {(e.actor_api_key_id, e.actor_api_key_prefix, e.actor_api_key_name) for e in new} == {
        (key.pk, key.prefix, "ERP")
    }


def test_a_route_that_refuses_api_keys_refuses_them_and_writes_nothing(manager):
    """Writing off is a finance manager's decision (payments.services.write_off): a key, whatever
    its scopes, is answered 403 and nothing is written, so there is no key's write to log."""
    assert set(NOT_WALKED) == {("write-off-list", "post"), *MANAGER_ONLY_CALLS}
    make_company_profile()
    invoice = make_invoice(customer=make_customer())
    key, raw = api_key_create(name="ERP", scopes=list(ALL_SCOPES), created_by=manager)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    last = Event.objects.order_by("-id").values_list("id", flat=True).first() or 0

    response = client.post(
        "/api/v1/write-offs/", {"invoice": invoice.pk, "amount": "0.50", "reason": "Rundung"}, format="json"
    )

    assert response.status_code == 403, response.content
    assert not WriteOff.objects.exists()
    assert not Event.objects.filter(id__gt=last).exists()
    world = _manager_only_world(manager)
    last = Event.objects.order_by("-id").values_list("id", flat=True).first() or 0
    for route, (path, body) in MANAGER_ONLY_CALLS.items():
        url = path.format(**{name: obj.pk for name, obj in world.items()})
        response = client.post(url, body(world), format="json")
        assert response.status_code == 403, (route, response.content)
    assert not Event.objects.filter(id__gt=last).exists()


def test_a_post_that_writes_nothing_leaves_no_event(manager):
    """The dunning dry run answers what a run would do and stores nothing, for a key too."""
    assert set(WRITES_NOTHING) == {("dunning-dry-run", "post")}
    make_company_profile()
    make_invoice(customer=make_customer())
    key, raw = api_key_create(name="ERP", scopes=list(ALL_SCOPES), created_by=manager)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    last = Event.objects.order_by("-id").values_list("id", flat=True).first() or 0

    response = client.post("/api/v1/dunning/dry-run/", {"as_of": "2027-03-01"}, format="json")

    assert response.status_code == 200, response.content
    assert not Event.objects.filter(id__gt=last).exists()
