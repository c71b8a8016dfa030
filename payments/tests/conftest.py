"""Fixtures of the payments tests."""

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def english_for_bank_parsers(request, settings):
    """The bank parser and import tests pin the English wording of their messages (the site
    speaks German; the German wording is checked by tests/test_translations.py)."""
    if request.module.__name__.rsplit(".", 1)[-1].startswith("test_bank_"):
        settings.LANGUAGE_CODE = "en"
        with translation.override("en"):
            yield
    else:
        yield
