"""Data migration tests: move the test database to given migrations and back to the latest ones.

Tests using these need ``django_db(transaction=True)`` and must call ``migrate_to_latest()`` in a
``finally``, so the next test finds the schema it expects."""

from __future__ import annotations

from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def migrate_to(targets: list[tuple[str, str]]):
    """Apply or unapply migrations up to ``targets``; returns the historical apps at that state."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def migrate_to_latest() -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
