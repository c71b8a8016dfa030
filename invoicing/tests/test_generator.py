"""The data generator: deterministic, consistent totals, issued documents the triggers guard."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Sum

from customers.models import Customer
from invoicing.generator import generate
from invoicing.models import Invoice, InvoiceLine, InvoiceVatBreakdown

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 11, 27)


def fingerprint() -> list[tuple]:
    return list(
        Invoice.objects.order_by("number").values_list("number", "customer__number", "invoice_date", "amount_due")
    )


class _RollBack(Exception):
    pass


def generated(seed: int) -> list[tuple]:
    """Generate in a savepoint that is rolled back, so each run starts from the same empty ledger."""
    try:
        with transaction.atomic():
            generate(seed=seed, customers=20, invoices=150, years=2, as_of=AS_OF)
            result = fingerprint()
            raise _RollBack
    except _RollBack:
        return result


def test_the_same_seed_generates_the_same_ledger_and_another_seed_another():
    first = generated(7)
    assert len(first) == 150
    assert generated(7) == first
    assert generated(8) != first


def test_generated_invoices_are_consistent_and_issued():
    result = generate(seed=1, customers=25, invoices=200, years=2, as_of=AS_OF)
    assert result.invoices == Invoice.objects.count() == 200
    assert Customer.objects.count() == 25
    assert not Invoice.objects.exclude(status="issued").exists()
    for invoice in Invoice.objects.annotate(n=Count("lines")).iterator():
        assert invoice.n >= 1
    line_sums = dict(InvoiceLine.objects.values("invoice").annotate(s=Sum("net_amount")).values_list("invoice", "s"))
    tax_sums = dict(
        InvoiceVatBreakdown.objects.values("invoice").annotate(s=Sum("tax_amount")).values_list("invoice", "s")
    )
    for invoice in Invoice.objects.all():
        assert line_sums[invoice.pk] == invoice.line_total == invoice.tax_exclusive_total
        assert tax_sums[invoice.pk] == invoice.tax_total
        assert invoice.tax_exclusive_total + invoice.tax_total == invoice.tax_inclusive_total == invoice.amount_due
        assert Decimal("0") <= invoice.open_amount <= invoice.amount_due
        assert invoice.due_date >= invoice.invoice_date
    numbers_2026 = sorted(
        int(n.rsplit("-", 1)[1])
        for n in Invoice.objects.filter(invoice_date__year=2026).values_list("number", flat=True)
    )
    assert numbers_2026 == list(range(1, len(numbers_2026) + 1))  # consecutive within the year
    assert min(Invoice.objects.values_list("invoice_date", flat=True)) >= date(2024, 11, 27)


def test_generated_issued_invoices_are_immutable_like_any_other():
    generate(seed=2, customers=5, invoices=10, years=1, as_of=AS_OF)
    invoice = Invoice.objects.first()
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE invoicing_invoice SET amount_due = 0 WHERE id = %s", [invoice.pk])


def test_a_ledger_with_issued_invoices_is_not_generated_into():
    generate(seed=3, customers=2, invoices=3, years=1, as_of=AS_OF)
    with pytest.raises(Exception, match="already has issued invoices"):
        call_command("generate_data", "--customers", "1", "--invoices", "1")


def test_customers_abroad_are_invoiced_in_their_currency_with_the_vat_in_eur():
    generate(seed=5, customers=120, invoices=600, years=1, as_of=AS_OF)
    foreign = Invoice.objects.exclude(currency="EUR")
    assert foreign.exists()
    for invoice in foreign:
        assert invoice.exchange_rate and invoice.exchange_rate_date == invoice.invoice_date.replace(day=1)
        assert invoice.tax_total_eur == Decimal("0.00")  # exports and services abroad carry no German VAT
        categories = set(invoice.vat_breakdown.values_list("vat_category", flat=True))
        assert categories <= {"G", "O"} and not ({"O"} < categories)  # O stands alone (BR-O-11)
        assert all(code for code in invoice.vat_breakdown.values_list("exemption_code", flat=True))


def test_reverse_charge_and_intra_community_invoices_carry_what_the_law_and_en_16931_need():
    from stdnum.eu import vat

    generate(seed=5, customers=120, invoices=600, years=1, as_of=AS_OF)
    foreign = Customer.objects.filter(kind="business").exclude(billing_country__in=["DE", "CH", "GB", "US"])
    assert foreign.exists()
    assert all(vat.is_valid(c.vat_id) and c.vat_id.startswith(c.billing_country) for c in foreign)
    cross_border = Invoice.objects.filter(vat_breakdown__vat_category__in=["AE", "K"]).distinct()
    assert cross_border.exists()
    for invoice in cross_border:
        assert invoice.buyer["vat_id"] == invoice.customer.vat_id != ""  # § 14a UStG, BR-AE-02, BR-IC-02
        assert invoice.buyer["city"] and invoice.buyer["postal_code"]
        if invoice.vat_breakdown.filter(vat_category="K").exists():
            assert invoice.deliver_to_country == invoice.customer.billing_country  # BR-IC-12


def test_every_paid_cent_of_the_generated_ledger_has_its_payment():
    from django.db.models import Q, Sum

    from payments.models import Allocation, Payment, SettlementDiscount

    generate(seed=7, customers=40, invoices=600, years=2, as_of=AS_OF)

    active = Q(allocations__reversed_at__isnull=True)
    invoices = Invoice.objects.filter(status="issued").annotate(
        allocated=Sum("allocations__amount", filter=active, default=Decimal("0"))
    )
    discounts = dict(
        SettlementDiscount.objects.values("invoice").annotate(total=Sum("amount")).values_list("invoice", "total")
    )
    for invoice in invoices:
        paid = invoice.amount_due - invoice.open_amount
        assert invoice.allocated + discounts.get(invoice.pk, Decimal("0")) == paid, invoice.number
    # Realistic variety: Skonto with its VAT split, over-payments kept as credit, a returned debit.
    skonto = SettlementDiscount.objects.all()
    assert skonto.exists()
    for discount in skonto:
        assert sum(Decimal(row["gross"]) for row in discount.vat_split) == discount.amount
    assert Payment.objects.filter(credit_amount__gt=0).exists()
    assert Payment.objects.filter(status="returned", returned_amount__gt=0).exists()
    assert Allocation.objects.filter(reversed_at__isnull=False, payment__status="returned").exists()
    assert not Payment.objects.filter(value_date__gt=AS_OF).exists()
