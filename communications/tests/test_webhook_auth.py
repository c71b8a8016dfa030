"""Every provider webhook (tracking and inbound) with no, wrong and right credentials.

Missing or wrong basic auth is 401 with ``WWW-Authenticate``; right basic auth with a provider
signature that does not verify is 403; an unset secret is 403. None of them stores anything,
and none of them shows Django's debug page when DEBUG is on (communications/webhooks.py).
"""

from __future__ import annotations

import base64
import email
import hashlib
import hmac
import json
from email import policy
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import communications.receivers  # noqa: F401  (connects the anymail receivers also before CommunicationsConfig.ready() does)
from communications.models import InboundMessage, MessageEvent, OutboxMessage
from invoicing.models import InvoiceEvent
from tasks.models import FollowUpTask

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures" / "webhooks"
SECRET = "debitor-webhooks:Zq8Xv2LkP0wR"
SIGNING_KEY = "key-3ax6xnjp29jd6fds4gc373sgvjxteol0"
MAILBOX = "replies@debitor.example"
RAW_MAIL = (
    "From: Anna Schmidt <anna@example.com>\r\nTo: <replies@debitor.example>\r\n"
    "Subject: Frage zur Rechnung\r\nMessage-ID: <q1@example.com>\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n\r\nGuten Tag, eine Frage.\r\n"
)


def basic_auth(secret: str) -> dict:
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(secret.encode()).decode()}


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def mailgun_signed_json(data: dict, key: str) -> dict:
    block = data["signature"]
    block["signature"] = hmac.new(
        key.encode(), f"{block['timestamp']}{block['token']}".encode(), hashlib.sha256
    ).hexdigest()
    return data


def mailgun_signed_fields(key: str) -> dict:
    fields = fixture("mailgun_inbound_mime")
    mime = email.message_from_string(fields["body-mime"], policy=policy.compat32)
    fields["body-mime"] = mime.as_string()
    fields["signature"] = hmac.new(
        key.encode(), f"{fields['timestamp']}{fields['token']}".encode(), hashlib.sha256
    ).hexdigest()
    return fields


def sns(message: dict) -> tuple[dict, dict]:
    body = {"Type": "Notification", "MessageId": "1f8e2d3c-0000-4000-8000-000000000001", "Message": json.dumps(message)}
    return body, {"HTTP_X_AMZ_SNS_MESSAGE_TYPE": "Notification", "HTTP_X_AMZ_SNS_MESSAGE_ID": body["MessageId"]}


def ses_tracking() -> tuple[dict, dict]:
    return sns(
        {
            "eventType": "Delivery",
            "mail": {"messageId": "0100018c-unknown", "timestamp": "2026-11-27T08:01:12.000Z", "tags": {}},
            "delivery": {"timestamp": "2026-11-27T08:01:13.000Z", "recipients": ["anna@example.com"]},
        }
    )


def ses_inbound() -> tuple[dict, dict]:
    return sns(
        {
            "notificationType": "Received",
            "mail": {"messageId": "ses-inbound-1", "timestamp": "2026-11-27T08:01:12.000Z"},
            "receipt": {"action": {"type": "SNS", "encoding": "BASE64"}, "recipients": [MAILBOX]},
            "content": base64.b64encode(RAW_MAIL.encode()).decode(),
        }
    )


def request_for(endpoint: str, *, signing_key: str = SIGNING_KEY) -> tuple[dict, dict]:
    """(client.post keyword arguments, extra headers) of a well-formed post to the endpoint."""
    json_body = {
        "postmark/tracking": lambda: (fixture("postmark_delivery"), {}),
        "postmark/inbound": lambda: (fixture("postmark_inbound"), {}),
        "mailgun/tracking": lambda: (mailgun_signed_json(fixture("mailgun_delivered"), signing_key), {}),
        "amazon_ses/tracking": ses_tracking,
        "amazon_ses/inbound": ses_inbound,
        "brevo/tracking": lambda: (fixture("brevo_delivered"), {}),
        "brevo/inbound": lambda: ({"items": []}, {}),
    }
    if endpoint in json_body:
        body, headers = json_body[endpoint]()
        return {"data": json.dumps(body), "content_type": "application/json"}, headers
    return {"data": mailgun_signed_fields(signing_key)}, {}  # mailgun/inbound, mailgun/inbound_mime


ENDPOINTS = [
    "postmark/tracking",
    "postmark/inbound",
    "mailgun/tracking",
    "mailgun/inbound",
    "mailgun/inbound_mime",
    "amazon_ses/tracking",
    "amazon_ses/inbound",
    "brevo/tracking",
    "brevo/inbound",
]


def stored() -> tuple[int, ...]:
    return tuple(
        model.objects.count() for model in (MessageEvent, InboundMessage, FollowUpTask, InvoiceEvent, OutboxMessage)
    )


def post(client, endpoint: str, auth: dict, **kwargs):
    body, headers = request_for(endpoint, **kwargs)
    return client.post(f"/webhooks/anymail/{endpoint}/", **body, **headers, **auth)


@pytest.fixture
def webhooks(settings):
    # Brevo's inbound view needs an API key (it fetches attachments with it).
    settings.ANYMAIL = {
        "WEBHOOK_SECRET": SECRET,
        "MAILGUN_WEBHOOK_SIGNING_KEY": SIGNING_KEY,
        "BREVO_API_KEY": "xkeysib-test",
    }


BAD_CREDENTIALS = [
    pytest.param({}, id="none"),
    pytest.param(basic_auth("debitor-webhooks:wrong"), id="wrong password"),
    pytest.param(basic_auth("someone:" + SECRET.split(":")[1]), id="wrong user"),
    pytest.param({"HTTP_AUTHORIZATION": "Bearer " + SECRET}, id="not basic"),
    pytest.param({"HTTP_AUTHORIZATION": "Basic %%%"}, id="not base64"),
]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("auth", BAD_CREDENTIALS)
def test_missing_or_wrong_credentials_are_401_with_a_basic_challenge_and_store_nothing(
    client, webhooks, endpoint, auth
):
    before = stored()

    response = post(client, endpoint, auth)

    assert response.status_code == 401, response.content
    assert response["WWW-Authenticate"].startswith("Basic realm=")
    assert stored() == before


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_right_credentials_and_a_well_formed_post_are_accepted(client, webhooks, endpoint):
    assert post(client, endpoint, basic_auth(SECRET)).status_code == 200


@pytest.mark.parametrize("endpoint", ["mailgun/tracking", "mailgun/inbound", "mailgun/inbound_mime"])
def test_right_basic_auth_with_a_wrong_mailgun_signature_is_403_and_stores_nothing(client, webhooks, endpoint):
    before = stored()

    response = post(client, endpoint, basic_auth(SECRET), signing_key="key-wrong")

    assert response.status_code == 403
    assert "WWW-Authenticate" not in response
    assert stored() == before


def test_sns_headers_that_do_not_match_the_body_are_403(client, webhooks):
    body, headers = ses_tracking()
    headers["HTTP_X_AMZ_SNS_MESSAGE_ID"] = "another"

    response = client.post(
        "/webhooks/anymail/amazon_ses/tracking/",
        data=json.dumps(body),
        content_type="application/json",
        **headers,
        **basic_auth(SECRET),
    )

    assert response.status_code == 403


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_without_a_configured_secret_every_post_is_403_even_with_credentials(client, settings, endpoint):
    settings.ANYMAIL = {"MAILGUN_WEBHOOK_SIGNING_KEY": SIGNING_KEY}
    before = stored()

    assert post(client, endpoint, basic_auth(SECRET)).status_code == 403
    assert stored() == before


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_with_debug_on_a_refused_webhook_shows_no_debug_page(client, webhooks, settings, endpoint):
    settings.DEBUG = True

    unauthenticated = post(client, endpoint, {})
    unsigned = post(client, "mailgun/tracking", basic_auth(SECRET), signing_key="key-wrong")

    for response, status in ((unauthenticated, 401), (unsigned, 403)):
        assert response.status_code == status
        assert response["Content-Type"].startswith("text/plain")
        assert b"Traceback" not in response.content and b"<html" not in response.content.lower()


@pytest.mark.parametrize(
    ("endpoint", "data", "content_type"),
    [
        ("postmark/tracking", "not json", "application/json"),
        ("postmark/inbound", "[]", "application/json"),
        ("brevo/tracking", "[1, 2]", "application/json"),
        ("amazon_ses/tracking", "garbage", "text/plain"),
    ],
)
def test_a_body_in_no_providers_format_is_400_with_right_credentials_and_stores_nothing(
    client, webhooks, settings, endpoint, data, content_type
):
    settings.DEBUG = True  # and no debug page
    before = stored()

    response = client.post(f"/webhooks/anymail/{endpoint}/", data=data, content_type=content_type, **basic_auth(SECRET))

    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith("text/plain")
    assert stored() == before


@settings(max_examples=40, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    header=st.one_of(
        st.text(max_size=40),
        st.binary(max_size=30).map(lambda raw: "Basic " + base64.b64encode(raw).decode()),
        st.text(max_size=20).map(lambda text: "Basic " + base64.b64encode(text.encode()).decode()),
    ),
    endpoint=st.sampled_from(ENDPOINTS),
)
def test_any_authorization_header_but_the_right_one_is_401_and_stores_nothing(client, webhooks, header, endpoint):
    assume(header.strip() != "Basic " + base64.b64encode(SECRET.encode()).decode())
    before = stored()

    response = post(client, endpoint, {"HTTP_AUTHORIZATION": header})

    assert response.status_code == 401
    assert stored() == before


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=8,
)


@settings(max_examples=40, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=json_values | st.text(max_size=30),
    endpoint=st.sampled_from(["postmark/tracking", "postmark/inbound", "brevo/tracking"]),
)
def test_any_body_with_the_right_credentials_is_answered_never_500(client, webhooks, body, endpoint):
    data = body if isinstance(body, str) else json.dumps(body)

    response = client.post(
        f"/webhooks/anymail/{endpoint}/", data=data, content_type="application/json", **basic_auth(SECRET)
    )

    assert response.status_code in {200, 400}, (body, response.content)
