"""Recurring invoice templates through the API: create, list, retrieve, change, pause, resume, end,
preview; roles and scopes, bad input as 400 problems naming the field, 409 for ended templates,
Idempotency-Key, and a list whose query count does not grow with the rows."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest
import time_machine
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from core.api.problems import PROBLEM_CONTENT_TYPE
from core.services import api_key_create
from customers.tests.factories import make_customer
from invoicing.models import Invoice, RecurringInvoiceTemplate, RecurringInvoiceTemplateEvent
from invoicing.recurring import recurring_invoices_run, recurring_template_create, recurring_template_pause
from invoicing.tests.factories import BERLIN, invoicing_setup  # noqa: F401  (fixture)
from tests.conftest import client_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("invoicing_setup")]

URL = "/api/v1/recurring-invoices/"
NOW = datetime(2026, 12, 7, 10, 0, tzinfo=BERLIN)
LINE = {
    "description": "Wartungsvertrag",
    "quantity": "1",
    "unit_code": "MON",
    "unit_price": "249.00",
    "vat_category": "S",
    "vat_rate": "19",
}


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def customer():
    return make_customer(legal_name="Muster Wartung GmbH")


def body(customer, **overrides) -> dict:
    data = {
        "customer": customer.pk,
        "name": "Wartung Halle 3",
        "frequency": "monthly",
        "day_of_month": 1,
        "start_date": "2027-01-01",
        "lines": [LINE],
    }
    return {**data, **overrides}


def make_template(customer, **overrides) -> RecurringInvoiceTemplate:
    data = {
        "customer": customer,
        "name": "Wartung",
        "frequency": "monthly",
        "day_of_month": 1,
        "start_date": date(2027, 1, 1),
    } | overrides
    return recurring_template_create(data=data, lines=[LINE], as_of=NOW)


def problem_of(response, status: int = 400) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    return json.loads(response.content)


def pointers(problem: dict) -> set[str]:
    return {error["pointer"] for error in problem.get("errors", [])}


def key_client(manager, *scopes: str) -> APIClient:
    _key, raw = api_key_create(name="ERP", scopes=list(scopes), created_by=manager)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return client


# --- Create ---------------------------------------------------------------------------------------
def test_an_accountant_creates_a_recurring_invoice_with_its_lines(accountant, customer):
    response = client_for(accountant).post(URL, body(customer), format="json")

    assert response.status_code == 201, response.content
    data = response.json()
    assert response["Location"].endswith(f"{URL}{data['id']}/")
    assert (data["status"], data["frequency"], data["next_run_on"]) == ("active", "monthly", "2027-01-01")
    assert data["customer"]["legal_name"] == "Muster Wartung GmbH"
    assert data["lines"][0]["unit_price"] == "249.0000"  # prices keep four decimals
    assert [(e["kind"], e["by"]) for e in data["events"]] == [("created", "accountant")]


@pytest.mark.parametrize(
    ("change", "pointer"),
    [
        ({"lines": []}, "#/lines"),
        ({"lines": [{**LINE, "quantity": "zwei"}]}, "#/lines/0/quantity"),
        ({"lines": [{**LINE, "description": ""}]}, "#/lines/0/description"),
        ({"frequency": "weekly"}, "#/frequency"),
        ({"day_of_month": 32}, "#/day_of_month"),
        ({"end_date": "2026-12-31"}, "#/end_date"),
        ({"start_date": "01.01.2027"}, "#/start_date"),
        ({"customer": 999999}, "#/customer"),
        ({"name": ""}, "#/name"),
    ],
)
def test_bad_input_is_a_400_problem_naming_the_field_and_saves_nothing(accountant, customer, change, pointer):
    problem = problem_of(client_for(accountant).post(URL, {**body(customer), **change}, format="json"))

    assert pointer in pointers(problem)
    assert RecurringInvoiceTemplate.objects.count() == RecurringInvoiceTemplateEvent.objects.count() == 0


def test_a_finance_viewer_reads_but_cannot_write(viewer, customer):
    template = make_template(customer)
    client = client_for(viewer)

    assert client.get(URL).status_code == 200
    assert client.get(f"{URL}{template.pk}/preview/").status_code == 200
    assert problem_of(client.post(URL, body(customer), format="json"), 403)
    assert problem_of(client.post(f"{URL}{template.pk}/pause/", {}, format="json"), 403)
    assert problem_of(client.patch(f"{URL}{template.pk}/", {"name": "x"}, format="json"), 403)
    template.refresh_from_db()
    assert (template.status, template.name) == ("active", "Wartung")


def test_api_keys_need_the_write_scope_and_are_named_in_the_history(manager, customer):
    assert problem_of(key_client(manager, "invoicing:read").post(URL, body(customer), format="json"), 403)

    response = key_client(manager, "invoicing:read", "invoicing:write").post(URL, body(customer), format="json")

    assert response.status_code == 201, response.content
    assert response.json()["events"][0]["by"].startswith("API key ")


def test_a_create_retried_with_its_idempotency_key_makes_one_template(accountant, customer):
    client = client_for(accountant)

    first = client.post(URL, body(customer), format="json", HTTP_IDEMPOTENCY_KEY="tmpl-1")
    again = client.post(URL, body(customer), format="json", HTTP_IDEMPOTENCY_KEY="tmpl-1")

    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert RecurringInvoiceTemplate.objects.count() == 1


# --- Read -----------------------------------------------------------------------------------------
def test_the_list_shows_status_as_words_and_when_the_next_invoice_is_made(viewer, customer):
    make_template(customer, name="A")
    paused = make_template(customer, name="B")
    recurring_template_pause(template=paused, as_of=NOW)
    client = client_for(viewer)

    rows = client.get(URL).json()["results"]

    assert [(r["name"], r["status"], r["next_run_on"]) for r in rows] == [
        ("A", "active", "2027-01-01"),
        ("B", "paused", None),
    ]
    only_paused = client.get(URL, {"status": "paused"}).json()["results"]
    assert [r["name"] for r in only_paused] == ["B"]
    assert "#/customer" in str(problem_of(client.get(URL, {"customer": 999999})))


def test_the_next_run_follows_the_last_invoice_made(viewer, customer):
    template = make_template(customer, start_date=date(2026, 11, 1))
    recurring_invoices_run(as_of=NOW)  # November and December

    data = client_for(viewer).get(f"{URL}{template.pk}/").json()

    assert Invoice.objects.count() == 2
    assert data["next_run_on"] == "2027-01-01"


def test_the_list_takes_the_same_number_of_queries_for_one_or_many_templates(
    viewer, customer, django_assert_num_queries
):
    client = client_for(viewer)
    make_template(customer)
    client.get(URL)  # warm caches (content types, sessions)
    with django_assert_num_queries(2) as one:  # count, page
        assert len(client.get(URL).json()["results"]) == 1
    for index in range(5):
        make_template(make_customer(), name=f"T{index}")
    with django_assert_num_queries(len(one.captured_queries)):
        assert len(client.get(URL).json()["results"]) == 6


# --- Change and status ----------------------------------------------------------------------------
def test_a_change_is_recorded_with_what_changed_and_the_lines_are_replaced(accountant, customer):
    template = make_template(customer)
    new_line = {**LINE, "unit_price": "299.00"}

    response = client_for(accountant).patch(
        f"{URL}{template.pk}/", {"name": "Wartung 2027", "lines": [new_line]}, format="json"
    )

    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["name"], data["lines"][0]["unit_price"]) == ("Wartung 2027", "299.0000")
    changed = data["events"][-1]
    assert changed["kind"] == "changed" and changed["data"]["changed"]["name"] == ["Wartung", "Wartung 2027"]


def test_pause_resume_and_end_follow_the_transition_table(accountant, customer):
    template = make_template(customer)
    client = client_for(accountant)
    url = f"{URL}{template.pk}/"

    assert client.post(f"{url}pause/", {"reason": "Kunde im Urlaub"}, format="json").json()["status"] == "paused"
    assert problem_of(client.post(f"{url}pause/", {}, format="json"), 409)["type"].endswith("/document-state-conflict")
    assert client.post(f"{url}resume/", {}, format="json").json()["status"] == "active"
    ended = client.post(f"{url}end/", {"reason": "Vertrag gekündigt"}, format="json").json()
    assert ended["status"] == "ended" and ended["next_run_on"] is None
    assert [(e["kind"], e["from_state"], e["to_state"]) for e in ended["events"]] == [
        ("created", "", "active"),
        ("paused", "active", "paused"),
        ("resumed", "paused", "active"),
        ("ended", "active", "ended"),
    ]
    assert ended["events"][1]["reason"] == "Kunde im Urlaub"
    for path in ("resume/", "pause/", "end/"):
        problem_of(client.post(f"{url}{path}", {}, format="json"), 409)
    problem_of(client.patch(url, {"name": "x"}, format="json"), 409)


def test_a_retried_pause_replays_the_first_answer(accountant, customer):
    template = make_template(customer)
    client = client_for(accountant)
    url = f"{URL}{template.pk}/pause/"

    first = client.post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY="p-1")
    again = client.post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY="p-1")

    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert RecurringInvoiceTemplateEvent.objects.filter(kind="paused").count() == 1


def test_paused_and_ended_templates_make_no_invoices(accountant, customer):
    template = make_template(customer, start_date=date(2026, 11, 1))
    client_for(accountant).post(f"{URL}{template.pk}/pause/", {}, format="json")

    assert recurring_invoices_run(as_of=NOW)["created"] == 0


# --- Preview --------------------------------------------------------------------------------------
def test_the_preview_shows_the_next_invoices_with_dates_and_amounts(viewer, customer):
    template = make_template(customer, frequency="quarterly", start_date=date(2026, 10, 1))
    recurring_invoices_run(as_of=NOW)  # the quarter that began on 1 October is made

    rows = client_for(viewer).get(f"{URL}{template.pk}/preview/", {"count": 3}).json()

    assert [(r["period_start"], r["period_end"], r["invoice_date"]) for r in rows] == [
        ("2027-01-01", "2027-03-31", "2027-01-01"),
        ("2027-04-01", "2027-06-30", "2027-04-01"),
        ("2027-07-01", "2027-09-30", "2027-07-01"),
    ]
    assert {(r["net"], r["vat"], r["gross"], r["problem"]) for r in rows} == {("249.00", "47.31", "296.31", "")}


def test_the_preview_stops_at_the_end_date(viewer, customer):
    template = make_template(customer, end_date=date(2027, 2, 15))

    rows = client_for(viewer).get(f"{URL}{template.pk}/preview/").json()

    assert [r["period_start"] for r in rows] == ["2027-01-01", "2027-02-01"]


@pytest.mark.parametrize("count", ["0", "25", "zwölf", "-1"])
def test_a_bad_preview_count_is_a_400_naming_it(viewer, customer, count):
    template = make_template(customer)

    problem = problem_of(client_for(viewer).get(f"{URL}{template.pk}/preview/", {"count": count}))

    assert "#/count" in pointers(problem)


# --- Any body: 201 or a 400 problem, never 500 ----------------------------------------------------
anything = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=5,
)
PLAUSIBLE = {
    "name": ["Wartung", "", "x" * 201],
    "frequency": ["monthly", "quarterly", "yearly", "weekly", ""],
    "day_of_month": [1, 15, 31, 0, 32, -1, "1"],
    "start_date": ["2027-01-01", "2027-02-29", "1900-01-01", "", None],
    "end_date": ["2027-06-30", "2026-01-01", None, ""],
    "auto_issue": [True, False, "yes"],
    "payment_terms": [1, 999, None],
    "note": ["Danke", ""],
    "buyer_reference": ["04011000-12345-34", "x" * 201],
    "lines": [[LINE], [], [{**LINE, "quantity": "0"}], [{**LINE, "vat_rate": "7.5"}], [{"description": "x"}]],
}


@settings(max_examples=40, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    fields=st.lists(st.sampled_from(sorted(PLAUSIBLE)), max_size=3, unique=True).flatmap(
        lambda chosen: st.fixed_dictionaries({f: st.sampled_from(PLAUSIBLE[f]) | anything for f in chosen})
    )
)
def test_any_create_body_answers_201_or_a_400_problem_never_500(accountant, customer, fields):
    before = RecurringInvoiceTemplate.objects.count()

    response = client_for(accountant).post(URL, {**body(customer), **fields}, format="json")

    event(f"status {response.status_code}")
    assert response.status_code in {201, 400}, (fields, response.content)
    if response.status_code == 400:
        assert problem_of(response)["errors"]
        assert RecurringInvoiceTemplate.objects.count() == before


def test_moving_the_schedule_after_invoices_were_made_is_a_400_naming_the_field(accountant, customer):
    template = make_template(customer, start_date=date(2026, 11, 1))
    recurring_invoices_run(as_of=NOW)  # November and December

    response = client_for(accountant).patch(f"{URL}{template.pk}/", {"day_of_month": 15}, format="json")

    assert pointers(problem_of(response)) == {"#/day_of_month"}
    template.refresh_from_db()
    assert template.day_of_month == 1
    name = client_for(accountant).patch(f"{URL}{template.pk}/", {"name": "Wartung 2027"}, format="json")
    assert name.status_code == 200, name.content
