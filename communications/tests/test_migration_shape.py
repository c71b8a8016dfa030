"""The message's new shape keeps what the old columns said: an invoice FK becomes a subject link,
an attachment's invoice document becomes a reference to the stored original, the JSON recipient
lists become recipient rows."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from invoicing.tests.factories import invoicing_setup, make_customer, make_issued  # noqa: F401

BEFORE = [("communications", "0002_stuck_schedule_task_path")]
AT = datetime(2026, 11, 27, 9, tzinfo=UTC)


def _old_message(Outbox, customer_id, invoice_id, **fields):
    return Outbox.objects.create(
        customer_id=customer_id,
        invoice_id=invoice_id,
        template="invoice" if invoice_id else "statement",
        language="de",
        from_email="a@b.example",
        subject="S",
        body_text="T",
        status="sent",
        sending_at=AT,
        cause="c",
        created_at=AT,
        updated_at=AT,
        **fields,
    )


@pytest.mark.django_db(transaction=True)
def test_old_invoice_and_document_columns_become_subject_links_and_stored_file_references(
    invoicing_setup,  # noqa: F811
):
    # Real invoices first (through the services): the old columns are foreign keys to them.
    first, second = make_issued(), make_issued()
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    executor.loader.build_graph()
    old = executor.loader.project_state(list(executor.loader.applied_migrations)).apps
    Outbox = old.get_model("communications", "OutboxMessage")
    Inbound = old.get_model("communications", "InboundMessage")
    contact = first.customer.contacts.order_by("pk").first()
    about_first = _old_message(
        Outbox,
        first.customer_id,
        first.pk,
        to=[
            {"name": contact.name, "email": contact.email, "contact_id": contact.pk},
            {"name": "Gone", "email": "gone@example.com", "contact_id": 999999},  # a contact deleted since
        ],
        cc=["bare@example.com"],  # an early row's bare address
        bcc=[{"name": "", "email": "archiv@debitor.example"}],
        reply_to=[{"name": "", "email": "antwort+1.abc@debitor.example"}],
    )
    about_second = _old_message(Outbox, second.customer_id, second.pk, message_id="<2@b.example>")
    about_nothing = _old_message(Outbox, first.customer_id, None, message_id="<3@b.example>")
    reply = Inbound.objects.create(
        customer_id=first.customer_id,
        in_reply_to=about_first,
        invoice_id=first.pk,
        matched_by="headers",
        from_email="anna@example.com",
        received_at=AT,
    )
    unmatched = Inbound.objects.create(matched_by="none", from_email="x@example.com", received_at=AT)
    Document = old.get_model("invoicing", "InvoiceDocument")
    Attachment = old.get_model("communications", "OutboxAttachment")
    pdf = Document.objects.create(
        invoice_id=first.pk,
        kind="pdf",
        file="documents/original.pdf",
        filename="RE-1.pdf",
        sha256="a" * 64,
        size=3,
        renderer="test",
        render_version=1,
        created_at=AT,
    )
    common = {"message": about_first, "filename": "RE-1.pdf", "content_type": "application/pdf", "size": 3}
    # A copy of the original's bytes, and one whose bytes differ from its document (what was sent stays).
    copy = Attachment.objects.create(**common, file="outbox/copy.pdf", sha256="a" * 64, document=pdf)
    other = Attachment.objects.create(**common, file="outbox/other.pdf", sha256="b" * 64, document=pdf)
    plain = Attachment.objects.create(**common, file="outbox/plain.pdf", sha256="c" * 64, document=None)

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    new = executor.loader.project_state(executor.loader.graph.leaf_nodes()).apps
    ContentType = new.get_model("contenttypes", "ContentType")
    invoice_type = ContentType.objects.get(app_label="invoicing", model="invoice")

    def links(model: str, message) -> list[tuple[int, int]]:
        rows = new.get_model("communications", model).objects.filter(message_id=message.pk)
        return list(rows.values_list("content_type_id", "object_id"))

    assert links("MessageSubject", about_first) == [(invoice_type.pk, first.pk)]
    assert links("MessageSubject", about_second) == [(invoice_type.pk, second.pk)]
    assert links("MessageSubject", about_nothing) == []
    assert links("InboundSubject", reply) == [(invoice_type.pk, first.pk)]
    assert links("InboundSubject", unmatched) == []
    recipients = new.get_model("communications", "MessageRecipient").objects.filter(message_id=about_first.pk)
    assert list(recipients.order_by("id").values_list("kind", "name", "address", "contact_id", "user_id")) == [
        ("to", contact.name, contact.email, contact.pk, None),
        ("to", "Gone", "gone@example.com", None, None),
        ("cc", "", "bare@example.com", None, None),
        ("bcc", "", "archiv@debitor.example", None, None),
        ("reply_to", "", "antwort+1.abc@debitor.example", None, None),
    ]
    attachments = new.get_model("communications", "OutboxAttachment").objects
    assert [attachments.get(pk=a.pk).file.name for a in (copy, other, plain)] == [
        "documents/original.pdf",
        "outbox/other.pdf",
        "outbox/plain.pdf",
    ]
    gone = {
        "communications_outboxmessage": {"invoice_id", "to", "cc", "bcc", "reply_to"},
        "communications_inboundmessage": {"invoice_id"},
        "communications_outboxattachment": {"document_id"},
    }
    with connection.cursor() as cursor:
        for table, columns in gone.items():
            assert not columns & {c.name for c in connection.introspection.get_table_description(cursor, table)}
