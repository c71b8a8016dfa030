"""The VIES and BZSt adapters: the request each sends, and how each answer is mapped.

Only the outbound HTTP call is stubbed (``responses``), with real-shaped bodies from
fixtures/vat/. No database is needed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests
import responses
from django.utils import translation
from responses import matchers

from customers.vat_services import BZST_EVATR_URL, VIES_REST_URL, VatAnswer, bzst_check, vies_check

FIXTURES = Path(__file__).parent / "fixtures" / "vat"
VIES_URL = "https://vies.example.test/rest-api/check-vat-number"
BZST_URL = "https://evatr.example.test/app/v1/abfrage"
REQUESTER = "DE123456789"


@pytest.fixture(autouse=True)
def english():
    """The adapters' sentences are pinned in English here (they are worded in the active language)."""
    with translation.override("en"):
        yield


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


@pytest.fixture
def http(settings):
    """Stubbed HTTP with the service URLs pointed at test hosts; every stub must be called."""
    settings.VIES_REST_URL = VIES_URL
    settings.BZST_EVATR_URL = BZST_URL
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


def sent(http) -> dict:
    """The JSON body of the single request the adapter made."""
    assert len(http.calls) == 1
    request = http.calls[0].request
    assert request.method == "POST"
    assert request.headers["Accept"] == "application/json"
    assert request.headers["Content-Type"] == "application/json"
    return json.loads(request.body)


# --- VIES: the request --------------------------------------------------------------------
def test_vies_splits_prefix_and_number_and_sends_the_requester_for_a_consultation_number(http):
    http.post(
        VIES_URL,
        body=fixture("vies_valid.json"),
        match=[
            matchers.json_params_matcher(
                {
                    "countryCode": "AT",
                    "vatNumber": "U12345678",
                    "requesterMemberStateCode": "DE",
                    "requesterNumber": "123456789",
                }
            )
        ],
    )

    vies_check(vat_id="ATU12345678", requester_vat_id=REQUESTER, timeout=4.5)

    assert http.calls[0].request.req_kwargs["timeout"] == 4.5
    assert sent(http)["countryCode"] == "AT"


def test_vies_without_requester_sends_only_country_code_and_number(http):
    http.post(
        VIES_URL,
        body=fixture("vies_valid_without_details.json"),
        match=[matchers.json_params_matcher({"countryCode": "ES", "vatNumber": "B12345674"})],
    )

    answer = vies_check(vat_id="ESB12345674")

    assert sent(http) == {"countryCode": "ES", "vatNumber": "B12345674"}
    assert http.calls[0].request.req_kwargs["timeout"] == 10.0
    assert answer.request_identifier == ""
    assert answer.message == "VIES: ESB12345674 is valid (no consultation number, as no requester VAT ID was sent)."


def test_vies_uses_the_official_endpoint_when_no_setting_overrides_it(settings):
    del settings.VIES_REST_URL
    with responses.RequestsMock() as mock:
        mock.post(VIES_REST_URL, body=fixture("vies_valid.json"))
        vies_check(vat_id="ATU12345678")
    assert VIES_REST_URL == "https://ec.europa.eu/taxation_customs/vies/rest-api/check-vat-number"


def test_vies_sends_greece_as_el(http):
    http.post(
        VIES_URL,
        body=fixture("vies_valid_greece.json"),
        match=[
            matchers.json_params_matcher(
                {
                    "countryCode": "EL",
                    "vatNumber": "123456783",
                    "requesterMemberStateCode": "DE",
                    "requesterNumber": "123456789",
                }
            )
        ],
    )

    answer = vies_check(vat_id="EL123456783", requester_vat_id=REQUESTER)

    assert answer.result == "valid"
    assert answer.trader_name == "ΠΑΡΑΔΕΙΓΜΑ ΕΜΠΟΡΙΚΗ Α.Ε."


def test_vies_sends_northern_ireland_as_xi(http):
    http.post(
        VIES_URL,
        body=fixture("vies_valid_northern_ireland.json"),
        match=[matchers.json_params_matcher({"countryCode": "XI", "vatNumber": "123456782"})],
    )

    answer = vies_check(vat_id="XI123456782")

    assert answer.result == "valid"
    assert answer.trader_address == "1 HIGH STREET\nBELFAST\nBT1 1AA"


def test_vies_accepts_a_greek_requester(http):
    http.post(VIES_URL, body=fixture("vies_valid.json"))

    vies_check(vat_id="ATU12345678", requester_vat_id="EL123456783")

    assert sent(http)["requesterMemberStateCode"] == "EL"
    assert sent(http)["requesterNumber"] == "123456783"


@pytest.mark.parametrize("bad", ["", "AT", "atu12345678", "12345678", "AT U12345678", " ATU12345678"])
def test_vies_refuses_a_vat_id_that_is_not_compact_with_its_prefix(bad):
    with pytest.raises(ValueError, match="compact VAT ID"):
        vies_check(vat_id=bad)


# --- VIES: the answers --------------------------------------------------------------------
def test_vies_valid_answer_carries_name_address_date_and_consultation_number(http):
    http.post(VIES_URL, body=fixture("vies_valid.json"))

    answer = vies_check(vat_id="ATU12345678", requester_vat_id=REQUESTER)

    assert answer == VatAnswer(
        service="vies",
        result="valid",
        request_identifier="WAPIAAAAZk3qYbNx",
        answer_date="2026-03-02T09:15:27.412Z",
        trader_name="Muster Handels GmbH",
        trader_address="Musterstraße 1\n1010 Wien",
        matches={},
        message="VIES: ATU12345678 is valid (consultation number WAPIAAAAZk3qYbNx).",
        raw_response=fixture("vies_valid.json"),
    )


def test_vies_placeholders_of_a_state_that_shares_no_details_become_empty(http):
    http.post(VIES_URL, body=fixture("vies_valid_without_details.json"))

    answer = vies_check(vat_id="ESB12345674")

    assert answer.result == "valid"
    assert (answer.trader_name, answer.trader_address) == ("", "")
    assert answer.answer_date == "2026-03-02T09:16:03.118Z"


def test_vies_without_consultation_number_despite_a_requester_says_so(http):
    body = json.loads(fixture("vies_valid.json")) | {"requestIdentifier": ""}
    http.post(VIES_URL, json=body)

    answer = vies_check(vat_id="ATU12345678", requester_vat_id=REQUESTER)

    assert answer.message == "VIES: ATU12345678 is valid (VIES returned no consultation number)."


def test_vies_not_valid_is_invalid(http):
    http.post(VIES_URL, body=fixture("vies_invalid.json"))

    answer = vies_check(vat_id="ATU99999999", requester_vat_id=REQUESTER)

    assert answer.result == "invalid"
    assert answer.request_identifier == "WAPIAAAAZk3rQ2Lc"
    assert (answer.trader_name, answer.trader_address, answer.matches) == ("", "", {})
    assert answer.message == "VIES: ATU99999999 is not a valid VAT ID according to the AT register."
    assert answer.raw_response == fixture("vies_invalid.json")


@pytest.mark.parametrize(
    ("fixture_name", "status", "message"),
    [
        (
            "vies_ms_unavailable.json",
            200,
            "VIES: the member state service is unavailable (MS_UNAVAILABLE); retry later.",
        ),
        (
            "vies_concurrent_requests.json",
            200,
            "VIES: the member state service has too many requests at the moment (MS_MAX_CONCURRENT_REQ); retry later.",
        ),
        (
            "vies_global_concurrent_requests.json",
            200,
            "VIES: VIES has too many requests at the moment (GLOBAL_MAX_CONCURRENT_REQ); retry later.",
        ),
        (
            "vies_service_unavailable.json",
            500,
            "VIES: the VIES service is unavailable (SERVICE_UNAVAILABLE); retry later.",
        ),
        (
            "vies_timeout.json",
            200,
            "VIES: the member state service did not answer in time (TIMEOUT); retry later.",
        ),
        (
            "vies_invalid_input.json",
            400,
            "VIES: VIES rejected the country code or number as malformed (INVALID_INPUT); check the VAT ID.",
        ),
    ],
)
def test_vies_error_codes_are_unavailable_with_the_code_in_the_message(http, fixture_name, status, message):
    http.post(VIES_URL, body=fixture(fixture_name), status=status)

    answer = vies_check(vat_id="ATU12345678", requester_vat_id=REQUESTER)

    assert answer == VatAnswer(
        service="vies",
        result="unavailable",
        request_identifier="",
        answer_date="",
        trader_name="",
        trader_address="",
        matches={},
        message=message,
        raw_response=fixture(fixture_name),
        # Only a malformed request cannot be cured by asking again.
        retryable=fixture_name != "vies_invalid_input.json",
    )


def test_vies_unknown_error_code_is_unavailable(http):
    http.post(VIES_URL, json={"actionSucceed": False, "errorWrappers": [{"error": "SOMETHING_NEW"}]})

    answer = vies_check(vat_id="ATU12345678")

    assert answer.result == "unavailable"
    assert answer.message == "VIES: the service reported an error (SOMETHING_NEW); retry later."


def test_vies_failure_without_error_code_is_unavailable(http):
    http.post(VIES_URL, json={"actionSucceed": False})

    assert vies_check(vat_id="ATU12345678").result == "unavailable"


def test_vies_front_end_variant_with_user_error_is_unavailable_not_invalid(http):
    http.post(VIES_URL, json={"isValid": False, "userError": "MS_MAX_CONCURRENT_REQ", "name": "---"})

    answer = vies_check(vat_id="DE811569869")

    assert answer.result == "unavailable"
    assert "(MS_MAX_CONCURRENT_REQ)" in answer.message


def test_vies_front_end_variant_with_a_verdict_is_read(http):
    http.post(VIES_URL, json={"isValid": False, "userError": "INVALID", "name": "---", "address": "---"})

    assert vies_check(vat_id="ATU99999999").result == "invalid"


def test_vies_http_500_is_unavailable(http):
    http.post(VIES_URL, body="<html><body>Internal Server Error</body></html>", status=500)

    answer = vies_check(vat_id="ATU12345678")

    assert answer.result == "unavailable"
    assert answer.message == "VIES: the service answered HTTP 500; retry later."
    assert answer.raw_response == "<html><body>Internal Server Error</body></html>"


def test_vies_http_error_with_a_json_body_but_no_code_is_unavailable(http):
    http.post(VIES_URL, json={"valid": True}, status=503)

    answer = vies_check(vat_id="ATU12345678")

    assert answer.result == "unavailable"
    assert answer.message == "VIES: the service answered HTTP 503; retry later."


def test_vies_non_json_body_is_unavailable(http):
    http.post(VIES_URL, body="Service temporarily down for maintenance", status=200)

    answer = vies_check(vat_id="ATU12345678")

    assert answer.result == "unavailable"
    assert answer.message == "VIES: the answer was not a JSON object (HTTP 200); retry later."
    assert answer.raw_response == "Service temporarily down for maintenance"


@pytest.mark.parametrize("body", ["", "[]", '"ok"', "null"])
def test_vies_empty_or_non_object_json_is_unavailable(http, body):
    http.post(VIES_URL, body=body)

    assert vies_check(vat_id="ATU12345678").result == "unavailable"


def test_vies_answer_without_a_verdict_is_unavailable(http):
    http.post(VIES_URL, json={"countryCode": "AT", "vatNumber": "U12345678", "valid": "yes"})

    answer = vies_check(vat_id="ATU12345678")

    assert answer.result == "unavailable"
    assert answer.message == "VIES: the answer has no verdict (HTTP 200); retry later."


def test_vies_timeout_is_unavailable(http):
    http.post(VIES_URL, body=requests.exceptions.ConnectTimeout("connect timed out"))

    answer = vies_check(vat_id="ATU12345678", timeout=3)

    assert answer == VatAnswer(
        service="vies",
        result="unavailable",
        request_identifier="",
        answer_date="",
        trader_name="",
        trader_address="",
        matches={},
        message="VIES: no answer within 3 s (timeout); retry later.",
        raw_response="",
    )


def test_vies_read_timeout_is_unavailable(http):
    http.post(VIES_URL, body=requests.exceptions.ReadTimeout("read timed out"))

    assert vies_check(vat_id="ATU12345678").message == "VIES: no answer within 10 s (timeout); retry later."


@pytest.mark.parametrize(
    "error",
    [
        requests.exceptions.ConnectionError("Connection refused"),
        requests.exceptions.ConnectionError("Name or service not known"),  # DNS
        requests.exceptions.SSLError("certificate verify failed"),
    ],
)
def test_vies_connection_errors_are_unavailable(http, error):
    http.post(VIES_URL, body=error)

    answer = vies_check(vat_id="ATU12345678")

    assert answer.result == "unavailable"
    assert answer.message == "VIES: the service could not be reached (connection error); retry later."
    assert answer.raw_response == ""


def test_vies_other_request_failures_are_unavailable(http):
    http.post(VIES_URL, body=requests.exceptions.TooManyRedirects("Exceeded 30 redirects."))

    answer = vies_check(vat_id="ATU12345678")

    assert answer.result == "unavailable"
    assert answer.message == "VIES: the request failed (TooManyRedirects); retry later."


# --- BZSt: the request --------------------------------------------------------------------
def bzst(**overrides) -> VatAnswer:
    arguments = {
        "vat_id": "ATU12345678",
        "requester_vat_id": REQUESTER,
        "name": "Musterhaus GmbH & Co KG",
        "street": "Musterstrasse 22",
        "postal_code": "12345",
        "city": "Musterort",
    } | overrides
    return bzst_check(**arguments)


def test_bzst_sends_a_qualified_request_with_the_german_field_names(http):
    http.post(
        BZST_URL,
        body=fixture("bzst_valid_qualified.json"),
        match=[
            matchers.json_params_matcher(
                {
                    "anfragendeUstid": "DE123456789",
                    "angefragteUstid": "ATU12345678",
                    "firmenname": "Musterhaus GmbH & Co KG",
                    "strasse": "Musterstrasse 22",
                    "plz": "12345",
                    "ort": "Musterort",
                }
            )
        ],
    )

    bzst(timeout=7)

    assert sent(http)["anfragendeUstid"] == "DE123456789"
    assert http.calls[0].request.req_kwargs["timeout"] == 7


def test_bzst_leaves_empty_optional_fields_out(http):
    http.post(BZST_URL, body=fixture("bzst_valid_qualified.json"))

    bzst(street="", postal_code="  ")

    assert sent(http) == {
        "anfragendeUstid": "DE123456789",
        "angefragteUstid": "ATU12345678",
        "firmenname": "Musterhaus GmbH & Co KG",
        "ort": "Musterort",
    }


def test_bzst_sends_greek_and_northern_irish_vat_ids_with_their_prefix(http):
    http.post(BZST_URL, body=fixture("bzst_valid_qualified.json"))
    http.post(BZST_URL, body=fixture("bzst_valid_qualified.json"))

    bzst(vat_id="EL123456783")
    bzst(vat_id="XI123456782")

    assert [json.loads(call.request.body)["angefragteUstid"] for call in http.calls] == ["EL123456783", "XI123456782"]


def test_bzst_uses_the_official_endpoint_when_no_setting_overrides_it(settings):
    del settings.BZST_EVATR_URL
    with responses.RequestsMock() as mock:
        mock.post(BZST_EVATR_URL, body=fixture("bzst_valid_qualified.json"))
        bzst()
    assert BZST_EVATR_URL == "https://api.evatr.vies.bzst.de/app/v1/abfrage"


def test_bzst_refuses_a_german_vat_id_because_it_confirms_only_foreign_ones():
    with pytest.raises(ValueError, match="only non-German"):
        bzst(vat_id="DE987654321")


@pytest.mark.parametrize("requester", ["", "ATU12345678"])
def test_bzst_refuses_a_missing_or_foreign_requester(requester):
    with pytest.raises(ValueError, match="German VAT ID"):
        bzst(requester_vat_id=requester)


# --- BZSt: the answers --------------------------------------------------------------------
def test_bzst_valid_qualified_answer_carries_the_match_codes_with_a_legend(http):
    http.post(BZST_URL, body=fixture("bzst_valid_qualified.json"))

    answer = bzst()

    assert answer == VatAnswer(
        service="bzst",
        result="valid",
        request_identifier="7bY2kQ9xR4mN1pLs",
        answer_date="2026-03-02T10:27:01.123456789+01:00",
        trader_name="",
        trader_address="",
        matches={
            "name": "A",
            "street": "B",
            "postal_code": "A",
            "city": "A",
            "legend": {
                "A": "matches the registered data",
                "B": "does not match the registered data",
                "C": "was not requested",
                "D": "was not provided by the member state",
            },
        },
        message=(
            "BZSt: ATU12345678 is valid at the time of the request (evatr-0000); "
            "name matches the registered data (A), street does not match the registered data (B), "
            "postal code matches the registered data (A), city matches the registered data (A)."
        ),
        raw_response=fixture("bzst_valid_qualified.json"),
    )


def test_bzst_special_case_of_the_qualified_confirmation_is_still_valid(http):
    http.post(BZST_URL, body=fixture("bzst_valid_special_case.json"))

    answer = bzst()

    assert answer.result == "valid"
    assert answer.matches["name"] == "D"
    assert answer.message.startswith(
        "BZSt: ATU12345678 is valid at the time of the request; the qualified confirmation has a special case, "
        "ask the BZSt (evatr-2008); name was not provided by the member state (D)"
    )


def test_bzst_simple_confirmation_fallback_is_valid_without_matches(http):
    http.post(BZST_URL, json={"id": "x1", "anfrageZeitpunkt": "2026-03-02T11:00:00+01:00", "status": "evatr-0003"})

    answer = bzst(name="", city="")

    assert answer.result == "valid"
    assert answer.matches == {}
    assert "(evatr-0003)" in answer.message


@pytest.mark.parametrize(
    ("fixture_name", "status", "message"),
    [
        ("bzst_invalid.json", 404, "BZSt: ATU12345678 is not assigned at the time of the request (evatr-2001)."),
        (
            "bzst_invalid_expired.json",
            200,
            "BZSt: ATU12345678 is not valid at the time of the request; it was valid from 01.01.2020 to "
            "31.12.2025 (evatr-2006).",
        ),
        (
            "bzst_not_yet_valid.json",
            200,
            "BZSt: ATU12345678 is not valid at the time of the request; it is valid only from 01.04.2026 (evatr-2002).",
        ),
        (
            "bzst_syntax_error.json",
            400,
            "BZSt: ATU12345678 does not fit the numbering scheme of its member state (evatr-0012).",
        ),
    ],
)
def test_bzst_definite_not_valid_answers_are_invalid(http, fixture_name, status, message):
    http.post(BZST_URL, body=fixture(fixture_name), status=status)

    answer = bzst()

    assert answer.result == "invalid"
    assert answer.message == message
    assert answer.request_identifier == json.loads(fixture(fixture_name))["id"]
    assert answer.answer_date == json.loads(fixture(fixture_name))["anfrageZeitpunkt"]
    assert answer.matches == {}
    assert answer.raw_response == fixture(fixture_name)


@pytest.mark.parametrize(
    ("fixture_name", "status", "message"),
    [
        (
            "bzst_unavailable.json",
            503,
            "BZSt: the request cannot be processed at the moment (evatr-0011); retry later.",
        ),
        (
            "bzst_member_state_error.json",
            500,
            "BZSt: an error occurred while processing the member state's data (evatr-2007); retry later.",
        ),
        (
            "bzst_session_limit.json",
            403,
            "BZSt: the limit of qualified requests per session was reached (evatr-0008); retry later.",
        ),
        (
            "bzst_requester_not_valid.json",
            404,
            "BZSt: our German requester VAT ID is not valid at the time of the request (evatr-2005), "
            "so ATU12345678 was not checked; fix this before retrying.",
        ),
    ],
)
def test_bzst_answers_that_say_nothing_about_the_vat_id_are_unavailable(http, fixture_name, status, message):
    http.post(BZST_URL, body=fixture(fixture_name), status=status)

    answer = bzst()

    assert answer.result == "unavailable"
    assert answer.message == message
    assert answer.request_identifier == json.loads(fixture(fixture_name))["id"]
    assert answer.raw_response == fixture(fixture_name)


@pytest.mark.parametrize("status", ["evatr-1001", "evatr-1002", "evatr-1003", "evatr-1004", "evatr-2004", "evatr-3011"])
def test_bzst_every_try_later_code_is_unavailable(http, status):
    http.post(BZST_URL, json={"status": status}, status=500)

    answer = bzst()

    assert answer.result == "unavailable"
    assert answer.message.endswith(f"({status}); retry later.")


def test_bzst_unknown_status_is_unavailable(http):
    http.post(BZST_URL, json={"id": "x2", "status": "evatr-9999"})

    answer = bzst()

    assert answer.result == "unavailable"
    assert answer.message == "BZSt: unknown status evatr-9999 (HTTP 200); retry later."


def test_bzst_answer_without_status_is_unavailable(http):
    http.post(BZST_URL, json={"id": "x3", "anfrageZeitpunkt": "2026-03-02T11:00:00+01:00"})

    answer = bzst()

    assert answer.result == "unavailable"
    assert answer.message == "BZSt: the answer has no status (HTTP 200); retry later."


def test_bzst_http_500_without_json_is_unavailable(http):
    http.post(BZST_URL, body="<html>502 Bad Gateway</html>", status=502)

    answer = bzst()

    assert answer.result == "unavailable"
    assert answer.message == "BZSt: the service answered HTTP 502; retry later."
    assert answer.raw_response == "<html>502 Bad Gateway</html>"


def test_bzst_non_json_body_is_unavailable(http):
    http.post(BZST_URL, body="Wartungsarbeiten", status=200)

    answer = bzst()

    assert answer.result == "unavailable"
    assert answer.message == "BZSt: the answer was not a JSON object (HTTP 200); retry later."


def test_bzst_timeout_is_unavailable(http):
    http.post(BZST_URL, body=requests.exceptions.ConnectTimeout("connect timed out"))

    answer = bzst(timeout=2.5)

    assert answer == VatAnswer(
        service="bzst",
        result="unavailable",
        request_identifier="",
        answer_date="",
        trader_name="",
        trader_address="",
        matches={},
        message="BZSt: no answer within 2.5 s (timeout); retry later.",
        raw_response="",
    )


def test_bzst_connection_refused_is_unavailable(http):
    http.post(BZST_URL, body=requests.exceptions.ConnectionError("Connection refused"))

    answer = bzst()

    assert answer.result == "unavailable"
    assert answer.message == "BZSt: the service could not be reached (connection error); retry later."


def test_a_vies_refusal_reads_in_the_staffs_language(http):
    """The reason a check waits is shown to finance staff: in German, with the code for support."""
    http.post(VIES_URL, body=fixture("vies_service_unavailable.json"), status=500)

    with translation.override("de"):
        answer = vies_check(vat_id="ATU12345678", requester_vat_id=REQUESTER)

    assert answer.message == (
        "VIES: der VIES-Dienst ist nicht erreichbar (SERVICE_UNAVAILABLE); später erneut versuchen."
    )
