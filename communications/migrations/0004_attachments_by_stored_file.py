"""An attachment references its stored file (name + SHA-256 in core's document storage), not an
invoicing row: the last foreign key into invoicing goes.

Before the column is dropped, an attachment whose bytes are those of its linked invoice document
(same SHA-256) is pointed at that stored original; one whose digest differs keeps its own file,
which is what was sent. Backwards, the document is found again by stored name and digest.
"""

from django.db import migrations, models

BATCH = 2000


def _document_model(Attachment):
    # The old column's own target (no reference into invoicing here).
    return Attachment._meta.get_field("document").related_model


def reference_stored_originals(apps, schema_editor):
    Attachment = apps.get_model("communications", "OutboxAttachment")
    Document = _document_model(Attachment)
    same_bytes = Document.objects.filter(pk=models.OuterRef("document_id"), sha256=models.OuterRef("sha256"))
    Attachment.objects.filter(document__isnull=False).filter(models.Exists(same_bytes)).update(
        file=models.Subquery(same_bytes.values("file")[:1])
    )


def link_documents_again(apps, schema_editor):
    Attachment = apps.get_model("communications", "OutboxAttachment")
    Document = _document_model(Attachment)
    same_file = Document.objects.filter(file=models.OuterRef("file"), sha256=models.OuterRef("sha256"))
    Attachment.objects.update(document_id=models.Subquery(same_file.order_by("pk").values("pk")[:1]))


class Migration(migrations.Migration):
    dependencies = [
        ("communications", "0003_subjects"),
    ]

    operations = [
        migrations.RunPython(reference_stored_originals, link_documents_again, elidable=False),
        migrations.RemoveField(
            model_name="outboxattachment",
            name="document",
        ),
    ]
