"""Migration 0008 keeps what earlier imports stored as sentences (wrapped in ``bank.worded``, shown
unchanged in every language) and records each statement's line hashes for re-delivery checks."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from core.messages import message_text
from tests.support.migrations import migrate_to, migrate_to_latest

pytestmark = [pytest.mark.django_db(transaction=True)]
BEFORE = [("payments", "0007_bank_charges_label")]
AFTER = [("payments", "0009_statement_messages_only")]


def test_old_import_errors_and_warnings_are_kept_as_written_and_line_hashes_recorded():
    try:
        apps = migrate_to(BEFORE)
        Import = apps.get_model("payments", "BankStatementImport")
        Statement = apps.get_model("payments", "BankStatement")
        Line = apps.get_model("payments", "BankStatementLine")
        now = datetime(2026, 3, 4, tzinfo=UTC)
        failed = Import.objects.create(
            file="f", sha256="a" * 64, size=1, filename="f", created_at=now, error="Datei unlesbar."
        )
        done = Import.objects.create(file="g", sha256="b" * 64, size=1, filename="g", created_at=now)
        statement = Statement.objects.create(
            statement_import=done,
            account_iban="DE02120300000000202051",
            statement_id="S1",
            kind="statement",
            format="camt.053.001.02",
            currency="EUR",
            balance_warning="Saldo passt nicht.\nZweite Warnung.",
        )
        for position, content_hash in enumerate(["h2", "h1"]):
            Line.objects.create(
                statement=statement,
                position=position,
                content_hash=content_hash,
                amount=Decimal("1.00"),
                currency="EUR",
                credit=True,
            )

        apps = migrate_to(AFTER)
        Import = apps.get_model("payments", "BankStatementImport")
        Statement = apps.get_model("payments", "BankStatement")

        error = Import.objects.get(pk=failed.pk).error_message
        migrated = Statement.objects.get(pk=statement.pk)
        assert error == {"code": "bank.worded", "params": {"text": "Datei unlesbar."}}
        assert message_text(error) == "Datei unlesbar."
        assert [message_text(item) for item in migrated.warnings] == ["Saldo passt nicht.", "Zweite Warnung."]
        assert migrated.line_hashes == ["h2", "h1"] and migrated.standing == "active"
        assert Import.objects.get(pk=done.pk).error_message is None
    finally:
        migrate_to_latest()
