"""Fixtures of the customers tests."""

import pytest
from django.utils import translation


@pytest.fixture
def english(settings):
    """English as the site language and the active one: for tests that pin the English wording.

    Messages follow the active language (German by default, settings.LANGUAGE_CODE); background
    jobs use the site language, requests without Accept-Language fall back to it.
    """
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
