"""Two collections created at the same moment (two real transactions, each its own connection):
the invoices are locked, so one file takes them and the other finds nothing — never both."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from invoicing.tests.factories import (
    reseed_after_module,  # noqa: F401  (fixture)
    seed_rates_and_terms,
)
from payments.tests.test_allocation_concurrency import run_concurrently
from sepa.models import BatchItem
from sepa.services import collection_batch_create
from sepa.services.errors import InvoiceAlreadyCollected

from .factories import DUE, MAKE, due_invoice, make_mandate, sepa_profile

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("reseed_after_module")]


def test_two_collections_at_once_never_collect_the_same_invoice():
    seed_rates_and_terms()
    sepa_profile()
    invoices = []
    for _ in range(3):
        mandate = make_mandate()
        invoices += [due_invoice(customer=mandate.customer) for _ in range(2)]

    results, failures = run_concurrently(lambda index: collection_batch_create(collection_date=DUE, as_of=MAKE), 2)

    assert len(results) == 1, failures
    assert len(failures) == 1 and isinstance(failures[0], ValidationError | InvoiceAlreadyCollected), failures
    assert results[0].item_count == 6
    assert BatchItem.objects.count() == 6
    assert sorted(BatchItem.objects.values_list("invoice_id", flat=True)) == sorted(i.pk for i in invoices)
