"""Invoicing services: drafts, issue, credit notes and due-date changes, through their public functions."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from hypothesis import HealthCheck, assume, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from core.models import CompanyProfile
from customers.models import Customer
from customers.services import customer_update
from customers.tests.factories import make_customer
from invoicing.models import (
    CustomerNotice,
    DocumentStatus,
    DocumentType,
    ExchangeRate,
    Invoice,
    InvoiceAllowanceCharge,
    InvoiceEvent,
    InvoiceLine,
    SettlementState,
)
from invoicing.services import (
    InvoiceIssueError,
    credit_note_create,
    invoice_change_due_date,
    invoice_draft_delete,
    invoice_draft_update,
    invoice_issue,
)
from invoicing.services.drafts import DocumentNotEditable
from invoicing.totals import AllowanceChargeInput, LineInput, compute_totals

from .factories import (
    D0,
    DE_VAT_ID,
    T0,
    at,
    foreign_business,
    invoicing_setup,  # noqa: F401  (fixture)
    line,
    make_company_profile,
    make_draft,
    make_issued,
    make_terms,
    reseed_after_module,  # noqa: F401  (fixture)
    terms,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("reseed_after_module", "invoicing_setup")]

E_LINE = {"vat_category": "E", "vat_rate": "0", "exemption_reason": "Steuerfrei nach § 4 Nr. 14 UStG"}


def errors_of(excinfo) -> dict[str, list[str]]:
    return excinfo.value.message_dict


def kinds(invoice: Invoice) -> list[str]:
    return list(invoice.events.order_by("at", "id").values_list("kind", flat=True))


def simulate_payment(invoice: Invoice, amount: str) -> None:
    """No payments service yet: move the allow-listed columns the way it will."""
    open_amount = invoice.open_amount - Decimal(amount)
    state = SettlementState.PAID if open_amount == 0 else SettlementState.PARTIALLY_PAID
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE invoicing_invoice SET open_amount = %s, settlement_state = %s WHERE id = %s",
            [open_amount, state, invoice.pk],
        )
    invoice.refresh_from_db()


# --- Drafts --------------------------------------------------------------------------------------------


class TestDrafts:
    def test_a_draft_keeps_its_lines_and_allowances_and_shows_live_totals(self):
        draft = make_draft(
            lines=[
                line(quantity="6", unit_price="140.00"),  # 840.00 at 19 %
                line(description="Fachbuch", quantity="2", unit_code="C62", unit_price="49.90", vat_rate="7"),
                line(description="Porto", quantity="1", unit_price="3.33", allowance_percent="10", vat_rate="19"),
            ],
            allowances=[
                {"reason": "Treuerabatt", "amount": "40.00", "vat_category": "S", "vat_rate": "19"},
                {"is_charge": True, "reason": "Verpackung", "amount": "5.00", "vat_category": "S", "vat_rate": "7"},
            ],
        )
        assert draft.status == DocumentStatus.DRAFT and draft.number is None
        nets = list(draft.lines.order_by("position").values_list("position", "net_amount"))
        assert nets == [(1, Decimal("840.00")), (2, Decimal("99.80")), (3, Decimal("3.00"))]
        assert draft.line_total == Decimal("942.80")
        assert (draft.allowance_total, draft.charge_total) == (Decimal("40.00"), Decimal("5.00"))
        assert draft.tax_exclusive_total == Decimal("907.80")
        # 19 %: (840.00 + 3.00 − 40.00) × 0.19 = 152.57; 7 %: (99.80 + 5.00) × 0.07 = 7.336 → 7.34
        assert draft.tax_total == Decimal("159.91")
        assert draft.tax_inclusive_total == draft.amount_due == Decimal("1067.71")
        assert list(draft.allowances_charges.values_list("computed_amount", flat=True)) == [
            Decimal("40.00"),
            Decimal("5.00"),
        ]
        assert kinds(draft) == [InvoiceEvent.Kind.CREATED]

    def test_a_draft_takes_currency_language_and_default_terms_from_the_customer(self):
        customer = make_customer(language="en", currency="CHF")
        draft = make_draft(customer=customer)
        assert (draft.currency, draft.language) == ("CHF", "en")
        assert draft.payment_terms == terms("30 Tage netto")

    @pytest.mark.parametrize(
        ("bad", "path", "fragment"),
        [
            ({"vat_category": "X"}, "lines.1.vat_category", "Unknown VAT category"),
            ({"vat_rate": "16"}, "lines.1.vat_rate", "not a rate for category S"),
            ({"vat_rate": None}, "lines.1.vat_rate", "Category S needs a VAT rate"),
            ({"vat_category": "Z", "vat_rate": "7"}, "lines.1.vat_rate", "not a rate for category Z"),
            ({"quantity": "1e12"}, "lines.1.quantity", "Must be below"),
            ({"quantity": "zwei"}, "lines.1.quantity", "is not a number"),
            ({"quantity": "0"}, "lines.1.quantity", "zero"),
            ({"quantity": "1.23456"}, "lines.1.quantity", "At most 4 decimal places"),
            ({"quantity": None}, "lines.1.quantity", "required"),
            ({"unit_price": "-1"}, "lines.1.unit_price", "at least 0"),
            ({"unit_price": "100000000000"}, "lines.1.unit_price", "Must be below"),
            ({"unit_price": "NaN"}, "lines.1.unit_price", "is not a number"),
            ({"unit_code": "PCS"}, "lines.1.unit_code", "not a UN/ECE Rec. 20 unit code"),
            ({"unit_code": "Stück"}, "lines.1.unit_code", "not a UN/ECE Rec. 20 unit code"),
            ({"vat_category": "E", "vat_rate": "0"}, "lines.1.exemption_reason", "BR-E-10"),
            ({"description": "  "}, "lines.1.description", "Describe"),
            ({"exemption_code": "X" * 31}, "lines.1.exemption_code", "At most 30"),
            ({"allowance_percent": "101"}, "lines.1.allowance_percent", "Must be below"),
            ({"colour": "blue"}, "lines.1.colour", "cannot be set"),
        ],
    )
    def test_bad_line_input_is_refused_on_its_field_and_nothing_is_saved(self, bad, path, fragment):
        customer = make_customer()
        with pytest.raises(ValidationError) as excinfo:
            make_draft(customer=customer, lines=[line(), line(**bad)])
        errors = errors_of(excinfo)
        assert list(errors) == [path], errors
        assert fragment in " ".join(errors[path])
        assert not Invoice.objects.exists()
        assert not InvoiceLine.objects.exists()

    @pytest.mark.parametrize(
        ("bad", "path"),
        [
            ({"vat_category": "Q"}, "allowances_charges.0.vat_category"),
            ({"vat_rate": "16"}, "allowances_charges.0.vat_rate"),
            ({"amount": None}, "allowances_charges.0.amount"),
            ({"amount": "1.234"}, "allowances_charges.0.amount"),
            ({"reason": ""}, "allowances_charges.0.reason"),
        ],
    )
    def test_bad_allowances_are_refused_on_their_field(self, bad, path):
        allowance = {"reason": "Rabatt", "amount": "10.00", "vat_category": "S", "vat_rate": "19", **bad}
        with pytest.raises(ValidationError) as excinfo:
            make_draft(allowances=[allowance])
        assert list(errors_of(excinfo)) == [path]
        assert not InvoiceAllowanceCharge.objects.exists()

    def test_an_allowance_with_a_reason_code_only_is_enough(self):
        draft = make_draft(allowances=[{"reason_code": "95", "amount": "10.00", "vat_category": "S", "vat_rate": "19"}])
        assert draft.allowance_total == Decimal("10.00")

    def test_every_problem_is_reported_at_once(self):
        with pytest.raises(ValidationError) as excinfo:
            make_draft(currency="EURO", lines=[line(vat_category="X"), line(unit_code="PCS")])
        assert set(errors_of(excinfo)) == {"currency", "lines.0.vat_category", "lines.1.unit_code"}

    def test_a_line_too_large_for_the_amount_columns_is_refused_on_its_quantity(self):
        with pytest.raises(ValidationError) as excinfo:
            make_draft(lines=[line(quantity="90000000000", unit_price="90000000000")])
        assert list(errors_of(excinfo)) == ["lines.0.quantity"]
        assert not Invoice.objects.exists()

    def test_currencies_with_three_decimals_are_refused(self):
        with pytest.raises(ValidationError) as excinfo:
            make_draft(currency="BHD")
        assert "more than 2 decimal places" in errors_of(excinfo)["currency"][0]

    def test_the_prepaid_amount_reduces_the_amount_due_but_cannot_exceed_the_total(self):
        draft = make_draft(prepaid_amount="38.00")
        assert (draft.tax_inclusive_total, draft.amount_due) == (Decimal("238.00"), Decimal("200.00"))
        with pytest.raises(ValidationError) as excinfo:
            invoice_draft_update(invoice=draft, as_of=T0, data={"prepaid_amount": "238.01"})
        assert list(errors_of(excinfo)) == ["prepaid_amount"]
        draft.refresh_from_db()
        assert draft.prepaid_amount == Decimal("38.00")

    def test_updating_replaces_the_lines_and_recomputes_the_totals(self):
        draft = make_draft(lines=[line(), line(), line()])
        updated = invoice_draft_update(
            invoice=draft,
            as_of=T0 + timedelta(hours=1),
            data={"buyer_reference": "PO-4711"},
            lines=[line(quantity="1", unit_price="50.00", vat_rate="7")],
        )
        assert list(updated.lines.values_list("position", "net_amount")) == [(1, Decimal("50.00"))]
        assert (updated.tax_total, updated.amount_due) == (Decimal("3.50"), Decimal("53.50"))
        assert updated.buyer_reference == "PO-4711"
        assert updated.updated_at == T0 + timedelta(hours=1)

    def test_updating_only_the_header_keeps_the_lines(self):
        draft = make_draft(lines=[line(), line()])
        invoice_draft_update(invoice=draft, as_of=T0, data={"note": "Danke!"})
        assert draft.lines.count() == 2

    def test_a_refused_update_changes_nothing(self):
        draft = make_draft(lines=[line(), line()])
        with pytest.raises(ValidationError):
            invoice_draft_update(invoice=draft, as_of=T0, data={"note": "neu"}, lines=[line(vat_category="X")])
        draft.refresh_from_db()
        assert draft.note == "" and draft.lines.count() == 2 and draft.amount_due == Decimal("476.00")

    def test_a_draft_can_be_deleted_with_its_lines(self):
        draft = make_draft(allowances=[{"reason": "Rabatt", "amount": "1.00", "vat_category": "S", "vat_rate": "19"}])
        invoice_draft_delete(invoice=draft, as_of=T0)
        assert not Invoice.objects.exists() and not InvoiceLine.objects.exists()
        assert not InvoiceAllowanceCharge.objects.exists()

    def test_an_issued_invoice_can_be_neither_edited_nor_deleted(self):
        invoice = make_issued()
        with pytest.raises(DocumentNotEditable, match="RE-2026-000001 is issued.*credit note"):
            invoice_draft_update(invoice=invoice, as_of=T0, data={"note": "x"})
        with pytest.raises(DocumentNotEditable, match="credit note"):
            invoice_draft_update(invoice=invoice, as_of=T0, lines=[line(quantity="1")])
        with pytest.raises(DocumentNotEditable, match="cannot be changed or deleted"):
            invoice_draft_delete(invoice=invoice, as_of=T0)
        with pytest.raises(DocumentNotEditable):
            invoice_issue(invoice=invoice, as_of=T0)
        invoice.refresh_from_db()
        assert invoice.lines.count() == 1 and invoice.note == ""


# --- Issue ---------------------------------------------------------------------------------------------


class TestIssue:
    def test_numbers_have_the_series_format_and_follow_each_other(self):
        numbers = [make_issued().number for _ in range(3)]
        assert numbers == ["RE-2026-000001", "RE-2026-000002", "RE-2026-000003"]

    def test_numbers_are_assigned_at_issue_not_at_draft(self):
        first, second = make_draft(), make_draft()
        assert invoice_issue(invoice=second, as_of=T0).number == "RE-2026-000001"
        assert invoice_issue(invoice=first, as_of=T0).number == "RE-2026-000002"

    def test_numbering_restarts_every_year(self):
        december = at(date(2026, 12, 31))
        january = at(date(2027, 1, 2))
        assert make_issued(as_of=december, service_date=date(2026, 12, 31)).number == "RE-2026-000001"
        assert make_issued(as_of=december, service_date=date(2026, 12, 31)).number == "RE-2026-000002"
        assert make_issued(as_of=january, service_date=date(2027, 1, 2)).number == "RE-2027-000001"

    def test_issuing_fixes_totals_status_and_records_the_event(self, accountant):
        invoice = make_issued(by=accountant)
        assert invoice.status == DocumentStatus.ISSUED
        assert invoice.invoice_date == D0 and invoice.issued_at == T0 and invoice.issued_by == accountant
        assert invoice.open_amount == invoice.amount_due == Decimal("238.00")
        assert invoice.settlement_state == SettlementState.OPEN
        issued = invoice.events.get(kind=InvoiceEvent.Kind.ISSUED)
        assert (issued.from_state, issued.to_state, issued.by, issued.at) == ("draft", "issued", accountant, T0)
        assert issued.data["number"] == invoice.number
        assert list(invoice.vat_breakdown.values_list("vat_category", "taxable_amount", "tax_amount")) == [
            ("S", Decimal("200.00"), Decimal("38.00"))
        ]

    def test_seller_and_buyer_are_copied_and_later_edits_do_not_change_them(self):
        customer = make_customer(legal_name="Alt GmbH", billing_city="Augsburg", billing_postal_code="86150")
        invoice = make_issued(customer=customer)
        customer_update(customer=customer, data={"legal_name": "Neu GmbH", "billing_city": "Berlin"}, as_of=T0)
        make_company_profile(name="Umbenannt AG", iban="DE02120300000000202051")
        invoice.refresh_from_db()
        assert invoice.buyer["name"] == "Alt GmbH" and invoice.buyer["city"] == "Augsburg"
        assert invoice.buyer["number"] == customer.number
        assert invoice.seller["name"] == "Debitor Test GmbH"
        assert invoice.seller["iban"] == "DE89370400440532013000"
        assert invoice.seller["vat_id"] == "DE136695976"

    @pytest.mark.parametrize(
        ("name", "invoice_date", "due"),
        [
            ("30 Tage netto", date(2026, 1, 31), date(2026, 3, 2)),
            ("30 Tage netto", date(2026, 12, 15), date(2027, 1, 14)),  # year change
            ("14 Tage netto", date(2028, 2, 20), date(2028, 3, 5)),  # leap year: 29 February counts
            ("14 Tage netto", date(2027, 2, 20), date(2027, 3, 6)),
            ("Monatsende + 15 Tage", date(2026, 1, 31), date(2026, 2, 15)),  # month end itself
            ("Monatsende + 15 Tage", date(2028, 2, 1), date(2028, 3, 15)),  # from 29 February
            ("Monatsende + 15 Tage", date(2026, 12, 10), date(2027, 1, 15)),  # year change
            ("Sofort fällig", date(2026, 6, 30), date(2026, 6, 30)),
        ],
    )
    def test_the_due_date_follows_the_payment_terms(self, name, invoice_date, due):
        invoice = make_issued(
            as_of=at(invoice_date), service_date=invoice_date, payment_terms=terms(name).pk, invoice_date=invoice_date
        )
        assert invoice.due_date == due
        assert invoice.terms_snapshot["name"] == name
        assert f"{due:%d.%m.%Y}" in invoice.payment_terms_text or name == "Sofort fällig"

    def test_skonto_offers_are_computed_and_stored_at_issue(self):
        invoice = make_issued(
            as_of=at(date(2026, 12, 28)),
            service_date=date(2026, 12, 28),
            payment_terms=terms("2 % Skonto 10 Tage, 30 Tage netto").pk,
        )
        assert invoice.due_date == date(2027, 1, 27)
        assert invoice.discount_offers == [
            {"percent": "2.00", "deadline": "2027-01-07", "discount_amount": "4.76", "amount_to_pay": "233.24"}
        ]
        assert "07.01.2027" in invoice.payment_terms_text and "Skonto" in invoice.payment_terms_text

    def test_terms_text_follows_the_invoice_language(self):
        customer = make_customer(language="en")
        invoice = make_issued(customer=customer, payment_terms=make_terms(days=10).pk)
        assert invoice.payment_terms_text.startswith("Payable")

    def test_terms_changed_after_issue_do_not_change_the_invoice(self):
        chosen = make_terms(days=20, tiers=[{"percent": "3.00", "days": 7}])
        invoice = make_issued(payment_terms=chosen.pk)
        chosen.days, chosen.discount_tiers = 60, []
        chosen.save()
        invoice.refresh_from_db()
        assert invoice.due_date == D0 + timedelta(days=20) and invoice.terms_snapshot["days"] == 20
        assert invoice.discount_offers[0]["percent"] == "3.00"

    def test_reverse_charge_states_the_paragraph_13b_note_and_the_exemption_code(self):
        customer = make_customer(vat_id=DE_VAT_ID)
        invoice = make_issued(customer=customer, lines=[line(vat_category="AE", vat_rate=None)])
        assert "Steuerschuldnerschaft des Leistungsempfängers" in invoice.note
        assert invoice.tax_total == 0 and invoice.amount_due == Decimal("200.00")
        row = invoice.vat_breakdown.get()
        assert (row.vat_category, row.exemption_code) == ("AE", "VATEX-EU-AE")
        assert "Steuerschuldnerschaft" in row.exemption_reason

    def test_intra_community_supply_states_the_note_and_needs_the_deliver_to_country(self):
        customer = foreign_business()
        invoice = make_issued(customer=customer, deliver_to_country="AT", lines=[line(vat_category="K", vat_rate=None)])
        assert "innergemeinschaftliche Lieferung" in invoice.note
        assert invoice.vat_breakdown.get().exemption_code == "VATEX-EU-IC"
        assert invoice.buyer["vat_id"] == "ATU13585627"

    def test_intra_community_supply_without_the_deliver_to_country_is_refused(self):
        draft = make_draft(customer=foreign_business(), lines=[line(vat_category="K", vat_rate=None)])
        with pytest.raises(InvoiceIssueError) as excinfo:
            invoice_issue(invoice=draft, as_of=T0)
        assert list(errors_of(excinfo)) == ["deliver_to_country"]
        draft.refresh_from_db()
        assert draft.status == DocumentStatus.DRAFT and draft.number is None

    @pytest.mark.parametrize("category", ["AE", "K"])
    def test_reverse_charge_and_intra_community_need_the_buyer_vat_id(self, category):
        draft = make_draft(deliver_to_country="AT", lines=[line(vat_category=category, vat_rate=None)])
        with pytest.raises(InvoiceIssueError) as excinfo:
            invoice_issue(invoice=draft, as_of=T0)
        assert "buyer's VAT ID" in errors_of(excinfo)["lines"][0]

    def test_reverse_charge_needs_our_own_vat_id_not_just_the_tax_number(self):
        make_company_profile(vat_id="")
        draft = make_draft(customer=make_customer(vat_id=DE_VAT_ID), lines=[line(vat_category="AE", vat_rate=None)])
        with pytest.raises(InvoiceIssueError) as excinfo:
            invoice_issue(invoice=draft, as_of=T0)
        assert "§ 14a" in errors_of(excinfo)["seller"][0]

    def test_not_subject_to_vat_cannot_be_mixed_with_other_categories(self):
        with pytest.raises(ValidationError) as excinfo:
            make_draft(lines=[line(), line(vat_category="O", vat_rate=None)])
        assert "BR-O-12" in errors_of(excinfo)["lines.0.vat_category"][0]
        assert not Invoice.objects.exists()

    def test_not_subject_to_vat_alone_is_issued_with_its_note(self):
        invoice = make_issued(lines=[line(vat_category="O", vat_rate=None)])
        assert invoice.tax_total == 0 and "Nicht im Inland steuerbar" in invoice.note
        assert invoice.vat_breakdown.get().vat_rate is None

    def test_an_exempt_line_carries_its_reason_into_the_breakdown(self):
        invoice = make_issued(lines=[line(), line(**E_LINE)])
        exempt = invoice.vat_breakdown.get(vat_category="E")
        assert exempt.exemption_reason == "Steuerfrei nach § 4 Nr. 14 UStG"

    def test_without_a_service_date_the_invoice_date_is_stated_as_the_supply_date(self):
        """§ 14 (4) Nr. 6 UStG: the supply date is stated even when it is the invoice date (UStAE 14.5 (16))."""
        draft = make_draft(service_date=None)
        invoice = invoice_issue(invoice=draft, as_of=T0)
        assert invoice.service_date == invoice.invoice_date == D0
        assert invoice.events.get(kind="issued").data["service_date_defaulted"] is True

    def test_a_service_period_is_kept_as_given(self):
        invoice = make_issued(
            service_date=None, service_period_start=date(2026, 10, 1), service_period_end=date(2026, 10, 31)
        )
        assert invoice.service_date is None
        assert (invoice.service_period_start, invoice.service_period_end) == (date(2026, 10, 1), date(2026, 10, 31))

    def test_a_half_open_service_period_is_refused(self):
        draft = make_draft(service_date=None, service_period_start=date(2026, 10, 1))
        with pytest.raises(InvoiceIssueError) as excinfo:
            invoice_issue(invoice=draft, as_of=T0)
        assert list(errors_of(excinfo)) == ["service_period_end"]

    def test_an_invoice_dated_before_the_last_issued_one_is_refused(self):
        make_issued(invoice_date=D0)
        draft = make_draft(invoice_date=D0 - timedelta(days=1))
        with pytest.raises(InvoiceIssueError) as excinfo:
            invoice_issue(invoice=draft, as_of=T0)
        assert "numbers must follow dates" in errors_of(excinfo)["invoice_date"][0]
        assert make_issued(invoice_date=D0).number == "RE-2026-000002"  # the refused one left no gap

    def test_an_invoice_dated_in_the_future_is_refused(self):
        draft = make_draft(invoice_date=D0 + timedelta(days=1))
        with pytest.raises(InvoiceIssueError) as excinfo:
            invoice_issue(invoice=draft, as_of=T0)
        assert "future" in errors_of(excinfo)["invoice_date"][0]

    def test_an_invoice_needs_the_company_profile(self):
        CompanyProfile.objects.filter(pk=1).delete()
        with pytest.raises(InvoiceIssueError) as excinfo:
            invoice_issue(invoice=make_draft(), as_of=T0)
        assert list(errors_of(excinfo)) == ["seller"]

    def test_an_incomplete_company_profile_is_named(self):
        make_company_profile(postal_code="", vat_id="", tax_number="")
        with pytest.raises(InvoiceIssueError) as excinfo:
            invoice_issue(invoice=make_draft(), as_of=T0)
        assert "postal code" in errors_of(excinfo)["seller"][0] and "tax number" in errors_of(excinfo)["seller"][0]

    def test_a_rate_no_longer_valid_on_the_supply_date_is_refused_at_issue(self):
        from invoicing.models import VatRate

        draft = make_draft(lines=[line(vat_rate="7")])
        VatRate.objects.filter(category="S", rate=Decimal("7")).update(valid_to=date(2026, 6, 30))
        with pytest.raises(InvoiceIssueError) as excinfo:
            invoice_issue(invoice=draft, as_of=T0)
        assert "lines.0.vat_rate" in errors_of(excinfo)

    def test_a_negative_invoice_is_refused(self):
        draft = make_draft(lines=[line(quantity="-2")])
        with pytest.raises(InvoiceIssueError) as excinfo:
            invoice_issue(invoice=draft, as_of=T0)
        assert "credit note" in errors_of(excinfo)["lines"][0]

    def test_a_fully_prepaid_invoice_is_settled_at_issue(self):
        invoice = make_issued(prepaid_amount="238.00")
        assert invoice.amount_due == invoice.open_amount == 0
        assert invoice.settlement_state == SettlementState.PAID


class TestReviewAndCreditLimit:
    @pytest.fixture
    def reviewed_customer(self):
        customer = make_customer()
        Customer.objects.filter(pk=customer.pk).update(verification_status="needs_review")
        return customer

    def test_a_customer_in_review_is_refused_without_an_override(self, reviewed_customer, manager):
        draft = make_draft(customer=reviewed_customer)
        with pytest.raises(InvoiceIssueError) as excinfo:
            invoice_issue(invoice=draft, as_of=T0, by=manager)
        assert "needs review" in errors_of(excinfo)["review_override_reason"][0]

    def test_an_accountant_cannot_override_the_review_even_with_a_reason(self, reviewed_customer, accountant):
        draft = make_draft(customer=reviewed_customer)
        with pytest.raises(InvoiceIssueError) as excinfo:
            invoice_issue(invoice=draft, as_of=T0, by=accountant, review_override_reason="Kunde bekannt")
        assert "Only a finance manager" in errors_of(excinfo)["review_override_reason"][0]

    def test_a_finance_manager_overrides_with_a_reason_that_is_recorded(self, reviewed_customer, manager):
        draft = make_draft(customer=reviewed_customer)
        invoice = invoice_issue(
            invoice=draft, as_of=T0, by=manager, review_override_reason=" Adresse telefonisch bestätigt "
        )
        assert invoice.review_override_reason == "Adresse telefonisch bestätigt"
        event = invoice.events.get(kind=InvoiceEvent.Kind.REVIEW_OVERRIDDEN)
        assert (event.by, event.reason) == (manager, "Adresse telefonisch bestätigt")
        assert kinds(invoice) == ["created", "review_overridden", "issued"]

    def test_exceeding_the_credit_limit_needs_a_confirmation_that_is_recorded(self, accountant):
        customer = make_customer(credit_limit="300.00")
        make_issued(customer=customer)  # 238.00 open
        draft = make_draft(customer=customer)
        with pytest.raises(InvoiceIssueError) as excinfo:
            invoice_issue(invoice=draft, as_of=T0, by=accountant)
        assert "476.00" in errors_of(excinfo)["credit_limit_confirmation"][0]
        invoice = invoice_issue(invoice=draft, as_of=T0, by=accountant, credit_limit_confirmation="Zahlung avisiert")
        assert invoice.credit_limit_confirmation == "Zahlung avisiert"
        event = invoice.events.get(kind=InvoiceEvent.Kind.CREDIT_LIMIT_CONFIRMED)
        assert (event.reason, event.data["exposure"], event.by) == ("Zahlung avisiert", "476.00", accountant)

    def test_within_the_credit_limit_no_confirmation_is_asked(self):
        customer = make_customer(credit_limit="476.00")
        make_issued(customer=customer)
        invoice = make_issued(customer=customer)
        assert invoice.credit_limit_confirmation == ""


class TestForeignCurrency:
    def test_a_foreign_currency_invoice_needs_the_monthly_rate_of_the_supply_month(self):
        ExchangeRate.objects.create(currency="USD", kind="monthly", date=date(2026, 10, 1), units_per_eur="1.1")
        draft = make_draft(currency="USD", service_date=date(2026, 11, 3))
        with pytest.raises(InvoiceIssueError) as excinfo:
            invoice_issue(invoice=draft, as_of=T0)
        assert "BMF monthly average for 11/2026" in errors_of(excinfo)["currency"][0]

    def test_the_vat_is_stated_in_eur_with_the_rate_used(self):
        ExchangeRate.objects.create(currency="USD", kind="monthly", date=date(2026, 11, 1), units_per_eur="1.0856")
        ExchangeRate.objects.create(currency="USD", kind="daily", date=date(2026, 11, 3), units_per_eur="1.2")
        invoice = make_issued(currency="USD", service_date=date(2026, 11, 3))
        assert invoice.tax_total == Decimal("38.00")
        assert invoice.tax_total_eur == Decimal("35.00")  # 38.00 / 1.0856 = 35.0037
        assert (invoice.exchange_rate, invoice.exchange_rate_kind) == (Decimal("1.0856"), "monthly")
        assert invoice.exchange_rate_date == date(2026, 11, 1)

    def test_with_the_tax_offices_permission_the_daily_rate_is_used(self):
        make_company_profile(uses_daily_exchange_rates=True)
        ExchangeRate.objects.create(currency="USD", kind="monthly", date=date(2026, 11, 1), units_per_eur="1.0856")
        ExchangeRate.objects.create(currency="USD", kind="daily", date=date(2026, 11, 2), units_per_eur="1.25")
        ExchangeRate.objects.create(currency="USD", kind="daily", date=date(2026, 11, 4), units_per_eur="1.5")
        invoice = make_issued(currency="USD", service_date=date(2026, 11, 3))  # a day without its own rate
        assert (invoice.exchange_rate, invoice.exchange_rate_kind) == (Decimal("1.25"), "daily")
        assert invoice.tax_total_eur == Decimal("30.40")

    def test_the_eur_vat_is_rounded_once_from_the_exact_quotient(self):
        # 0.03 / 1.2 = 0.025 exactly: half up gives 0.03 (multiplying by a rounded 1/1.2 gave 0.02).
        ExchangeRate.objects.create(currency="USD", kind="monthly", date=date(2026, 11, 1), units_per_eur="1.2")
        invoice = make_issued(currency="USD", lines=[line(quantity="1", unit_price="0.16")])
        assert invoice.tax_total == Decimal("0.03")
        assert invoice.tax_total_eur == Decimal("0.03")

    def test_eur_invoices_state_no_conversion(self):
        invoice = make_issued()
        assert invoice.tax_total_eur is None and invoice.exchange_rate is None


# --- Credit notes --------------------------------------------------------------------------------------


class TestCreditNotes:
    def test_a_full_credit_note_cancels_the_invoice(self, accountant):
        invoice = make_issued(
            lines=[line(), line(vat_rate="7")],
            allowances=[{"reason": "Rabatt", "amount": "10.00", "vat_category": "S", "vat_rate": "19"}],
        )
        credit_note = credit_note_create(invoice=invoice, as_of=T0, by=accountant, issue=True)
        assert credit_note.number == "GS-2026-000001"
        assert credit_note.document_type == DocumentType.CREDIT_NOTE
        assert credit_note.corrected_invoice == invoice
        assert credit_note.tax_inclusive_total == invoice.tax_inclusive_total
        assert credit_note.allowances_charges.count() == 1
        assert credit_note.open_amount == 0 and credit_note.due_date is None
        assert credit_note.note.startswith(f"Rechnungskorrektur zu Rechnung {invoice.number} vom 27.11.2026")
        invoice.refresh_from_db()
        assert invoice.status == DocumentStatus.CANCELLED and invoice.cancelled_at == T0
        assert (invoice.open_amount, invoice.credited_amount) == (0, invoice.tax_inclusive_total)
        assert kinds(invoice) == ["created", "issued", "credited", "settlement_changed", "cancelled"]
        cancelled = invoice.events.get(kind="cancelled")
        assert (cancelled.from_state, cancelled.to_state, cancelled.by) == ("issued", "cancelled", accountant)
        assert credit_note.number in cancelled.reason

    def test_credit_notes_have_their_own_number_series(self):
        first = make_issued()
        second = make_issued()
        assert credit_note_create(invoice=first, as_of=T0, issue=True).number == "GS-2026-000001"
        assert credit_note_create(invoice=second, as_of=T0, issue=True).number == "GS-2026-000002"
        assert make_issued().number == "RE-2026-000003"

    def test_a_partial_credit_note_reduces_the_open_amount(self):
        invoice = make_issued()  # 238.00
        credit_note = credit_note_create(
            invoice=invoice, as_of=T0, lines=[line(quantity="1")], reason="Stunde nicht erbracht", issue=True
        )
        assert credit_note.amount_due == Decimal("119.00")
        assert credit_note.note.endswith(": Stunde nicht erbracht")
        invoice.refresh_from_db()
        assert invoice.status == DocumentStatus.ISSUED
        assert (invoice.open_amount, invoice.credited_amount) == (Decimal("119.00"), Decimal("119.00"))
        assert invoice.settlement_state == SettlementState.OPEN

    def test_partial_credit_notes_that_add_up_to_the_invoice_cancel_it(self):
        invoice = make_issued()
        credit_note_create(invoice=invoice, as_of=T0, lines=[line(quantity="1")], issue=True)
        credit_note_create(invoice=invoice, as_of=T0, lines=[line(quantity="1")], issue=True)
        invoice.refresh_from_db()
        assert invoice.status == DocumentStatus.CANCELLED and invoice.open_amount == 0

    def test_a_credit_beyond_the_open_amount_leaves_the_overflow_open_on_the_credit_note(self):
        invoice = make_issued()  # 238.00
        simulate_payment(invoice, "100.00")
        assert invoice.settlement_state == SettlementState.PARTIALLY_PAID
        credit_note = credit_note_create(invoice=invoice, as_of=T0, issue=True)  # full: 238.00
        assert credit_note.open_amount == Decimal("100.00")  # the customer's balance
        assert credit_note.settlement_state == SettlementState.OPEN
        invoice.refresh_from_db()
        assert (invoice.open_amount, invoice.settlement_state) == (0, SettlementState.PAID)
        assert invoice.status == DocumentStatus.CANCELLED
        credited = invoice.events.get(kind="credited")
        assert (credited.data["amount"], credited.data["applied"]) == ("238.00", "138.00")

    def test_a_partial_credit_after_a_partial_payment_keeps_the_invoice_partially_paid(self):
        invoice = make_issued()
        simulate_payment(invoice, "100.00")
        credit_note_create(invoice=invoice, as_of=T0, lines=[line(quantity="1")], issue=True)  # 119.00
        invoice.refresh_from_db()
        assert (invoice.open_amount, invoice.settlement_state) == (Decimal("19.00"), SettlementState.PARTIALLY_PAID)

    def test_crediting_more_than_remains_is_refused_and_nothing_is_saved(self):
        invoice = make_issued()
        credit_note_create(invoice=invoice, as_of=T0, lines=[line(quantity="1")], issue=True)  # 119 of 238
        with pytest.raises(ValidationError) as excinfo:
            credit_note_create(invoice=invoice, as_of=T0, lines=[line(quantity="1.01")], issue=True)
        assert "exceeds what is left to credit" in errors_of(excinfo)["lines"][0]
        with pytest.raises(ValidationError, match="credited partly"):
            credit_note_create(invoice=invoice, as_of=T0)
        assert Invoice.objects.filter(document_type=DocumentType.CREDIT_NOTE).count() == 1

    @pytest.mark.django_db(transaction=True)
    def test_a_refused_credit_note_saves_nothing_outside_any_transaction_too(self):
        """Autocommit, as in a management command: the refusal must roll its own draft back.

        (The flush that ends a committing test TRUNCATEs, which the immutability row triggers do not see.)
        """
        invoice = make_issued()
        with pytest.raises(ValidationError, match="exceeds what is left"):
            credit_note_create(invoice=invoice, as_of=T0, lines=[line(quantity="3")])
        assert not Invoice.objects.filter(document_type=DocumentType.CREDIT_NOTE).exists()
        assert not InvoiceLine.objects.exclude(invoice=invoice).exists()

    def test_two_drafts_crediting_the_same_amount_cannot_both_be_issued(self):
        invoice = make_issued()
        first = credit_note_create(invoice=invoice, as_of=T0)
        second = credit_note_create(invoice=invoice, as_of=T0)
        invoice_issue(invoice=first, as_of=T0)
        with pytest.raises(InvoiceIssueError) as excinfo:
            invoice_issue(invoice=second, as_of=T0)
        assert "corrected_invoice" in errors_of(excinfo)  # cancelled meanwhile
        assert "exceeds what is left" in errors_of(excinfo)["lines"][0]

    def test_a_credit_note_draft_cannot_be_edited_into_another_currency(self):
        invoice = make_issued()
        draft = credit_note_create(invoice=invoice, as_of=T0)
        ExchangeRate.objects.create(currency="USD", kind="monthly", date=date(2026, 11, 1), units_per_eur="1.1")
        invoice_draft_update(invoice=draft, as_of=T0, data={"currency": "USD"})
        with pytest.raises(InvoiceIssueError) as excinfo:
            invoice_issue(invoice=draft, as_of=T0)
        assert "currency of its invoice" in errors_of(excinfo)["currency"][0]

    def test_drafts_and_credit_notes_cannot_be_credited(self):
        with pytest.raises(ValidationError, match="Only issued invoices"):
            credit_note_create(invoice=make_draft(), as_of=T0)
        credit_note = credit_note_create(invoice=make_issued(), as_of=T0, lines=[line(quantity="1")], issue=True)
        with pytest.raises(ValidationError, match="Only issued invoices"):
            credit_note_create(invoice=credit_note, as_of=T0)

    def test_a_foreign_currency_credit_note_converts_with_the_rate_of_its_invoice(self):
        ExchangeRate.objects.create(currency="USD", kind="monthly", date=date(2026, 11, 1), units_per_eur="1.0856")
        invoice = make_issued(currency="USD")
        ExchangeRate.objects.filter(currency="USD").delete()
        credit_note = credit_note_create(invoice=invoice, as_of=T0, issue=True)
        assert (credit_note.exchange_rate, credit_note.tax_total_eur) == (invoice.exchange_rate, invoice.tax_total_eur)

    def test_a_credit_note_of_a_reverse_charge_invoice_repeats_the_note(self):
        invoice = make_issued(customer=make_customer(vat_id=DE_VAT_ID), lines=[line(vat_category="AE", vat_rate=None)])
        credit_note = credit_note_create(invoice=invoice, as_of=T0, issue=True)
        assert "Steuerschuldnerschaft des Leistungsempfängers" in credit_note.note


# --- Due date changes ----------------------------------------------------------------------------------


class TestChangeDueDate:
    def test_the_change_is_recorded_with_old_and_new_date_and_a_notice_queued_for_sending(self, accountant):
        invoice = make_issued()
        new = invoice.due_date + timedelta(days=30)
        changed = invoice_change_due_date(
            invoice=invoice, new_due_date=new, reason="Ratenzahlung vereinbart", as_of=T0, by=accountant
        )
        assert changed.due_date == new
        event = changed.events.get(kind=InvoiceEvent.Kind.DUE_DATE_CHANGED)
        assert (event.from_state, event.to_state) == (invoice.due_date.isoformat(), new.isoformat())
        assert (event.reason, event.by) == ("Ratenzahlung vereinbart", accountant)
        notice = CustomerNotice.objects.get(invoice=invoice)
        assert notice.status == CustomerNotice.Status.SENT and notice.kind == "due_date_changed"
        assert notice.data["outbox_message_id"]
        assert notice.data["new_due_date"] == new.isoformat()

    def test_the_notice_is_written_in_the_same_transaction_as_the_change(self, monkeypatch):
        invoice = make_issued()
        old = invoice.due_date

        def broken(**kwargs):
            raise RuntimeError("disk full")

        monkeypatch.setattr(CustomerNotice.objects, "create", broken)
        with pytest.raises(RuntimeError):
            invoice_change_due_date(invoice=invoice, new_due_date=old + timedelta(days=5), reason="x", as_of=T0)
        invoice.refresh_from_db()
        assert invoice.due_date == old
        assert not invoice.events.filter(kind="due_date_changed").exists()

    def test_a_reason_is_required(self):
        invoice = make_issued()
        with pytest.raises(ValidationError) as excinfo:
            invoice_change_due_date(invoice=invoice, new_due_date=D0 + timedelta(days=60), reason=" ", as_of=T0)
        assert list(errors_of(excinfo)) == ["reason"]

    def test_drafts_have_no_due_date_to_change(self):
        with pytest.raises(ValidationError) as excinfo:
            invoice_change_due_date(invoice=make_draft(), new_due_date=D0, reason="x", as_of=T0)
        assert "Only issued invoices" in errors_of(excinfo)["invoice"][0]
        assert not CustomerNotice.objects.exists()

    def test_a_due_date_before_the_invoice_date_or_unchanged_is_refused(self):
        invoice = make_issued()
        with pytest.raises(ValidationError, match="before the invoice date"):
            invoice_change_due_date(invoice=invoice, new_due_date=D0 - timedelta(days=1), reason="x", as_of=T0)
        with pytest.raises(ValidationError, match="already due"):
            invoice_change_due_date(invoice=invoice, new_due_date=invoice.due_date, reason="x", as_of=T0)

    def test_settled_or_cancelled_invoices_keep_their_due_date(self):
        paid = make_issued()
        simulate_payment(paid, "238.00")
        with pytest.raises(ValidationError, match="settled"):
            invoice_change_due_date(invoice=paid, new_due_date=D0 + timedelta(days=90), reason="x", as_of=T0)
        cancelled = make_issued()
        credit_note_create(invoice=cancelled, as_of=T0, issue=True)
        with pytest.raises(ValidationError, match="cancelled"):
            invoice_change_due_date(invoice=cancelled, new_due_date=D0 + timedelta(days=90), reason="x", as_of=T0)


# --- Random documents ----------------------------------------------------------------------------------

LINES = st.lists(
    st.fixed_dictionaries(
        {
            "quantity": st.decimals(min_value=Decimal("0.001"), max_value=Decimal("500"), places=3),
            "unit_price": st.decimals(min_value=Decimal("0"), max_value=Decimal("2000"), places=4),
            "tax": st.sampled_from([("S", "19"), ("S", "7"), ("Z", "0"), ("E", "0")]),
            "allowance_percent": st.none() | st.decimals(min_value=0, max_value=50, places=2),
        }
    ),
    min_size=1,
    max_size=6,
)


def _line_input(row: dict) -> dict:
    category, rate = row["tax"]
    data = line(
        quantity=str(row["quantity"]),
        unit_price=str(row["unit_price"]),
        vat_category=category,
        vat_rate=rate,
        allowance_percent=None if row["allowance_percent"] is None else str(row["allowance_percent"]),
    )
    if category == "E":
        data["exemption_reason"] = "Steuerfrei nach § 4 Nr. 14 UStG"
    return data


@st.composite
def documents(draw):
    lines = [_line_input(row) for row in draw(LINES)]
    taxes = sorted({(x["vat_category"], x["vat_rate"]) for x in lines})
    allowances = [
        {
            "is_charge": draw(st.booleans()),
            "reason": "Rabatt oder Fracht",
            "amount": str(draw(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("20"), places=2))),
            "vat_category": tax[0],
            "vat_rate": tax[1],
        }
        for tax in draw(st.lists(st.sampled_from(taxes), max_size=3))
    ]
    return lines, allowances


@hypothesis_settings(
    max_examples=30,  # each example issues a document; the totals engine has its own deep property tests
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(document=documents())
def test_random_documents_issue_with_the_totals_engines_totals(document):
    lines, allowances = document
    customer = Customer.objects.first() or make_customer()
    draft = make_draft(customer=customer, lines=lines, allowances=allowances)
    assume(draft.tax_inclusive_total >= 0)
    invoice = invoice_issue(invoice=draft, as_of=T0)
    invoice.refresh_from_db()

    stored_lines = list(invoice.lines.order_by("position"))
    stored_allowances = list(invoice.allowances_charges.order_by("position"))
    expected = compute_totals(
        lines=[
            LineInput(
                quantity=x.quantity,
                unit_price=x.unit_price,
                vat_category=x.vat_category,
                vat_rate=x.vat_rate,
                price_base_quantity=x.price_base_quantity,
                allowance_percent=x.allowance_percent,
                allowance_amount=x.allowance_amount,
            )
            for x in stored_lines
        ],
        allowances_charges=[
            AllowanceChargeInput(
                is_charge=a.is_charge,
                vat_category=a.vat_category,
                vat_rate=a.vat_rate,
                amount=a.amount,
                reason=a.reason,
            )
            for a in stored_allowances
        ],
        currency="EUR",
    )
    # The stored inputs are the ones given (nothing rounded away by the columns).
    assert [x.quantity for x in stored_lines] == [Decimal(x["quantity"]) for x in lines]
    assert [x.net_amount for x in stored_lines] == [r.net_amount for r in expected.lines]
    for field in (
        "line_total",
        "allowance_total",
        "charge_total",
        "tax_exclusive_total",
        "tax_total",
        "tax_inclusive_total",
        "amount_due",
    ):
        assert getattr(invoice, field) == getattr(expected, field), field
    breakdown = list(invoice.vat_breakdown.all())
    assert sorted((b.vat_category, b.vat_rate, b.taxable_amount, b.tax_amount) for b in breakdown) == sorted(
        (r.vat_category, r.vat_rate, r.taxable_amount, r.tax_amount) for r in expected.breakdown
    )
    assert sum(b.taxable_amount for b in breakdown) == invoice.tax_exclusive_total
    assert sum(b.tax_amount for b in breakdown) == invoice.tax_total
    assert invoice.tax_exclusive_total + invoice.tax_total == invoice.tax_inclusive_total
    assert invoice.open_amount == invoice.amount_due
    assert all(b.exemption_reason for b in breakdown if b.vat_category == "E")
