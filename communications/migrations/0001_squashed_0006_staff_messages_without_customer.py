"""The communications app's tables as six migrations (0001–0006, issue 15) left them, in one.

Squashed in issue 15 (see customers' squashed 0001 for why): the old 0001 took the messages over
from ``customers`` with their foreign keys to invoices and documents, which 0003–0005 turned into
subject links, stored-file references and recipient rows. A new database gets the final shape
directly; the table, index and constraint names stay those of the moved tables. A database that
applied all of 0001–0006 counts this one as applied (``replaces``).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import core.languages


class Migration(migrations.Migration):
    initial = True

    replaces = [
        ("communications", "0001_initial"),
        ("communications", "0002_stuck_schedule_task_path"),
        ("communications", "0003_subjects"),
        ("communications", "0004_attachments_by_stored_file"),
        ("communications", "0005_recipients"),
        ("communications", "0006_staff_messages_without_customer"),
    ]

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("customers", "0001_squashed_0009_payment_terms"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="InboundMessage",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "matched_by",
                    models.CharField(
                        choices=[
                            ("reply_address", "reply address of our message"),
                            ("headers", "In-Reply-To / References of our message"),
                            ("sender", "sender is a known contact"),
                            ("none", "not matched"),
                        ],
                        max_length=13,
                        verbose_name="matched by",
                    ),
                ),
                ("provider", models.CharField(blank=True, default="", max_length=30, verbose_name="provider")),
                (
                    "provider_message_id",
                    models.CharField(blank=True, default="", max_length=255, verbose_name="provider message id"),
                ),
                ("message_id", models.CharField(blank=True, default="", max_length=255, verbose_name="Message-ID")),
                ("from_email", models.CharField(max_length=320, verbose_name="from")),
                ("from_name", models.CharField(blank=True, default="", max_length=200, verbose_name="sender name")),
                ("to", models.JSONField(default=list, verbose_name="to")),
                ("subject", models.CharField(blank=True, default="", max_length=998, verbose_name="subject")),
                ("body_text", models.TextField(blank=True, default="", verbose_name="text body")),
                ("body_html", models.TextField(blank=True, default="", verbose_name="HTML body")),
                ("headers", models.JSONField(blank=True, default=dict, verbose_name="headers")),
                ("received_at", models.DateTimeField(verbose_name="received")),
                (
                    "contact",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="customers.contact",
                        verbose_name="contact",
                    ),
                ),
                (
                    "customer",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="inbound_messages",
                        to="customers.customer",
                        verbose_name="customer",
                    ),
                ),
            ],
            options={
                "verbose_name": "incoming message",
                "verbose_name_plural": "incoming messages",
                "ordering": ["-received_at", "-id"],
            },
        ),
        migrations.CreateModel(
            name="InboundAttachment",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("filename", models.CharField(max_length=200, verbose_name="file name")),
                ("content_type", models.CharField(max_length=100, verbose_name="content type")),
                ("file", models.FileField(max_length=255, upload_to="", verbose_name="file")),
                ("sha256", models.CharField(max_length=64, verbose_name="SHA-256")),
                ("size", models.PositiveIntegerField(verbose_name="size (bytes)")),
                (
                    "message",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="attachments",
                        to="communications.inboundmessage",
                        verbose_name="message",
                    ),
                ),
            ],
            options={
                "verbose_name": "attachment",
                "verbose_name_plural": "attachments",
                "ordering": ["message_id", "id"],
            },
        ),
        migrations.CreateModel(
            name="OutboxMessage",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "template",
                    models.CharField(
                        help_text="e.g. invoice, credit_note, due_date_changed", max_length=50, verbose_name="template"
                    ),
                ),
                (
                    "language",
                    models.CharField(choices=core.languages.language_choices, max_length=5, verbose_name="language"),
                ),
                ("from_email", models.CharField(max_length=320, verbose_name="from")),
                ("subject", models.CharField(max_length=998, verbose_name="subject")),
                ("body_text", models.TextField(verbose_name="text body")),
                ("body_html", models.TextField(blank=True, default="", verbose_name="HTML body")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("queued", "queued"),
                            ("sending", "sending"),
                            ("sent", "sent"),
                            ("delivered", "delivered"),
                            ("bounced", "bounced"),
                            ("failed", "failed"),
                            ("cancelled", "cancelled"),
                        ],
                        default="queued",
                        max_length=9,
                        verbose_name="status",
                    ),
                ),
                ("message_id", models.CharField(blank=True, default="", max_length=255, verbose_name="Message-ID")),
                ("provider", models.CharField(blank=True, default="", max_length=30, verbose_name="provider")),
                (
                    "provider_message_id",
                    models.CharField(blank=True, default="", max_length=255, verbose_name="provider message id"),
                ),
                ("attempts", models.PositiveSmallIntegerField(default=0, verbose_name="attempts")),
                ("last_error", models.TextField(blank=True, default="", verbose_name="last error")),
                (
                    "cause",
                    models.CharField(
                        help_text="what made us write, e.g. 'invoice issued'", max_length=200, verbose_name="cause"
                    ),
                ),
                ("created_at", models.DateTimeField(verbose_name="created")),
                ("sending_at", models.DateTimeField(blank=True, null=True, verbose_name="handed to the provider at")),
                ("sent_at", models.DateTimeField(blank=True, null=True, verbose_name="sent")),
                ("delivered_at", models.DateTimeField(blank=True, null=True, verbose_name="delivered")),
                ("opened_at", models.DateTimeField(blank=True, null=True, verbose_name="first opened")),
                ("bounced_at", models.DateTimeField(blank=True, null=True, verbose_name="bounced")),
                ("failed_at", models.DateTimeField(blank=True, null=True, verbose_name="failed")),
                ("updated_at", models.DateTimeField(verbose_name="updated")),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="created by",
                    ),
                ),
                (
                    "customer",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="outbox_messages",
                        to="customers.customer",
                        verbose_name="customer",
                    ),
                ),
                (
                    "resend_of",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="resends",
                        to="communications.outboxmessage",
                        verbose_name="resend of",
                    ),
                ),
            ],
            options={
                "verbose_name": "outgoing message",
                "verbose_name_plural": "outbox",
                "ordering": ["-created_at", "-id"],
            },
        ),
        migrations.CreateModel(
            name="OutboxAttachment",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("filename", models.CharField(max_length=200, verbose_name="file name")),
                ("content_type", models.CharField(max_length=100, verbose_name="content type")),
                ("file", models.FileField(max_length=255, upload_to="", verbose_name="file")),
                ("sha256", models.CharField(max_length=64, verbose_name="SHA-256")),
                ("size", models.PositiveIntegerField(verbose_name="size (bytes)")),
                (
                    "message",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="attachments",
                        to="communications.outboxmessage",
                        verbose_name="message",
                    ),
                ),
            ],
            options={
                "verbose_name": "attachment",
                "verbose_name_plural": "attachments",
                "ordering": ["message_id", "id"],
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
                "abstract": False,
            },
        ),
        migrations.CreateModel(
            name="MessageRecipient",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "kind",
                    models.CharField(
                        choices=[("to", "to"), ("cc", "cc"), ("bcc", "bcc"), ("reply_to", "reply to")],
                        max_length=8,
                        verbose_name="kind",
                    ),
                ),
                ("name", models.CharField(blank=True, default="", max_length=200, verbose_name="name")),
                ("address", models.CharField(max_length=320, verbose_name="e-mail")),
                (
                    "contact",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="customers.contact",
                        verbose_name="contact",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="user",
                    ),
                ),
                (
                    "message",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="recipients",
                        to="communications.outboxmessage",
                        verbose_name="message",
                    ),
                ),
            ],
            options={
                "verbose_name": "recipient",
                "verbose_name_plural": "recipients",
                "ordering": ["message_id", "id"],
            },
        ),
        migrations.CreateModel(
            name="MessageEvent",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("queued", "queued"),
                            ("sending", "handed to the provider"),
                            ("sent", "accepted by the provider"),
                            ("deferred", "delayed"),
                            ("delivered", "delivered"),
                            ("bounced", "bounced"),
                            ("rejected", "rejected"),
                            ("complained", "marked as spam"),
                            ("opened", "opened"),
                            ("clicked", "link clicked"),
                            ("failed", "failed"),
                            ("stuck", "outcome unknown (crash during hand-off)"),
                            ("cancelled", "cancelled"),
                            ("unknown", "other"),
                        ],
                        max_length=10,
                        verbose_name="event",
                    ),
                ),
                ("at", models.DateTimeField(verbose_name="at")),
                (
                    "provider_event_id",
                    models.CharField(blank=True, default="", max_length=255, verbose_name="provider event id"),
                ),
                ("description", models.TextField(blank=True, default="", verbose_name="description")),
                ("data", models.JSONField(blank=True, default=dict, verbose_name="data")),
                (
                    "message",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="events",
                        to="communications.outboxmessage",
                        verbose_name="message",
                    ),
                ),
            ],
            options={
                "verbose_name": "message event",
                "verbose_name_plural": "message events",
                "ordering": ["message_id", "at", "id"],
            },
        ),
        migrations.AddField(
            model_name="inboundmessage",
            name="in_reply_to",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="replies",
                to="communications.outboxmessage",
                verbose_name="reply to",
            ),
        ),
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
                "abstract": False,
                "indexes": [models.Index(fields=["content_type", "object_id"], name="comms_inbound_subject_object")],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("message", "content_type", "object_id"), name="comms_inbound_subject_once"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="MessageWording",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("template", models.CharField(max_length=50, verbose_name="template")),
                (
                    "language",
                    models.CharField(choices=core.languages.language_choices, max_length=5, verbose_name="language"),
                ),
                ("subject", models.CharField(blank=True, default="", max_length=300, verbose_name="subject")),
                ("intro", models.TextField(blank=True, default="", verbose_name="opening text")),
                ("updated_at", models.DateTimeField(verbose_name="updated")),
                (
                    "updated_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="updated by",
                    ),
                ),
            ],
            options={
                "verbose_name": "message wording",
                "verbose_name_plural": "message wording",
                "ordering": ["template", "language", "id"],
                "constraints": [
                    models.UniqueConstraint(fields=("template", "language"), name="customers_message_wording_once")
                ],
            },
        ),
        migrations.AddIndex(
            model_name="outboxmessage",
            index=models.Index(fields=["status", "sending_at"], name="customers_outbox_status"),
        ),
        migrations.AddIndex(
            model_name="outboxmessage",
            index=models.Index(fields=["customer", "created_at"], name="customers_outbox_customer"),
        ),
        migrations.AddIndex(
            model_name="outboxmessage",
            index=models.Index(fields=["provider_message_id"], name="customers_outbox_provider_id"),
        ),
        migrations.AddConstraint(
            model_name="outboxmessage",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("status__in", ["queued", "sending", "sent", "delivered", "bounced", "failed", "cancelled"])
                ),
                name="customers_outbox_status_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="outboxmessage",
            constraint=models.UniqueConstraint(
                condition=models.Q(("message_id", ""), _negated=True),
                fields=("message_id",),
                name="customers_outbox_message_id_once",
            ),
        ),
        migrations.AddConstraint(
            model_name="outboxmessage",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("status__in", ["queued", "cancelled"]), ("sending_at__isnull", False), _connector="OR"
                ),
                name="customers_outbox_handed_over_has_time",
            ),
        ),
        migrations.AddIndex(
            model_name="messagesubject",
            index=models.Index(fields=["content_type", "object_id"], name="comms_subject_object"),
        ),
        migrations.AddConstraint(
            model_name="messagesubject",
            constraint=models.UniqueConstraint(
                fields=("message", "content_type", "object_id"), name="comms_subject_once"
            ),
        ),
        migrations.AddConstraint(
            model_name="messagerecipient",
            constraint=models.CheckConstraint(
                condition=models.Q(("kind__in", ["to", "cc", "bcc", "reply_to"])), name="comms_recipient_kind_valid"
            ),
        ),
        migrations.AddConstraint(
            model_name="messagerecipient",
            constraint=models.CheckConstraint(
                condition=models.Q(("contact__isnull", True), ("user__isnull", True), _connector="OR"),
                name="comms_recipient_contact_or_user",
            ),
        ),
        migrations.AddConstraint(
            model_name="messageevent",
            constraint=models.UniqueConstraint(
                condition=models.Q(("provider_event_id", ""), _negated=True),
                fields=("message", "kind", "provider_event_id"),
                name="customers_message_event_once",
            ),
        ),
        migrations.AddIndex(
            model_name="inboundmessage",
            index=models.Index(fields=["customer", "received_at"], name="customers_inbound_customer"),
        ),
        migrations.AddConstraint(
            model_name="inboundmessage",
            constraint=models.UniqueConstraint(
                condition=models.Q(("message_id", ""), _negated=True),
                fields=("provider", "message_id"),
                name="customers_inbound_once",
            ),
        ),
    ]
