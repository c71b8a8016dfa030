"""The dashboard pages (analytics/dashboard): who may open them, the filters in the URL, the
figures on the book (book.py, computed by hand there), exports, the live endpoint and the pages'
query counts, which do not grow with the data."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal

import lxml.html
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from core.formatting import money_text
from customers.tests.factories import make_customer
from invoicing.tests.factories import invoicing_setup  # noqa: F401
from payments.tests.factories import make_invoice, make_payment, net_terms
from tests.conftest import make_user
from tests.support.page_reading import page_text_problems, visible_text

from .book import AS_OF, at, build_book

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("invoicing_setup")]

PAGES = ["/analytics/", "/analytics/aging/", "/analytics/trends/", "/analytics/forecast/", "/analytics/dunning/"]
NOVEMBER = {"as_of": AS_OF.isoformat(), "period": "month"}


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def german(client: Client, url: str, params: dict | None = None):
    with translation.override("de"):
        return client.get(url, params or {}, HTTP_ACCEPT_LANGUAGE="de")


def find(html, xpath: str) -> list:
    return lxml.html.fromstring(html).xpath(xpath)


def figure(html: str, key: str) -> str:
    return find(html, f'//*[@data-kpi="{key}"]/*[contains(@class, "kpi-value")]')[0].text_content().strip()


FILTER_ERRORS = '//form[contains(@class, "dashboard-filters")]//ul[contains(@class, "errorlist")]'


def more_data() -> None:
    """Another customer with invoices and a payment: the pages must read no more queries for it."""
    other = make_customer(legal_name="Delta KG", as_of=at(date(2026, 7, 1)))
    for day in (date(2026, 11, 10), date(2026, 11, 15), date(2026, 11, 20)):
        invoice = make_invoice(customer=other, gross="100.00", terms=net_terms(30), as_of=at(day), service_date=day)
    make_payment(customer=other, amount="100.00", value_date=date(2026, 11, 25), as_of=at(date(2026, 11, 25)),
                 allocate=True, remittance=invoice.number)  # fmt: skip


# --- Who may look ------------------------------------------------------------------------------


@pytest.mark.parametrize("url", PAGES)
def test_a_viewer_opens_every_dashboard_page(viewer, url):
    build_book()
    assert browser(viewer).get(url, NOVEMBER).status_code == 200


@pytest.mark.parametrize("url", [*PAGES, "/analytics/live/"])
def test_staff_without_a_finance_role_are_refused(django_user_model, url):
    nobody = make_user(django_user_model, "nobody", None)
    assert browser(nobody).get(url).status_code == 403


def test_an_anonymous_visitor_is_sent_to_the_login():
    response = Client().get("/analytics/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


# --- Figures and filters -----------------------------------------------------------------------


def test_the_overview_shows_the_books_open_and_overdue_receivables_at_the_end_of_november(viewer):
    build_book()
    html = german(browser(viewer), "/analytics/", NOVEMBER).content.decode()
    # Open 30.11.: A-2 295.00 + B-2 357.00 + A-4 59.50 + C-1 USD 1,000 at 1.25 = EUR 800.00.
    assert figure(html, "open") == "1.511,50\xa0€"
    assert figure(html, "overdue") == "652,00\xa0€"  # A-2 and B-2


def test_a_filter_in_the_url_changes_the_figures(viewer):
    build_book()
    client = browser(viewer)
    austria = german(client, "/analytics/", {**NOVEMBER, "country": "AT"}).content.decode()
    assert figure(austria, "open") == figure(austria, "overdue") == "357,00\xa0€"  # Beta's B-2 only
    dollars = german(client, "/analytics/", {**NOVEMBER, "currency": "USD"}).content.decode()
    with translation.override("de"):
        assert figure(dollars, "open") == money_text(Decimal("1000.00"), "USD")  # C-1, in its own currency
    assert 'value="USD" selected' in dollars


def test_a_bad_filter_is_named_next_to_its_field_and_the_page_still_renders(viewer):
    response = german(browser(viewer), "/analytics/aging/", {"as_of": "30.11.2026", "currency": "euro"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Ein Datum wie 2026-11-30." in html and "Ein dreibuchstabiger Währungscode wie EUR." in html
    assert len(find(html, FILTER_ERRORS)) == 2


def test_the_aging_list_sorts_by_a_column_and_a_customer_opens_their_open_items(viewer):
    book = build_book()
    client = browser(viewer)
    html = german(client, "/analytics/aging/", {**NOVEMBER, "order": "name"}).content.decode()
    names = [td.text_content() for td in find(html, '//*[@id="table-customers"]//tbody/tr/td[2]')]
    assert names == ["Alpha GmbH", "Beta Verbraucherin", "Gamma Inc."]
    page = german(client, f"/analytics/aging/{book.alpha.pk}/", NOVEMBER).content.decode()
    items = [a.text_content() for a in find(page, '//*[@id="table-open_items"]//tbody/tr/td[1]/a')]
    assert items == [book.a2.number, book.a4.number]  # open on 30.11., the oldest due first
    assert reverse("admin:communications_customernote_timeline", args=[book.alpha.pk]) in page


def test_an_unknown_sort_order_is_named_and_the_list_is_sorted_by_total(viewer):
    build_book()
    response = german(browser(viewer), "/analytics/aging/", {**NOVEMBER, "order": "colour"})
    assert response.status_code == 200
    assert find(response.content.decode(), FILTER_ERRORS)


@pytest.mark.parametrize("url", PAGES)
def test_every_page_reads_as_german_on_the_book(viewer, url):
    build_book()
    html = german(browser(viewer), url, NOVEMBER).content.decode()
    assert page_text_problems(visible_text(html)) == []


# --- Exports -----------------------------------------------------------------------------------


def test_the_aging_table_downloads_as_csv_with_machine_readable_numbers(viewer):
    build_book()
    response = german(browser(viewer), "/analytics/aging/", {**NOVEMBER, "export": "csv", "table": "aging"})
    assert response["Content-Disposition"] == 'attachment; filename="aging.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["Tage über Fälligkeit", "Offener Betrag (EUR)", "Belege"]
    assert rows[1] == ["nicht fällig", "859.50", "2"]  # A-4 59.50 + C-1 EUR 800.00
    assert rows[-1] == ["Summe", "1511.50", "4"]


def test_a_formula_in_a_customer_name_stays_text_in_both_exports(viewer):
    build_book()
    evil = make_customer(legal_name='=HYPERLINK("http://evil.example","klick")', as_of=at(date(2026, 7, 1)))
    make_invoice(customer=evil, gross="10.00", terms=net_terms(30), as_of=at(date(2026, 11, 20)),
                 service_date=date(2026, 11, 20))  # fmt: skip
    client = browser(viewer)
    params = {**NOVEMBER, "order": "name", "table": "customers"}
    text = german(client, "/analytics/aging/", {**params, "export": "csv"}).content.decode("utf-8-sig")
    assert "'=HYPERLINK(" in text
    book = load_workbook(io.BytesIO(german(client, "/analytics/aging/", {**params, "export": "xlsx"}).content))
    names = [row[1].value for row in book.active.iter_rows(min_row=2)]
    cells = [row[1] for row in book.active.iter_rows(min_row=2) if str(row[1].value).startswith("=")]
    assert '=HYPERLINK("http://evil.example","klick")' in names
    assert all(cell.data_type == "s" for cell in cells)


def test_an_unknown_table_is_not_found(viewer):
    assert browser(viewer).get("/analytics/", {"export": "csv", "table": "nope"}).status_code == 404


# --- Live updates ------------------------------------------------------------------------------


def test_the_live_endpoint_answers_the_figures_only_when_a_payment_event_came(viewer, django_assert_num_queries):
    build_book()
    client = browser(viewer)
    first = json.loads(german(client, "/analytics/live/", NOVEMBER).content)
    assert first["changed"] and first["figures"]["open"]["value"] == "1.511,50\xa0€"
    since = first["since"]  # the book's newest payment event
    assert since is not None
    with django_assert_num_queries(4):  # session, user, the user's role, the newest payment event
        quiet = json.loads(client.get("/analytics/live/", {**NOVEMBER, "since": since}).content)
    assert quiet == {"since": since, "changed": False}


def test_a_bad_since_is_refused_by_the_live_endpoint(viewer):
    assert browser(viewer).get("/analytics/live/", {"since": "x"}).status_code == 400


# --- Query counts ------------------------------------------------------------------------------


def queries(client: Client, url: str, params: dict) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params).status_code == 200
    return len(captured)


@pytest.mark.parametrize("url", [*PAGES, "/analytics/live/"])
def test_a_pages_query_count_does_not_grow_with_the_data(viewer, url):
    build_book()
    client = browser(viewer)
    before = queries(client, url, NOVEMBER)
    more_data()
    assert queries(client, url, NOVEMBER) == before


# --- Dunning -----------------------------------------------------------------------------------


def test_the_dunning_page_computes_the_next_run_only_when_asked(viewer):
    build_book()
    client = browser(viewer)
    plain = german(client, "/analytics/dunning/").content.decode()
    assert "Berechnen, was der nächste Lauf täte" in plain
    asked = german(client, "/analytics/dunning/", {"preview": "1"}).content.decode()
    counts = {
        row.xpath("th")[0].text_content(): row.xpath("td")[0].text_content()
        for row in find(asked, '//table[contains(@class, "dashboard-counts")]//tr')
    }
    # Today B-2 (Beta) and, A-4 (Alpha) and C-1 (Gamma) are overdue: three customers.
    assert counts["Kunden"] == "3"


def test_a_customer_that_does_not_exist_is_not_found(viewer):
    assert browser(viewer).get("/analytics/aging/999999/").status_code == 404


def test_a_column_heading_sorts_by_it_and_a_second_click_turns_the_order_round(viewer):
    build_book()
    client = browser(viewer)
    heading = '//*[@id="table-customers"]//thead//th[2]/a/@href'
    first = find(german(client, "/analytics/aging/", NOVEMBER).content.decode(), heading)[0]
    assert "order=name" in first and "as_of=2026-11-30" in first
    again = find(german(client, first).content.decode(), heading)[0]
    assert "order=-name" in again
    names = '//*[@id="table-customers"]//tbody/tr/td[2]'
    assert [td.text_content() for td in find(german(client, again).content.decode(), names)] == [
        "Gamma Inc.", "Beta Verbraucherin", "Alpha GmbH",
    ]  # fmt: skip


# The frame's eight (session, user, role, the user's and the groups' permissions, the navigation's
# counts, the filters' currencies and owners) plus the KPI functions' own pinned queries (the
# headline compares with the previous period, so the overview reads its figures twice; the forecast
# page's backtest, computed only with ?backtest=1, reads the ledger twice at each of its origins).
PAGE_QUERIES = {
    "/analytics/": 44,
    "/analytics/trends/": 37,
    "/analytics/forecast/": 9,
    "/analytics/forecast/?backtest=1": 33,
    "/analytics/dunning/": 10,
}


@pytest.mark.parametrize(("url", "count"), PAGE_QUERIES.items())
def test_a_page_reads_its_pinned_number_of_queries(viewer, url, count, django_assert_num_queries):
    build_book()
    client = browser(viewer)
    path, _, extra = url.partition("?")
    params = {**NOVEMBER, **dict(part.split("=") for part in extra.split("&") if part)}
    client.get(path, params)
    with django_assert_num_queries(count):
        client.get(path, params)


def test_the_aging_page_reads_ten_queries(viewer, django_assert_num_queries):
    build_book()
    client = browser(viewer)
    client.get("/analytics/aging/", NOVEMBER)
    # Session, user, role; the buckets; the customer page (rows and count in one); the user's
    # permissions and group permissions (the navigation); the navigation's counts; the filters'
    # currencies and account owners.
    with django_assert_num_queries(10):
        client.get("/analytics/aging/", NOVEMBER)


def test_the_overview_speaks_english_to_an_english_reader(viewer):
    build_book()
    with translation.override("en"):
        html = browser(viewer).get("/analytics/", NOVEMBER, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "At a glance" in html and "Open receivables" in html
    assert figure(html, "open") == "€1,511.50"
