"""The invoicing admin: drafts edited through the services, issued documents read-only.

The tests post what a browser posts (the change form with its inline management forms, the
issue, credit-note and due-date pages) and check what the services stored: normalised
values and totals, the number, the events with their user and reason, and nothing at all
when a row is invalid or the user may not act.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from communications.models import OutboxMessage
from core.models import CompanyProfile
from customers.models import Customer, PaymentTerms
from customers.tests.factories import make_customer
from invoicing.models import (
    CustomerNotice,
    DocumentStatus,
    ExchangeRate,
    Invoice,
    InvoiceEvent,
    InvoiceLine,
    VatRate,
)
from invoicing.services import invoice_draft_create, invoice_issue
from tests.test_admin import compiled_translations  # noqa: F401  (compiles the German catalogue)

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/invoicing/invoice/"
ADD = "/admin/invoicing/invoice/add/"
HEADER = (
    "invoice_date",
    "service_date",
    "service_period_start",
    "service_period_end",
    "currency",
    "language",
    "payment_terms",
    "prepaid_amount",
    "buyer_reference",
    "purchase_order_reference",
    "deliver_to_country",
    "note",
)


def logged_in(user, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def change_url(invoice) -> str:
    return f"/admin/invoicing/invoice/{invoice.pk}/change/"


def value(v) -> str:
    if v is None:
        return ""
    if hasattr(v, "pk"):
        return str(v.pk)
    return str(v)


def rows(prefix: str, entries: list[dict], *, initial: int = 0) -> dict:
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(entries)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, entry in enumerate(entries):
        for field, v in entry.items():
            if v is True:
                data[f"{prefix}-{index}-{field}"] = "on"
            elif v is not False:
                data[f"{prefix}-{index}-{field}"] = value(v)
    return data


def line(**fields) -> dict:
    data = {
        "description": "Beratung",
        "item_number": "",
        "quantity": "10",
        "unit_code": "HUR",
        "unit_price": "120.00",
        "price_base_quantity": "1",
        "allowance_percent": "",
        "allowance_amount": "",
        "vat_category": "S",
        "vat_rate": "19.00",
        "exemption_reason": "",
        "exemption_code": "",
    }
    return {**data, **fields}


def draft_form(*, customer=None, lines=(), allowances=(), initial_lines=0, **header) -> dict:
    today = timezone.localdate()
    values = {field: "" for field in HEADER} | {"service_date": today.isoformat()}
    if customer is not None:
        values["customer"] = customer.pk
    values |= header
    data = {field: value(v) for field, v in values.items()}
    return data | rows("lines", list(lines), initial=initial_lines) | rows("allowances_charges", list(allowances))


@pytest.fixture
def company():
    return CompanyProfile.objects.create(
        pk=1,
        name="Debitor Demo GmbH",
        street="Friedrichstraße 10",
        postal_code="10117",
        city="Berlin",
        vat_id="DE136695976",
        iban="DE89370400440532013000",
    )


@pytest.fixture
def customer():
    return make_customer(legal_name="Beispiel Maschinenbau GmbH")


def make_draft(customer, *, by=None, lines=None, **data) -> Invoice:
    return invoice_draft_create(
        customer=customer,
        as_of=timezone.now(),
        data={"service_date": timezone.localdate(), **data},
        lines=lines
        or [
            {
                "description": "Wartung",
                "quantity": "2",
                "unit_code": "HUR",
                "unit_price": "100",
                "vat_category": "S",
                "vat_rate": "19",
            },
            {"description": "Ersatzteil", "quantity": "1", "unit_price": "50", "vat_category": "S", "vat_rate": "7"},
        ],
        by=by,
    )


def make_issued(customer, *, by=None, **data) -> Invoice:
    return invoice_issue(invoice=make_draft(customer, by=by, **data), as_of=timezone.now(), by=by)


# --- Drafts -------------------------------------------------------------------------------------


def test_an_accountant_creates_a_draft_with_lines_and_the_services_store_normalised_values_and_totals(
    accountant, customer
):
    client = logged_in(accountant)
    data = draft_form(
        customer=customer,
        currency="eur",
        lines=[
            line(unit_code="hur"),
            line(
                description="  Reisekosten ", quantity="1", unit_code="", unit_price="80", vat_category="Z", vat_rate=""
            ),
        ],
        allowances=[
            {"is_charge": False, "reason": "Treuerabatt", "amount": "20", "vat_category": "S", "vat_rate": "19.00"}
        ],
    )
    response = client.post(ADD, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    invoice = Invoice.objects.get()
    assert (invoice.status, invoice.number, invoice.currency, invoice.created_by) == (
        DocumentStatus.DRAFT,
        None,
        "EUR",
        accountant,
    )
    first, second = invoice.lines.order_by("position")
    assert (first.unit_code, first.net_amount) == ("HUR", Decimal("1200.00"))
    assert (second.description, second.unit_code, second.vat_rate) == ("Reisekosten", "C62", Decimal("0"))
    # 1200 + 80 − 20 net; VAT 19 % of 1180 = 224.20 (none on the zero-rated 80); gross 1484.20
    assert (invoice.line_total, invoice.allowance_total, invoice.tax_total, invoice.tax_inclusive_total) == (
        Decimal("1280.00"),
        Decimal("20.00"),
        Decimal("224.20"),
        Decimal("1484.20"),
    )
    assert invoice.events.get().kind == InvoiceEvent.Kind.CREATED

    page = client.get(change_url(invoice)).content.decode()
    assert "€1,484.20" in page and "Save and recalculate" in page
    assert f"/admin/invoicing/invoice/{invoice.pk}/issue/" in page


def test_an_invalid_line_is_reported_on_its_row_and_nothing_is_saved(accountant, customer):
    client = logged_in(accountant)
    data = draft_form(customer=customer, lines=[line(), line(vat_rate="16.00"), line(quantity="0")])
    response = client.post(ADD, data)
    assert response.status_code == 200
    forms = response.context["inline_admin_formsets"][0].formset.forms
    assert forms[0].errors == {}
    assert "is not a rate for category S" in forms[1].errors["vat_rate"][0]
    assert "zero" in forms[2].errors["quantity"][0]
    assert Invoice.objects.count() == 0 and InvoiceLine.objects.count() == 0


def test_a_draft_without_lines_is_refused_with_the_services_reason(accountant, customer):
    response = logged_in(accountant).post(ADD, draft_form(customer=customer, lines=[]))
    assert response.status_code == 200
    assert "at least one line (BR-16)" in response.content.decode()
    assert not Invoice.objects.exists()


def test_saving_a_draft_replaces_its_lines_as_a_whole(accountant, customer):
    draft = make_draft(customer, by=accountant)
    first, second = draft.lines.order_by("position")
    stored = [
        {"id": first.pk, "invoice": draft.pk, **line(description="Wartung", quantity="3", unit_price="100")},
        {
            "id": second.pk,
            "invoice": draft.pk,
            **line(description="Ersatzteil", quantity="1", unit_price="50", vat_rate="7.00"),
            "DELETE": True,
        },
    ]
    data = draft_form(lines=[*stored, line(description="Anfahrt", quantity="1", unit_price="30")], initial_lines=2)
    response = logged_in(accountant).post(change_url(draft), data)
    assert response.status_code == 302, response.context and response.context["errors"]
    draft.refresh_from_db()
    assert [(li.position, li.description, li.quantity) for li in draft.lines.order_by("position")] == [
        (1, "Wartung", Decimal("3.0000")),
        (2, "Anfahrt", Decimal("1.0000")),
    ]
    assert draft.tax_exclusive_total == Decimal("330.00")


def test_the_preview_computes_the_totals_of_what_is_typed_without_storing_anything(accountant, customer):
    data = draft_form(customer=customer, lines=[line(quantity="2", unit_price="50")])
    response = logged_in(accountant).post("/admin/invoicing/invoice/preview/", data)
    assert response.status_code == 200
    result = response.json()
    assert result["complete"] is True
    assert result["totals"]["tax_inclusive_total"] == "€119.00"
    assert result["breakdown"] == [["S 19.00 %", "€100.00", "€19.00"]]
    assert not Invoice.objects.exists()


def test_a_draft_can_be_deleted_through_the_admin(accountant, customer):
    draft = make_draft(customer)
    response = logged_in(accountant).post(f"/admin/invoicing/invoice/{draft.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Invoice.objects.exists()


# --- Issue ----------------------------------------------------------------------------------------


def test_an_accountant_issues_a_draft_and_it_gets_its_number(accountant, customer, company):
    draft = make_draft(customer, by=accountant)
    client = logged_in(accountant)
    page = client.get(f"/admin/invoicing/invoice/{draft.pk}/issue/")
    assert page.status_code == 200
    assert "Issue now" in page.content.decode()
    response = client.post(f"/admin/invoicing/invoice/{draft.pk}/issue/", {})
    assert response.status_code == 302
    assert response["Location"] == change_url(draft)
    draft.refresh_from_db()
    assert draft.status == DocumentStatus.ISSUED
    assert draft.number and draft.issued_by == accountant
    assert draft.seller["name"] == "Debitor Demo GmbH"


def test_issuing_without_a_company_profile_shows_the_reason_and_keeps_the_draft(accountant, customer):
    draft = make_draft(customer)
    response = logged_in(accountant).post(f"/admin/invoicing/invoice/{draft.pk}/issue/", {})
    assert response.status_code == 200
    page = response.content.decode()
    assert "company profile" in page and "/admin/core/companyprofile/" in page
    draft.refresh_from_db()
    assert (draft.status, draft.number) == (DocumentStatus.DRAFT, None)


def test_only_a_finance_manager_overrides_a_customer_review_and_the_reason_is_recorded(
    accountant, manager, customer, company
):
    Customer.objects.filter(pk=customer.pk).update(verification_status="needs_review")
    draft = make_draft(customer)
    url = f"/admin/invoicing/invoice/{draft.pk}/issue/"
    reason = {"review_override_reason": "Address confirmed by phone", "credit_limit_confirmation": ""}

    response = logged_in(accountant).post(url, reason)
    assert response.status_code == 200
    assert "Only a finance manager may issue" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == DocumentStatus.DRAFT

    assert "needs review" in logged_in(manager).get(url).content.decode()
    response = logged_in(manager).post(url, reason)
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == DocumentStatus.ISSUED
    assert draft.review_override_reason == "Address confirmed by phone"
    event = draft.events.get(kind=InvoiceEvent.Kind.REVIEW_OVERRIDDEN)
    assert (event.by, event.reason) == (manager, "Address confirmed by phone")


def test_exceeding_the_credit_limit_needs_a_confirmation(accountant, customer, company):
    Customer.objects.filter(pk=customer.pk).update(credit_limit=Decimal("100"))
    draft = make_draft(customer)
    url = f"/admin/invoicing/invoice/{draft.pk}/issue/"
    response = logged_in(accountant).post(url, {"credit_limit_confirmation": ""})
    assert response.status_code == 200
    assert "above the credit limit" in response.content.decode()
    response = logged_in(accountant).post(url, {"credit_limit_confirmation": "Prepayment agreed"})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.credit_limit_confirmation == "Prepayment agreed"


# --- Issued documents are read-only ----------------------------------------------------------------


def test_an_issued_invoice_is_shown_read_only_with_snapshots_breakdown_and_events(accountant, customer, company):
    invoice = make_issued(customer, by=accountant, payment_terms=PaymentTerms.objects.get(name__startswith="2 %"))
    client = logged_in(accountant)
    response = client.get(change_url(invoice))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="_save"' not in page and 'name="_continue"' not in page
    assert "lines-0-quantity" not in page  # rows are text, not inputs
    for text in (
        invoice.number,
        "Debitor Demo GmbH",
        "Beispiel Maschinenbau GmbH",
        "DE136695976",
        "S 19.00 %",
        "S 7.00 %",
        invoice.payment_terms_text.splitlines()[0],
        "Events",
        f"Issued as {invoice.number}",  # the event read as a sentence (core.event_sentences)
    ):
        assert text in page, text
    assert "Create credit note" in page and "Change due date" in page
    assert f"/admin/invoicing/invoice/{invoice.pk}/issue/" not in page


def test_posting_to_an_issued_invoice_changes_nothing(accountant, manager, customer, company):
    invoice = make_issued(customer)
    before = Invoice.objects.filter(pk=invoice.pk).values().get()
    lines_before = list(invoice.lines.values())
    for user in (accountant, manager):
        client = logged_in(user)
        data = draft_form(note="changed", lines=[line(description="changed")])
        assert client.post(change_url(invoice), data).status_code == 403
        assert client.post(f"/admin/invoicing/invoice/{invoice.pk}/delete/", {"post": "yes"}).status_code == 403
        action = {"action": "delete_selected", "_selected_action": [invoice.pk], "post": "yes"}
        client.post(CHANGELIST, action)
        assert client.post(f"/admin/invoicing/invoice/{invoice.pk}/issue/", {}).status_code == 302
    assert Invoice.objects.filter(pk=invoice.pk).values().get() == before
    assert list(invoice.lines.values()) == lines_before


# --- Credit notes and due dates -----------------------------------------------------------------------


def test_a_full_credit_note_cancels_the_invoice(accountant, customer, company):
    invoice = make_issued(customer)
    url = f"/admin/invoicing/invoice/{invoice.pk}/credit-note/"
    client = logged_in(accountant)
    assert "Lines to credit" in client.get(url).content.decode()
    response = client.post(url, {"mode": "full", "reason": "Auftrag storniert", "issue": "on"})
    assert response.status_code == 302
    credit_note = Invoice.objects.get(corrected_invoice=invoice)
    assert response["Location"] == change_url(credit_note)
    assert credit_note.status == DocumentStatus.ISSUED and credit_note.number
    assert credit_note.tax_inclusive_total == invoice.tax_inclusive_total
    invoice.refresh_from_db()
    assert (invoice.status, invoice.open_amount) == (DocumentStatus.CANCELLED, Decimal("0.00"))


def test_a_partial_credit_note_by_amount_and_quantity_per_line(accountant, customer, company):
    invoice = make_issued(customer)
    first, second = invoice.lines.order_by("position")
    url = f"/admin/invoicing/invoice/{invoice.pk}/credit-note/"
    data = {"mode": "partial", "reason": "", "issue": "on", f"amount_{first.pk}": "40", f"quantity_{second.pk}": "1"}
    response = logged_in(accountant).post(url, data)
    assert response.status_code == 302
    credit_note = Invoice.objects.get(corrected_invoice=invoice)
    rows = list(credit_note.lines.order_by("position").values_list("description", "unit_code", "net_amount"))
    assert rows == [("Wartung", "LS", Decimal("40.00")), ("Ersatzteil", "C62", Decimal("50.00"))]
    # 40 + 19 % and 50 + 7 %
    assert credit_note.tax_inclusive_total == Decimal("101.10")
    invoice.refresh_from_db()
    assert invoice.open_amount == Decimal("291.50") - Decimal("101.10")
    assert invoice.status == DocumentStatus.ISSUED


def test_a_partial_credit_note_beyond_a_line_is_refused_on_that_line(accountant, customer, company):
    invoice = make_issued(customer)
    first, _second = invoice.lines.order_by("position")
    url = f"/admin/invoicing/invoice/{invoice.pk}/credit-note/"
    response = logged_in(accountant).post(url, {"mode": "partial", f"amount_{first.pk}": "9999", "issue": "on"})
    assert response.status_code == 200
    assert "Between 0 and the line&#x27;s net amount" in response.content.decode()
    response = logged_in(accountant).post(url, {"mode": "partial", "issue": "on"})
    assert "at least one line" in response.content.decode()
    assert not Invoice.objects.filter(corrected_invoice=invoice).exists()


def test_the_due_date_is_changed_with_a_reason_and_the_notice_is_queued_for_sending(accountant, customer, company):
    invoice = make_issued(customer)
    new = invoice.due_date + timedelta(days=30)
    url = f"/admin/invoicing/invoice/{invoice.pk}/change-due-date/"
    client = logged_in(accountant)
    response = client.post(url, {"new_due_date": new.isoformat(), "reason": ""})
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    response = client.post(url, {"new_due_date": new.isoformat(), "reason": "Ratenzahlung vereinbart"})
    assert response.status_code == 302
    invoice.refresh_from_db()
    assert invoice.due_date == new
    event = invoice.events.get(kind=InvoiceEvent.Kind.DUE_DATE_CHANGED)
    assert (event.by, event.reason) == (accountant, "Ratenzahlung vereinbart")
    notice = CustomerNotice.objects.get(invoice=invoice)
    assert notice.status == CustomerNotice.Status.SENT
    assert OutboxMessage.objects.get(pk=notice.data["outbox_message_id"]).template == "due_date_changed"
    listing = client.get("/admin/invoicing/customernotice/").content.decode()
    assert invoice.number in listing and "debitor-badge-notice-sent" in listing
    assert client.get(f"/admin/invoicing/customernotice/{notice.pk}/change/").status_code == 200
    assert client.post(f"/admin/invoicing/customernotice/{notice.pk}/change/", {}).status_code == 403


# --- Finance viewers look only ---------------------------------------------------------------------


def test_a_finance_viewer_sees_no_buttons_and_gets_403_on_every_action(viewer, customer, company):
    draft = make_draft(customer)
    issued = make_issued(customer)
    client = logged_in(viewer)
    assert client.get(CHANGELIST).status_code == 200
    for invoice in (draft, issued):
        page = client.get(change_url(invoice)).content.decode()
        assert "/issue/" not in page and "/credit-note/" not in page and "/change-due-date/" not in page
        assert 'name="_save"' not in page
    urls = [
        f"/admin/invoicing/invoice/{draft.pk}/issue/",
        f"/admin/invoicing/invoice/{issued.pk}/credit-note/",
        f"/admin/invoicing/invoice/{issued.pk}/change-due-date/",
    ]
    for url in urls:
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"mode": "full", "new_due_date": "2030-01-01", "reason": "x"}).status_code == 403
    assert client.post("/admin/invoicing/invoice/preview/", draft_form(customer=customer)).status_code == 403
    assert client.post(ADD, draft_form(customer=customer, lines=[line()])).status_code == 403
    draft.refresh_from_db()
    issued.refresh_from_db()
    assert (draft.status, issued.status, Invoice.objects.count()) == (DocumentStatus.DRAFT, DocumentStatus.ISSUED, 2)


# --- The change list ----------------------------------------------------------------------------------


def test_the_change_list_filters_overdue_invoices_for_today(accountant, customer, company):
    today = timezone.localdate()
    overdue = make_issued(customer, invoice_date=today - timedelta(days=40))
    current = make_issued(customer, invoice_date=today)
    draft = make_draft(customer)
    client = logged_in(accountant)
    response = client.get(CHANGELIST, {"overdue": "yes"})
    assert [i.pk for i in response.context["cl"].result_list] == [overdue.pk]
    assert "debitor-badge-overdue" in response.content.decode()
    response = client.get(CHANGELIST, {"overdue": "no"})
    assert {i.pk for i in response.context["cl"].result_list} == {current.pk, draft.pk}
    page = client.get(CHANGELIST).content.decode()
    assert page.count('class="debitor-badge debitor-badge-overdue"') == 1


def test_the_change_list_searches_by_number_and_customer_and_filters_by_customer(accountant, customer, company):
    other = make_customer(legal_name="Andere Firma AG")
    mine, theirs = make_issued(customer), make_issued(other)
    client = logged_in(accountant)
    found = client.get(CHANGELIST, {"q": "Maschinenbau"}).context["cl"].result_list
    assert [i.pk for i in found] == [mine.pk]
    found = client.get(CHANGELIST, {"q": theirs.number}).context["cl"].result_list
    assert [i.pk for i in found] == [theirs.pk]
    response = client.get(CHANGELIST, {"customer__id__exact": other.pk, "status": "issued"})
    assert [i.pk for i in response.context["cl"].result_list] == [theirs.pk]
    assert 'name="status" value="issued"' in response.content.decode()  # other filters survive the box


def test_the_change_list_pins_its_query_count(accountant, customer, company, django_assert_max_num_queries):
    for _ in range(3):
        make_issued(customer)
    client = logged_in(accountant)
    client.get(CHANGELIST)
    # With the navigation's counts and the list's totals, without the date hierarchy.
    with django_assert_max_num_queries(10):
        assert client.get(CHANGELIST).status_code == 200
    for _ in range(5):
        make_draft(customer)
    with django_assert_max_num_queries(10):
        assert client.get(CHANGELIST).status_code == 200


# --- Company profile and settings ---------------------------------------------------------------------


def profile_form(**changes) -> dict:
    data = {
        "name": "Debitor Demo GmbH",
        "street": "Friedrichstraße 10",
        "postal_code": "10117",
        "city": "Berlin",
        "country": "DE",
        "vat_id": "de 136 695 976",
        "tax_number": "",
        "register_court": "",
        "register_number": "",
        "managing_directors": "",
        "iban": "DE89 3704 0044 0532 0130 00",
        "bic": "",
        "bank_name": "",
        "email": "",
        "phone": "",
        "website": "",
        "contact_name": "",
        # SEPA direct debit (sepa app): no creditor identifier yet, the default file formats.
        "sepa_creditor_id": "",
        "sepa_direct_debit_format": "pain.008.001.08",
        "sepa_credit_transfer_format": "pain.001.001.09",
        "sepa_prenotification_days": "14",
    }
    return {**data, **changes}


def test_the_company_profile_is_a_single_row_with_checked_vat_id_and_iban(manager):
    client = logged_in(manager)
    response = client.post("/admin/core/companyprofile/add/", profile_form(vat_id="DE136695977", iban="DE00"))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "check digit" in errors["vat_id"][0] and "IBAN" in errors["iban"][0]
    assert not CompanyProfile.objects.exists()

    response = client.post("/admin/core/companyprofile/add/", profile_form())
    assert response.status_code == 302
    profile = CompanyProfile.objects.get()
    assert (profile.pk, profile.vat_id, profile.iban) == (1, "DE136695976", "DE89370400440532013000")

    assert client.get("/admin/core/companyprofile/add/").status_code == 403
    assert client.post("/admin/core/companyprofile/1/delete/", {"post": "yes"}).status_code == 403
    response = client.post("/admin/core/companyprofile/1/change/", profile_form(vat_id="", tax_number=""))
    assert "VAT ID or the tax number" in response.content.decode()
    response = client.post("/admin/core/companyprofile/1/change/", profile_form(city="Hamburg", postal_code="20095"))
    assert response.status_code == 302
    assert CompanyProfile.objects.get().city == "Hamburg"


@pytest.mark.parametrize(
    ("path", "model"),
    [
        ("core/companyprofile", CompanyProfile),
        ("customers/paymentterms", PaymentTerms),
        ("invoicing/vatrate", VatRate),
        ("invoicing/exchangerate", ExchangeRate),
    ],
)
def test_settings_are_for_finance_managers_only(path, model, accountant, viewer, company):
    ExchangeRate.objects.create(currency="USD", date="2026-01-01", units_per_eur="1.08")
    obj = model.objects.order_by("pk").first()
    before = model.objects.filter(pk=obj.pk).values().get()
    client = logged_in(accountant)
    assert client.get(f"/admin/{path}/").status_code == 200
    assert client.post(f"/admin/{path}/add/", {}).status_code == 403
    assert client.post(f"/admin/{path}/{obj.pk}/change/", {}).status_code == 403
    assert client.post(f"/admin/{path}/{obj.pk}/delete/", {"post": "yes"}).status_code == 403
    assert logged_in(viewer).get(f"/admin/{path}/").status_code == 403
    assert model.objects.filter(pk=obj.pk).values().get() == before


def test_a_finance_manager_edits_payment_terms_with_checked_discount_tiers(manager):
    client = logged_in(manager)
    data = {
        "name": "3 % 7 Tage",
        "basis": "net",
        "days": "30",
        "discount_tiers": "3 % within 7 days\n2 % 20",
        "active": "on",
    }
    response = client.post("/admin/customers/paymentterms/add/", data | {"discount_tiers": "2 % 10\n3 % 20"})
    assert response.status_code == 200
    assert "Line 2" in response.content.decode()
    response = client.post("/admin/customers/paymentterms/add/", data)
    assert response.status_code == 302
    terms = PaymentTerms.objects.get(name="3 % 7 Tage")
    assert terms.discount_tiers == [{"percent": "3.00", "days": 7}, {"percent": "2.00", "days": 20}]
    page = client.get(f"/admin/customers/paymentterms/{terms.pk}/change/").content.decode()
    assert "3.00 % within 7 days" in page and "Skonto" in page
    assert ".debitor-terms-example dt" in page  # the example's styles moved with the admin to customers


def test_a_monthly_exchange_rate_is_entered_for_the_first_of_the_month(manager):
    client = logged_in(manager)
    data = {"currency": "usd", "kind": "monthly", "date": "2026-03-15", "units_per_eur": "1.0812"}
    response = client.post("/admin/invoicing/exchangerate/add/", data)
    assert "first day of their month" in response.content.decode()
    response = client.post("/admin/invoicing/exchangerate/add/", data | {"date": "2026-03-01"})
    assert response.status_code == 302
    assert ExchangeRate.objects.get().currency == "USD"


@pytest.mark.usefixtures("compiled_translations")
def test_the_invoice_pages_speak_german(accountant, customer, company):
    invoice = make_issued(customer)
    page = logged_in(accountant, "de").get(change_url(invoice)).content.decode()
    assert "Rechnungskorrektur erstellen" in page and "Umsatzsteuer-Aufschlüsselung" in page


def test_a_vat_rate_fits_its_category(manager):
    client = logged_in(manager)
    data = {"country": "de", "category": "Z", "rate": "5.00", "label": "falsch", "valid_from": "2027-01-01"}
    response = client.post("/admin/invoicing/vatrate/add/", data)
    assert "Only category S has a rate above 0" in response.content.decode()
    response = client.post("/admin/invoicing/vatrate/add/", data | {"category": "S", "rate": "20.00"})
    assert response.status_code == 302
    assert VatRate.objects.filter(country="DE", category="S", rate=Decimal("20.00")).exists()


def test_the_preview_leaves_out_invalid_rows_and_says_so(accountant, customer):
    data = draft_form(customer=customer, lines=[line(quantity="1", unit_price="100"), line(vat_rate="16.00")])
    result = logged_in(accountant).post("/admin/invoicing/invoice/preview/", data).json()
    assert result["complete"] is False and result["problems"]
    assert result["totals"]["tax_exclusive_total"] == "€100.00"
    assert not Invoice.objects.exists()
