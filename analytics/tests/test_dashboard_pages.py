"""The dashboard pages (analytics/dashboard): who may open them, the filters in the URL, the
figures on the book (book.py), exports, the live endpoint and the pages' query counts."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import translation

from invoicing.tests.factories import invoicing_setup  # noqa: F401
from tests.conftest import make_user

from .book import AS_OF, build_book

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("invoicing_setup")]

PAGES = ["/analytics/", "/analytics/aging/", "/analytics/trends/", "/analytics/forecast/", "/analytics/dunning/"]


def browser(user, language: str = "de") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


@pytest.mark.parametrize("url", PAGES)
def test_a_viewer_opens_every_dashboard_page(viewer, url):
    build_book()
    response = browser(viewer).get(url, {"as_of": AS_OF.isoformat()})
    assert response.status_code == 200, response.content[:2000]


@pytest.mark.parametrize("url", PAGES)
def test_every_page_reads_as_german_on_the_book(viewer, url):
    from tests.support.page_reading import page_text_problems, visible_text

    build_book()
    with translation.override("de"):
        html = browser(viewer).get(url, {"as_of": AS_OF.isoformat()}).content.decode()
    open(f"/tmp/dash{url.replace('/', '_')}.html", "w").write(html)
    assert page_text_problems(visible_text(html)) == []
