"""Collection batches: what a collection takes, the file it writes, what it does to mandates and
invoices, and how it is submitted or cancelled."""

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from core.models import CompanyProfile, Event
from customers.tests.factories import make_customer
from invoicing.tests.factories import BERLIN
from sepa.models import Batch, BatchItem, BatchItemStatus, BatchStatus, SequenceType
from sepa.selectors import invoices_collection_pending, mandate_active_for
from sepa.services import (
    batch_cancel,
    batch_mark_submitted,
    collection_batch_create,
    collection_preview,
    mandate_amend,
    mandate_mark_final,
)
from sepa.services.errors import SepaConflict
from sepa.services.pain import xsd_errors

from .factories import DUE, IBANS, MAKE, T0, due_invoice, make_mandate

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sepa_setup")]
NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.008.001.08"}


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def collect(**kwargs) -> Batch:
    kwargs.setdefault("collection_date", DUE)
    kwargs.setdefault("as_of", MAKE)
    return collection_batch_create(**kwargs)


def tree(batch: Batch):
    return etree.fromstring(batch.xml.encode())


def test_a_collection_takes_the_due_invoices_of_mandate_customers_and_writes_a_valid_file(manager):
    mandate = make_mandate()
    first = due_invoice(customer=mandate.customer, gross="119.00")
    second = due_invoice(customer=mandate.customer, gross="238.00")
    other_mandate = make_mandate(debtor_iban=IBANS[1], debtor_bic="INGDDEFFXXX")
    third = due_invoice(customer=other_mandate.customer, gross="59.50")
    due_invoice(customer=make_customer())  # no mandate: not collected

    batch = collect(by=manager)

    assert (batch.kind, batch.status, batch.schema, batch.scheme) == (
        "direct_debit",
        "created",
        "pain.008.001.08",
        "CORE",
    )
    assert batch.total == Decimal("416.50") and batch.item_count == 3
    assert batch.created_by == manager and batch.creditor_id == "DE98ZZZ09999999999"
    items = list(batch.items.order_by("id"))
    assert [i.invoice_id for i in items] == [first.pk, second.pk, third.pk]
    assert all(i.sequence_type == "FRST" and i.status == "pending" for i in items)
    assert len({i.end_to_end_id for i in items}) == 3
    assert xsd_errors(batch.xml, "pain.008.001.08") == []
    root = tree(batch)
    assert root.findtext(".//p:GrpHdr/p:MsgId", namespaces=NS) == batch.message_id
    assert root.findtext(".//p:GrpHdr/p:CtrlSum", namespaces=NS) == "416.50"
    assert root.findtext(".//p:PmtInf/p:PmtInfId", namespaces=NS) == items[0].payment_info_id
    assert root.findtext(".//p:ReqdColltnDt", namespaces=NS) == "2026-12-11"
    assert root.findtext(".//p:CdtrSchmeId//p:Id/p:PrvtId/p:Othr/p:Id", namespaces=NS) == "DE98ZZZ09999999999"
    # The bank side finds each item again by its ids: its transaction sits in its PmtInf block.
    for item in items:
        block = root.xpath(
            "//p:PmtInf[p:DrctDbtTxInf/p:PmtId/p:EndToEndId = $e2e]/p:PmtInfId/text()",
            namespaces=NS,
            e2e=item.end_to_end_id,
        )
        assert block == [item.payment_info_id]
    assert invoices_collection_pending([first.pk, second.pk, third.pk]) == {first.pk, second.pk, third.pk}
    mandate.refresh_from_db()
    assert (mandate.sequence_type, mandate.last_collected_on) == ("RCUR", DUE)
    assert Event.objects.filter(type="sepa_batch.created", object_id=batch.pk).exists()
    assert Event.objects.filter(type="sepa_item.created").count() == 3


def test_an_invoice_is_never_collected_twice():
    mandate = make_mandate()
    invoice = due_invoice(customer=mandate.customer)
    collect()
    with pytest.raises(ValidationError) as caught:
        collect()
    assert "Nothing to collect" in caught.value.message_dict["collection_date"][0]
    assert BatchItem.objects.filter(invoice=invoice).count() == 1


def test_the_second_collection_under_a_mandate_is_recurring_and_has_its_own_block():
    mandate = make_mandate()
    due_invoice(customer=mandate.customer)
    collect()
    later = due_invoice(customer=mandate.customer, as_of=datetime(2026, 12, 1, 9, tzinfo=BERLIN))
    batch = collect(collection_date=date(2026, 12, 15), as_of=datetime(2026, 12, 14, 9, tzinfo=BERLIN))
    item = batch.items.get()
    assert (item.invoice_id, item.sequence_type) == (later.pk, "RCUR")
    assert tree(batch).findtext(".//p:SeqTp", namespaces=NS) == "RCUR"


def test_the_pre_notification_period_holds_invoices_back():
    mandate = make_mandate()
    due_invoice(customer=mandate.customer)
    CompanyProfile.objects.filter(pk=1).update(sepa_prenotification_days=15)
    with pytest.raises(ValidationError, match="pre-notification"):
        collect()
    CompanyProfile.objects.filter(pk=1).update(sepa_prenotification_days=14)
    assert collect().item_count == 1


@pytest.mark.parametrize(
    ("collection_date", "as_of", "why"),
    [
        (date(2026, 12, 12), MAKE, "no TARGET2 business day"),  # Saturday
        (date(2026, 12, 25), MAKE, "no TARGET2 business day"),  # Christmas
        (date(2027, 3, 26), MAKE, "no TARGET2 business day"),  # Good Friday
        (date(2026, 12, 11), datetime(2026, 12, 11, 7, 0, tzinfo=BERLIN), "earliest date is"),
        (date(2026, 12, 28), datetime(2026, 12, 24, 9, 0, tzinfo=BERLIN), None),  # D-1 across Christmas
    ],
)
def test_the_collection_date_is_a_target2_day_at_least_one_business_day_ahead(collection_date, as_of, why):
    mandate = make_mandate()
    due_invoice(customer=mandate.customer)
    if why is None:
        assert collect(collection_date=collection_date, as_of=as_of).requested_date == collection_date
        return
    with pytest.raises(ValidationError) as caught:
        collect(collection_date=collection_date, as_of=as_of)
    assert why in caught.value.message_dict["collection_date"][0]


def test_no_collection_without_a_valid_creditor_identifier():
    mandate = make_mandate()
    due_invoice(customer=mandate.customer)
    CompanyProfile.objects.filter(pk=1).update(sepa_creditor_id="DE99ZZZ09999999999")
    with pytest.raises(ValidationError, match="check digits do not match"):
        collect()
    CompanyProfile.objects.filter(pk=1).update(sepa_creditor_id="")
    with pytest.raises(ValidationError, match="no SEPA creditor identifier"):
        collect()
    assert not Batch.objects.exists()


def test_b2b_mandates_are_collected_in_a_file_of_their_own():
    core = make_mandate()
    b2b = make_mandate(scheme="B2B")
    core_invoice = due_invoice(customer=core.customer)
    b2b_invoice = due_invoice(customer=b2b.customer)
    core_batch = collect()
    b2b_batch = collect(scheme="B2B")
    assert [i.invoice_id for i in core_batch.items.all()] == [core_invoice.pk]
    assert [i.invoice_id for i in b2b_batch.items.all()] == [b2b_invoice.pk]
    assert tree(b2b_batch).findtext(".//p:LclInstrm/p:Cd", namespaces=NS) == "B2B"
    assert xsd_errors(b2b_batch.xml, "pain.008.001.08") == []


def test_a_one_off_mandate_collects_one_invoice_and_is_then_used_up():
    mandate = make_mandate(recurring=False)
    first = due_invoice(customer=mandate.customer)
    due_invoice(customer=mandate.customer)
    batch = collect()
    assert [(i.invoice_id, i.sequence_type) for i in batch.items.all()] == [(first.pk, "OOFF")]
    mandate.refresh_from_db()
    assert mandate.used_up and mandate_active_for(mandate.customer) is None
    with pytest.raises(ValidationError, match="Nothing to collect"):
        collect()


def test_a_final_collection_uses_the_mandate_up():
    mandate = make_mandate()
    due_invoice(customer=mandate.customer)
    collect()
    mandate_mark_final(mandate=mandate, as_of=MAKE)
    due_invoice(customer=mandate.customer, as_of=datetime(2026, 12, 1, 9, tzinfo=BERLIN))
    batch = collect(collection_date=date(2026, 12, 15), as_of=datetime(2026, 12, 14, 9, tzinfo=BERLIN))
    assert batch.items.get().sequence_type == SequenceType.FINAL
    mandate.refresh_from_db()
    assert mandate.used_up


def test_an_amendment_is_sent_with_the_next_collection_then_cleared():
    mandate = make_mandate(reference="ALT-7", debtor_iban=IBANS[0])
    due_invoice(customer=mandate.customer)
    collect()
    mandate_amend(mandate=mandate, as_of=MAKE, reference="NEU-7", debtor_iban=IBANS[1])
    due_invoice(customer=mandate.customer, as_of=datetime(2026, 12, 1, 9, tzinfo=BERLIN))
    batch = collect(collection_date=date(2026, 12, 15), as_of=datetime(2026, 12, 14, 9, tzinfo=BERLIN))
    info = tree(batch).find(".//p:MndtRltdInf", NS)
    assert info.findtext("p:MndtId", namespaces=NS) == "NEU-7"
    assert info.findtext("p:AmdmntInd", namespaces=NS) == "true"
    assert info.findtext("p:AmdmntInfDtls/p:OrgnlMndtId", namespaces=NS) == "ALT-7"
    assert info.findtext("p:AmdmntInfDtls/p:OrgnlDbtrAgt/p:FinInstnId/p:Othr/p:Id", namespaces=NS) == "SMNDA"
    assert xsd_errors(batch.xml, "pain.008.001.08") == []
    assert batch.items.get().mandate_data["amendment"]["original_reference"] == "ALT-7"
    mandate.refresh_from_db()
    assert (mandate.original_reference, mandate.original_debtor_iban, mandate.debtor_bank_changed) == ("", "", False)


def test_a_mandate_flagged_for_attention_is_not_collected():
    mandate = make_mandate()
    due_invoice(customer=mandate.customer)
    mandate.needs_attention = True
    mandate.save()
    with pytest.raises(ValidationError, match="Nothing to collect"):
        collect()


def test_the_preview_shows_what_a_collection_would_take():
    mandate = make_mandate()
    invoice = due_invoice(customer=mandate.customer, gross="59.50")
    preview = collection_preview(collection_date=DUE, as_of=MAKE)
    assert [(c.invoice.pk, c.amount) for c in preview] == [(invoice.pk, Decimal("59.50"))]


def test_a_cancelled_collection_frees_its_invoices_and_gives_the_mandate_its_first_collection_back():
    mandate = make_mandate()
    invoice = due_invoice(customer=mandate.customer)
    batch = batch_cancel(batch=collect(), as_of=MAKE)
    assert batch.status == BatchStatus.CANCELLED
    assert set(batch.items.values_list("status", flat=True)) == {BatchItemStatus.CANCELLED}
    assert invoices_collection_pending([invoice.pk]) == set()
    mandate.refresh_from_db()
    assert (mandate.sequence_type, mandate.last_collected_on) == ("FRST", None)
    again = collect()
    assert again.items.get().invoice_id == invoice.pk and again.items.get().sequence_type == "FRST"


def test_a_submitted_file_is_cancelled_only_by_a_person_with_a_reason(manager):
    mandate = make_mandate()
    due_invoice(customer=mandate.customer)
    batch = batch_mark_submitted(batch=collect(), as_of=MAKE, by=manager)
    assert (batch.status, batch.submitted_by) == ("submitted", manager)
    with pytest.raises(SepaConflict):
        batch_mark_submitted(batch=batch, as_of=MAKE)
    with pytest.raises(ValidationError) as caught:
        batch_cancel(batch=batch, as_of=MAKE)
    assert set(caught.value.message_dict) == {"by", "reason"}
    batch = batch_cancel(batch=batch, as_of=MAKE, by=manager, reason="Bank hat die Datei abgelehnt")
    assert (batch.status, batch.cancel_reason, batch.cancelled_by) == (
        "cancelled",
        "Bank hat die Datei abgelehnt",
        manager,
    )
    with pytest.raises(SepaConflict):
        batch_cancel(batch=batch, as_of=MAKE, by=manager, reason="x")


@pytest.mark.parametrize("schema", ["pain.008.001.08", "pain.008.001.02"])
@pytest.mark.parametrize("scheme", ["CORE", "B2B"])
def test_every_format_and_scheme_with_every_sequence_type_and_amendment_is_valid(schema, scheme):
    CompanyProfile.objects.filter(pk=1).update(sepa_direct_debit_format=schema)
    first = make_mandate(scheme=scheme, debtor_bic="BYLADEM1001")
    one_off = make_mandate(scheme=scheme, recurring=False)
    recurring = make_mandate(scheme=scheme, debtor_iban=IBANS[2])
    final = make_mandate(scheme=scheme, debtor_iban=IBANS[3])
    for mandate in (recurring, final):
        mandate.last_collected_on, mandate.sequence_type = date(2026, 10, 1), SequenceType.RECURRING
        mandate.save()
    mandate_mark_final(mandate=final, as_of=T0)
    mandate_amend(mandate=recurring, as_of=T0, debtor_iban="DE17100500000123456789", reference="NEU-R")  # same bank
    mandate_amend(mandate=final, as_of=T0, debtor_iban=IBANS[0])  # another bank: SMNDA
    for mandate in (first, one_off, recurring, final):
        due_invoice(customer=mandate.customer)
    batch = collect(scheme=scheme)
    assert batch.schema == schema
    assert sorted(batch.items.values_list("sequence_type", flat=True)) == ["FNAL", "FRST", "OOFF", "RCUR"]
    assert xsd_errors(batch.xml, schema) == []
    ns = {"p": f"urn:iso:std:iso:20022:tech:xsd:{schema}"}
    root = tree(batch)
    assert len(root.findall(".//p:PmtInf", ns)) == 4
    assert root.findtext(".//p:OrgnlDbtrAcct/p:Id/p:IBAN", namespaces=ns) == IBANS[2]
    assert root.findtext(".//p:OrgnlDbtrAgt/p:FinInstnId/p:Othr/p:Id", namespaces=ns) == "SMNDA"


amounts = st.lists(
    st.lists(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("5000"), places=2), min_size=1, max_size=3),
    min_size=1,
    max_size=3,
)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(per_customer=amounts)
def test_a_batch_total_is_the_sum_of_its_items_and_each_invoice_appears_once(per_customer):
    from django.db import transaction

    sid = transaction.savepoint()
    try:
        invoices = []
        for gross_amounts in per_customer:
            mandate = make_mandate()
            for gross in gross_amounts:
                invoices.append(due_invoice(customer=mandate.customer, gross=str(gross)) if _gross_ok(gross) else None)
        invoices = [i for i in invoices if i is not None]
        if not invoices:
            return
        batch = collect()
        items = list(batch.items.all())
        assert batch.total == sum(i.amount for i in items) == sum(i.open_amount for i in invoices)
        assert batch.item_count == len(items) == len({i.invoice_id for i in items}) == len(invoices)
        assert Decimal(tree(batch).findtext(".//p:GrpHdr/p:CtrlSum", namespaces=NS)) == batch.total
        with pytest.raises(ValidationError):
            collect()
    finally:
        transaction.savepoint_rollback(sid)


def _gross_ok(gross: Decimal) -> bool:
    """Whether some net at 19 % gives exactly this gross (the invoice factory needs one)."""
    net = (gross / Decimal("1.19")).quantize(Decimal("0.01"))
    return (net * Decimal("1.19")).quantize(Decimal("0.01")) == gross


def test_revoked_and_expired_mandates_are_not_collected():
    from sepa.services import mandate_revoke, mandates_expire

    revoked = make_mandate()
    due_invoice(customer=revoked.customer)
    mandate_revoke(mandate=revoked, as_of=MAKE)
    expired = make_mandate(signed_on=date(2023, 1, 2))
    due_invoice(customer=expired.customer)
    assert mandates_expire(as_of=MAKE) == 1
    with pytest.raises(ValidationError, match="Nothing to collect"):
        collect()


def test_the_newest_mandate_of_a_customer_is_the_one_collected():
    older = make_mandate(signed_on=date(2025, 1, 2))
    newer = make_mandate(customer=older.customer, signed_on=date(2026, 2, 3), debtor_iban=IBANS[1])
    due_invoice(customer=older.customer)
    assert collect().items.get().mandate == newer


@pytest.mark.parametrize("schema", ["pain.008.001.08", "pain.008.001.02"])
def test_a_debtor_outside_the_eea_is_collected_with_bic_and_address(schema):
    CompanyProfile.objects.filter(pk=1).update(sepa_direct_debit_format=schema)
    swiss = make_customer(
        billing_country="CH", billing_postal_code="8001", billing_city="Zürich", billing_street="Bahnhofstrasse 1"
    )
    with pytest.raises(ValidationError) as caught:
        make_mandate(customer=swiss, debtor_iban="CH9300762011623852957")
    assert "outside the EEA" in caught.value.message_dict["debtor_bic"][0]
    mandate = make_mandate(customer=swiss, debtor_iban="CH9300762011623852957", debtor_bic="UBSWCHZH80A")
    due_invoice(customer=mandate.customer)
    batch = collect()
    ns = {"p": f"urn:iso:std:iso:20022:tech:xsd:{schema}"}
    address = tree(batch).find(".//p:Dbtr/p:PstlAdr", ns)
    assert [address.findtext(f"p:{tag}", namespaces=ns) for tag in ("PstCd", "TwnNm", "Ctry")] == [
        "8001",
        "Zürich",
        "CH",
    ]
    assert xsd_errors(batch.xml, schema) == []
