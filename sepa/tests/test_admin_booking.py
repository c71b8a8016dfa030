"""A batch total the rules cannot split is booked by a person from the batch's page: choose the
statement line and the items it booked; they must add up to the line exactly."""

from __future__ import annotations

import pytest
from django.test import Client

from customers.tests.factories import make_customer
from invoicing.tests.factories import invoicing_setup  # noqa: F401
from payments.models import BankStatementLine
from payments.tests.factories import make_invoice
from sepa.models import BatchItemStatus, BatchStatus

from .bank_support import batch_entry, camt, import_file, make_collection_batch, make_mandate

pytestmark = pytest.mark.usefixtures("invoicing_setup")


def ambiguous_batch():
    """Three collections (50, 50, 30) of which the bank booked 80: either 50 may be the one missing."""
    rows = []
    for name, amount in (("Anna Becker", "50.00"), ("Bernd Kurz", "50.00"), ("Carla Voss", "30.00")):
        customer = make_customer(legal_name=name)
        rows.append((make_invoice(customer=customer, gross=amount), make_mandate(customer=customer), amount))
    batch = make_collection_batch(items=rows)
    import_file(camt(f"S-{batch.pk}", batch_entry(batch, amount="80.00", details=False)))
    line = BankStatementLine.objects.get(payment_info_id__startswith="PMTINF-DD")
    assert line.match_status == BankStatementLine.MatchStatus.REVIEW  # the rules left it to a person
    return batch, line


def test_a_person_books_the_items_a_total_stood_for(accountant):
    batch, line = ambiguous_batch()
    first, _second, third = batch.items.order_by("id")
    client = Client()
    client.force_login(accountant)

    page = client.get(f"/admin/sepa/batch/{batch.pk}/book/")
    assert page.status_code == 200 and 'name="line"' in page.content.decode()

    wrong = client.post(f"/admin/sepa/batch/{batch.pk}/book/", {"line": line.pk, "items": [first.pk]})
    assert wrong.status_code == 200 and "genau" in wrong.content.decode()  # 50 is not 80: refused, nothing booked
    assert batch.items.filter(status=BatchItemStatus.PENDING).count() == 3

    done = client.post(f"/admin/sepa/batch/{batch.pk}/book/", {"line": line.pk, "items": [first.pk, third.pk]})
    assert done.status_code == 302
    statuses = dict(batch.items.values_list("pk", "status"))
    assert (statuses[first.pk], statuses[third.pk]) == (BatchItemStatus.COLLECTED, BatchItemStatus.COLLECTED)
    assert statuses[_second.pk] == BatchItemStatus.PENDING
    line.refresh_from_db()
    assert line.match_status == BankStatementLine.MatchStatus.MATCHED
    batch.refresh_from_db()
    assert batch.status == BatchStatus.SUBMITTED  # one item still pending


def test_a_viewer_cannot_book(viewer):
    batch, _line = ambiguous_batch()
    client = Client()
    client.force_login(viewer)
    assert client.get(f"/admin/sepa/batch/{batch.pk}/book/").status_code == 403
