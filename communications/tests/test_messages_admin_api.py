"""The outbox in the admin and the API: lists, preview, attachments, send, send again, wording.

Finance viewers read everything; accountants send, send again, mark as sent and cancel; finance
managers word the templates. Lists take the same number of queries for any number of rows.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from communications.models import MessageWording, OutboxMessage
from communications.selectors import messages_about, subjects_of
from invoicing.services.documents import invoice_document_get, invoice_document_read, invoice_documents_render
from invoicing.services.sending import invoice_send
from invoicing.tests.factories import T0, invoicing_setup, make_customer, make_issued  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("invoicing_setup")]

MESSAGES = "/api/v1/messages/"
OUTBOX_ADMIN = "/admin/communications/outboxmessage/"
WORDING_ADMIN = "/admin/communications/messagewording/"


def invoice_of(message):
    [invoice] = subjects_of(message)
    return invoice


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def api(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def admin(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def ready_invoice(customer=None, **kwargs):
    invoice = make_issued(customer=customer or make_customer(invoice_delivery="manual"), **kwargs)
    invoice_documents_render(invoice_id=invoice.pk, as_of=T0 + timedelta(minutes=1))
    return invoice


def mark_sent(message) -> OutboxMessage:
    when = T0 + timedelta(hours=2)
    OutboxMessage.objects.filter(pk=message.pk).update(status="sent", sending_at=when, sent_at=when)
    message.refresh_from_db()
    return message


@pytest.fixture
def message():
    return invoice_send(invoice=ready_invoice(), as_of=T0 + timedelta(hours=1))


# --- API: reading ------------------------------------------------------------------------------


def test_every_role_reads_the_outbox_with_recipients_and_status(viewer, message):
    response = api(viewer).get(MESSAGES)

    assert response.status_code == 200
    [row] = response.json()["results"]
    assert row["id"] == message.pk
    assert row["status"] == "queued" and row["template"] == "invoice"
    assert row["to"] == [
        {
            "name": "Anna Schmidt",
            "email": "anna@example.com",
            "contact_id": message.to[0]["contact_id"],
            "user_id": None,
        }
    ]
    assert row["invoice"] == invoice_of(message).pk and row["customer"] == message.customer_id
    assert row["subjects"] == [{"type": "invoicing.invoice", "id": invoice_of(message).pk}]
    assert row["attachment_count"] == 1
    assert row["message_id"] == message.message_id


def test_the_outbox_filters_by_status_template_customer_and_invoice(viewer, message):
    other = invoice_send(invoice=ready_invoice(), as_of=T0 + timedelta(hours=1))
    mark_sent(other)
    client = api(viewer)

    def ids(query: str) -> list[int]:
        response = client.get(MESSAGES + query)
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert ids("?status=sent") == [other.pk]
    assert ids("?status=queued") == [message.pk]
    assert ids(f"?invoice={invoice_of(message).pk}") == [message.pk]
    assert ids(f"?customer={other.customer_id}") == [other.pk]
    assert ids("?template=due_date_changed") == []
    assert client.get(MESSAGES + "?status=lost").status_code == 400


def test_a_customer_lists_its_own_messages(viewer, message):
    invoice_send(invoice=ready_invoice(), as_of=T0 + timedelta(hours=1))  # another customer's

    response = api(viewer).get(f"/api/v1/customers/{message.customer_id}/messages/")

    assert [row["id"] for row in response.json()["results"]] == [message.pk]
    assert api(viewer).get("/api/v1/customers/999999/messages/").status_code == 404


def test_the_detail_has_bodies_attachments_and_events(viewer, message):
    response = api(viewer).get(f"{MESSAGES}{message.pk}/")

    body = response.json()
    pdf = invoice_document_get(invoice=invoice_of(message), kind="pdf")
    assert body["attachments"] == [
        {
            "id": message.attachments.get().pk,
            "filename": pdf.filename,
            "content_type": "application/pdf",
            "size": pdf.size,
            "sha256": pdf.sha256,
        }
    ]
    assert [event["kind"] for event in body["events"]] == ["queued"]
    assert body["body_text"] == message.body_text and body["body_html"] == message.body_html


@pytest.mark.parametrize("rows", [1, 6])
def test_the_outbox_list_takes_the_same_number_of_queries_for_any_number_of_rows(
    viewer, rows, django_assert_num_queries
):
    for _n in range(rows):
        invoice_send(invoice=ready_invoice(), as_of=T0 + timedelta(hours=1))
    client = api(viewer)

    # session, user, role groups, count, page, the page's subjects and recipients (one prefetch each)
    with django_assert_num_queries(7):
        response = client.get(MESSAGES)

    assert len(response.json()["results"]) == rows


@pytest.mark.parametrize("rows", [1, 6])
def test_a_customers_message_list_takes_the_same_number_of_queries_for_any_number_of_rows(
    viewer, rows, django_assert_num_queries
):
    customer = make_customer(invoice_delivery="manual")
    for _n in range(rows):
        invoice_send(invoice=ready_invoice(customer), as_of=T0 + timedelta(hours=1))
    client = api(viewer)

    # session, user, role groups, the customer, count, page, the page's subjects and recipients
    with django_assert_num_queries(8):
        response = client.get(f"/api/v1/customers/{customer.pk}/messages/")

    assert len(response.json()["results"]) == rows


# --- API: sending ------------------------------------------------------------------------------


def test_sending_an_invoice_twice_with_one_idempotency_key_queues_one_message(accountant):
    invoice = ready_invoice()
    client = api(accountant)
    url = f"/api/v1/invoices/{invoice.pk}/send/"

    first = client.post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY="send-1")
    again = client.post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY="send-1")

    assert first.status_code == 201, first.content
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert messages_about(invoice).count() == 1
    assert first.json()["status"] == "queued"
    assert first["Location"].endswith(f"{MESSAGES}{first.json()['id']}/")


def test_sending_again_through_the_api_needs_resend(accountant):
    invoice = ready_invoice()
    client = api(accountant)
    url = f"/api/v1/invoices/{invoice.pk}/send/"
    first = client.post(url, {}, format="json")

    refused = client.post(url, {}, format="json")
    again = client.post(url, {"resend": True}, format="json")

    assert refused.status_code == 409
    assert refused.json()["type"].endswith("document-state-conflict")
    assert again.status_code == 201
    assert again.json()["resend_of"] == first.json()["id"]


def test_sending_to_given_recipients(accountant):
    invoice = ready_invoice()

    response = api(accountant).post(
        f"/api/v1/invoices/{invoice.pk}/send/",
        {"to": [{"name": "Einkauf", "email": "einkauf@example.com"}]},
        format="json",
    )

    assert response.status_code == 201, response.content
    assert [r["email"] for r in response.json()["to"]] == ["einkauf@example.com"]


def test_an_invoice_whose_documents_are_not_ready_answers_409(accountant):
    invoice = make_issued(customer=make_customer(invoice_delivery="manual"))

    response = api(accountant).post(f"/api/v1/invoices/{invoice.pk}/send/", {}, format="json")

    assert response.status_code == 409
    assert response.json()["type"].endswith("documents-not-ready")
    assert not OutboxMessage.objects.exists()


def test_an_invoice_without_recipients_answers_400_naming_the_field(accountant):
    customer = make_customer(invoice_delivery="manual", contacts=[{"name": "Anna", "email": "anna@example.com"}])
    invoice = ready_invoice(customer)

    response = api(accountant).post(f"/api/v1/invoices/{invoice.pk}/send/", {}, format="json")

    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["to"]


def test_a_finance_viewer_may_not_send(viewer):
    invoice = ready_invoice()

    assert api(viewer).post(f"/api/v1/invoices/{invoice.pk}/send/", {}, format="json").status_code == 403
    assert not OutboxMessage.objects.exists()


def test_resending_a_sent_message_through_the_api_writes_a_new_row(accountant, message):
    mark_sent(message)

    response = api(accountant).post(f"{MESSAGES}{message.pk}/resend/", {}, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["resend_of"] == message.pk
    assert response.json()["status"] == "queued"
    message.refresh_from_db()
    assert message.status == "sent"


def test_a_queued_message_cannot_be_resent(accountant, message):
    response = api(accountant).post(f"{MESSAGES}{message.pk}/resend/", {}, format="json")

    assert response.status_code == 400
    assert OutboxMessage.objects.count() == 1


def test_a_finance_viewer_may_not_resend(viewer, message):
    mark_sent(message)

    assert api(viewer).post(f"{MESSAGES}{message.pk}/resend/", {}, format="json").status_code == 403


# --- Admin: outbox -----------------------------------------------------------------------------


def test_the_outbox_list_shows_and_finds_messages(viewer, message):
    client = admin(viewer)

    page = client.get(OUTBOX_ADMIN).content.decode()
    found = client.get(OUTBOX_ADMIN + "?q=anna@example.com").content.decode()
    by_id = client.get(OUTBOX_ADMIN + "?q=" + message.message_id.strip("<>")).content.decode()
    not_found = client.get(OUTBOX_ADMIN + "?q=nobody@example.org").content.decode()
    filtered = client.get(OUTBOX_ADMIN + "?status__exact=sent").content.decode()

    assert message.subject in page and "anna@example.com" in page
    assert message.subject in found and message.subject in by_id
    assert message.subject not in not_found and message.subject not in filtered


def test_the_outbox_list_filters_by_customer(viewer, message):
    other = invoice_send(invoice=ready_invoice(), as_of=T0 + timedelta(hours=1))

    page = admin(viewer).get(f"{OUTBOX_ADMIN}?customer={message.customer_id}").content.decode()

    assert message.subject in page and other.subject not in page


# session, user, permissions, counts, filters (templates from the registry), the page with its
# customers, recipients, and the navigation's counts (core.admin_navigation)
ADMIN_LIST_QUERIES = 13


@pytest.mark.parametrize("rows", [1, 6])
def test_the_outbox_admin_list_takes_the_same_number_of_queries_for_any_number_of_rows(
    manager, rows, django_assert_num_queries
):
    for _n in range(rows):
        invoice_send(invoice=ready_invoice(), as_of=T0 + timedelta(hours=1))
    client = admin(manager)

    with django_assert_num_queries(ADMIN_LIST_QUERIES):
        response = client.get(OUTBOX_ADMIN)

    assert response.status_code == 200


def test_the_detail_page_previews_the_html_in_a_sandbox_and_shows_the_text(viewer, message):
    client = admin(viewer)

    page = client.get(f"{OUTBOX_ADMIN}{message.pk}/change/").content.decode()
    preview = client.get(f"{OUTBOX_ADMIN}{message.pk}/preview/")

    assert '<iframe sandbox=""' in page
    assert f"{OUTBOX_ADMIN}{message.pk}/preview/" in page
    assert "Anna Schmidt" in page  # the text body
    invoice = invoice_of(message)  # its subject, linked to the invoice's admin page by content type
    assert f'<a href="/admin/invoicing/invoice/{invoice.pk}/change/">{invoice.number}</a>' in page
    assert "Send again" not in page and "Cancel" not in page  # viewers do not act
    assert preview.status_code == 200
    assert preview.content.decode() == message.body_html
    csp = preview["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "sandbox" in csp and "script-src" not in csp
    assert preview["X-Frame-Options"] == "SAMEORIGIN"


def test_an_attachment_downloads_byte_for_byte(viewer, message):
    attachment = message.attachments.get()

    response = admin(viewer).get(f"{OUTBOX_ADMIN}{message.pk}/attachment/{attachment.pk}/")

    pdf = invoice_document_get(invoice=invoice_of(message), kind="pdf")
    assert response.status_code == 200
    assert response.content == invoice_document_read(pdf)
    assert "attachment;" in response["Content-Disposition"]


def test_an_accountant_sends_a_sent_message_again_from_its_page(accountant, message):
    mark_sent(message)
    client = admin(accountant)
    assert "Send again" in client.get(f"{OUTBOX_ADMIN}{message.pk}/change/").content.decode()

    response = client.post(f"{OUTBOX_ADMIN}{message.pk}/resend/")

    new = OutboxMessage.objects.exclude(pk=message.pk).get()
    assert response.status_code == 302 and response["Location"].endswith(f"{OUTBOX_ADMIN}{new.pk}/change/")
    assert new.resend_of == message and new.status == "queued"


def test_an_accountant_cancels_a_queued_message_with_a_reason(accountant, message):
    client = admin(accountant)

    without_reason = client.post(f"{OUTBOX_ADMIN}{message.pk}/cancel/", {"reason": ""})
    message.refresh_from_db()
    assert without_reason.status_code == 302 and message.status == "queued"

    client.post(f"{OUTBOX_ADMIN}{message.pk}/cancel/", {"reason": "Kunde hat die Rechnung per Post erhalten"})

    message.refresh_from_db()
    assert message.status == "cancelled"
    assert message.events.filter(kind="cancelled").exists()


def test_an_accountant_marks_a_stuck_message_as_sent_after_checking_the_provider_log(accountant, message):
    stuck_since = timezone.now() - timedelta(hours=1)
    OutboxMessage.objects.filter(pk=message.pk).update(status="sending", sending_at=stuck_since)

    admin(accountant).post(f"{OUTBOX_ADMIN}{message.pk}/mark-sent/", {"note": "Postmark log: delivered 10:02"})

    message.refresh_from_db()
    assert message.status == "sent" and message.sent_at == stuck_since


def test_a_finance_viewer_cannot_act_on_messages(viewer, message):
    mark_sent(message)
    client = admin(viewer)

    assert client.post(f"{OUTBOX_ADMIN}{message.pk}/resend/").status_code == 403
    assert client.post(OUTBOX_ADMIN, {"action": "send_again", "_selected_action": [message.pk]}).status_code == 403
    assert OutboxMessage.objects.count() == 1


def test_nobody_edits_or_deletes_an_outbox_row(manager, message):
    client = admin(manager)

    assert client.get(f"{OUTBOX_ADMIN}add/").status_code == 403
    assert client.get(f"{OUTBOX_ADMIN}{message.pk}/delete/").status_code == 403
    client.post(f"{OUTBOX_ADMIN}{message.pk}/change/", {"subject": "changed"})
    message.refresh_from_db()
    assert message.subject != "changed"


def test_the_send_again_action_queues_each_selected_message(accountant, message):
    mark_sent(message)

    admin(accountant).post(OUTBOX_ADMIN, {"action": "send_again", "_selected_action": [message.pk]})

    assert OutboxMessage.objects.filter(resend_of=message).count() == 1


# --- Admin: the invoice's messages and "Send invoice" --------------------------------------------


def test_an_accountant_sends_an_invoice_from_its_page_and_sees_the_message(accountant):
    invoice = ready_invoice()
    client = admin(accountant)
    page = client.get(f"/admin/invoicing/invoice/{invoice.pk}/change/").content.decode()
    assert "Send invoice" in page

    client.post(f"/admin/invoicing/invoice/{invoice.pk}/send/")

    message = messages_about(invoice).get()
    page = client.get(f"/admin/invoicing/invoice/{invoice.pk}/change/").content.decode()
    assert message.subject in page and "queued" in page and "Send again" in page
    assert "<td>anna@example.com</td>" in page  # the e-mail's To addresses

    client.post(f"/admin/invoicing/invoice/{invoice.pk}/send/", {"resend": "1"})
    assert messages_about(invoice).count() == 2


def test_a_finance_viewer_sees_the_invoices_messages_but_cannot_send(viewer, message):
    client = admin(viewer)

    page = client.get(f"/admin/invoicing/invoice/{invoice_of(message).pk}/change/").content.decode()

    assert message.subject in page and "Send again" not in page
    assert client.post(f"/admin/invoicing/invoice/{invoice_of(message).pk}/send/").status_code == 403


# --- Admin: wording --------------------------------------------------------------------------------


def test_a_finance_manager_saves_a_wording_through_the_service(manager):
    response = admin(manager).post(
        f"{WORDING_ADMIN}add/",
        {"template": "invoice", "language": "de", "subject": "Ihre Rechnung {number}", "intro": "Guten Tag."},
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    wording = MessageWording.objects.get()
    assert wording.subject == "Ihre Rechnung {number}" and wording.updated_by == manager


def test_an_unknown_placeholder_is_shown_on_the_form_and_nothing_is_saved(manager):
    response = admin(manager).post(
        f"{WORDING_ADMIN}add/",
        {"template": "invoice", "language": "de", "subject": "Rechnung {nummer}", "intro": ""},
    )

    assert response.status_code == 200
    assert "Unknown placeholder {nummer}" in response.content.decode()
    assert not MessageWording.objects.exists()


def test_only_finance_managers_word_the_templates(accountant):
    client = admin(accountant)

    assert client.get(WORDING_ADMIN).status_code == 200  # reading is fine
    assert client.get(f"{WORDING_ADMIN}add/").status_code == 403
    client.post(f"{WORDING_ADMIN}add/", {"template": "invoice", "language": "de", "subject": "x", "intro": ""})
    assert not MessageWording.objects.exists()


def test_the_stored_attachment_is_the_document_itself(message):
    """No second copy of a stored original: the attachment points at the archived file."""
    attachment = message.attachments.get()
    pdf = invoice_document_get(invoice=invoice_of(message), kind="pdf")

    assert attachment.file.name == pdf.file.name
    assert default_storage.exists(attachment.file.name)
