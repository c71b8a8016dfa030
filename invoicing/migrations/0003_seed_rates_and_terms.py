"""German VAT rates and common payment terms to start with; finance managers edit both."""

import datetime

from django.db import migrations

RATES = [
    ("S", "19.00", "Regelsteuersatz 19 %"),
    ("S", "7.00", "ermäßigter Steuersatz 7 %"),
    ("Z", "0.00", "Nullsatz (§ 12 Abs. 3 UStG)"),
    ("E", "0.00", "steuerfrei"),
    ("AE", "0.00", "Steuerschuldnerschaft des Leistungsempfängers"),
    ("K", "0.00", "innergemeinschaftliche Lieferung"),
    ("G", "0.00", "Ausfuhrlieferung"),
    ("O", "0.00", "nicht steuerbar"),
]
TERMS = [
    ("14 Tage netto", "net", 14, [], False),
    ("30 Tage netto", "net", 30, [], True),
    ("2 % Skonto 10 Tage, 30 Tage netto", "net", 30, [{"percent": "2.00", "days": 10}], False),
    ("Monatsende + 15 Tage", "end_of_month", 15, [], False),
    ("Sofort fällig", "net", 0, [], False),
]


def seed(apps, schema_editor):
    VatRate = apps.get_model("invoicing", "VatRate")
    PaymentTerms = apps.get_model("invoicing", "PaymentTerms")
    since = datetime.date(2007, 1, 1)
    for category, rate, label in RATES:
        VatRate.objects.get_or_create(
            country="DE", category=category, rate=rate, valid_from=since, defaults={"label": label}
        )
    for name, basis, days, tiers, default in TERMS:
        PaymentTerms.objects.get_or_create(
            name=name, defaults={"basis": basis, "days": days, "discount_tiers": tiers, "is_default": default}
        )


def unseed(apps, schema_editor):
    apps.get_model("invoicing", "PaymentTerms").objects.filter(name__in=[t[0] for t in TERMS]).delete()
    apps.get_model("invoicing", "VatRate").objects.filter(country="DE", valid_from=datetime.date(2007, 1, 1)).delete()


class Migration(migrations.Migration):
    dependencies = [("invoicing", "0002_immutable_issued_documents")]

    operations = [migrations.RunPython(seed, unseed)]
