"""Problem details are worded as a whole in the request's language: title, detail and every
field message, German for ``Accept-Language: de`` and English for ``en`` (issue 13)."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from core.api.problems import PROBLEM_CONTENT_TYPE
from core.services import api_key_create
from invoicing.tests.factories import invoicing_setup  # noqa: F401
from payments.tests.factories import make_payment
from payments.tests.test_bank_review import LINES, to_review
from tests.conftest import client_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("invoicing_setup")]

PING = "/api/v1/platform/jobs/ping/"

# English words of the problem texts that must not reach a German reader.
ENGLISH = ("more)", "Invalid input", "Conflict", "request", "API key", "characters", "unexpected", "already")


def problem_in(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    return json.loads(response.content)


def texts(body: dict) -> list[str]:
    return [body["title"], body["detail"], *(error["message"] for error in body.get("errors", []))]


def assert_german(body: dict) -> None:
    for text in texts(body):
        assert not any(word in text for word in ENGLISH), (text, body)


def keyed_client(manager, language: str) -> APIClient:
    _, plaintext = api_key_create(name=f"erp {language}", scopes=["customers:write"], created_by=manager)
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {plaintext}")
    return client


def test_a_stale_suggestion_is_a_conflict_worded_in_german_or_english(accountant):
    line, invoice = to_review()
    stale = line.matches.get()
    make_payment(customer=invoice.customer, amount="50.00", remittance=invoice.number, allocate=True)
    client = client_for(accountant)

    german = problem_in(client.post(f"{LINES}{line.pk}/accept/", {"match": stale.pk}, HTTP_ACCEPT_LANGUAGE="de"), 409)

    assert german["title"] == "Konflikt"
    assert_german(german)


def test_the_same_stale_suggestion_in_english(accountant):
    line, invoice = to_review()
    stale = line.matches.get()
    make_payment(customer=invoice.customer, amount="50.00", remittance=invoice.number, allocate=True)

    english = problem_in(
        client_for(accountant).post(f"{LINES}{line.pk}/accept/", {"match": stale.pk}, HTTP_ACCEPT_LANGUAGE="en"), 409
    )

    assert english["title"] == "Conflict"
    assert "ü" not in english["detail"] and "ä" not in english["detail"]


def test_a_validation_error_with_several_fields_is_german_throughout(manager):
    body = problem_in(keyed_client(manager, "de").post("/api/v1/customers/", {}, format="json"), 400)

    assert body["title"] == "Ungültige Eingabe"
    assert len(body["errors"]) > 1  # the detail summarises the first and counts the others
    assert "weitere" in body["detail"]
    assert_german(body)


def test_a_validation_error_with_several_fields_is_english_throughout(manager):
    body = problem_in(keyed_client(manager, "en").post("/api/v1/customers/", {}, format="json"), 400)

    assert body["title"] == "Invalid input"
    assert body["detail"].endswith(f"(and {len(body['errors']) - 1} more)")
    assert "This field is required." in [error["message"] for error in body["errors"]]


def test_an_unknown_api_key_is_refused_in_the_readers_language():
    def refused(language: str) -> dict:
        client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
        client.credentials(HTTP_AUTHORIZATION="Api-Key abcdefgh.not-a-key")
        return problem_in(client.get("/api/v1/customers/"), 401)

    german, english = refused("de"), refused("en")

    assert german["title"] == "Nicht angemeldet"
    assert_german(german)
    assert (english["title"], english["detail"]) == ("Not authenticated", "The API key is unknown or revoked.")


def test_idempotency_key_problems_are_worded_in_the_readers_language(manager):
    client = client_for(manager)
    too_long = problem_in(client.post(PING, HTTP_IDEMPOTENCY_KEY="k" * 256, HTTP_ACCEPT_LANGUAGE="de"), 400)
    assert_german(too_long)

    client.post(PING, '{"note": "first"}', content_type="application/json", HTTP_IDEMPOTENCY_KEY="same")
    other = problem_in(
        client.post(
            PING,
            '{"note": "second"}',
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY="same",
            HTTP_ACCEPT_LANGUAGE="de",
        ),
        422,
    )
    assert other["title"] == "Nicht verarbeitbarer Inhalt"
    assert "'same'" in other["detail"]
    assert_german(other)


def test_a_refused_upload_is_german_throughout(accountant, settings):
    settings.DEBITOR_STATEMENT_MAX_BYTES = 5
    body = problem_in(
        client_for(accountant).post(
            "/api/v1/bank-imports/", {"file": SimpleUploadedFile("a.xml", b"0123456789")}, HTTP_ACCEPT_LANGUAGE="de"
        ),
        400,
    )
    assert body["title"] == "Ungültige Eingabe"
    assert_german(body)


def both_languages(send) -> tuple[dict, dict]:
    """The same request answered for a German and an English reader."""
    return send("de"), send("en")


def assert_worded_as_a_whole(german: dict, english: dict) -> None:
    """Title and detail both follow the reader's language: none of it stays in the other one."""
    assert german["status"] == english["status"]
    assert german["title"] != english["title"], (german, english)
    assert german["detail"] != english["detail"], (german, english)
    assert_german(german)
    for text in (english["title"], english["detail"]):
        assert not any(letter in text for letter in "äöüß"), english


@pytest.mark.parametrize(
    ("method", "path", "status", "extra"),
    [
        ("get", "/api/v1/no-such-area/", 404, {}),
        ("get", "/api/v1/customers/999999/", 404, {}),
        ("get", "/api/v1/customers/?page=999", 404, {}),
        ("delete", "/api/v1/me/", 405, {}),
        ("get", "/api/v1/customers/", 406, {"HTTP_ACCEPT": "text/csv"}),
        ("post", "/api/v1/customers/", 415, {"data": "x", "content_type": "text/plain"}),
        ("get", "/api/v1/customers/?page_size=zero", 400, {}),
    ],
)
def test_framework_problems_are_worded_as_a_whole_in_the_readers_language(manager, method, path, status, extra):
    def send(language: str) -> dict:
        client = client_for(manager)
        return problem_in(getattr(client, method)(path, HTTP_ACCEPT_LANGUAGE=language, **extra), status)

    assert_worded_as_a_whole(*both_languages(send))


def test_an_unauthenticated_request_is_refused_in_the_readers_language():
    def send(language: str) -> dict:
        return problem_in(APIClient().get("/api/v1/customers/", HTTP_ACCEPT_LANGUAGE=language), 401)

    assert_worded_as_a_whole(*both_languages(send))


def test_a_role_that_may_not_write_is_refused_in_the_readers_language(viewer):
    def send(language: str) -> dict:
        return problem_in(client_for(viewer).post("/api/v1/customers/", {}, HTTP_ACCEPT_LANGUAGE=language), 403)

    german, english = both_languages(send)

    assert_worded_as_a_whole(german, english)
    assert "Buchhaltung" in german["detail"] and "accountant" in english["detail"]


def test_an_unexpected_error_is_worded_in_the_readers_language(manager, monkeypatch):
    from core.api import views as core_views

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(core_views.MeView, "get", broken)

    def send(language: str) -> dict:
        client = client_for(manager)
        client.raise_request_exception = False
        return problem_in(client.get("/api/v1/me/", HTTP_ACCEPT_LANGUAGE=language), 500)

    assert_worded_as_a_whole(*both_languages(send))


def test_an_api_key_without_the_scope_is_refused_in_the_readers_language(manager):
    def send(language: str) -> dict:
        _, plaintext = api_key_create(name=f"reader {language}", scopes=["customers:read"], created_by=manager)
        client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {plaintext}")
        return problem_in(client.post("/api/v1/customers/", {}, format="json"), 403)

    german, english = both_languages(send)

    assert_worded_as_a_whole(german, english)
    assert "customers:write" in german["detail"] and "customers:write" in english["detail"]
