"""The default dunning policy "Standard": a friendly payment reminder 7 days after the due date, a
reminder with fee and interest 14 days later, a final reminder with the invoices and a statement
another 14 days later that opens a "call the customer" task. Names are stored data in German
(the letter's title); finance managers change them, the levels and the fees in the admin."""

from decimal import Decimal

from django.db import migrations
from django.utils import timezone

POLICY = "Standard"
LEVELS = [
    {
        "position": 1, "name": "Zahlungserinnerung", "days": 7, "counted_from": "due_date",
        "template": "payment_reminder", "fee": Decimal("0.00"), "charges_interest": False,
        "attach_invoices": False, "attach_statement": False, "task_kind": "",
    },
    {
        "position": 2, "name": "Mahnung", "days": 14, "counted_from": "previous",
        "template": "dunning_notice", "fee": Decimal("5.00"), "charges_interest": True,
        "attach_invoices": True, "attach_statement": False, "task_kind": "",
    },
    {
        "position": 3, "name": "Letzte Mahnung", "days": 14, "counted_from": "previous",
        "template": "final_notice", "fee": Decimal("5.00"), "charges_interest": True,
        "attach_invoices": True, "attach_statement": True, "task_kind": "call_customer",
    },
]  # fmt: skip


def create(apps, schema_editor):
    DunningPolicy = apps.get_model("dunning", "DunningPolicy")
    DunningLevel = apps.get_model("dunning", "DunningLevel")
    if DunningPolicy.objects.filter(is_default=True).exists():
        return
    now = timezone.now()
    policy, _created = DunningPolicy.objects.get_or_create(
        name=POLICY, defaults={"is_default": True, "created_at": now, "updated_at": now}
    )
    if not _created:
        return
    DunningLevel.objects.bulk_create([DunningLevel(policy=policy, **level) for level in LEVELS])


def remove(apps, schema_editor):
    DunningPolicy = apps.get_model("dunning", "DunningPolicy")
    DunningLevel = apps.get_model("dunning", "DunningLevel")
    policy = DunningPolicy.objects.filter(name=POLICY, is_default=True).first()
    if policy is None:
        return
    DunningLevel.objects.filter(policy=policy).delete()
    policy.delete()


class Migration(migrations.Migration):
    dependencies = [("dunning", "0001_initial")]

    operations = [migrations.RunPython(create, remove)]
