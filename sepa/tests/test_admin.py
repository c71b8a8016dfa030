"""The sepa admin pages: mandates added and changed through the services, a collection created
after its preview, downloaded, submitted and cancelled; the customer page lists the mandates."""

import pytest
import time_machine
from django.test import Client
from django.utils import translation

from sepa.models import Batch, Mandate

from .factories import DUE, IBANS, MAKE, due_invoice, make_mandate

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sepa_setup")]


@pytest.fixture
def browser(manager):
    client = Client()
    client.force_login(manager)
    with translation.override("en"), time_machine.travel(MAKE, tick=False):
        yield client


def test_a_mandate_is_added_through_the_service_and_a_bad_reference_is_shown_on_the_field(browser):
    from customers.tests.factories import make_customer

    customer = make_customer()
    form = {
        "customer": customer.pk,
        "reference": "KD_9",
        "signed_on": "2026-11-02",
        "scheme": "CORE",
        "recurring": "on",
        "debtor_name": "Beispiel GmbH",
        "debtor_iban": IBANS[0],
        "debtor_bic": "",
    }
    page = browser.post("/admin/sepa/mandate/add/", form)
    # The admin speaks the site language (German).
    assert page.status_code == 200 and "SEPA-Zeichensatz" in page.content.decode()
    assert not Mandate.objects.exists()
    page = browser.post("/admin/sepa/mandate/add/", {**form, "reference": "KD-9"})
    assert page.status_code == 302
    mandate = Mandate.objects.get()
    assert mandate.sequence_type == "FRST" and mandate.created_by is not None
    change = browser.get(f"/admin/sepa/mandate/{mandate.pk}/change/")
    assert change.status_code == 200
    page = browser.post(
        f"/admin/sepa/mandate/{mandate.pk}/change/",
        {"reference": "KD-9-B", "debtor_name": "Beispiel GmbH", "debtor_iban": IBANS[1], "debtor_bic": ""},
    )
    assert page.status_code == 302, page.content.decode()[:2000]
    mandate.refresh_from_db()
    assert (mandate.reference, mandate.debtor_iban) == ("KD-9-B", IBANS[1])


def test_the_mandate_list_and_the_revoke_action(browser):
    mandate = make_mandate()
    page = browser.get("/admin/sepa/mandate/")
    assert mandate.reference in page.content.decode()
    browser.post("/admin/sepa/mandate/", {"action": "revoke_selected", "_selected_action": [mandate.pk]})
    mandate.refresh_from_db()
    assert mandate.status == "revoked"


def test_a_collection_is_previewed_then_created_downloaded_submitted_and_cancelled(browser):
    mandate = make_mandate()
    invoice = due_invoice(customer=mandate.customer, gross="119.00")
    assert browser.get("/admin/sepa/batch/add/").status_code == 200
    preview = browser.post("/admin/sepa/batch/add/", {"collection_date": DUE.isoformat(), "scheme": "CORE"})
    text = preview.content.decode()
    assert "1 Rechnung würde eingezogen" in text and invoice.number in text and not Batch.objects.exists()
    created = browser.post(
        "/admin/sepa/batch/add/", {"collection_date": DUE.isoformat(), "scheme": "CORE", "create": "1"}
    )
    batch = Batch.objects.get()
    assert created.status_code == 302 and created["Location"].endswith(f"/admin/sepa/batch/{batch.pk}/change/")
    page = browser.get(f"/admin/sepa/batch/{batch.pk}/change/")
    assert page.status_code == 200 and batch.items.get().end_to_end_id in page.content.decode()
    download = browser.get(f"/admin/sepa/batch/{batch.pk}/download/")
    assert download.content.decode() == batch.xml
    assert browser.post(f"/admin/sepa/batch/{batch.pk}/submit/").status_code == 302
    refused = browser.post(f"/admin/sepa/batch/{batch.pk}/cancel/", {"reason": ""})
    assert "Geben Sie an, warum" in refused.content.decode()
    browser.post(f"/admin/sepa/batch/{batch.pk}/cancel/", {"reason": "Bank lehnte ab"})
    batch.refresh_from_db()
    assert batch.status == "cancelled" and batch.cancel_reason == "Bank lehnte ab"


def test_a_holiday_collection_date_is_refused_on_the_form(browser):
    page = browser.post("/admin/sepa/batch/add/", {"collection_date": "2026-12-25", "scheme": "CORE"})
    assert "TARGET2" in page.content.decode()


def test_the_customer_page_lists_the_mandates(browser):
    mandate = make_mandate()
    page = browser.get(f"/admin/customers/customer/{mandate.customer_id}/change/")
    assert page.status_code == 200 and mandate.reference in page.content.decode()


def test_a_viewer_cannot_create_a_collection(viewer):
    client = Client()
    client.force_login(viewer)
    assert client.get("/admin/sepa/batch/add/").status_code == 403


def test_the_company_profile_form_refuses_a_wrong_creditor_identifier_and_keeps_a_valid_one_compact():
    from core.models import CompanyProfile
    from customers.admin.company import CompanyProfileForm
    from invoicing.tests.factories import SELLER

    profile = CompanyProfile.objects.get(pk=1)
    data = {**SELLER, "sepa_direct_debit_format": "pain.008.001.08", "sepa_credit_transfer_format": "pain.001.001.09"}
    data["sepa_prenotification_days"] = 14
    fields = [*CompanyProfileForm.Meta.fields, "sepa_creditor_id", "sepa_direct_debit_format"]
    fields += ["sepa_credit_transfer_format", "sepa_prenotification_days"]
    form_class = type(
        "Form", (CompanyProfileForm,), {"Meta": type("Meta", (CompanyProfileForm.Meta,), {"fields": fields})}
    )
    with translation.override("en"):
        wrong = form_class(data={**data, "sepa_creditor_id": "DE99ZZZ09999999999"}, instance=profile)
        assert not wrong.is_valid() and "check digits" in wrong.errors["sepa_creditor_id"][0]
        right = form_class(data={**data, "sepa_creditor_id": "de98 zzz 09999999999"}, instance=profile)
        assert right.is_valid(), right.errors
        assert right.cleaned_data["sepa_creditor_id"] == "DE98ZZZ09999999999"


def test_the_admin_lists_take_the_same_queries_for_one_row_or_many(browser):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from sepa.services import collection_batch_create

    def queries(url: str) -> int:
        with CaptureQueriesContext(connection) as context:
            assert browser.get(url).status_code == 200
        return len(context)

    first = make_mandate()
    due_invoice(customer=first.customer)
    collection_batch_create(collection_date=DUE, as_of=MAKE)
    one = (queries("/admin/sepa/mandate/"), queries("/admin/sepa/batch/"))
    for index in range(4):
        mandate = make_mandate(debtor_iban=IBANS[index])
        due_invoice(customer=mandate.customer)
    collection_batch_create(collection_date=DUE, as_of=MAKE, scheme="CORE")
    assert (queries("/admin/sepa/mandate/"), queries("/admin/sepa/batch/")) == one
