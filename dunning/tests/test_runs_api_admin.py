"""The runs' API and admin: state per invoice and customer, the dry run, runs with entries, reminders;
the preview page (nothing written) and "Run now" for finance managers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from dunning.models import DunningRun, Reminder, SkipReason
from dunning.services import dunning_run

from .factories import LEVEL1_DAY, make_debtor, overdue_invoice, run_time

pytestmark = pytest.mark.django_db


def _client(user):
    from tests.conftest import client_for

    return client_for(user)


def test_the_state_of_an_invoice_and_a_customer(world, viewer):
    customer = make_debtor(dunning_blocked=True, dunning_block_reason="Insolvenz")
    invoice = overdue_invoice(customer)
    api = _client(viewer)

    state = api.get(f"/api/v1/dunning/invoices/{invoice.pk}/?as_of={LEVEL1_DAY}", HTTP_ACCEPT_LANGUAGE="en").json()

    assert state["overdue"] is True and state["level_reached"] is None
    assert (state["next_level"], state["next_level_day"], state["due_now"]) == (1, LEVEL1_DAY.isoformat(), True)
    assert state["skip_reason"] == SkipReason.CUSTOMER_BLOCKED
    assert state["reason_text"] == "dunning is blocked: Insolvenz"
    whole = api.get(f"/api/v1/dunning/customers/{customer.pk}/?as_of={LEVEL1_DAY}").json()
    assert whole["dunning_blocked"] is True and [i["invoice"] for i in whole["invoices"]] == [invoice.pk]
    assert api.get(f"/api/v1/dunning/invoices/{invoice.pk}/?as_of=yesterday").status_code == 400
    assert api.get("/api/v1/dunning/invoices/999999/").status_code == 404


def test_the_dry_run_endpoint_writes_nothing_and_lists_runs_and_reminders(world, accountant, viewer):
    customer = make_debtor()
    invoice = overdue_invoice(customer)
    api = _client(accountant)

    answer = api.post("/api/v1/dunning/dry-run/", {"as_of": LEVEL1_DAY.isoformat()}, format="json")

    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["counts"]["reminders"] == 1 and body["letters"][0]["customer"] == customer.pk
    assert [e["invoice"] for e in body["entries"]] == [invoice.pk]
    assert not DunningRun.objects.exists() and not Reminder.objects.exists()
    assert api.post("/api/v1/dunning/dry-run/", {"as_of": "soon"}, format="json").status_code == 400
    assert _client(viewer).post("/api/v1/dunning/dry-run/", {"as_of": "2027-01-03"}, format="json").status_code == 403

    run = dunning_run(as_of=LEVEL1_DAY, at=run_time(LEVEL1_DAY))
    runs = api.get("/api/v1/dunning/runs/").json()
    assert [r["id"] for r in runs["results"]] == [run.pk]
    entries = api.get(f"/api/v1/dunning/runs/{run.pk}/entries/").json()["results"]
    assert [(e["invoice"], e["outcome"], e["level"]) for e in entries] == [(invoice.pk, "reminded", 1)]
    reminders = api.get(f"/api/v1/reminders/?customer={customer.pk}").json()["results"]
    assert [(r["level"], r["status"], r["total"]) for r in reminders] == [(1, "queued", "119.00")]


def test_the_admin_preview_and_run_now(world, manager, viewer):
    customer = make_debtor()
    overdue_invoice(customer)
    admin = Client()
    admin.force_login(manager)

    page = admin.get(f"/admin/dunning/dunningrun/preview/?as_of={LEVEL1_DAY}")
    assert page.status_code == 200 and customer.legal_name in page.content.decode()
    assert not DunningRun.objects.exists()
    assert admin.get("/admin/dunning/dunningrun/preview/?as_of=nonsense").status_code == 200
    assert admin.get("/admin/dunning/dunningrun/").status_code == 200

    looker = Client()
    looker.force_login(viewer)
    assert looker.get(f"/admin/dunning/dunningrun/preview/?as_of={LEVEL1_DAY}").status_code == 200
    assert looker.post("/admin/dunning/dunningrun/run-now/").status_code == 403

    answer = admin.post("/admin/dunning/dunningrun/run-now/")
    assert answer.status_code == 302
    run = DunningRun.objects.get()
    assert run.trigger == "admin" and run.started_by == manager
    assert admin.get(f"/admin/dunning/dunningrun/{run.pk}/change/").status_code == 200
    for reminder in Reminder.objects.all():
        assert admin.get(f"/admin/dunning/reminder/{reminder.pk}/change/").status_code == 200
        pdf = admin.get(f"/admin/dunning/reminder/{reminder.pk}/pdf/")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert LEVEL1_DAY - timedelta(days=1) < LEVEL1_DAY
