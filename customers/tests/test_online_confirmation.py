"""Online VAT ID confirmation as background work: proof stored, check resolved, retries honest.

Only the outbound HTTP call is stubbed (``responses``), with the recorded payloads in
fixtures/vat/; everything else — job, service, adapter, database — is real.
"""

import json
from pathlib import Path

import pytest
import responses

from core.models import Job
from core.services import job_run
from customers.models import Customer, VatIdConfirmation
from customers.services import customer_update, customer_verify
from tasks.models import FollowUpTask

from .factories import T0, make_customer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]  # these pin the English wording

FIXTURES = Path(__file__).parent / "fixtures" / "vat"
VIES_URL = "https://vies.example.test/rest-api/check-vat-number"
BZST_URL = "https://evatr.example.test/app/v1/abfrage"


@pytest.fixture
def http(settings):
    settings.VIES_REST_URL = VIES_URL
    settings.BZST_EVATR_URL = BZST_URL
    settings.DEBITOR_COMPANY_VAT_ID = "DE136695976"
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text()


def run_confirmation_job(check) -> str:
    job = Job.objects.get(kind="customers.confirm_vat_id", payload__check_id=check.pk)
    return job_run(job_id=job.pk, clock=lambda: T0)


def verified_customer(**overrides):
    customer = make_customer(
        legal_name="Wiener Kaffeerösterei GmbH",
        billing_street="Mariahilfer Straße 88",
        billing_postal_code="1070",
        billing_city="Wien",
        billing_country="AT",
        vat_id="ATU13585627",
        **overrides,
    )
    run = customer_verify(customer=customer, trigger="manual", as_of=T0)
    return customer, run, run.checks.get(code="vat_id.vies")


def test_a_valid_answer_passes_the_check_and_keeps_the_proof(http):
    http.post(VIES_URL, body=fixture("vies_valid.json"))
    customer, run, check = verified_customer()
    assert run_confirmation_job(check) == "done"
    check.refresh_from_db()
    assert check.outcome == "passed"
    proof = VatIdConfirmation.objects.get(check_row=check)
    answer = json.loads(fixture("vies_valid.json"))
    assert (proof.service, proof.vat_id, proof.result) == ("vies", "ATU13585627", "valid")
    assert proof.request_identifier == answer["requestIdentifier"] and proof.request_identifier in check.message
    assert proof.raw_response == fixture("vies_valid.json")
    sent = json.loads(http.calls[0].request.body)
    assert sent["requesterNumber"] == "136695976"  # our VAT ID makes VIES issue a consultation number
    customer.refresh_from_db()
    assert customer.verification_status == "verified"


def test_an_invalid_answer_fails_the_check_and_puts_the_customer_up_for_review(http):
    http.post(VIES_URL, body=fixture("vies_invalid.json"))
    customer, run, check = verified_customer()
    assert run_confirmation_job(check) == "done"
    check.refresh_from_db()
    run.refresh_from_db()
    customer.refresh_from_db()
    assert check.outcome == "failed"
    assert run.outcome == customer.verification_status == "needs_review"
    task = FollowUpTask.objects.get(kind="customer_needs_review", customer=customer)
    assert "VIES" in task.description


def test_an_unavailable_service_leaves_the_check_pending_and_the_job_retries(http):
    http.post(VIES_URL, body=fixture("vies_ms_unavailable.json"))
    customer, run, check = verified_customer()
    assert run_confirmation_job(check) == "retry"
    check.refresh_from_db()
    customer.refresh_from_db()
    assert check.outcome == "pending" and check.message.startswith("Pending, retry scheduled: VIES:")
    assert "MS_UNAVAILABLE" in check.message
    assert customer.verification_status == "verified"  # pending is never a blocker by itself
    job = Job.objects.get(kind="customers.confirm_vat_id")
    assert job.status == "pending" and job.run_after > T0 and "MS_UNAVAILABLE" in job.last_error
    assert VatIdConfirmation.objects.get().result == "unavailable"  # the attempt is on record too


def test_an_unreachable_service_is_pending_not_passed(http):
    import requests

    http.post(VIES_URL, body=requests.exceptions.ConnectionError("Name or service not known"))
    customer, run, check = verified_customer()
    assert run_confirmation_job(check) == "retry"
    check.refresh_from_db()
    assert check.outcome == "pending"


def test_an_answer_that_asking_again_cannot_change_fails_the_job_for_a_person(http):
    http.post(VIES_URL, body=fixture("vies_invalid_input.json"), status=400)
    customer, run, check = verified_customer()
    assert run_confirmation_job(check) == "failed"
    check.refresh_from_db()
    assert check.outcome == "pending" and "not retried" in check.message
    assert FollowUpTask.objects.filter(kind="job_failed").exists()


def test_a_check_for_a_vat_id_that_changed_meanwhile_is_not_asked(http):
    customer, run, check = verified_customer()
    customer_update(customer=customer, data={"vat_id": "ATU12345675"}, as_of=T0)
    assert run_confirmation_job(check) == "done"
    check.refresh_from_db()
    assert check.outcome == "warning" and "changed" in check.message
    assert len(http.calls) == 0


def test_a_foreign_vat_id_gets_the_bzst_qualified_confirmation_when_enabled(http, settings):
    settings.DEBITOR_BZST_CONFIRMATION = True
    http.post(BZST_URL, body=fixture("bzst_valid_qualified.json"))
    customer, run, _ = verified_customer()
    check = run.checks.get(code="vat_id.bzst")
    assert run_confirmation_job(check) == "done"
    check.refresh_from_db()
    sent = json.loads(http.calls[0].request.body)
    assert sent["angefragteUstid"] == "ATU13585627" and sent["firmenname"] == customer.legal_name
    proof = VatIdConfirmation.objects.get(check_row=check)
    assert proof.service == "bzst" and proof.matches["name"] == "A" and proof.matches["street"] == "B"
    assert check.outcome == "warning"  # the street differs from the register: for a person to judge


def test_german_vat_ids_are_never_sent_to_the_bzst(settings, http):
    settings.DEBITOR_BZST_CONFIRMATION = True
    customer = make_customer(vat_id="DE136695976")
    run = customer_verify(customer=customer, trigger="manual", as_of=T0)
    assert not run.checks.filter(code="vat_id.bzst").exists()
    assert Customer.objects.get(pk=customer.pk).verification_status == "verified"
