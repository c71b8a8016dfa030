"""Filters of the bank statement API's lists."""

from __future__ import annotations

from django_filters import rest_framework as filters

from core.api.filters import ApiFilterSet

from ...models import BankStatement, BankStatementImport, BankStatementLine


class BankImportFilter(ApiFilterSet):
    class Meta:
        model = BankStatementImport
        fields = {"status": ["exact"]}


class BankStatementFilter(ApiFilterSet):
    class Meta:
        model = BankStatement
        fields = {
            "account_iban": ["exact"],
            "kind": ["exact"],
            "standing": ["exact"],
            "statement_import": ["exact"],
            "to_date": ["gte", "lte"],
        }


class BankStatementLineFilter(ApiFilterSet):
    superseded = filters.BooleanFilter(
        field_name="superseded_by", lookup_expr="isnull", exclude=True, help_text="true: only confirmed report lines."
    )
    withdrawn = filters.BooleanFilter(
        field_name="withdrawn_by",
        lookup_expr="isnull",
        exclude=True,
        help_text="true: only lines an accepted re-delivery of their statement withdrew.",
    )

    class Meta:
        model = BankStatementLine
        fields = {
            "statement": ["exact"],
            "credit": ["exact"],
            "match_status": ["exact", "in"],
            "kind": ["exact", "in"],
            "status": ["exact"],
            "booking_date": ["gte", "lte"],
        }
