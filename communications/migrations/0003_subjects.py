"""A message's invoice becomes a subject link (content type + id): no foreign key into invoicing remains.

The rows of the old ``invoice`` columns are copied into the link tables before the columns go;
backwards, the first invoice link of a message fills the column again.
"""

import django.db.models.deletion
from django.db import migrations, models

PAIRS = (("OutboxMessage", "MessageSubject"), ("InboundMessage", "InboundSubject"))
BATCH = 2000


def _invoice_type(apps):
    # The old column's own target names the content type (no reference into invoicing here).
    target = apps.get_model("communications", "OutboxMessage")._meta.get_field("invoice").related_model._meta
    ContentType = apps.get_model("contenttypes", "ContentType")
    return ContentType.objects.get_or_create(app_label=target.app_label, model=target.model_name)[0]


def invoice_to_subjects(apps, schema_editor):
    invoice_type = None
    for message_name, link_name in PAIRS:
        Message = apps.get_model("communications", message_name)
        Link = apps.get_model("communications", link_name)
        rows = Message.objects.filter(invoice__isnull=False).order_by("pk").values_list("pk", "invoice_id")
        batch = []
        for message_id, invoice_id in rows.iterator(chunk_size=BATCH):
            invoice_type = invoice_type or _invoice_type(apps)
            batch.append(Link(message_id=message_id, content_type_id=invoice_type.pk, object_id=invoice_id))
            if len(batch) >= BATCH:
                Link.objects.bulk_create(batch)
                batch = []
        Link.objects.bulk_create(batch)


def subjects_to_invoice(apps, schema_editor):
    invoice_type = _invoice_type(apps)
    for message_name, link_name in PAIRS:
        Message = apps.get_model("communications", message_name)
        Link = apps.get_model("communications", link_name)
        first = Link.objects.filter(message=models.OuterRef("pk"), content_type=invoice_type).order_by("id")
        Message.objects.update(invoice_id=models.Subquery(first.values("object_id")[:1]))


class Migration(migrations.Migration):
    dependencies = [
        ("communications", "0002_stuck_schedule_task_path"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.CreateModel(
            name="InboundSubject",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("object_id", models.PositiveBigIntegerField(verbose_name="object id")),
                (
                    "content_type",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="contenttypes.contenttype",
                        verbose_name="content type",
                    ),
                ),
                (
                    "message",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="subjects",
                        to="communications.inboundmessage",
                        verbose_name="message",
                    ),
                ),
            ],
            options={
                "verbose_name": "subject",
                "verbose_name_plural": "subjects",
                "ordering": ["message_id", "id"],
                "indexes": [models.Index(fields=["content_type", "object_id"], name="comms_inbound_subject_object")],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("message", "content_type", "object_id"), name="comms_inbound_subject_once"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="MessageSubject",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("object_id", models.PositiveBigIntegerField(verbose_name="object id")),
                (
                    "content_type",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="contenttypes.contenttype",
                        verbose_name="content type",
                    ),
                ),
                (
                    "message",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="subjects",
                        to="communications.outboxmessage",
                        verbose_name="message",
                    ),
                ),
            ],
            options={
                "verbose_name": "subject",
                "verbose_name_plural": "subjects",
                "ordering": ["message_id", "id"],
                "indexes": [models.Index(fields=["content_type", "object_id"], name="comms_subject_object")],
                "constraints": [
                    models.UniqueConstraint(fields=("message", "content_type", "object_id"), name="comms_subject_once")
                ],
            },
        ),
        migrations.RunPython(invoice_to_subjects, subjects_to_invoice, elidable=False),
        migrations.RemoveField(
            model_name="inboundmessage",
            name="invoice",
        ),
        migrations.RemoveField(
            model_name="outboxmessage",
            name="invoice",
        ),
    ]
