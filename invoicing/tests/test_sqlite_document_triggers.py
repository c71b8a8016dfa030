"""On the embedded SQLite database, stored originals stay unchangeable after every migration.

0010 adds ``render_version`` to the documents table; SQLite does that by rebuilding the table,
which drops its triggers (0007) with the old one, so 0014 installs them again. Migrating a fresh
file database in a child process checks the outcome the quick start gets.
"""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_a_fresh_sqlite_database_keeps_the_stored_documents_triggers(tmp_path):
    database = tmp_path / "db.sqlite3"
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "DEBITOR_REQUIRE_SERVICES")
    }
    env.update(DATABASE_URL=f"sqlite:///{database}", DJANGO_SETTINGS_MODULE="config.settings.local")
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "migrate", "--noinput", "invoicing"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]

    with sqlite3.connect(database) as connection:
        triggers = {
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'invoicing_invoicedocument'"
            )
        }
        assert triggers == {"invoicing_invoicedocument_no_update", "invoicing_invoicedocument_no_delete"}
        columns = {row[1] for row in connection.execute("PRAGMA table_info(invoicing_invoicedocument)")}
        assert "render_version" in columns
        connection.create_function("REGEXP", 2, lambda pattern, value: re.search(pattern, value) is not None)
        connection.execute(
            "INSERT INTO invoicing_invoicedocument (invoice_id, kind, file, filename, sha256, size, renderer, "
            "render_version, created_at) VALUES (1, 'pdf', 'f.pdf', 'f.pdf', ?, 1, 'r', 2, '2026-12-01 10:00:00')",
            ["0" * 64],
        )
        for statement in (
            "UPDATE invoicing_invoicedocument SET render_version = 3",
            "DELETE FROM invoicing_invoicedocument",
        ):
            with pytest.raises(sqlite3.IntegrityError, match="archived originals"):
                connection.execute(statement)
