"""The customers REST API: master data, contacts and bank accounts, verification, history.

Views are thin (the services hold every rule); these tests pin the contract: shapes,
problem documents naming the field, all-or-nothing writes, roles and scopes, search
and filters, and query counts that do not grow with the number of rows.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient
from schwifty import IBAN

from core import services as core_services
from core.api.problems import PROBLEM_CONTENT_TYPE
from core.models import Job
from customers import services, vat_services
from customers.models import (
    BankAccount,
    Contact,
    Customer,
    DuplicateDismissal,
    VatIdConfirmation,
    VerificationCheck,
    VerificationRun,
)
from tests.conftest import client_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]  # these pin the English wording

CUSTOMERS = "/api/v1/customers/"
T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
VALID_VAT_ID = "DE136695976"
BAD_VAT_ID = "DE136695977"  # check digit off by one
IBAN_1 = "DE89370400440532013000"
IBAN_2 = "DE02120300000000202051"


def customer_data(**overrides) -> dict:
    return {
        "legal_name": "Muster Maschinenbau GmbH",
        "billing_street": "Hauptstraße 1",
        "billing_postal_code": "10115",
        "billing_city": "Berlin",
        "billing_country": "DE",
        **overrides,
    }


def make_customer(*, contacts=(), bank_accounts=(), by=None, as_of=T0, **fields) -> Customer:
    return services.customer_create(
        data=customer_data(**fields), contacts=list(contacts), bank_accounts=list(bank_accounts), as_of=as_of, by=by
    )


def iban(n: int) -> str:
    return str(IBAN.generate("DE", bank_code="37040044", account_code=str(1000 + n)).compact)


def problem_of(response, status: int = 400) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    body = json.loads(response.content)
    assert body["status"] == status
    return body


def errors_by_pointer(body: dict) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for error in body["errors"]:
        found.setdefault(error["pointer"], []).append(error["message"])
    return found


def counts() -> dict:
    return {
        model.__name__: model.objects.count()
        for model in (Customer, Contact, BankAccount, VerificationRun, Job, DuplicateDismissal)
    }


def session_client(user) -> APIClient:
    client = APIClient()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


# --- Customers: create, read, change, delete ------------------------------------------------


def test_an_accountant_creates_a_customer_with_contacts_and_bank_accounts(
    accountant, django_capture_on_commit_callbacks
):
    body = {
        **customer_data(vat_id="de 136 695 976"),
        "contacts": [
            {"name": "Erika Muster", "email": "Erika@Example.COM", "phone": "030 1234567", "receives_invoices": True}
        ],
        "bank_accounts": [{"iban": "DE89 3704 0044 0532 0130 00", "account_holder": "Muster GmbH"}],
    }

    with django_capture_on_commit_callbacks() as published:
        response = client_for(accountant).post(CUSTOMERS, body, format="json")

    assert response.status_code == 201, response.content
    assert len(published) == 1  # the verification job goes to the broker only after commit
    data = response.json()
    customer = Customer.objects.get()
    assert response["Location"] == f"http://testserver{CUSTOMERS}{customer.pk}/"
    assert data["id"] == customer.pk and data["number"] == customer.number
    assert data["vat_id"] == VALID_VAT_ID
    assert data["verification_status"] == "unverified" and data["latest_verification"] is None
    (contact,) = data["contacts"]
    assert (contact["email"], contact["phone"]) == ("Erika@example.com", "+49301234567")
    (account,) = data["bank_accounts"]
    assert account["iban"] == IBAN_1 and account["bic"] == "COBADEFFXXX"
    assert customer.history.get().history_user == accountant
    job = Job.objects.get(kind="customers.verify")
    assert job.payload["customer_id"] == customer.pk


def test_the_number_and_the_verification_status_cannot_be_set(accountant):
    body = {**customer_data(), "number": "X-1", "verification_status": "verified"}

    response = client_for(accountant).post(CUSTOMERS, body, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["number"] != "X-1"
    assert response.json()["verification_status"] == "unverified"


def test_a_customer_is_read_changed_and_its_relevant_change_queued_for_verification(accountant, manager):
    customer = make_customer(by=accountant)
    url = f"{CUSTOMERS}{customer.pk}/"
    Job.objects.all().delete()

    assert client_for(accountant).get(url).json()["legal_name"] == "Muster Maschinenbau GmbH"
    response = client_for(manager).patch(url, {"legal_name": "Muster AG", "notes": "Key account"}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["legal_name"] == "Muster AG"
    customer.refresh_from_db()
    assert (customer.legal_name, customer.notes) == ("Muster AG", "Key account")
    assert customer.history.latest().history_user == manager
    assert Job.objects.filter(kind="customers.verify").count() == 1


def test_put_needs_the_required_fields_and_changes_customer_fields_only(accountant):
    customer = make_customer(contacts=[{"name": "Erika"}])
    url = f"{CUSTOMERS}{customer.pk}/"
    client = client_for(accountant)

    body = problem_of(client.put(url, {"legal_name": "Only a name"}, format="json"))
    assert {"#/billing_street", "#/billing_postal_code", "#/billing_city"} <= set(errors_by_pointer(body))

    response = client.put(url, customer_data(legal_name="Neu GmbH", billing_city="Potsdam", contacts=[]), format="json")
    assert response.status_code == 200, response.content
    assert response.json()["billing_city"] == "Potsdam"
    assert [c["name"] for c in response.json()["contacts"]] == ["Erika"]


def test_only_a_finance_manager_deletes_a_customer(accountant, manager):
    customer = make_customer(contacts=[{"name": "Erika"}], bank_accounts=[{"iban": IBAN_1}])
    url = f"{CUSTOMERS}{customer.pk}/"

    problem = problem_of(client_for(accountant).delete(url), 403)
    assert "finance manager" in problem["detail"]
    assert Customer.objects.filter(pk=customer.pk).exists()

    assert client_for(manager).delete(url).status_code == 204
    assert not Customer.objects.exists() and not Contact.objects.exists() and not BankAccount.objects.exists()
    assert Customer.history.filter(id=customer.pk, history_type="-").get().history_user == manager


def test_an_unknown_customer_is_a_404_problem(viewer):
    client = client_for(viewer)
    for path in ("999999/", "abc/", "999999/contacts/", "999999/verifications/", "999999/history/"):
        problem_of(client.get(f"{CUSTOMERS}{path}"), 404)


# --- Roles and API keys ---------------------------------------------------------------------


def test_a_finance_viewer_reads_but_every_write_is_refused(viewer):
    customer = make_customer(contacts=[{"name": "Erika"}], bank_accounts=[{"iban": IBAN_1}])
    other = make_customer(legal_name="Other KG")
    contact, account = customer.contacts.get(), customer.bank_accounts.get()
    client = client_for(viewer)
    before = counts()

    assert client.get(CUSTOMERS).status_code == 200
    assert client.get(f"{CUSTOMERS}{customer.pk}/history/").status_code == 200
    writes = [
        ("post", CUSTOMERS, customer_data()),
        ("patch", f"{CUSTOMERS}{customer.pk}/", {"legal_name": "Hijacked"}),
        ("put", f"{CUSTOMERS}{customer.pk}/", customer_data(legal_name="Hijacked")),
        ("delete", f"{CUSTOMERS}{customer.pk}/", None),
        ("post", f"{CUSTOMERS}{customer.pk}/verify/", None),
        ("post", f"{CUSTOMERS}{customer.pk}/dismiss-duplicate/", {"other": other.pk, "reason": "branches"}),
        ("post", f"{CUSTOMERS}{customer.pk}/contacts/", {"name": "Max"}),
        ("patch", f"{CUSTOMERS}{customer.pk}/contacts/{contact.pk}/", {"name": "Max"}),
        ("delete", f"{CUSTOMERS}{customer.pk}/contacts/{contact.pk}/", None),
        ("post", f"{CUSTOMERS}{customer.pk}/bank-accounts/", {"iban": IBAN_2}),
        ("patch", f"{CUSTOMERS}{customer.pk}/bank-accounts/{account.pk}/", {"is_active": False}),
        ("delete", f"{CUSTOMERS}{customer.pk}/bank-accounts/{account.pk}/", None),
    ]
    for method, path, data in writes:
        response = getattr(client, method)(path, data, format="json")
        assert problem_of(response, 403)["status"] == 403, (method, path)

    assert counts() == before
    customer.refresh_from_db()
    assert customer.legal_name == "Muster Maschinenbau GmbH"


def test_an_api_key_with_customers_read_lists_but_cannot_write(manager):
    make_customer()
    _, raw = core_services.api_key_create(name="ERP", scopes=["customers:read"], created_by=manager)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")

    assert client.get(CUSTOMERS).json()["count"] == 1
    problem = problem_of(client.post(CUSTOMERS, customer_data(legal_name="Via key"), format="json"), 403)

    assert "customers:write" in problem["detail"]
    assert Customer.objects.count() == 1


def test_an_api_key_with_customers_write_creates_and_verifies_without_a_user(manager):
    _, raw = core_services.api_key_create(name="ERP", scopes=["customers:write"], created_by=manager)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")

    created = client.post(CUSTOMERS, customer_data(), format="json")
    assert created.status_code == 201, created.content
    run = client.post(f"{CUSTOMERS}{created.json()['id']}/verify/")

    assert run.status_code == 201, run.content
    assert run.json()["run_by"] is None
    assert Customer.history.get().history_user is None


def test_an_api_key_for_another_area_reads_no_customers(manager):
    _, raw = core_services.api_key_create(name="Tasks", scopes=["tasks:write"], created_by=manager)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")

    assert "customers:read" in problem_of(client.get(CUSTOMERS), 403)["detail"]


# --- Bad input: a 400 problem naming the field, nothing saved ---------------------------------


def test_a_wrong_vat_id_check_digit_is_a_400_problem_pointing_at_vat_id(accountant):
    response = client_for(accountant).post(CUSTOMERS, customer_data(vat_id=BAD_VAT_ID), format="json")

    body = problem_of(response)
    assert body["type"] == "https://debitor.dev/problems/validation"
    assert body["instance"] == CUSTOMERS
    (error,) = body["errors"]
    assert error["pointer"] == "#/vat_id"
    assert error["field"] == "vat_id"
    assert error["message"] == "VAT ID DE136695977: check digit does not match."
    assert body["detail"] == "vat_id: VAT ID DE136695977: check digit does not match."
    assert counts()["Customer"] == 0 and counts()["Job"] == 0


def test_errors_in_nested_contacts_and_bank_accounts_point_at_the_nested_field(accountant):
    body = {
        **customer_data(billing_postal_code="1011"),
        "contacts": [{"name": "Fine"}, {"name": "Erika", "email": "erika@"}],
        "bank_accounts": [{"iban": IBAN_1}, {"iban": "DE89370400440532013001"}],
    }

    problem = problem_of(client_for(accountant).post(CUSTOMERS, body, format="json"))

    errors = errors_by_pointer(problem)
    assert set(errors) == {"#/billing_postal_code", "#/contacts/1/email", "#/bank_accounts/1/iban"}
    assert errors["#/contacts/1/email"][0].startswith("E-mail erika@:")
    assert "check digits do not match" in errors["#/bank_accounts/1/iban"][0]
    assert {e["field"] for e in problem["errors"]} == {
        "billing_postal_code",
        "contacts.1.email",
        "bank_accounts.1.iban",
    }


def test_nothing_is_half_saved_when_one_nested_bank_account_is_bad(accountant):
    before = counts()
    body = {
        **customer_data(),
        "contacts": [{"name": "Erika", "email": "erika@example.com"}],
        "bank_accounts": [{"iban": IBAN_1}, {"iban": IBAN_2}, {"iban": "XX00 1234"}],
    }

    problem = problem_of(client_for(accountant).post(CUSTOMERS, body, format="json"))

    assert list(errors_by_pointer(problem)) == ["#/bank_accounts/2/iban"]
    assert counts() == before
    assert not Customer.history.exists() and not Contact.history.exists()


def test_the_same_iban_twice_in_one_request_is_refused(accountant):
    body = {**customer_data(), "bank_accounts": [{"iban": IBAN_1}, {"iban": "DE89 3704 0044 0532 0130 00"}]}

    problem = problem_of(client_for(accountant).post(CUSTOMERS, body, format="json"))

    assert errors_by_pointer(problem) == {"#/bank_accounts": ["The same IBAN is listed twice."]}
    assert not Customer.objects.exists()


def test_shape_errors_in_nested_lists_point_at_the_item(accountant):
    body = {**customer_data(), "contacts": [{"name": "x" * 201}, "not an object"], "bank_accounts": {"iban": IBAN_1}}

    problem = problem_of(client_for(accountant).post(CUSTOMERS, body, format="json"))

    assert set(errors_by_pointer(problem)) == {"#/contacts/0/name", "#/contacts/1", "#/bank_accounts"}


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"legal_name": ""}, "#/legal_name"),
        ({"legal_name": None}, "#/legal_name"),
        ({"legal_name": {"a": 1}}, "#/legal_name"),
        ({"legal_name": "x" * 201}, "#/legal_name"),
        ({"kind": "alien"}, "#/kind"),
        ({"billing_country": "XX"}, "#/billing_country"),
        ({"billing_postal_code": "ABCDE"}, "#/billing_postal_code"),
        ({"billing_postal_code": "1" * 17}, "#/billing_postal_code"),
        ({"vat_id": "GR123456789"}, "#/vat_id"),
        ({"vat_id": "D" * 41}, "#/vat_id"),
        ({"leitweg_id": "04011000-1234512345-07"}, "#/leitweg_id"),
        ({"currency": "EURO"}, "#/currency"),
        ({"currency": "XYZ"}, "#/currency"),
        ({"credit_limit": "abc"}, "#/credit_limit"),
        ({"credit_limit": "-1.00"}, "#/credit_limit"),
        ({"credit_limit": "1.005"}, "#/credit_limit"),
        ({"credit_limit": "1e400"}, "#/credit_limit"),
        ({"account_owner": 999999}, "#/account_owner"),
        ({"account_owner": "me"}, "#/account_owner"),
        ({"account_owner": 2**70}, "#/account_owner"),
        ({"dunning_blocked": True}, "#/dunning_block_reason"),
        ({"dunning_blocked": "maybe"}, "#/dunning_blocked"),
        ({"has_shipping_address": True}, "#/shipping_street"),
        ({"e_invoice_address": "rechnung@example.com"}, "#/e_invoice_scheme"),
        ({"language": "fr"}, "#/language"),
        ({"contacts": [{"name": "Erika", "phone": "abc"}]}, "#/contacts/0/phone"),
        ({"contacts": [{"name": "Erika", "receives_invoices": True}]}, "#/contacts/0/email"),
        ({"contacts": [{"name": ""}]}, "#/contacts/0/name"),
        ({"contacts": [{"name": "Erika", "language": "xx"}]}, "#/contacts/0/language"),
        ({"contacts": [{"name": "Erika", "email": "e" * 300}]}, "#/contacts/0/email"),
        ({"bank_accounts": [{"iban": IBAN_1, "bic": "NOTABIC!"}]}, "#/bank_accounts/0/bic"),
        ({"bank_accounts": [{}]}, "#/bank_accounts/0/iban"),
        ({"contacts": None}, "#/contacts"),
    ],
)
def test_bad_input_is_a_400_problem_naming_the_field_and_saves_nothing(accountant, body, pointer):
    before = counts()

    response = client_for(accountant).post(CUSTOMERS, {**customer_data(), **body}, format="json")

    assert pointer in errors_by_pointer(problem_of(response))
    assert counts() == before


@pytest.mark.parametrize("raw", ["[1, 2]", '"text"', "null", "{", "1e999999"])
def test_a_body_that_is_not_an_object_is_a_400_problem(accountant, raw):
    response = client_for(accountant).generic("POST", CUSTOMERS, raw, content_type="application/json")

    problem_of(response)
    assert not Customer.objects.exists()


def test_bad_input_on_update_is_a_400_problem_and_changes_nothing(accountant):
    customer = make_customer()
    url = f"{CUSTOMERS}{customer.pk}/"

    problem = problem_of(client_for(accountant).patch(url, {"vat_id": BAD_VAT_ID, "notes": "x"}, format="json"))

    assert errors_by_pointer(problem) == {"#/vat_id": ["VAT ID DE136695977: check digit does not match."]}
    customer.refresh_from_db()
    assert (customer.vat_id, customer.notes) == ("", "")
    assert customer.history.count() == 1


# --- Contacts -------------------------------------------------------------------------------


def test_an_accountant_manages_contacts(accountant):
    customer = make_customer()
    base = f"{CUSTOMERS}{customer.pk}/contacts/"
    client = client_for(accountant)

    created = client.post(base, {"name": "Erika Muster", "email": "erika@example.com", "role": "CFO"}, format="json")
    assert created.status_code == 201, created.content
    contact_id = created.json()["id"]
    assert created["Location"] == f"http://testserver{base}{contact_id}/"
    assert client.get(base).json()["results"] == [created.json()]
    assert client.get(f"{base}{contact_id}/").json()["role"] == "CFO"

    patched = client.patch(f"{base}{contact_id}/", {"phone": "+49 30 1234567", "receives_invoices": True})
    assert patched.status_code == 200, patched.content
    assert patched.json()["phone"] == "+49301234567"

    put = client.put(f"{base}{contact_id}/", {"name": "Erika M.", "email": "em@example.com"}, format="json")
    assert put.status_code == 200, put.content
    assert (put.json()["name"], put.json()["receives_invoices"]) == ("Erika M.", True)

    problem = problem_of(client.patch(f"{base}{contact_id}/", {"email": ""}, format="json"))
    assert list(errors_by_pointer(problem)) == ["#/email"]

    assert client.delete(f"{base}{contact_id}/").status_code == 204
    assert not Contact.objects.exists()
    assert Contact.history.filter(history_type="-").get().history_user == accountant


def test_a_contact_of_another_customer_is_not_found(accountant):
    mine = make_customer()
    other = make_customer(legal_name="Other KG", contacts=[{"name": "Not yours"}])
    contact = other.contacts.get()
    url = f"{CUSTOMERS}{mine.pk}/contacts/{contact.pk}/"
    client = client_for(accountant)

    problem_of(client.get(url), 404)
    problem_of(client.patch(url, {"name": "Stolen"}, format="json"), 404)
    problem_of(client.delete(url), 404)
    contact.refresh_from_db()
    assert contact.name == "Not yours"


# --- Bank accounts --------------------------------------------------------------------------


def test_an_accountant_manages_bank_accounts_and_each_change_queues_verification(accountant):
    customer = make_customer()
    base = f"{CUSTOMERS}{customer.pk}/bank-accounts/"
    client = client_for(accountant)
    Job.objects.all().delete()

    created = client.post(base, {"iban": "de89 3704 0044 0532 0130 00", "account_holder": "Muster"}, format="json")
    assert created.status_code == 201, created.content
    account = created.json()
    assert (account["iban"], account["bic"], account["is_active"]) == (IBAN_1, "COBADEFFXXX", True)
    assert account["bank_name"]
    assert created["Location"].endswith(f"{base}{account['id']}/")

    duplicate = problem_of(client.post(base, {"iban": IBAN_1}, format="json"))
    assert list(errors_by_pointer(duplicate)) == ["#/iban"]

    patched = client.patch(f"{base}{account['id']}/", {"is_active": False}, format="json")
    assert patched.status_code == 200 and patched.json()["is_active"] is False
    put = client.put(f"{base}{account['id']}/", {"iban": IBAN_2}, format="json")
    assert put.status_code == 200 and put.json()["iban"] == IBAN_2
    assert client.get(base).json()["count"] == 1

    assert client.delete(f"{base}{account['id']}/").status_code == 204
    assert not BankAccount.objects.exists()
    assert Job.objects.filter(kind="customers.verify").count() == 1  # deduplicated while pending


def test_a_bank_account_of_another_customer_is_not_found(accountant):
    mine = make_customer()
    other = make_customer(legal_name="Other KG", bank_accounts=[{"iban": IBAN_1}])
    account = other.bank_accounts.get()
    url = f"{CUSTOMERS}{mine.pk}/bank-accounts/{account.pk}/"

    problem_of(client_for(accountant).get(url), 404)
    problem_of(client_for(accountant).delete(url), 404)
    assert BankAccount.objects.filter(pk=account.pk).exists()


# --- Search, filters, ordering --------------------------------------------------------------


def ids(client, params) -> list[int]:
    response = client.get(CUSTOMERS, params)
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_search_finds_a_customer_once_by_iban_email_vat_id_number_or_name(viewer):
    target = make_customer(
        legal_name="Alpha Logistik GmbH",
        vat_id=VALID_VAT_ID,
        contacts=[
            {"name": "Anna", "email": "anna@alpha-logistik.example"},
            {"name": "Bert", "email": "bert@alpha-logistik.example"},
        ],
        bank_accounts=[{"iban": IBAN_1}, {"iban": iban(1)}],
    )
    make_customer(legal_name="Beta Bau KG", contacts=[{"name": "Cleo", "email": "cleo@beta.example"}])
    client = client_for(viewer)

    for term in (
        "DE89 3704 0044 0532 0130 00",
        "0532013000",
        "alpha-logistik.example",
        "ANNA@ALPHA",
        "DE 136 695 976",
        target.number,
        "alpha logistik",
    ):
        assert ids(client, {"search": term}) == [target.pk], term
    assert ids(client, {"search": "3704 0044"}) == [target.pk]  # both IBANs match: still once
    assert ids(client, {"search": "nobody"}) == []
    assert len(ids(client, {"search": "   "})) == 2


def test_customers_filter_by_status_country_kind_owner_and_dunning_block(viewer, accountant):
    verified = make_customer(legal_name="A", account_owner=accountant)
    austrian = make_customer(
        legal_name="B", billing_country="AT", billing_postal_code="1010", billing_city="Wien", kind="consumer"
    )
    blocked = make_customer(legal_name="C", dunning_blocked=True, dunning_block_reason="Dispute")
    Customer.objects.filter(pk=verified.pk).update(verification_status="verified")
    client = client_for(viewer)

    assert ids(client, {"verification_status": "verified"}) == [verified.pk]
    assert ids(client, {"verification_status__in": "verified,unverified"}) == [verified.pk, austrian.pk, blocked.pk]
    assert ids(client, {"billing_country": "AT"}) == [austrian.pk]
    assert ids(client, {"kind": "consumer"}) == [austrian.pk]
    assert ids(client, {"account_owner": accountant.pk}) == [verified.pk]
    assert ids(client, {"dunning_blocked": "true"}) == [blocked.pk]
    assert ids(client, {"dunning_blocked": "false", "billing_country": "DE"}) == [verified.pk]
    for bad in (
        {"kind": "alien"},
        {"verification_status": "maybe"},
        {"account_owner": "x"},
        {"account_owner": str(2**70)},
        {"billing_country": "1"},
    ):
        assert problem_of(client.get(CUSTOMERS, bad))["errors"], bad


def test_customers_are_ordered_with_the_id_as_tie_break_and_never_verified_as_oldest(viewer):
    first = make_customer(legal_name="Same Name")
    second = make_customer(legal_name="Same Name")
    early = make_customer(legal_name="Alpha")
    Customer.objects.filter(pk=early.pk).update(last_verified_at=T0)
    Customer.objects.filter(pk=second.pk).update(last_verified_at=T0 + timedelta(days=1))
    client = client_for(viewer)

    assert ids(client, {}) == [early.pk, first.pk, second.pk]
    assert ids(client, {"ordering": "-legal_name"}) == [first.pk, second.pk, early.pk]
    assert ids(client, {"ordering": "number"}) == [first.pk, second.pk, early.pk]
    assert ids(client, {"ordering": "-number"}) == [early.pk, second.pk, first.pk]
    assert ids(client, {"ordering": "last_verified_at"}) == [first.pk, early.pk, second.pk]
    assert ids(client, {"ordering": "-last_verified_at"}) == [second.pk, early.pk, first.pk]
    assert ids(client, {"ordering": "notes"}) == [early.pk, first.pk, second.pk]  # undocumented: ignored


# --- Verification ---------------------------------------------------------------------------


def test_verify_runs_the_checklist_now_and_sets_the_status(accountant):
    customer = make_customer(
        vat_id=VALID_VAT_ID,
        contacts=[{"name": "Erika", "email": "erika@example.com", "receives_invoices": True}],
        bank_accounts=[{"iban": IBAN_1, "account_holder": "Muster"}],
    )
    url = f"{CUSTOMERS}{customer.pk}/verify/"

    response = client_for(accountant).post(url)

    assert response.status_code == 201, response.content
    run = response.json()
    assert (run["customer"], run["trigger"], run["run_by"], run["outcome"]) == (
        customer.pk,
        "manual",
        "accountant",
        "verified",
    )
    checks = {check["code"]: check for check in run["checks"]}
    assert checks["vat_id.format"]["outcome"] == "passed"
    assert checks["vat_id.vies"]["outcome"] == "pending"
    assert checks["vat_id.vies"]["details"] == {"vat_id": VALID_VAT_ID, "service": "vies"}
    assert set(checks["bank.iban"]) == {"id", "code", "subject", "outcome", "message", "details"}
    assert response["Location"].endswith(f"{CUSTOMERS}{customer.pk}/verifications/{run['id']}/")
    customer.refresh_from_db()
    assert customer.verification_status == "verified" and customer.last_verified_at is not None
    assert Job.objects.filter(kind="customers.confirm_vat_id").count() == 1

    detail = client_for(accountant).get(f"{CUSTOMERS}{customer.pk}/").json()
    summary = detail["latest_verification"]
    assert detail["verification_status"] == "verified"
    assert summary["id"] == run["id"] and summary["outcome"] == "verified"
    assert summary["counts"]["pending"] == 1 and summary["counts"]["failed"] == 0
    assert summary["counts"]["passed"] == sum(1 for c in run["checks"] if c["outcome"] == "passed")
    assert summary["messages"]["pending"] == [checks["vat_id.vies"]["message"]]


def test_a_failed_check_sets_needs_review_and_the_summary_lists_its_message(accountant):
    customer = make_customer(
        legal_name="Wiener Handel GmbH", billing_country="AT", billing_postal_code="1010", billing_city="Wien"
    )

    run = client_for(accountant).post(f"{CUSTOMERS}{customer.pk}/verify/").json()

    assert run["outcome"] == "needs_review"
    failed = [c["message"] for c in run["checks"] if c["outcome"] == "failed"]
    assert any("needs a VAT ID" in message for message in failed)
    row = client_for(accountant).get(CUSTOMERS, {"verification_status": "needs_review"}).json()["results"][0]
    assert row["id"] == customer.pk
    assert row["latest_verification"]["messages"]["failed"] == failed


def test_verifications_are_listed_newest_first_with_their_checks(viewer, accountant):
    customer = make_customer()
    first = services.customer_verify(customer=customer, trigger="manual", as_of=T0, by=accountant)
    second = services.customer_verify(customer=customer, trigger="scheduled", as_of=T0 + timedelta(hours=1))
    other = make_customer(legal_name="Other KG")
    foreign = services.customer_verify(customer=other, trigger="manual", as_of=T0)
    base = f"{CUSTOMERS}{customer.pk}/verifications/"
    client = client_for(viewer)

    page = client.get(base).json()

    assert [run["id"] for run in page["results"]] == [second.pk, first.pk]
    assert page["results"][1]["run_by"] == "accountant" and page["results"][0]["run_by"] is None
    assert [c["id"] for c in page["results"][0]["checks"]] == list(
        VerificationCheck.objects.filter(run=second).order_by("id").values_list("id", flat=True)
    )
    assert client.get(f"{base}{first.pk}/").json()["trigger"] == "manual"
    problem_of(client.get(f"{base}{foreign.pk}/"), 404)


def test_vat_confirmations_are_the_stored_proofs(viewer, accountant, monkeypatch):
    customer = make_customer(vat_id=VALID_VAT_ID)
    run = services.customer_verify(customer=customer, trigger="manual", as_of=T0, by=accountant)
    check = run.checks.get(code="vat_id.vies")
    answer = vat_services.VatAnswer(
        service="vies",
        result="valid",
        request_identifier="WAPIAAAAY1234567",
        answer_date="2025-03-03",
        trader_name="MUSTER MASCHINENBAU GMBH",
        trader_address="HAUPTSTRASSE 1, 10115 BERLIN",
        matches={},
        message="VIES: the VAT ID is valid.",
        raw_response="{}",
    )
    monkeypatch.setattr(vat_services, "vies_check", lambda **kwargs: answer)
    services.vat_id_confirm(check_id=check.pk, as_of=T0 + timedelta(minutes=1))

    page = client_for(viewer).get(f"{CUSTOMERS}{customer.pk}/vat-confirmations/").json()

    (proof,) = page["results"]
    assert proof["id"] == VatIdConfirmation.objects.get().pk
    assert (proof["service"], proof["vat_id"], proof["result"]) == ("vies", VALID_VAT_ID, "valid")
    assert proof["request_identifier"] == "WAPIAAAAY1234567"
    assert (proof["trader_name"], proof["trader_address"]) == (answer.trader_name, answer.trader_address)
    assert proof["message"] == answer.message and proof["matches"] == {} and proof["check_row"] == check.pk
    assert "raw_response" not in proof
    assert client_for(viewer).get(f"{CUSTOMERS}{make_customer().pk}/vat-confirmations/").json()["count"] == 0


def test_only_a_finance_manager_dismisses_a_duplicate(accountant, manager):
    customer = make_customer(legal_name="Muster Nord GmbH")
    other = make_customer(legal_name="Muster Süd GmbH")
    url = f"{CUSTOMERS}{customer.pk}/dismiss-duplicate/"

    problem_of(client_for(accountant).post(url, {"other": other.pk, "reason": "Branches"}, format="json"), 403)
    assert not DuplicateDismissal.objects.exists()

    response = client_for(manager).post(url, {"other": other.pk, "reason": "Two branches"}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["dismissed_by"] == "manager"
    dismissal = DuplicateDismissal.objects.get()
    assert (dismissal.first_id, dismissal.second_id) == tuple(sorted([customer.pk, other.pk]))

    own = problem_of(client_for(manager).post(url, {"other": customer.pk, "reason": "x"}, format="json"))
    assert list(errors_by_pointer(own)) == ["#/other"]
    blank = problem_of(client_for(manager).post(url, {"other": other.pk, "reason": " "}, format="json"))
    assert list(errors_by_pointer(blank)) == ["#/reason"]
    for other_id in (999999, 2**70, "abc", None):
        unknown = problem_of(client_for(manager).post(url, {"other": other_id, "reason": "x"}, format="json"))
        assert list(errors_by_pointer(unknown)) == ["#/other"]


# --- History --------------------------------------------------------------------------------


def test_history_shows_who_changed_what_including_a_deleted_contact(accountant, manager, viewer):
    client_acc, client_man = client_for(accountant), client_for(manager)
    created = client_acc.post(
        CUSTOMERS, {**customer_data(), "contacts": [{"name": "Erika", "email": "erika@example.com"}]}, format="json"
    ).json()
    customer_id, contact_id = created["id"], created["contacts"][0]["id"]
    client_man.patch(f"{CUSTOMERS}{customer_id}/", {"legal_name": "Muster AG", "credit_limit": "5000"}, format="json")
    client_acc.patch(f"{CUSTOMERS}{customer_id}/contacts/{contact_id}/", {"role": "CFO"}, format="json")
    client_man.delete(f"{CUSTOMERS}{customer_id}/contacts/{contact_id}/")

    page = client_for(viewer).get(f"{CUSTOMERS}{customer_id}/history/").json()

    entries = page["results"]
    assert page["count"] == 5
    summary = [(e["model"], e["object_id"], e["action"], e["by"]) for e in entries]
    assert summary == [
        ("contact", contact_id, "deleted", "manager"),
        ("contact", contact_id, "changed", "accountant"),
        ("customer", customer_id, "changed", "manager"),
        ("contact", contact_id, "created", "accountant"),
        ("customer", customer_id, "created", "accountant"),
    ]
    assert entries[1]["changes"] == [{"field": "role", "old": "", "new": "CFO"}]
    assert entries[2]["changes"] == [
        {"field": "credit_limit", "old": None, "new": "5000.00"},
        {"field": "legal_name", "old": "Muster Maschinenbau GmbH", "new": "Muster AG"},
    ]
    created_fields = {change["field"]: change["new"] for change in entries[4]["changes"]}
    assert created_fields["legal_name"] == "Muster Maschinenbau GmbH"
    assert created_fields["billing_postal_code"] == "10115"
    assert "notes" not in created_fields and "id" not in created_fields
    assert {c["field"]: c["new"] for c in entries[3]["changes"]}["email"] == "erika@example.com"
    assert all(entry["at"] for entry in entries)


def test_history_of_another_customer_is_not_mixed_in(viewer):
    mine = make_customer(contacts=[{"name": "Mine"}])
    make_customer(legal_name="Other KG", contacts=[{"name": "Theirs"}], bank_accounts=[{"iban": IBAN_1}])

    entries = client_for(viewer).get(f"{CUSTOMERS}{mine.pk}/history/").json()["results"]

    assert [(e["model"], e["action"]) for e in entries] == [("contact", "created"), ("customer", "created")]


# --- Idempotency ----------------------------------------------------------------------------


def test_an_idempotent_create_is_replayed_not_repeated(accountant):
    client = client_for(accountant)
    body = {**customer_data(), "contacts": [{"name": "Erika"}]}

    first = client.post(CUSTOMERS, body, format="json", HTTP_IDEMPOTENCY_KEY="create-muster-1")
    again = client.post(CUSTOMERS, body, format="json", HTTP_IDEMPOTENCY_KEY="create-muster-1")

    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert again["Location"] == first["Location"]
    assert Customer.objects.count() == 1 and Contact.objects.count() == 1

    other = client.post(
        CUSTOMERS, customer_data(legal_name="Other"), format="json", HTTP_IDEMPOTENCY_KEY="create-muster-1"
    )
    assert problem_of(other, 422)["type"].endswith("idempotency-key-reused")
    assert Customer.objects.count() == 1


def test_a_failed_create_releases_its_idempotency_key(accountant):
    client = client_for(accountant)

    problem_of(client.post(CUSTOMERS, customer_data(vat_id=BAD_VAT_ID), format="json", HTTP_IDEMPOTENCY_KEY="k"))
    fixed = client.post(CUSTOMERS, customer_data(vat_id=VALID_VAT_ID), format="json", HTTP_IDEMPOTENCY_KEY="k")

    assert fixed.status_code == 201, fixed.content


@pytest.mark.parametrize("path", ["contacts/", "bank-accounts/", "verify/"])
def test_nested_creates_are_idempotent_too(accountant, path):
    customer = make_customer()
    body = {"contacts/": {"name": "Erika"}, "bank-accounts/": {"iban": IBAN_1}, "verify/": None}[path]
    client = client_for(accountant)
    url = f"{CUSTOMERS}{customer.pk}/{path}"
    before = counts()

    first = client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="once")
    again = client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="once")

    assert first.status_code == 201, first.content
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    created = {name for name, count in counts().items() if count != before[name]}
    assert all(counts()[name] == before[name] + 1 for name in created - {"Job"})


# --- Query counts (N+1 guard) ---------------------------------------------------------------

# Session, user and role (3); the page's count and rows (2); contacts, bank accounts, the
# latest run of each customer and that run's checks (4). The same for any number of rows.
LIST_QUERIES = 9
# Session, user and role (3); the customer (1); one query per history table (3).
HISTORY_QUERIES = 7


def busy_customer(n: int) -> Customer:
    customer = make_customer(
        legal_name=f"Kunde {n:03d} GmbH",
        vat_id=VALID_VAT_ID,
        contacts=[{"name": f"Contact {n}-{i}", "email": f"c{n}-{i}@example.com"} for i in range(3)],
        bank_accounts=[{"iban": iban(n * 10 + i)} for i in range(2)],
    )
    for hour in range(3):
        services.customer_verify(customer=customer, trigger="scheduled", as_of=T0 + timedelta(hours=hour))
    return customer


@pytest.mark.parametrize("rows", [1, 20])
def test_the_customer_list_takes_the_same_number_of_queries_for_any_number_of_rows(
    viewer, django_assert_num_queries, rows
):
    customers = [busy_customer(n) for n in range(rows)]
    client = session_client(viewer)

    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(CUSTOMERS)

    results = response.json()["results"]
    assert len(results) == rows
    assert all(len(row["contacts"]) == 3 and len(row["bank_accounts"]) == 2 for row in results)
    latest = {c.pk: c.verification_runs.order_by("-run_at", "-id").first().pk for c in customers}
    assert {row["id"]: row["latest_verification"]["id"] for row in results} == latest


def test_the_customer_detail_takes_a_fixed_number_of_queries(viewer, django_assert_num_queries):
    customer = busy_customer(1)
    client = session_client(viewer)

    # Session, user and role (3); the customer (1); contacts, accounts, latest run, checks (4).
    with django_assert_num_queries(8):
        response = client.get(f"{CUSTOMERS}{customer.pk}/")

    assert response.json()["latest_verification"]["run_at"].startswith("2025-03-03T")


@pytest.mark.parametrize("edits", [0, 15])
def test_the_history_takes_the_same_number_of_queries_for_any_length(
    viewer, accountant, manager, django_assert_num_queries, edits
):
    customer = make_customer(contacts=[{"name": "Erika"}], bank_accounts=[{"iban": IBAN_1}], by=accountant)
    contact = customer.contacts.get()
    for n in range(edits):
        by = accountant if n % 2 else manager
        services.customer_update(customer=customer, data={"notes": f"note {n}"}, as_of=T0, by=by)
        services.contact_update(contact=contact, data={"role": f"role {n}"}, as_of=T0, by=by)
    extra = services.contact_create(customer=customer, data={"name": "Temp"}, as_of=T0, by=manager)
    services.contact_delete(contact=extra, as_of=T0, by=manager)
    client = session_client(viewer)

    with django_assert_num_queries(HISTORY_QUERIES):
        response = client.get(f"{CUSTOMERS}{customer.pk}/history/")

    assert response.json()["count"] == 3 + 2 * edits + 2


@pytest.mark.parametrize("runs", [1, 10])
def test_the_verification_list_takes_the_same_number_of_queries_for_any_number_of_runs(
    viewer, accountant, django_assert_num_queries, runs
):
    customer = make_customer(bank_accounts=[{"iban": IBAN_1}])
    for hour in range(runs):
        services.customer_verify(customer=customer, trigger="manual", as_of=T0 + timedelta(hours=hour), by=accountant)
    client = session_client(viewer)

    # Session, user and role (3); the customer (1); count and runs with run_by (2); checks (1).
    with django_assert_num_queries(7):
        response = client.get(f"{CUSTOMERS}{customer.pk}/verifications/")

    assert response.json()["count"] == runs


# --- The schema -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def schema(tmp_path_factory, django_db_blocker) -> dict:
    """The schema as ``manage.py spectacular --validate --fail-on-warn`` writes it."""
    target = tmp_path_factory.mktemp("openapi") / "schema.json"
    with django_db_blocker.unblock():
        call_command("spectacular", validate=True, fail_on_warn=True, format="openapi-json", file=str(target))
    return json.loads(target.read_text())


def test_the_customer_list_documents_its_filters_search_ordering_and_pagination(schema):
    operation = schema["paths"]["/api/v1/customers/"]["get"]
    parameters = {p["name"]: p for p in operation["parameters"]}

    expected = {"search", "verification_status", "verification_status__in", "billing_country", "kind"}
    assert expected | {"account_owner", "dunning_blocked", "ordering", "page", "page_size"} <= parameters.keys()
    assert "IBAN" in parameters["search"]["description"]
    assert set(parameters["kind"]["schema"]["enum"]) == set(Customer.Kind.values)


def test_the_customer_operations_document_their_bodies_and_answers(schema):
    paths = schema["paths"]
    create = paths["/api/v1/customers/"]["post"]
    request = create["requestBody"]["content"]["application/json"]["schema"]["$ref"].split("/")[-1]
    properties = schema["components"]["schemas"][request]["properties"]

    assert {"contacts", "bank_accounts", "vat_id", "legal_name"} <= properties.keys()
    assert "number" not in properties and "verification_status" not in properties
    verify = paths["/api/v1/customers/{id}/verify/"]["post"]
    # The successes only: every operation also lists its problem responses (core/api/schema.py).
    assert {status for status in create["responses"] if status < "400"} == {"201"}
    assert {status for status in verify["responses"] if status < "400"} == {"201"}
    history = paths["/api/v1/customers/{id}/history/"]["get"]["responses"]["200"]["content"]["application/json"]
    page = schema["components"]["schemas"][history["schema"]["$ref"].split("/")[-1]]
    assert set(page["properties"]) == {"count", "next", "previous", "results"}
    outcomes = schema["components"]["schemas"]["VerificationCheckOutcomeEnum"]["enum"]
    assert outcomes == ["passed", "warning", "failed", "pending"]


# --- Never a 500 ----------------------------------------------------------------------------

any_text = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=40)
any_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | any_text,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(any_text, children, max_size=3),
    max_leaves=6,
)
field_values = st.one_of(any_json, st.sampled_from(["DE", "10115", VALID_VAT_ID, IBAN_1, "a@b.de", "-1", "1e9"]))


def loose(fields) -> st.SearchStrategy[dict]:
    return st.dictionaries(st.sampled_from(fields), field_values, max_size=6)


@settings(max_examples=60, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    fields=loose(services.CUSTOMER_FIELDS),
    contacts=st.none() | st.lists(loose(services.CONTACT_FIELDS), max_size=2) | any_json,
    bank_accounts=st.none() | st.lists(loose(services.BANK_ACCOUNT_FIELDS), max_size=2) | any_json,
)
def test_any_create_body_answers_201_or_a_400_problem_never_500(accountant, fields, contacts, bank_accounts):
    body = {**customer_data(), **fields}
    if contacts is not None:
        body["contacts"] = contacts
    if bank_accounts is not None:
        body["bank_accounts"] = bank_accounts
    before = counts()

    response = client_for(accountant).post(CUSTOMERS, body, format="json")

    assert response.status_code in {201, 400}, (body, response.content)
    if response.status_code == 400:
        assert problem_of(response)["errors"]
        assert counts() == before


@settings(max_examples=40, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(["", "contacts/{contact}/", "bank-accounts/{account}/"]), data=st.data())
def test_any_update_body_answers_200_or_a_400_problem_never_500(accountant, path, data):
    customer = Customer.objects.filter(legal_name="Fuzz").first() or make_customer(
        legal_name="Fuzz", contacts=[{"name": "Erika"}], bank_accounts=[{"iban": IBAN_1}]
    )
    fields = {"": services.CUSTOMER_FIELDS, "contacts/{contact}/": services.CONTACT_FIELDS}.get(
        path, services.BANK_ACCOUNT_FIELDS
    )
    body = data.draw(loose(fields) | any_json)
    contact, account = customer.contacts.first(), customer.bank_accounts.first()
    url = f"{CUSTOMERS}{customer.pk}/" + path.format(contact=contact.pk, account=account.pk)

    response = client_for(accountant).patch(url, body, format="json")

    assert response.status_code in {200, 400}, (body, response.content)


@settings(max_examples=60, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    params=st.dictionaries(
        st.sampled_from(
            ["search", "verification_status", "verification_status__in", "billing_country", "kind", "account_owner"]
            + ["dunning_blocked", "ordering", "page", "page_size"]
        ),
        any_text,
        max_size=3,
    )
)
def test_no_list_parameter_makes_the_customer_list_answer_500(viewer, params):
    response = client_for(viewer).get(CUSTOMERS, params)

    assert response.status_code in {200, 400, 404}, (params, response.content)


@pytest.mark.parametrize(
    "path",
    [
        "99999999999999999999999/",
        "99999999999999999999999/contacts/",
        "1/contacts/99999999999999999999999/",
        "99999999999999999999999/history/",
        "99999999999999999999999/verifications/1/",
        "-1/",
        "%00/",
    ],
)
def test_out_of_range_or_odd_ids_are_404_problems(viewer, path):
    problem_of(client_for(viewer).get(f"{CUSTOMERS}{path}"), 404)


def test_every_customer_endpoint_answers_options(accountant):
    customer = make_customer(contacts=[{"name": "Erika"}], bank_accounts=[{"iban": IBAN_1}])
    run = services.customer_verify(customer=customer, trigger="manual", as_of=T0)
    base = f"{CUSTOMERS}{customer.pk}/"
    paths = [CUSTOMERS, base, f"{base}verify/", f"{base}history/", f"{base}dismiss-duplicate/"]
    paths += [f"{base}contacts/", f"{base}contacts/{customer.contacts.get().pk}/", f"{base}bank-accounts/"]
    paths += [f"{base}bank-accounts/{customer.bank_accounts.get().pk}/", f"{base}verifications/"]
    paths += [f"{base}verifications/{run.pk}/", f"{base}vat-confirmations/"]

    for path in paths:
        assert client_for(accountant).options(path).status_code == 200, path
