"""A customer's default payment terms reach new invoices; inactive terms cannot be chosen."""

import pytest
from django.core.exceptions import ValidationError

from customers.models import PaymentTerms
from customers.services import customer_update
from customers.tests.factories import T0, make_customer
from invoicing.services import invoice_draft_create

pytestmark = pytest.mark.django_db
LINE = {"description": "Beratung", "quantity": "1", "unit_price": "100.00", "vat_category": "S", "vat_rate": "19"}


def test_a_draft_takes_the_customers_terms_and_else_the_default():
    skonto = PaymentTerms.objects.get(name="2 % Skonto 10 Tage, 30 Tage netto")
    with_terms = make_customer(payment_terms=skonto)
    without = make_customer()
    assert invoice_draft_create(customer=with_terms, as_of=T0, lines=[LINE]).payment_terms == skonto
    assert invoice_draft_create(customer=without, as_of=T0, lines=[LINE]).payment_terms.is_default


def test_inactive_terms_are_refused_for_a_customer():
    old = PaymentTerms.objects.create(name="Alt", basis="net", days=60, active=False)
    customer = make_customer()
    with pytest.raises(ValidationError) as error:
        customer_update(customer=customer, data={"payment_terms": old}, as_of=T0)
    assert "payment_terms" in error.value.message_dict


def test_the_customer_api_sets_terms_by_id(accountant):
    from tests.conftest import client_for

    customer = make_customer()
    terms = PaymentTerms.objects.get(name="14 Tage netto")
    response = client_for(accountant).patch(
        f"/api/v1/customers/{customer.pk}/", {"payment_terms": terms.pk}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["payment_terms"] == terms.pk
