"""Fixtures of the invoicing tests."""

import pytest
from django.utils import translation

# Test modules that pin the English wording of the services' messages (the site speaks German).
ENGLISH_MODULES = {"test_api", "test_documents", "test_documents_api", "test_recurring", "test_services"}


@pytest.fixture
def english(settings):
    """English as the site language and the active one: for tests that pin the English wording.

    Messages follow the active language (German by default, settings.LANGUAGE_CODE); background
    jobs use the site language, requests without Accept-Language fall back to it.
    """
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def english_where_pinned(request):
    """Applies ``english`` to the modules in ENGLISH_MODULES (their assertions quote English messages)."""
    if request.module.__name__.rsplit(".", 1)[-1] in ENGLISH_MODULES:
        request.getfixturevalue("english")
