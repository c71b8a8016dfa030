"""The bank statement API's serializers: imports, statements, lines with their matches, and the
decisions' request bodies."""

from __future__ import annotations

from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.enums import NamedEnumModelSerializer
from customers.models import Customer
from invoicing.models import Invoice

from ...models import BankLineMatch, BankStatement, BankStatementEvent, BankStatementImport, BankStatementLine, Payment
from ..debits import return_reason_text
from ..importing import csv_presets
from ..importing.redelivery import change_text
from ..matching.wording import signal_text
from ..selectors import imports_matching_progress

MONEY = {"max_digits": 14, "decimal_places": 2}


class BankImportListSerializer(serializers.ListSerializer):
    """Counts the matching progress of a whole page of imports in one query."""

    def to_representation(self, data):
        imports = list(data.all() if hasattr(data, "all") else data)
        self.context["matching"] = imports_matching_progress([statement_import.pk for statement_import in imports])
        return super().to_representation(imports)


class MatchingProgressSerializer(serializers.Serializer):
    total = serializers.IntegerField(help_text="Booked lines (confirmed intraday lines not counted twice).")
    decided = serializers.IntegerField(help_text="Lines matched or ignored.")
    review = serializers.IntegerField(help_text="Lines waiting for a person in the review queue.")
    waiting = serializers.IntegerField(help_text="Lines matching has not looked at yet.")
    finished = serializers.BooleanField()
    percent = serializers.IntegerField(help_text="Share of lines matching has looked at, 0–100.")
    text = serializers.CharField()


class BankImportSerializer(NamedEnumModelSerializer):
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    error = serializers.CharField(
        read_only=True, help_text="Why the file was refused, in the language of the request (empty unless failed)."
    )
    error_location = serializers.CharField(
        source="error_location_text",
        read_only=True,
        help_text="Where in the file the refusal points (a line, or an element path), in the language of the request.",
    )
    matching = serializers.SerializerMethodField(help_text="How far matching got with the import's lines.")

    @extend_schema_field(MatchingProgressSerializer)
    def get_matching(self, obj) -> dict:
        progress = self.context.get("matching", {}).get(obj.pk)
        if progress is None:
            progress = imports_matching_progress([obj.pk])[obj.pk]
        return progress.as_json()

    class Meta:
        model = BankStatementImport
        fields = [
            "id",
            "filename",
            "size",
            "sha256",
            "format",
            "status",
            "progress",
            "error",
            "error_location",
            "statement_count",
            "new_statement_count",
            "line_count",
            "new_line_count",
            "duplicate_count",
            "confirmed_count",
            "redelivered_count",
            "held_count",
            "created_by",
            "created_at",
            "started_at",
            "finished_at",
            "matching",
        ]
        read_only_fields = fields
        list_serializer_class = BankImportListSerializer


class BankImportUploadedSerializer(BankImportSerializer):
    duplicate = serializers.SerializerMethodField(
        help_text="true: this file was uploaded before and this is its import (answered with 200, nothing new "
        "queued unless the earlier import had failed); false: a new import was queued (202)."
    )

    def get_duplicate(self, obj) -> bool:
        return bool(getattr(obj, "duplicate", False))

    class Meta(BankImportSerializer.Meta):
        fields = [*BankImportSerializer.Meta.fields, "duplicate"]
        read_only_fields = fields


class BankImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="The statement file: CAMT.053/052/054 XML, MT940 or CSV.")
    csv_mapping = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="CSV files only: the name of a column mapping preset.",
    )
    account_iban = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=42,
        help_text="CSV files only: the IBAN of the account (CSV exports do not name it).",
    )

    def validate_csv_mapping(self, value):
        if value and value not in csv_presets():
            raise serializers.ValidationError(f"Unknown CSV mapping {value!r}.")
        return value


class StatementChangeLineSerializer(serializers.Serializer):
    position = serializers.IntegerField(allow_null=True, help_text="Position of the line in its delivery (from 1).")
    amount = serializers.CharField()
    credit = serializers.BooleanField(allow_null=True)
    booking_date = serializers.CharField(allow_blank=True)
    value_date = serializers.CharField(allow_blank=True)
    account_servicer_reference = serializers.CharField(allow_blank=True)
    end_to_end_id = serializers.CharField(allow_blank=True)
    counterparty_name = serializers.CharField(allow_blank=True)
    counterparty_iban = serializers.CharField(allow_blank=True)
    remittance = serializers.CharField(allow_blank=True)


class StatementChangeSerializer(serializers.Serializer):
    change = serializers.ChoiceField(choices=["added", "removed", "changed"])
    old = StatementChangeLineSerializer(allow_null=True, help_text="The line as delivered before (removed, changed).")
    new = StatementChangeLineSerializer(allow_null=True, help_text="The line as delivered now (added, changed).")
    fields = serializers.ListField(child=serializers.CharField(), help_text="What changed (changed lines).")
    text = serializers.CharField(help_text="The change in words, in the language of the request.")


class BankStatementEventSerializer(NamedEnumModelSerializer):
    by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = BankStatementEvent
        fields = ["id", "kind", "from_standing", "to_standing", "at", "by", "actor", "reason"]
        read_only_fields = fields


class BankStatementSerializer(NamedEnumModelSerializer):
    balance_warning = serializers.CharField(
        read_only=True, help_text="The balance and intraday warnings, in the language of the request, one per line."
    )
    warnings = serializers.SerializerMethodField(help_text="Each warning, in the language of the request.")
    changes = serializers.SerializerMethodField(
        help_text="A re-delivery's lines added, removed and changed against the delivery it repeats."
    )
    events = BankStatementEventSerializer(
        many=True, read_only=True, help_text="Put on hold, accepted, rejected, replaced: when, by whom, why."
    )

    def get_warnings(self, obj) -> list[str]:
        from core.messages import message_text

        return [message_text(item) for item in obj.warnings]

    @extend_schema_field(StatementChangeSerializer(many=True))
    def get_changes(self, obj) -> list[dict]:
        return [{**change, "text": change_text(change, currency=obj.currency)} for change in obj.changes]

    class Meta:
        model = BankStatement
        fields = [
            "id",
            "statement_import",
            "account_iban",
            "statement_id",
            "kind",
            "format",
            "sequence",
            "created_at_bank",
            "from_date",
            "to_date",
            "currency",
            "opening_balance",
            "closing_balance",
            "balance_difference",
            "balance_warning",
            "warnings",
            "line_count",
            "standing",
            "redelivery_of",
            "changes",
            "events",
        ]
        read_only_fields = fields


class StatementDecisionSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, default="", help_text="Why (kept on the event)."
    )


class MatchSignalSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="The signal, e.g. number_exact, iban, amount_exact.")
    weight = serializers.IntegerField(help_text="Points it adds to the confidence (negative: a conflict).")
    text = serializers.CharField(help_text="Why, in the request's language.")


class BankLineMatchSerializer(NamedEnumModelSerializer):
    invoice_number = serializers.CharField(source="invoice.number", read_only=True, allow_null=True, default=None)
    explanation = serializers.CharField(
        source="explanation_text", read_only=True, help_text="Why, in the request's language."
    )
    signals = serializers.SerializerMethodField(help_text="What the confidence was computed from.")

    @extend_schema_field(MatchSignalSerializer(many=True))
    def get_signals(self, match) -> list[dict]:
        return [
            {"code": signal.get("code", ""), "weight": signal.get("weight", 0), "text": signal_text(signal)}
            for signal in match.signals or []
        ]

    class Meta:
        model = BankLineMatch
        fields = [
            "id",
            "rank",
            "confidence",
            "explanation",
            "signals",
            "customer",
            "invoice",
            "invoice_number",
            "amount",
            "decision",
            "decided_at",
            "payment",
        ]
        read_only_fields = fields


class BankStatementLineSerializer(NamedEnumModelSerializer):
    matches = BankLineMatchSerializer(
        many=True, read_only=True, help_text="The ranked suggestions and the decisions taken (rank 0: by hand)."
    )
    return_reason_text = serializers.SerializerMethodField(
        help_text="The return reason code with its meaning (ISO 20022), e.g. “MD06 – refund request by the payer”."
    )
    linked_payment = serializers.SerializerMethodField(
        help_text="The payment the line was recorded as (a credit) or returned (a return or reversal), if decided."
    )

    def get_return_reason_text(self, line) -> str:
        return return_reason_text(line.return_reason)

    def get_linked_payment(self, line) -> int | None:
        for match in line.matches.all():  # prefetched
            if match.decision == BankLineMatch.Decision.ACCEPTED and match.payment_id:
                return match.payment_id
        return None

    class Meta:
        model = BankStatementLine
        fields = [
            "id",
            "statement",
            "position",
            "amount",
            "currency",
            "credit",
            "booking_date",
            "value_date",
            "status",
            "reversal",
            "account_servicer_reference",
            "entry_reference",
            "batch_index",
            "batch_size",
            "end_to_end_id",
            "payment_info_id",
            "mandate_id",
            "creditor_id",
            "customer_reference",
            "structured_reference",
            "remittance",
            "counterparty_name",
            "counterparty_iban",
            "counterparty_bic",
            "bank_transaction_code",
            "kind",
            "return_reason",
            "return_reason_text",
            "charges",
            "additional_info",
            "match_status",
            "linked_payment",
            "superseded_by",
            "withdrawn_by",
            "matches",
        ]
        read_only_fields = fields


class LineAcceptAmountSerializer(serializers.Serializer):
    invoice = serializers.PrimaryKeyRelatedField(queryset=Invoice.objects.all())
    amount = serializers.DecimalField(**MONEY, min_value=Decimal("0.01"))


class LineAcceptSerializer(serializers.Serializer):
    match = serializers.PrimaryKeyRelatedField(
        queryset=BankLineMatch.objects.all(), help_text="The suggestion accepted (one of the line's matches)."
    )
    amounts = LineAcceptAmountSerializer(
        many=True,
        required=False,
        allow_null=True,
        default=None,
        help_text="Left out: as suggested. Otherwise how the line's money is split over the customer's invoices.",
    )

    def __init__(self, *args, line: BankStatementLine | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.line = line

    def validate_match(self, value):
        if self.line is not None and value.line_id != self.line.pk:
            raise serializers.ValidationError("This suggestion belongs to another statement line.")
        if self.line is not None and not self.line.credit:
            raise serializers.ValidationError(
                "Only credit lines are recorded as payments; link a return with link-return."
            )
        return value


class LineAssignSerializer(serializers.Serializer):
    customer = serializers.PrimaryKeyRelatedField(queryset=Customer.objects.all())


class LineIgnoreSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, help_text="Why the line is no customer's payment.")


class LineLinkReturnSerializer(serializers.Serializer):
    payment = serializers.PrimaryKeyRelatedField(
        queryset=Payment.objects.all(),
        help_text="The completed payment the return or reversal takes back (same currency; the line's amount, "
        "or the line's amount less its charges).",
    )
