"""To, Cc, Bcc and Reply-To become MessageRecipient rows (address, name, role, contact or staff user).

The JSON lists are copied row by row in their order before the columns go. A ``contact_id`` that
names no contact of the message's customer (deleted since, or never one) is not linked: the
address stays. Backwards, the lists are rebuilt from the rows.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

ROLES = ("to", "cc", "bcc", "reply_to")
BATCH = 500


def _entry(raw) -> dict:
    # Early rows may hold a bare address instead of {"name", "email", "contact_id"}.
    return {"email": raw} if isinstance(raw, str) else raw


def lists_to_rows(apps, schema_editor):
    Message = apps.get_model("communications", "OutboxMessage")
    Recipient = apps.get_model("communications", "MessageRecipient")
    Contact = apps.get_model("customers", "Contact")
    rows = Message.objects.order_by("pk").values_list("pk", "customer_id", *ROLES)
    batch = []
    for message_id, customer_id, *lists in rows.iterator(chunk_size=BATCH):
        entries = [(kind, _entry(raw)) for kind, values in zip(ROLES, lists, strict=True) for raw in values or ()]
        wanted = {e.get("contact_id") for _kind, e in entries if e.get("contact_id")}
        known = set(Contact.objects.filter(pk__in=wanted, customer_id=customer_id).values_list("pk", flat=True))
        for kind, entry in entries:
            if not entry.get("email"):
                continue
            batch.append(
                Recipient(
                    message_id=message_id,
                    kind=kind,
                    name=(entry.get("name") or "")[:200],
                    address=entry["email"][:320],
                    contact_id=entry.get("contact_id") if entry.get("contact_id") in known else None,
                )
            )
        if len(batch) >= BATCH:
            Recipient.objects.bulk_create(batch)
            batch = []
    Recipient.objects.bulk_create(batch)


def rows_to_lists(apps, schema_editor):
    Message = apps.get_model("communications", "OutboxMessage")
    Recipient = apps.get_model("communications", "MessageRecipient")
    for message in Message.objects.order_by("pk").iterator(chunk_size=BATCH):
        lists = {kind: [] for kind in ROLES}
        for row in Recipient.objects.filter(message_id=message.pk).order_by("id"):
            lists[row.kind].append({"name": row.name, "email": row.address, "contact_id": row.contact_id})
        Message.objects.filter(pk=message.pk).update(**lists)


class Migration(migrations.Migration):

    dependencies = [
        ('communications', '0004_attachments_by_stored_file'),
        ('customers', '0008_messages_move_to_communications'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='MessageRecipient',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('to', 'to'), ('cc', 'cc'), ('bcc', 'bcc'), ('reply_to', 'reply to')], max_length=8, verbose_name='kind')),
                ('name', models.CharField(blank=True, default='', max_length=200, verbose_name='name')),
                ('address', models.CharField(max_length=320, verbose_name='e-mail')),
                ('contact', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='customers.contact', verbose_name='contact')),
                ('message', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='recipients', to='communications.outboxmessage', verbose_name='message')),
                ('user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='user')),
            ],
            options={
                'verbose_name': 'recipient',
                'verbose_name_plural': 'recipients',
                'ordering': ['message_id', 'id'],
                'constraints': [models.CheckConstraint(condition=models.Q(('kind__in', ['to', 'cc', 'bcc', 'reply_to'])), name='comms_recipient_kind_valid'), models.CheckConstraint(condition=models.Q(('contact__isnull', True), ('user__isnull', True), _connector='OR'), name='comms_recipient_contact_or_user')],
            },
        ),
        migrations.RunPython(lists_to_rows, rows_to_lists, elidable=False),
        migrations.RemoveField(
            model_name='outboxmessage',
            name='bcc',
        ),
        migrations.RemoveField(
            model_name='outboxmessage',
            name='cc',
        ),
        migrations.RemoveField(
            model_name='outboxmessage',
            name='reply_to',
        ),
        migrations.RemoveField(
            model_name='outboxmessage',
            name='to',
        ),
    ]
