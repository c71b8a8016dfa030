"""403, 404 and 500 pages: in the reader's language, with the admin navigation for staff and a
way back; a 403 is logged without a traceback (issue 16)."""

from __future__ import annotations

import logging

import pytest
from django.test import Client, RequestFactory
from django.utils import translation

from core.views import server_error

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_missing_admin_page_is_german_with_the_navigation_and_a_way_back(viewer):
    response = signed_in(viewer).get("/admin/no-such-page/", HTTP_REFERER="http://testserver/admin/")
    page = response.content.decode()

    assert response.status_code == 404
    assert "Seite nicht gefunden" in page and "Zur Startseite" in page
    assert 'href="http://testserver/admin/"' in page and "Zurück zur vorigen Seite" in page
    assert 'id="nav-sidebar"' in page and "Abmelden" in page  # the admin's navigation and user links


def test_a_missing_page_is_english_for_an_english_reader(viewer):
    response = signed_in(viewer).get("/admin/no-such-page/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_a_stranger_sees_the_page_without_navigation_and_no_foreign_back_link():
    response = Client().get("/no-such-page/", HTTP_REFERER="https://evil.example/")
    page = response.content.decode()

    assert response.status_code == 404
    assert "Seite nicht gefunden" in page
    assert "nav-sidebar" not in page and "evil.example" not in page


def test_a_refused_page_is_a_german_403_logged_without_a_traceback(viewer, caplog):
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = signed_in(viewer).get("/admin/invoicing/invoice/add/")
    page = response.content.decode()

    assert response.status_code == 403
    assert "Zugriff verweigert" in page and "Zur Startseite" in page and 'id="nav-sidebar"' in page
    refused = [r for r in caplog.records if r.name == "django.request" and getattr(r, "status_code", None) == 403]
    assert refused, caplog.records
    assert all(r.exc_info is None for r in refused)
    assert "Traceback" not in caplog.text


def test_the_server_error_page_keeps_the_navigation_for_staff_in_their_language(manager):
    request = RequestFactory().get("/admin/invoicing/invoice/")
    request.user = manager
    with translation.override("en"):
        english = server_error(request)
    with translation.override("de"):
        german = server_error(request)

    assert english.status_code == german.status_code == 500
    assert "Server error" in english.content.decode()
    assert "Serverfehler" in german.content.decode() and 'id="nav-sidebar"' in german.content.decode()


def test_the_server_error_page_falls_back_to_a_plain_page_when_it_cannot_draw_the_navigation(manager, monkeypatch):
    request = RequestFactory().get("/admin/")
    request.user = manager

    def broken(*args, **kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr("django.contrib.admin.sites.AdminSite.each_context", broken)
    with translation.override("de"):
        response = server_error(request)

    assert response.status_code == 500 and "Serverfehler" in response.content.decode()
