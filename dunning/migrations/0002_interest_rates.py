"""Interest part of dunning (issue 19): the Austrian base rate series, flat-fee credits, and the seeds.

Seeds (finance managers edit them; a seeded row that exists already is left as it is):

- The German base rate (§ 247 BGB) from 2002-01-01 to 2026-01-01, one row for EVERY half-year
  (also where it did not change, e.g. −0.88 % from 2016-07-01 to 2022-12-31), so the lookup can
  treat a half-year without a row after the last one as missing. Source: Deutsche Bundesbank,
  "Basiszinssatz gemäß § 247 BGB" (the Bundesbank's published table of the base rate,
  www.bundesbank.de › Statistiken › Geld- und Kapitalmärkte › Zinssätze und Renditen ›
  Basiszinssatz). 2026-07-01 onward is entered from the Bundesbank's announcement, not guessed.
- The ECB main refinancing operations rate (fixed rate tenders) at every change since
  2012-07-11, and a confirmation row for 2025-07-01 (the rate fixed for that half-year; the
  Directive fixes the rate in force on 1 January / 1 July for the half-year). Source: European
  Central Bank, "Key ECB interest rates" (www.ecb.europa.eu › Monetary policy › Key ECB interest
  rates). Later half-years are entered from the ECB's table.
- Default interest rules of the euro-area member states (Directive 2011/7/EU): ECB + 8 points and
  € 40 for business and public debtors, flagged as only the Directive's minimum, except France
  (business: ECB + 10 points, art. L441-10 Code de commerce, € 40 art. D441-5; public: ECB + 8,
  art. R2192-31 Code de la commande publique) and Austria (business and public: the Austrian base
  rate + 9.2 points, § 456 UGB; € 40, § 458 UGB — the Austrian base rate is a series of its own,
  ``at_base``, entered by finance managers from the Oesterreichische Nationalbank's publication;
  none is seeded, so Austrian interest waits for it and the run says so). Member states outside
  the euro area (CZ, DK, HU, PL, RO, SE) use their central bank's rate: no rule is seeded, and
  without a rule no interest is charged under their law.
"""

from datetime import date
from decimal import Decimal

import django.db.models.deletion
from django.db import migrations, models

SOURCE_DE = "Deutsche Bundesbank, Basiszinssatz gemäß § 247 BGB (published table, bundesbank.de)"
SOURCE_ECB = "European Central Bank, key ECB interest rates: main refinancing operations (ecb.europa.eu)"

DE_BASE = [
    ("2002-01-01", "2.57"), ("2002-07-01", "2.47"), ("2003-01-01", "1.97"), ("2003-07-01", "1.22"),
    ("2004-01-01", "1.14"), ("2004-07-01", "1.13"), ("2005-01-01", "1.21"), ("2005-07-01", "1.17"),
    ("2006-01-01", "1.37"), ("2006-07-01", "1.95"), ("2007-01-01", "2.70"), ("2007-07-01", "3.19"),
    ("2008-01-01", "3.32"), ("2008-07-01", "3.19"), ("2009-01-01", "1.62"), ("2009-07-01", "0.12"),
    ("2010-01-01", "0.12"), ("2010-07-01", "0.12"), ("2011-01-01", "0.12"), ("2011-07-01", "0.37"),
    ("2012-01-01", "0.12"), ("2012-07-01", "0.12"), ("2013-01-01", "-0.13"), ("2013-07-01", "-0.38"),
    ("2014-01-01", "-0.63"), ("2014-07-01", "-0.73"), ("2015-01-01", "-0.83"), ("2015-07-01", "-0.83"),
    ("2016-01-01", "-0.83"), ("2016-07-01", "-0.88"), ("2017-01-01", "-0.88"), ("2017-07-01", "-0.88"),
    ("2018-01-01", "-0.88"), ("2018-07-01", "-0.88"), ("2019-01-01", "-0.88"), ("2019-07-01", "-0.88"),
    ("2020-01-01", "-0.88"), ("2020-07-01", "-0.88"), ("2021-01-01", "-0.88"), ("2021-07-01", "-0.88"),
    ("2022-01-01", "-0.88"), ("2022-07-01", "-0.88"), ("2023-01-01", "1.62"), ("2023-07-01", "3.12"),
    ("2024-01-01", "3.62"), ("2024-07-01", "3.37"), ("2025-01-01", "2.27"), ("2025-07-01", "1.27"),
    ("2026-01-01", "1.27"),
]  # fmt: skip

ECB_MRO = [
    ("2012-07-11", "0.75"), ("2013-05-08", "0.50"), ("2013-11-13", "0.25"), ("2014-06-11", "0.15"),
    ("2014-09-10", "0.05"), ("2016-03-16", "0.00"), ("2022-07-27", "0.50"), ("2022-09-14", "1.25"),
    ("2022-11-02", "2.00"), ("2022-12-21", "2.50"), ("2023-02-08", "3.00"), ("2023-03-22", "3.50"),
    ("2023-05-10", "3.75"), ("2023-06-21", "4.00"), ("2023-08-02", "4.25"), ("2023-09-20", "4.50"),
    ("2024-06-12", "4.25"), ("2024-09-18", "3.65"), ("2024-10-23", "3.40"), ("2024-12-18", "3.15"),
    ("2025-02-05", "2.90"), ("2025-03-12", "2.65"), ("2025-04-23", "2.40"), ("2025-06-11", "2.15"),
    ("2025-07-01", "2.15"),
]  # fmt: skip

# Euro-area member states other than Germany (Bulgaria since 2026-01-01).
EURO_AREA = ["AT", "BE", "BG", "CY", "EE", "ES", "FI", "FR", "GR", "HR", "IE", "IT", "LT", "LU", "LV", "MT", "NL",
             "PT", "SI", "SK"]  # fmt: skip

MINIMUM_NOTE = (
    "Directive 2011/7/EU Art. 2 Nr. 6: ECB rate + 8 points is only the minimum; enter the member state's rule"
)
RULES = {
    ("FR", "business"): ("ecb_mro", "10", False, "Code de commerce art. L441-10 (ECB + 10 points), D441-5 (€ 40)"),
    ("FR", "public"): ("ecb_mro", "8", False, "Code de la commande publique art. R2192-31 (ECB + 8 points), € 40"),
    ("AT", "business"): ("at_base", "9.2", False, "§ 456 UGB (base rate + 9.2 points), § 458 UGB (€ 40)"),
    ("AT", "public"): ("at_base", "9.2", False, "§ 456 UGB (base rate + 9.2 points), § 458 UGB (€ 40)"),
}


def seed(apps, schema_editor):
    ReferenceRate = apps.get_model("dunning", "ReferenceRate")
    ForeignInterestRule = apps.get_model("dunning", "ForeignInterestRule")
    for series, rows, source in (("de_base", DE_BASE, SOURCE_DE), ("ecb_mro", ECB_MRO, SOURCE_ECB)):
        for day, rate in rows:
            ReferenceRate.objects.get_or_create(
                series=series, valid_from=date.fromisoformat(day), defaults={"rate": Decimal(rate), "source": source}
            )
    for country in EURO_AREA:
        for kind in ("business", "public"):
            series, margin, minimum, note = RULES.get((country, kind), ("ecb_mro", "8", True, MINIMUM_NOTE))
            ForeignInterestRule.objects.get_or_create(
                country=country,
                debtor_kind=kind,
                defaults={
                    "series": series,
                    "margin": Decimal(margin),
                    "compensation": Decimal("40.00"),
                    "directive_minimum": minimum,
                    "note": note,
                },
            )


class Migration(migrations.Migration):
    dependencies = [
        ("dunning", "0001_initial"),
        ("invoicing", "0003_invoice_payment_means"),
    ]

    operations = [
        migrations.AlterField(
            model_name="foreigninterestrule",
            name="series",
            field=models.CharField(
                choices=[
                    ("de_base", "German base rate (§ 247 BGB)"),
                    ("ecb_mro", "ECB main refinancing rate (Directive 2011/7/EU)"),
                    ("at_base", "Austrian base rate (Oesterreichische Nationalbank)"),
                ],
                default="ecb_mro",
                max_length=8,
                verbose_name="reference rate",
            ),
        ),
        migrations.AlterField(
            model_name="referencerate",
            name="series",
            field=models.CharField(
                choices=[
                    ("de_base", "German base rate (§ 247 BGB)"),
                    ("ecb_mro", "ECB main refinancing rate (Directive 2011/7/EU)"),
                    ("at_base", "Austrian base rate (Oesterreichische Nationalbank)"),
                ],
                max_length=8,
                verbose_name="series",
            ),
        ),
        migrations.CreateModel(
            name="FlatFeeCredit",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("fee", models.DecimalField(decimal_places=2, max_digits=14, verbose_name="dunning fee")),
                (
                    "credited",
                    models.DecimalField(decimal_places=2, max_digits=14, verbose_name="credited against the flat fee"),
                ),
                ("created_at", models.DateTimeField(verbose_name="created")),
                (
                    "invoice",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="invoicing.invoice",
                        verbose_name="invoice",
                    ),
                ),
                (
                    "reminder",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="dunning.reminder",
                        verbose_name="reminder",
                    ),
                ),
            ],
            options={
                "verbose_name": "dunning fee credited against the flat fee",
                "verbose_name_plural": "dunning fees credited against the flat fee",
                "ordering": ["invoice_id", "id"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("credited__gt", 0), ("credited__lte", models.F("fee"))),
                        name="dunning_fee_credit_in_range",
                    ),
                    models.UniqueConstraint(
                        fields=("reminder", "invoice"), name="dunning_fee_credit_once_per_reminder"
                    ),
                ],
            },
        ),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
