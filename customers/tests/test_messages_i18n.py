"""Check messages and field errors speak the staff's language: German by default, English on request."""

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation

from core.models import Job
from customers.handlers import handle_verify
from customers.models import Customer
from customers.services import customer_create, customer_verify
from customers.validation import FieldProblem, clean_postal_code, clean_vat_id
from tasks.models import FollowUpTask

from .factories import T0, customer_data, make_customer


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("de", "USt-IdNr. DE136695977: Die Prüfziffer stimmt nicht."),
        ("en", "VAT ID DE136695977: check digit does not match."),
    ],
)
def test_the_vat_id_error_is_in_the_active_language(language, message):
    with translation.override(language), pytest.raises(FieldProblem) as problem:
        clean_vat_id("DE136695977")
    assert str(problem.value) == message


def test_the_postal_code_rule_is_translated_too():
    with translation.override("de"), pytest.raises(FieldProblem) as problem:
        clean_postal_code("8033", country="DE")
    assert str(problem.value) == "Postleitzahl 8033: keine gültige DE-Postleitzahl (5 Ziffern)."
    with translation.override("en"), pytest.raises(FieldProblem) as problem:
        clean_postal_code("8033", country="DE")
    assert str(problem.value) == "Postal code 8033: not a valid DE postal code (5 digits)."


@pytest.mark.django_db
def test_field_errors_of_a_service_are_german_under_de():
    with translation.override("de"), pytest.raises(ValidationError) as error:
        customer_create(data=customer_data(vat_id="DE136695977", legal_name=""), as_of=T0)
    errors = error.value.message_dict
    assert errors["vat_id"] == ["USt-IdNr. DE136695977: Die Prüfziffer stimmt nicht."]
    assert errors["legal_name"] == ["Dieses Feld ist zwingend erforderlich."]


@pytest.mark.django_db
def test_a_run_under_de_stores_german_check_messages():
    customer = make_customer(vat_id="DE136695976")
    Customer.objects.filter(pk=customer.pk).update(vat_id="DE136695977")
    with translation.override("de"):
        run = customer_verify(customer=customer, trigger="manual", as_of=T0)
    messages = dict(run.checks.values_list("code", "message"))
    assert messages["vat_id.format"] == "USt-IdNr. DE136695977: Die Prüfziffer stimmt nicht."
    assert messages["address.complete"] == "Die Rechnungsadresse ist vollständig."
    # stored as text: reading it later in English does not change it
    with translation.override("en"):
        assert run.checks.get(code="vat_id.format").message.startswith("USt-IdNr.")
    task = FollowUpTask.objects.get(kind="customer_needs_review", customer=customer)
    assert task.title == f"Kundendaten prüfen: {customer.number} {customer.legal_name}"
    assert "- USt-IdNr. DE136695977: Die Prüfziffer stimmt nicht." in task.description


@pytest.mark.django_db
def test_the_background_job_verifies_in_the_site_language_whatever_is_active():
    assert settings.LANGUAGE_CODE == "de"
    customer = make_customer(vat_id="DE136695976")
    Customer.objects.filter(pk=customer.pk).update(vat_id="DE136695977")
    Job.objects.all().delete()
    with translation.override("en"):  # a leftover activation in the worker thread must not leak in
        result = handle_verify(customer_id=customer.pk, trigger="manual")
    run = customer.verification_runs.get(pk=result["run_id"])
    assert run.checks.get(code="vat_id.format").message == "USt-IdNr. DE136695977: Die Prüfziffer stimmt nicht."
