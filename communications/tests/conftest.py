"""Fixtures of the communications tests: the customers tests' site-language fixture is shared."""

from customers.tests.conftest import english  # noqa: F401  (a fixture, used by name)
