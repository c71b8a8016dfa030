"""The customers admin: finance staff's screen for master data.

The tests post what a browser posts (the change form with its inline management forms,
the panel's buttons) and check what the services stored: normalised values, the user
in the history, the queued re-verification, and nothing at all when a row is invalid.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.models import Job
from customers.models import (
    BankAccount,
    Contact,
    Customer,
    DuplicateDismissal,
    VatIdConfirmation,
    VerificationCheck,
    VerificationRun,
)
from customers.services import CUSTOMER_FIELDS, contact_update, customer_update, customer_verify
from tests.test_admin import compiled_translations  # noqa: F401  (compiles the German catalogue)

from .factories import T0, make_customer

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/customers/customer/"
ADD = "/admin/customers/customer/add/"
VALID_VAT_ID = "DE136695976"
VALID_IBAN = "DE89370400440532013000"
OTHER_IBAN = "DE02120300000000202051"


def logged_in(user, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def change_url(customer) -> str:
    return f"/admin/customers/customer/{customer.pk}/change/"


def form_value(value):
    if value is None:
        return ""
    if hasattr(value, "pk"):
        return str(value.pk)
    return str(value)


def rows(prefix: str, entries: list[dict]) -> dict:
    """An inline formset as the browser posts it: management form plus one block per row."""
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(entries)),
        f"{prefix}-INITIAL_FORMS": str(sum(1 for entry in entries if entry.get("id"))),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, entry in enumerate(entries):
        for field, value in entry.items():
            if value is True:
                data[f"{prefix}-{index}-{field}"] = "on"
            elif value is not False:
                data[f"{prefix}-{index}-{field}"] = form_value(value)
    return data


def customer_form(customer=None, *, contacts=(), bank_accounts=(), **changes) -> dict:
    """The customer change form's POST: its fields (from ``customer`` or blank) and both inlines."""
    values = {field: "" for field in CUSTOMER_FIELDS} | {
        "kind": "business",
        "language": "de",
        "currency": "EUR",
        "billing_country": "DE",
        "e_invoice_format": "zugferd",
        "invoice_delivery": "email",
        "has_shipping_address": False,
        "dunning_blocked": False,
    }
    if customer is not None:
        values |= {field: getattr(customer, field) for field in CUSTOMER_FIELDS}
    values |= changes
    data = {}
    for field, value in values.items():
        if value is True:
            data[field] = "on"
        elif value is not False:
            data[field] = form_value(value)
    return data | rows("contacts", list(contacts)) | rows("bank_accounts", list(bank_accounts))


def new_customer_form(**changes) -> dict:
    fields = {
        "legal_name": "Beispiel Maschinenbau GmbH",
        "billing_street": "Industriestraße 4",
        "billing_postal_code": "80331",
        "billing_city": "München",
        "vat_id": "de 136 695 976",
    }
    return customer_form(
        contacts=[
            {
                "name": "Anna Schmidt",
                "email": "Anna.Schmidt@Example.com",
                "phone": "089 1234567",
                "receives_invoices": True,
            }
        ],
        bank_accounts=[
            {"iban": "de89 3704 0044 0532 0130 00", "account_holder": "Beispiel Maschinenbau GmbH", "is_active": True}
        ],
        **(fields | changes),
    )


def stored_counts() -> tuple[int, int, int, int]:
    return (Customer.objects.count(), Contact.objects.count(), BankAccount.objects.count(), Job.objects.count())


def existing_rows(customer) -> tuple[list[dict], list[dict]]:
    """The inline rows of a stored customer, as its change page would post them back."""
    contacts = [
        {
            "id": c.pk,
            "customer": customer.pk,
            "name": c.name,
            "role": c.role,
            "email": c.email,
            "phone": c.phone,
            "language": c.language,
            "receives_invoices": c.receives_invoices,
            "receives_reminders": c.receives_reminders,
        }
        for c in customer.contacts.order_by("pk")
    ]
    accounts = [
        {
            "id": a.pk,
            "customer": customer.pk,
            "iban": a.iban,
            "bic": a.bic,
            "account_holder": a.account_holder,
            "is_active": a.is_active,
        }
        for a in customer.bank_accounts.order_by("pk")
    ]
    return contacts, accounts


# --- Change list ------------------------------------------------------------------------------


@pytest.fixture
def found():
    """One customer reachable by two contacts' e-mails and two IBANs, and one that is not."""
    return make_customer(
        legal_name="Gesuchte Firma GmbH",
        vat_id=VALID_VAT_ID,
        contacts=[
            {"name": "Anna", "email": "anna@gesucht.example", "receives_invoices": True},
            {"name": "Ben", "email": "ben@gesucht.example"},
        ],
        bank_accounts=[{"iban": VALID_IBAN}, {"iban": OTHER_IBAN}],
    )


@pytest.mark.parametrize(
    "term",
    [
        "gesucht.example",  # both contacts' e-mail addresses match
        "ANNA@GESUCHT.EXAMPLE",
        VALID_IBAN,
        "DE89 3704 0044 0532 0130 00",  # pasted with spaces
        "DE02 1203",  # part of an IBAN, with a space
        VALID_VAT_ID,
        "Gesuchte Firma",
    ],
)
def test_the_change_list_search_finds_a_customer_once_by_email_iban_vat_id_or_name(term, viewer, found):
    make_customer(legal_name="Andere Firma GmbH", contacts=[{"name": "Carl", "email": "carl@anders.example"}])
    response = logged_in(viewer).get(CHANGELIST, {"q": term})
    assert response.status_code == 200
    assert [customer.pk for customer in response.context["cl"].result_list] == [found.pk]


def test_a_search_keeps_to_the_chosen_filters(viewer, found):
    response = logged_in(viewer).get(
        CHANGELIST, {"q": "DE89 3704 0044 0532 0130 00", "verification_status__exact": "needs_review"}
    )
    assert list(response.context["cl"].result_list) == []


def test_the_change_list_search_by_customer_number(viewer, found):
    other = make_customer()
    response = logged_in(viewer).get(CHANGELIST, {"q": other.number})
    assert [customer.pk for customer in response.context["cl"].result_list] == [other.pk]


def test_the_change_list_filters_by_status_country_type_owner_and_dunning_block(viewer, accountant):
    review = make_customer(billing_country="AT", billing_postal_code="1010", vat_id="", tax_number="")
    customer_verify(customer=review, trigger="manual", as_of=T0)  # an Austrian business without VAT ID
    consumer = make_customer(kind="consumer", account_owner=accountant)
    blocked = make_customer(dunning_blocked=True, dunning_block_reason="Disputed invoice")
    client = logged_in(viewer)

    def listed(**params) -> set[int]:
        response = client.get(CHANGELIST, params)
        assert response.status_code == 200
        return {customer.pk for customer in response.context["cl"].result_list}

    assert listed(verification_status__exact="needs_review") == {review.pk}
    assert listed(verification_status__exact="unverified") == {consumer.pk, blocked.pk}
    assert listed(billing_country="AT") == {review.pk}
    assert listed(kind__exact="consumer") == {consumer.pk}
    assert listed(account_owner__id__exact=str(accountant.pk)) == {consumer.pk}
    assert listed(dunning_blocked__exact="1") == {blocked.pk}
    page = client.get(CHANGELIST).content.decode()
    assert 'class="debitor-badge debitor-badge-needs_review"' in page
    assert 'class="debitor-badge debitor-badge-unverified"' in page


def test_the_change_list_needs_the_same_number_of_queries_for_few_and_many_customers(viewer, accountant):
    client = logged_in(viewer)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(CHANGELIST).status_code == 200
        return len(captured)

    make_customer(account_owner=accountant)
    few = queries()
    for _ in range(5):
        make_customer(account_owner=accountant, bank_accounts=[{"iban": VALID_IBAN}])
    assert queries() == few


def test_an_accountant_verifies_selected_customers_from_the_change_list(accountant, viewer):
    first, second = make_customer(), make_customer(billing_country="AT", billing_postal_code="1010", tax_number="")
    response = logged_in(accountant).post(
        CHANGELIST, {"action": "verify_selected", "_selected_action": [first.pk, second.pk]}, follow=True
    )
    assert response.status_code == 200
    assert "Customers verified: 2 (verified: 1, needs review: 1)." in response.content.decode()
    runs = VerificationRun.objects.filter(trigger="manual", run_by=accountant)
    assert set(runs.values_list("customer_id", flat=True)) == {first.pk, second.pk}

    assert logged_in(viewer).get(CHANGELIST).context["action_form"] is None
    response = logged_in(viewer).post(CHANGELIST, {"action": "verify_selected", "_selected_action": [first.pk]})
    assert response.status_code == 403
    assert runs.count() == 2


# --- Adding and changing through the services ---------------------------------------------------


def test_an_accountant_adds_a_customer_with_contact_and_bank_account_normalised(accountant):
    response = logged_in(accountant).post(ADD, new_customer_form())
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    customer = Customer.objects.get(legal_name="Beispiel Maschinenbau GmbH")
    assert response["Location"] == CHANGELIST
    assert customer.number and customer.vat_id == VALID_VAT_ID
    contact = customer.contacts.get()
    assert (contact.email, contact.phone) == ("Anna.Schmidt@example.com", "+49891234567")
    assert contact.receives_invoices
    account = customer.bank_accounts.get()
    assert (account.iban, account.bic, account.bank_name) == (VALID_IBAN, "COBADEFFXXX", "Commerzbank")
    assert account.is_active
    # The history knows who; the verification is queued as durable work.
    assert customer.history.get().history_user == accountant
    assert contact.history.get().history_user == accountant
    assert account.history.get().history_user == accountant
    job = Job.objects.get(kind="customers.verify")
    assert job.payload == {"customer_id": customer.pk, "trigger": "created", "user_id": accountant.pk}


def test_an_invalid_vat_id_is_reported_on_its_field_and_nothing_is_saved(accountant):
    before = stored_counts()
    response = logged_in(accountant).post(ADD, new_customer_form(vat_id="DE136695977"))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["vat_id"] == ["VAT ID DE136695977: check digit does not match."]
    assert "check digit does not match" in response.content.decode()
    assert stored_counts() == before


def test_an_invalid_iban_in_an_inline_row_is_reported_on_that_row_and_nothing_is_saved(accountant):
    before = stored_counts()
    form = new_customer_form() | rows(
        "bank_accounts", [{"iban": VALID_IBAN}, {"iban": "DE89370400440532013001", "account_holder": "Wrong"}]
    )
    response = logged_in(accountant).post(ADD, form)
    assert response.status_code == 200
    formset = next(f.formset for f in response.context["inline_admin_formsets"] if f.formset.model is BankAccount)
    assert formset.forms[0].errors == {}
    assert list(formset.forms[1].errors) == ["iban"]
    assert "IBAN" in formset.forms[1].errors["iban"][0]
    assert not response.context["adminform"].form.errors
    assert stored_counts() == before


def test_the_same_iban_twice_in_the_rows_is_refused_however_it_is_spaced(accountant):
    before = stored_counts()
    form = new_customer_form() | rows(
        "bank_accounts", [{"iban": VALID_IBAN, "is_active": True}, {"iban": "DE89 3704 0044 0532 0130 00"}]
    )
    response = logged_in(accountant).post(ADD, form)
    assert response.status_code == 200
    formset = next(f.formset for f in response.context["inline_admin_formsets"] if f.formset.model is BankAccount)
    assert formset.non_form_errors() == ["Please correct the duplicate data for iban."]
    assert stored_counts() == before


def test_a_long_iban_pasted_in_groups_of_four_is_stored_compact(accountant):
    form = new_customer_form() | rows("bank_accounts", [{"iban": "MT84 MALT 0110 0001 2345 MTLC AST0 01S"}])
    response = logged_in(accountant).post(ADD, form)
    assert response.status_code == 302
    assert BankAccount.objects.get().iban == "MT84MALT011000012345MTLCAST001S"


def test_an_invalid_contact_row_keeps_the_customer_unsaved_too(accountant):
    before = stored_counts()
    form = new_customer_form() | rows("contacts", [{"name": "Anna", "receives_invoices": True, "email": ""}])
    response = logged_in(accountant).post(ADD, form)
    assert response.status_code == 200
    formset = next(f.formset for f in response.context["inline_admin_formsets"] if f.formset.model is Contact)
    assert formset.forms[0].errors["email"] == ["A contact who receives invoices or reminders needs an e-mail address."]
    assert stored_counts() == before


def test_changing_a_customer_and_its_rows_goes_through_the_services(accountant):
    customer = make_customer(
        contacts=[{"name": "Anna", "email": "anna@example.com", "receives_invoices": True}, {"name": "Old"}],
        bank_accounts=[{"iban": VALID_IBAN}],
    )
    Job.objects.all().delete()
    contacts, accounts = existing_rows(customer)
    contacts[0]["phone"] = "089 7654321"
    contacts[1]["DELETE"] = True
    accounts.append({"iban": "DE02 1203 0000 0000 2020 51", "customer": customer.pk, "is_active": True})
    form = customer_form(
        customer, billing_street="Neue Straße 9", notes="Pays late", contacts=contacts, bank_accounts=accounts
    )
    response = logged_in(accountant).post(change_url(customer), form)
    assert response.status_code == 302, response.context and response.context["errors"]

    customer.refresh_from_db()
    assert (customer.billing_street, customer.notes) == ("Neue Straße 9", "Pays late")
    latest = customer.history.order_by("-history_id").first()
    assert latest.history_user == accountant
    changes = {c.field: (c.old, c.new) for c in latest.diff_against(latest.prev_record).changes}
    assert changes["billing_street"] == ("Hauptstraße 1", "Neue Straße 9")
    anna = customer.contacts.get()
    assert anna.phone == "+49897654321"
    assert anna.history.latest().history_user == accountant
    assert Contact.history.filter(name="Old", history_type="-").get().history_user == accountant
    assert set(customer.bank_accounts.values_list("iban", flat=True)) == {VALID_IBAN, OTHER_IBAN}
    assert Job.objects.filter(kind="customers.verify", payload__customer_id=customer.pk).count() == 1


def test_a_customer_deleted_in_the_admin_is_deleted_by_the_service_with_the_user_in_history(accountant):
    customer = make_customer()
    response = logged_in(accountant).post(f"/admin/customers/customer/{customer.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Customer.objects.filter(pk=customer.pk).exists()
    assert Customer.history.get(id=customer.pk, history_type="-").history_user == accountant


def test_a_finance_viewer_sees_the_customer_but_cannot_save_it(viewer):
    customer = make_customer()
    client = logged_in(viewer)
    assert client.get(change_url(customer)).status_code == 200
    response = client.post(change_url(customer), customer_form(customer, legal_name="Changed by a viewer"))
    assert response.status_code == 403
    customer.refresh_from_db()
    assert customer.legal_name != "Changed by a viewer"


# --- Verification panel -------------------------------------------------------------------------


def verify_url(customer) -> str:
    return f"/admin/customers/customer/{customer.pk}/verify/"


def test_verify_now_runs_the_checklist_for_an_accountant_and_reports_the_outcome(accountant):
    customer = make_customer(billing_country="AT", billing_postal_code="1010", tax_number="")
    client = logged_in(accountant)
    response = client.post(verify_url(customer))
    assert response.status_code == 302
    assert response["Location"] == f"{change_url(customer)}#verification"
    run = VerificationRun.objects.get(customer=customer)
    assert (run.trigger, run.run_by, run.outcome) == ("manual", accountant, "needs_review")
    customer.refresh_from_db()
    assert customer.verification_status == "needs_review"
    page = client.get(response["Location"]).content.decode()
    assert "Verification finished: needs review" in page


def test_verify_now_is_refused_to_a_finance_viewer_and_to_get_requests(viewer, accountant):
    customer = make_customer()
    assert logged_in(viewer).post(verify_url(customer)).status_code == 403
    assert logged_in(accountant).get(verify_url(customer)).status_code == 405
    assert not VerificationRun.objects.exists()
    csrf_checked = Client(enforce_csrf_checks=True)
    csrf_checked.force_login(accountant)
    assert csrf_checked.post(verify_url(customer)).status_code == 403
    assert not VerificationRun.objects.exists()


def test_the_verify_now_button_posts_a_csrf_protected_form_outside_the_change_form(accountant):
    customer = make_customer()
    client = Client(enforce_csrf_checks=True)
    client.force_login(accountant)
    page = client.get(change_url(customer)).content.decode()
    form = re.search(r'<form id="debitor-verify-form" method="post" action="([^"]+)">(.*?)</form>', page, re.S)
    assert form and form[1] == verify_url(customer)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form[2])[1]
    assert 'form="debitor-verify-form"' in page  # the button, inside the panel
    assert client.post(form[1], {"csrfmiddlewaretoken": token}).status_code == 302
    assert VerificationRun.objects.filter(customer=customer, run_by=accountant).exists()


@pytest.fixture
def verified_twice():
    """A customer with two runs, the latest with a pending VIES check and a VIES proof."""
    customer = make_customer(
        vat_id=VALID_VAT_ID, bank_accounts=[{"iban": VALID_IBAN, "account_holder": "Beispiel Handel GmbH"}]
    )
    customer_verify(customer=customer, trigger="created", as_of=T0)
    run = customer_verify(customer=customer, trigger="manual", as_of=T0 + timedelta(hours=1))
    VatIdConfirmation.objects.create(
        customer=customer,
        check_row=run.checks.get(code="vat_id.vies"),
        service="vies",
        vat_id=VALID_VAT_ID,
        requested_at=T0,
        result="valid",
        request_identifier="WAPIAAAAYpQ3Xyz",
    )
    return customer


@pytest.mark.parametrize(
    ("language", "headings"),
    [
        ("en", ["Verification", "Checks of the latest run", "Earlier runs", "VAT ID confirmations", "Verify now"]),
        (
            "de",
            [
                "Verifizierung",
                "Prüfungen des letzten Laufs",
                "Frühere Läufe",
                "USt-IdNr.-Bestätigungen",
                "Jetzt verifizieren",
            ],
        ),
    ],
)
@pytest.mark.usefixtures("compiled_translations")
def test_the_panel_shows_the_latest_run_its_checks_earlier_runs_and_vat_proofs(
    language, headings, accountant, verified_twice
):
    response = logged_in(accountant, language).get(change_url(verified_twice))
    assert response.status_code == 200
    page = response.content.decode()
    for heading in headings:
        assert heading in page, heading
    panel = response.context["verification_panel"]
    assert panel["latest"].trigger == "manual"
    assert len(panel["earlier"]) == 1
    assert panel["pending"] == 1
    codes = [row["check"].code for row in panel["rows"]]
    assert codes == list(panel["latest"].checks.order_by("id").values_list("code", flat=True))
    assert "vat_id.vies" in codes
    assert "debitor-badge-pending" in page and "debitor-badge-passed" in page
    assert "WAPIAAAAYpQ3Xyz" in page
    assert VALID_IBAN in page  # the bank-account checks name their subject


def test_a_finance_viewer_sees_the_panel_without_buttons(viewer, verified_twice):
    page = logged_in(viewer).get(change_url(verified_twice)).content.decode()
    assert 'id="verification"' in page
    assert "Checks of the latest run" in page
    assert "Verify now" not in page
    assert "/verify/" not in page


def test_the_panel_of_an_unverified_customer_says_so(accountant):
    page = logged_in(accountant).get(change_url(make_customer())).content.decode()
    assert "This customer has not been verified yet." in page
    assert "Verify now" in page


def test_the_panel_costs_the_same_queries_for_a_long_verification_history(accountant, verified_twice):
    client = logged_in(accountant)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(change_url(verified_twice)).status_code == 200
        return len(captured)

    few = queries()
    for hours in range(2, 15):
        customer_verify(customer=verified_twice, trigger="scheduled", as_of=T0 + timedelta(hours=hours))
    assert queries() == few
    runs = client.get(change_url(verified_twice)).context["verification_panel"]["earlier"]
    assert len(runs) == 10


# --- Duplicates -------------------------------------------------------------------------------


@pytest.fixture
def duplicates():
    first = make_customer(vat_id=VALID_VAT_ID)
    second = make_customer(vat_id=VALID_VAT_ID)
    customer_verify(customer=second, trigger="manual", as_of=T0)
    return first, second


def dismiss_url(customer) -> str:
    return f"/admin/customers/customer/{customer.pk}/dismiss-duplicate/"


def test_a_finance_manager_dismisses_a_likely_duplicate_from_the_panel(manager, duplicates):
    first, second = duplicates
    client = logged_in(manager)
    page = client.get(change_url(second))
    assert page.context["verification_panel"]["duplicates"] == [first]
    assert "Dismiss duplicate" in page.content.decode()

    response = client.post(dismiss_url(second), {"other": first.pk, "reason": "Two branches, separate accounts"})
    assert response.status_code == 302
    dismissal = DuplicateDismissal.objects.get()
    assert (dismissal.first, dismissal.second, dismissal.dismissed_by) == (first, second, manager)
    assert dismissal.reason == "Two branches, separate accounts"
    assert customer_verify(customer=second, trigger="manual", as_of=T0).outcome == "verified"


def test_dismissing_a_duplicate_needs_a_reason(manager, duplicates):
    first, second = duplicates
    response = logged_in(manager).post(dismiss_url(second), {"other": first.pk, "reason": ""}, follow=True)
    assert response.status_code == 200
    assert "Not dismissed" in response.content.decode()
    assert not DuplicateDismissal.objects.exists()


def test_an_accountant_may_not_dismiss_duplicates(accountant, duplicates):
    first, second = duplicates
    page = logged_in(accountant).get(change_url(second)).content.decode()
    assert "Dismiss duplicate" not in page
    response = logged_in(accountant).post(dismiss_url(second), {"other": first.pk, "reason": "Mine"})
    assert response.status_code == 403
    assert not DuplicateDismissal.objects.exists()


# --- History ------------------------------------------------------------------------------------


def test_the_history_shows_old_and_new_values_and_the_rows_changes(accountant, viewer):
    customer = make_customer(legal_name="Alt GmbH", by=accountant)
    customer_update(customer=customer, data={"legal_name": "Neu GmbH"}, as_of=timezone.now(), by=accountant)
    contact_update(contact=customer.contacts.get(), data={"role": "Einkauf"}, as_of=timezone.now(), by=accountant)
    response = logged_in(viewer).get(f"/admin/customers/customer/{customer.pk}/history/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Alt GmbH" in page and "Neu GmbH" in page and "accountant" in page
    related = response.context["related_history"]
    assert [(entry["kind"], entry["record"].history_type) for entry in related] == [
        ("Contact person", "~"),
        ("Contact person", "+"),
    ]
    assert related[0]["changes"] == [("Role", "", "Einkauf")]
    assert "Einkauf" in page


# --- Read-only records --------------------------------------------------------------------------


@pytest.mark.parametrize("model", [VerificationRun, VatIdConfirmation, DuplicateDismissal])
def test_verification_records_are_read_only_for_everyone(model, manager, duplicates, verified_twice):
    first, second = duplicates
    DuplicateDismissal.objects.create(first=first, second=second, reason="Branches", dismissed_at=T0)
    obj = model.objects.order_by("pk").first()
    base = f"/admin/customers/{model._meta.model_name}/"
    client = logged_in(manager)
    assert client.get(base).status_code == 200
    assert client.get(f"{base}{obj.pk}/change/").status_code == 200  # viewable
    assert client.get(f"{base}add/").status_code == 403
    assert client.post(f"{base}add/", {}).status_code == 403
    assert client.post(f"{base}{obj.pk}/change/", {}).status_code == 403
    assert client.post(f"{base}{obj.pk}/delete/", {"post": "yes"}).status_code == 403
    assert model.objects.filter(pk=obj.pk).exists()


def test_a_verification_run_shows_its_checks(viewer, verified_twice):
    run = VerificationRun.objects.filter(customer=verified_twice).order_by("-run_at").first()
    response = logged_in(viewer).get(f"/admin/customers/verificationrun/{run.pk}/change/")
    assert response.status_code == 200
    messages = VerificationCheck.objects.filter(run=run).values_list("message", flat=True)
    page = response.content.decode()
    assert all(message in page for message in messages)
