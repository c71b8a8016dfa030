"""Fixtures of the sepa tests."""

import pytest

from invoicing.tests.factories import invoicing_setup  # noqa: F401  (fixture)

from .factories import sepa_profile


@pytest.fixture
def sepa_setup(invoicing_setup):  # noqa: F811
    """Rates, terms and a company profile with a creditor identifier."""
    return sepa_profile()
