"""Fixtures shared by every test package (defined in tests/conftest.py)."""

from tests.conftest import (  # noqa: F401
    accountant,
    api_client,
    manager,
    require_redis,
    viewer,
)
