"""The verification checklist, the customer's status, review tasks and re-verification."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from core.models import Job
from customers.models import BankAccount, Contact, Customer, VerificationRun
from customers.services import (
    bank_account_create,
    customer_create,
    customer_update,
    customer_verify,
    customers_reverify_due,
    duplicate_dismiss,
)
from tasks.models import FollowUpTask

from .factories import T0, customer_data, make_customer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]  # these pin the English wording


def outcomes(run) -> dict[tuple[str, str], str]:
    return {(c.code, c.subject): c.outcome for c in run.checks.all()}


def messages(run, outcome) -> list[str]:
    return list(run.checks.filter(outcome=outcome).values_list("message", flat=True))


def test_a_clean_german_business_is_verified_with_the_vies_check_pending():
    customer = make_customer(
        vat_id="DE136695976",
        bank_accounts=[{"iban": "DE89370400440532013000", "account_holder": "Beispiel Handel GmbH"}],
    )
    assert customer.verification_status == "unverified"  # until the first run
    run = customer_verify(customer=customer, trigger="manual", as_of=T0)
    customer.refresh_from_db()
    assert run.outcome == customer.verification_status == "verified"
    assert customer.last_verified_at == T0
    result = outcomes(run)
    assert result[("vat_id.format", "")] == "passed"
    assert result[("vat_id.vies", "")] == "pending"  # never a pass, never a blocker
    assert all(outcome in {"passed", "pending"} for outcome in result.values()), result
    account = customer.bank_accounts.get()
    assert result[("bank.iban", f"bank_account:{account.pk}")] == "passed"
    assert account.bic == "COBADEFFXXX" and account.bank_name == "Commerzbank"
    # The online check runs as durable background work.
    assert Job.objects.filter(kind="customers.confirm_vat_id", payload__check_id=run.checks.get(code="vat_id.vies").pk)


def test_customer_numbers_are_consecutive_and_unique():
    numbers = [make_customer().number for _ in range(3)]
    assert numbers == [str(n) for n in range(int(numbers[0]), int(numbers[0]) + 3)]
    assert numbers[0] == "10001"


def test_a_foreign_eu_business_without_vat_id_needs_review_and_gets_one_task():
    customer = make_customer(billing_country="AT", billing_postal_code="1010", billing_city="Wien", tax_number="")
    run = customer_verify(customer=customer, trigger="manual", as_of=T0)
    assert run.outcome == "needs_review"
    assert any("needs a VAT ID" in m for m in messages(run, "failed"))
    task = FollowUpTask.objects.get(kind="customer_needs_review", customer=customer)
    assert "needs a VAT ID" in task.description and task.created_by_rule == "customers.verification"
    customer_verify(customer=customer, trigger="manual", as_of=T0 + timedelta(minutes=1))
    assert FollowUpTask.objects.filter(kind="customer_needs_review", customer=customer).count() == 1


def test_fixing_the_data_verifies_the_customer_and_closes_the_review_task():
    customer = make_customer(billing_country="AT", billing_postal_code="1010", billing_city="Wien", tax_number="")
    customer_verify(customer=customer, trigger="manual", as_of=T0)
    customer_update(customer=customer, data={"vat_id": "ATU13585627"}, as_of=T0)
    run = customer_verify(customer=customer, trigger="changed", as_of=T0 + timedelta(hours=1))
    assert run.outcome == "verified"
    task = FollowUpTask.objects.get(kind="customer_needs_review", customer=customer)
    assert task.status == "done" and "no failed check" in task.resolution


def test_a_vat_id_from_another_country_is_a_warning_not_a_failure():
    customer = make_customer(vat_id="ATU13585627")
    run = customer_verify(customer=customer, trigger="manual", as_of=T0)
    assert run.outcome == "verified"
    assert outcomes(run)[("vat_id.country", "")] == "warning"


def test_a_public_sector_customer_needs_a_valid_leitweg_id():
    customer = make_customer(kind="public", legal_name="Stadt Musterhausen")
    run = customer_verify(customer=customer, trigger="manual", as_of=T0)
    assert run.outcome == "needs_review"
    assert any("Leitweg-ID" in m for m in messages(run, "failed"))
    customer_update(customer=customer, data={"leitweg_id": "04011000-1234512345-06"}, as_of=T0)
    assert customer_verify(customer=customer, trigger="manual", as_of=T0).outcome == "verified"


def test_stored_data_that_bypassed_input_rules_fails_its_checks():
    customer = make_customer(vat_id="DE136695976")
    # e.g. imported from a legacy system before the rules existed
    Customer.objects.filter(pk=customer.pk).update(vat_id="DE136695977", billing_postal_code="8033")
    BankAccount.objects.create(customer=customer, iban="DE89370400440532013001")
    Contact.objects.filter(customer=customer).update(email="anna@localhost")
    run = customer_verify(customer=customer, trigger="manual", as_of=T0)
    failed = " | ".join(messages(run, "failed"))
    assert "VAT ID DE136695977: check digit does not match." in failed
    assert "Postal code 8033" in failed
    assert "IBAN DE89370400440532013001: check digits do not match" in failed
    assert "E-mail anna@localhost" in failed
    assert not run.checks.filter(code="vat_id.vies").exists()  # no point asking VIES


def test_same_vat_id_is_a_failed_duplicate_naming_the_other_customer_until_dismissed(manager):
    first = make_customer(vat_id="DE136695976", legal_name="Alpha Maschinenbau GmbH")
    second = make_customer(vat_id="DE136695976", legal_name="Alpha Maschinenbau Süd GmbH")
    run = customer_verify(customer=second, trigger="manual", as_of=T0)
    assert run.outcome == "needs_review"
    duplicate = run.checks.get(code="duplicate.vat_id")
    assert first.number in duplicate.message and duplicate.details["customer_id"] == first.pk
    duplicate_dismiss(customer=second, other=first, reason="Two branches, invoiced separately", as_of=T0, by=manager)
    assert customer_verify(customer=second, trigger="manual", as_of=T0).outcome == "verified"


def test_similar_name_at_the_same_postal_code_and_shared_iban_are_warnings():
    iban = "DE89370400440532013000"
    first = make_customer(legal_name="Müller & Söhne GmbH", bank_accounts=[{"iban": iban}])
    second = make_customer(legal_name="Mueller und Soehne GmbH & Co. KG", bank_accounts=[{"iban": iban}])
    run = customer_verify(customer=second, trigger="manual", as_of=T0)
    warnings = " | ".join(messages(run, "warning"))
    assert f"customer {first.number}" in warnings
    assert run.checks.filter(code="duplicate.name", outcome="warning").exists()
    assert run.checks.filter(code="duplicate.iban", outcome="warning").exists()
    assert run.outcome == "verified"


def test_invalid_input_is_refused_field_by_field_and_nothing_is_saved():
    with pytest.raises(ValidationError) as error:
        customer_create(
            data=customer_data(vat_id="DE136695977", billing_postal_code="123"),
            contacts=[{"name": "Bob", "email": "bob@", "receives_invoices": True}],
            bank_accounts=[{"iban": "DE89370400440532013001"}],
            as_of=T0,
        )
    errors = error.value.message_dict
    assert errors["vat_id"] == ["VAT ID DE136695977: check digit does not match."]
    assert "billing_postal_code" in errors and "contacts.0.email" in errors and "bank_accounts.0.iban" in errors
    assert not Customer.objects.exists() and not Contact.objects.exists() and not BankAccount.objects.exists()
    assert not Job.objects.exists()


def test_legally_relevant_changes_are_kept_in_history_and_queue_reverification(accountant):
    customer = make_customer(by=accountant)
    Job.objects.all().delete()
    customer_update(customer=customer, data={"notes": "prefers calls"}, as_of=T0, by=accountant)
    assert not Job.objects.filter(kind="customers.verify").exists()  # notes are not legally relevant
    customer_update(customer=customer, data={"legal_name": "Neuer Name GmbH"}, as_of=T0, by=accountant)
    job = Job.objects.get(kind="customers.verify")
    assert job.payload == {"customer_id": customer.pk, "trigger": "changed", "user_id": accountant.pk}
    latest, previous = customer.history.all()[:2]
    delta = latest.diff_against(previous)
    assert [(c.field, c.old, c.new) for c in delta.changes] == [("legal_name", previous.legal_name, "Neuer Name GmbH")]
    assert latest.history_user == accountant
    bank_account_create(customer=customer, data={"iban": "AT611904300234573201"}, as_of=T0, by=accountant)
    assert Job.objects.filter(kind="customers.verify").count() == 1  # deduplicated while pending


def test_the_verify_job_runs_the_checklist_for_the_trigger(accountant):
    from core.services import job_run

    customer = make_customer(by=accountant)
    job = Job.objects.get(kind="customers.verify")
    assert job_run(job_id=job.pk, clock=lambda: T0) == "done"
    run = VerificationRun.objects.get(customer=customer)
    assert (run.trigger, run.run_by) == ("created", accountant)


def test_customers_due_for_reverification_are_queued_once():
    fresh = make_customer()
    stale = make_customer()
    never = make_customer()
    customer_verify(customer=fresh, trigger="manual", as_of=T0)
    customer_verify(customer=stale, trigger="manual", as_of=T0 - timedelta(days=200))
    Job.objects.all().delete()
    assert customers_reverify_due(as_of=T0) == 2
    queued = set(Job.objects.filter(kind="customers.verify").values_list("payload__customer_id", flat=True))
    assert queued == {stale.pk, never.pk}
    customers_reverify_due(as_of=T0)
    assert Job.objects.filter(kind="customers.verify").count() == 2  # pending jobs are not doubled


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"language": "fr"}, "language"),
        ({"shipping_country": "XX"}, "shipping_country"),
        ({"shipping_country": "DE", "shipping_postal_code": "garbage"}, "shipping_postal_code"),
        ({"credit_limit": "1e20"}, "credit_limit"),
        ({"credit_limit": "-1"}, "credit_limit"),
        ({"credit_limit": "abc"}, "credit_limit"),
        ({"legal_name": "x" * 201}, "legal_name"),
    ],
)
def test_values_the_columns_cannot_hold_are_field_errors_not_database_errors(data, field):
    with pytest.raises(ValidationError) as error:
        customer_create(data=customer_data(**data), as_of=T0)
    assert field in error.value.message_dict
    assert not Customer.objects.exists()


def test_a_credit_limit_is_money_quantized_to_the_currency():
    customer = make_customer(credit_limit="25000.005")
    assert str(customer.credit_limit) == "25000.01"
