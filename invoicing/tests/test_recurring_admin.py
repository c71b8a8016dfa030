"""Recurring invoices in the admin, as each role: the list (customer, interval, next run, status as
words), creating one with its lines through the service, field errors that save nothing, pause /
resume / end, the preview of the next invoices, and a list whose query count does not grow."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from customers.tests.factories import make_customer
from invoicing.models import RecurringInvoiceTemplate, RecurringInvoiceTemplateEvent
from invoicing.recurring import recurring_template_create, recurring_template_end, recurring_template_pause
from invoicing.tests.factories import BERLIN, invoicing_setup  # noqa: F401  (fixture)
from invoicing.tests.test_recurring_api import LINE, NOW, clock  # noqa: F401  (clock: autouse fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("invoicing_setup")]

LIST = "/admin/invoicing/recurringinvoicetemplate/"


@pytest.fixture
def customer():
    return make_customer(legal_name="Muster Wartung GmbH")


def logged_in(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def make_template(customer, **overrides) -> RecurringInvoiceTemplate:
    data = {
        "customer": customer,
        "name": "Wartung",
        "frequency": "quarterly",
        "day_of_month": 1,
        "start_date": date(2027, 1, 1),
    } | overrides
    return recurring_template_create(data=data, lines=[LINE], as_of=NOW)


def add_form(customer, **lines) -> dict:
    form = {
        "customer": customer.pk,
        "name": "Hosting",
        "frequency": "monthly",
        "day_of_month": "15",
        "start_date": "2027-01-01",
        "end_date": "",
        "payment_terms": "",
        "buyer_reference": "",
        "note": "",
        "lines-rows": "3",
        "_save": "Save",
    }
    for field, value in {**LINE, **lines}.items():
        form[f"lines-0-{field}"] = value
    return form


def test_the_list_shows_customer_interval_next_run_and_status_as_words(viewer, customer):
    make_template(customer, name="Wartung")
    recurring_template_pause(template=make_template(customer, name="Hosting"), as_of=NOW)

    page = logged_in(viewer).get(LIST).content.decode()

    for text in ("Muster Wartung GmbH", "quarterly", "01/01/2027", "active", "paused", "Wartung", "Hosting"):
        assert text in page, text


def test_an_accountant_creates_a_recurring_invoice_with_its_lines(accountant, customer):
    response = logged_in(accountant).post(f"{LIST}add/", add_form(customer))

    assert response.status_code == 302, response.content.decode()[:2000]
    template = RecurringInvoiceTemplate.objects.get()
    assert (template.name, template.frequency, template.day_of_month, template.status) == (
        "Hosting",
        "monthly",
        15,
        "active",
    )
    assert template.lines[0]["description"] == "Wartungsvertrag" and template.lines[0]["unit_price"] == "249.00"
    event = RecurringInvoiceTemplateEvent.objects.get()
    assert (event.kind, event.by) == ("created", accountant)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"quantity": "zwei"}, "Line 1, quantity"),
        ({"description": ""}, "Line 1, description"),
    ],
)
def test_a_bad_line_is_shown_at_the_lines_and_nothing_is_saved(accountant, customer, change, message):
    response = logged_in(accountant).post(f"{LIST}add/", add_form(customer, **change))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert RecurringInvoiceTemplate.objects.count() == 0


def test_a_template_without_lines_is_refused(accountant, customer):
    form = add_form(customer)
    for field in LINE:
        form[f"lines-0-{field}"] = ""

    response = logged_in(accountant).post(f"{LIST}add/", form)

    assert response.status_code == 200 and "at least one line" in response.content.decode()
    assert RecurringInvoiceTemplate.objects.count() == 0


def test_the_change_page_previews_the_next_invoices_with_dates_and_amounts(viewer, customer):
    template = make_template(customer)

    page = logged_in(viewer).get(f"{LIST}{template.pk}/change/").content.decode()

    assert "Next invoices" in page
    assert page.count("296.31") == 12  # twelve quarters, 249.00 net + 47.31 VAT each
    assert "01/01/2027" in page and "31/03/2027" in page  # British English, as the messages (core.languages)


@pytest.mark.parametrize("role", ["accountant", "manager"])
def test_accountants_and_managers_pause_resume_and_end_through_actions(request, role, customer):
    template = make_template(customer)
    client = logged_in(request.getfixturevalue(role))

    def act(action):
        return client.post(LIST, {"action": action, "_selected_action": [template.pk]}, follow=True)

    assert "1 recurring invoice paused." in act("pause").content.decode()
    template.refresh_from_db()
    assert template.status == "paused"
    act("resume")
    act("end")
    template.refresh_from_db()
    assert template.status == "ended"
    refused = act("pause").content.decode()
    assert "Only an active recurring invoice can be paused; this one is ended." in refused
    kinds = list(template.events.values_list("kind", flat=True))
    assert kinds == ["created", "paused", "resumed", "ended"]


def test_a_finance_viewer_cannot_add_change_or_act(viewer, customer):
    template = make_template(customer)
    client = logged_in(viewer)

    assert client.get(f"{LIST}add/").status_code == 403
    assert client.post(f"{LIST}add/", add_form(customer)).status_code == 403
    client.post(LIST, {"action": "pause", "_selected_action": [template.pk]})
    page = client.get(f"{LIST}{template.pk}/change/").content.decode()

    template.refresh_from_db()
    assert template.status == "active"
    assert 'name="_save"' not in page
    assert "<td>Wartungsvertrag</td>" in page and '"description"' not in page  # lines as a table, not JSON
    assert RecurringInvoiceTemplate.objects.count() == 1


def test_an_ended_template_is_shown_read_only(accountant, customer):
    template = make_template(customer)
    recurring_template_end(template=template, as_of=NOW)

    page = logged_in(accountant).get(f"{LIST}{template.pk}/change/").content.decode()

    assert 'name="name"' not in page and "ended" in page


def test_the_list_takes_the_same_number_of_queries_for_one_or_many_templates(
    viewer, customer, django_assert_max_num_queries
):
    client = logged_in(viewer)
    make_template(customer)
    client.get(LIST)
    with CaptureQueriesContext(connection) as one:
        client.get(LIST)
    for index in range(5):
        make_template(make_customer(), name=f"T{index}")
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert client.get(LIST).status_code == 200


def test_an_accountant_changes_a_template_and_its_lines_through_the_service(accountant, customer):
    template = make_template(customer)
    form = {**add_form(customer, unit_price="299.00"), "name": "Wartung 2027", "frequency": "quarterly"}
    form["day_of_month"] = "1"
    for prefix in ("runs", "events"):
        form.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})

    response = logged_in(accountant).post(f"{LIST}{template.pk}/change/", form)

    assert response.status_code == 302, response.content.decode()[:3000]
    template.refresh_from_db()
    assert (template.name, template.lines[0]["unit_price"]) == ("Wartung 2027", "299.00")
    changed = template.events.get(kind="changed")
    assert changed.by == accountant and changed.data["changed"]["name"] == ["Wartung", "Wartung 2027"]
