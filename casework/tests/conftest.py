"""Fixtures of the casework tests: a customer and an issued invoice of 119.00, built through the services."""

import pytest

from customers.tests.factories import make_customer
from payments.tests.factories import make_invoice


@pytest.fixture
def customer(db):
    return make_customer()


@pytest.fixture
def invoice(customer):
    return make_invoice(customer=customer, gross="119.00")
