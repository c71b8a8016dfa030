"""The default return fee rules (README, *Direct-debit confirmations and returns*).

Charging a return fee on is a claim for damages (§ 280 (1) BGB): only where the customer caused the
return. Insufficient funds, a closed or blocked account and a service of the payer's bank are
the customer's doing (charge); "no reason given" hides several causes and an MD01 is disputed
only where we hold a signed mandate (ask a person); a refund within the eight weeks the rulebook
grants, the payer's death and every code pointing at our own data or file are never charged.
Rows that exist already (edited by a finance manager) are left as they are.
"""

from django.db import migrations

DEFAULTS = [
    ("AM04", "charge"),
    ("AC04", "charge"),
    ("AC06", "charge"),
    ("SL01", "charge"),
    ("MS02", "ask"),
    ("MS03", "ask"),
    ("MD01", "ask"),
    ("MD06", "never"),
    ("MD07", "never"),
    ("AC01", "never"),
    ("AM05", "never"),
    ("MD02", "never"),
    ("RC01", "never"),
    ("FF01", "never"),
    ("BE05", "never"),
    ("*", "ask"),
]


def seed(apps, schema_editor):
    rule = apps.get_model("payments", "ReturnFeeRule")
    for code, decision in DEFAULTS:
        rule.objects.get_or_create(reason_code=code, defaults={"decision": decision})


class Migration(migrations.Migration):
    dependencies = [("payments", "0016_bank_batches_return_fees")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
