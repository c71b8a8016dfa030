"""Customers' tables as nine migrations (0001–0009, issues 1–15) left them, in one migration.

Squashed in issue 15 so that the migration history depends one way, like the code (README,
*Architecture*): the old 0003 and 0005 pointed at ``invoicing`` (payment terms and messages lived
there or linked there then). ``PaymentTerms`` is created here directly, over the table name it
always had (``invoicing_paymentterms``), and the payment terms every new database starts with are
seeded here. A database that applied all of 0001–0009 counts this one as applied (``replaces``);
one that stopped in between must first migrate with a release from before the squash (README,
*Upgrading*).
"""

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models

import core.languages
import customers.countries

# Payment terms every new database starts with; finance managers edit them.
TERMS = [
    ("14 Tage netto", "net", 14, [], False),
    ("30 Tage netto", "net", 30, [], True),
    ("2 % Skonto 10 Tage, 30 Tage netto", "net", 30, [{"percent": "2.00", "days": 10}], False),
    ("Monatsende + 15 Tage", "end_of_month", 15, [], False),
    ("Sofort fällig", "net", 0, [], False),
]


def seed_terms(apps, schema_editor):
    PaymentTerms = apps.get_model("customers", "PaymentTerms")
    for name, basis, days, tiers, default in TERMS:
        PaymentTerms.objects.get_or_create(
            name=name, defaults={"basis": basis, "days": days, "discount_tiers": tiers, "is_default": default}
        )


def unseed_terms(apps, schema_editor):
    apps.get_model("customers", "PaymentTerms").objects.filter(name__in=[t[0] for t in TERMS]).delete()


class Migration(migrations.Migration):
    initial = True

    replaces = [
        ("customers", "0001_initial"),
        ("customers", "0002_reverification_schedule"),
        ("customers", "0003_customer_payment_terms_and_more"),
        ("customers", "0004_e_invoice_format"),
        ("customers", "0005_messages"),
        ("customers", "0006_stuck_messages_schedule"),
        ("customers", "0007_language_choices_from_settings"),
        ("customers", "0008_messages_move_to_communications"),
        ("customers", "0009_payment_terms"),
    ]

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="VerificationCheck",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("code", models.CharField(max_length=50, verbose_name="check")),
                ("subject", models.CharField(blank=True, default="", max_length=100, verbose_name="subject")),
                (
                    "outcome",
                    models.CharField(
                        choices=[
                            ("passed", "passed"),
                            ("warning", "warning"),
                            ("failed", "failed"),
                            ("pending", "pending"),
                        ],
                        max_length=8,
                        verbose_name="outcome",
                    ),
                ),
                ("message", models.TextField(verbose_name="message")),
                ("details", models.JSONField(blank=True, default=dict, verbose_name="details")),
            ],
            options={
                "verbose_name": "verification check",
                "verbose_name_plural": "verification checks",
                "ordering": ["run_id", "id"],
            },
        ),
        migrations.CreateModel(
            name="Customer",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "number",
                    models.CharField(editable=False, max_length=32, unique=True, verbose_name="customer number"),
                ),
                ("legal_name", models.CharField(max_length=200, verbose_name="legal name")),
                (
                    "kind",
                    models.CharField(
                        choices=[("business", "business"), ("consumer", "consumer"), ("public", "public sector")],
                        default="business",
                        max_length=10,
                        verbose_name="type",
                    ),
                ),
                ("billing_street", models.CharField(max_length=200, verbose_name="street and number")),
                (
                    "billing_street2",
                    models.CharField(blank=True, default="", max_length=200, verbose_name="address line 2"),
                ),
                ("billing_postal_code", models.CharField(max_length=16, verbose_name="postal code")),
                ("billing_city", models.CharField(max_length=100, verbose_name="city")),
                (
                    "billing_country",
                    models.CharField(
                        choices=customers.countries.country_choices, default="DE", max_length=2, verbose_name="country"
                    ),
                ),
                ("has_shipping_address", models.BooleanField(default=False, verbose_name="separate shipping address")),
                (
                    "shipping_name",
                    models.CharField(blank=True, default="", max_length=200, verbose_name="shipping name"),
                ),
                (
                    "shipping_street",
                    models.CharField(blank=True, default="", max_length=200, verbose_name="shipping street and number"),
                ),
                (
                    "shipping_street2",
                    models.CharField(blank=True, default="", max_length=200, verbose_name="shipping address line 2"),
                ),
                (
                    "shipping_postal_code",
                    models.CharField(blank=True, default="", max_length=16, verbose_name="shipping postal code"),
                ),
                (
                    "shipping_city",
                    models.CharField(blank=True, default="", max_length=100, verbose_name="shipping city"),
                ),
                (
                    "shipping_country",
                    models.CharField(
                        blank=True,
                        choices=customers.countries.country_choices,
                        default="",
                        max_length=2,
                        verbose_name="shipping country",
                    ),
                ),
                (
                    "vat_id",
                    models.CharField(blank=True, db_index=True, default="", max_length=20, verbose_name="VAT ID"),
                ),
                ("tax_number", models.CharField(blank=True, default="", max_length=30, verbose_name="tax number")),
                (
                    "register_court",
                    models.CharField(blank=True, default="", max_length=100, verbose_name="register court"),
                ),
                (
                    "register_number",
                    models.CharField(blank=True, default="", max_length=50, verbose_name="register number"),
                ),
                ("leitweg_id", models.CharField(blank=True, default="", max_length=46, verbose_name="Leitweg-ID")),
                (
                    "e_invoice_scheme",
                    models.CharField(
                        blank=True,
                        default="",
                        help_text="EAS code of the e-invoice address (BT-49), e.g. EM for e-mail, 0204 for a Leitweg-ID.",
                        max_length=4,
                        verbose_name="electronic address scheme",
                    ),
                ),
                (
                    "e_invoice_address",
                    models.CharField(blank=True, default="", max_length=255, verbose_name="electronic address"),
                ),
                (
                    "invoice_delivery",
                    models.CharField(
                        choices=[
                            ("email", "by e-mail, automatically when issued"),
                            ("manual", "sent by hand (post, portal)"),
                        ],
                        default="email",
                        max_length=6,
                        verbose_name="invoice delivery",
                    ),
                ),
                (
                    "e_invoice_format",
                    models.CharField(
                        choices=[
                            ("zugferd", "ZUGFeRD / Factur-X (PDF with embedded XML)"),
                            ("xrechnung", "XRechnung (XML) and PDF"),
                        ],
                        default="zugferd",
                        help_text="ZUGFeRD: PDF with the embedded EN 16931 XML. XRechnung: also the standalone XRechnung XML (public-sector buyers and customers with a Leitweg-ID always get it).",
                        max_length=9,
                        verbose_name="e-invoice format",
                    ),
                ),
                (
                    "language",
                    models.CharField(
                        choices=core.languages.language_choices, default="de", max_length=5, verbose_name="language"
                    ),
                ),
                ("currency", models.CharField(default="EUR", max_length=3, verbose_name="currency")),
                (
                    "credit_limit",
                    models.DecimalField(
                        blank=True, decimal_places=2, max_digits=14, null=True, verbose_name="credit limit"
                    ),
                ),
                ("dunning_blocked", models.BooleanField(default=False, verbose_name="dunning blocked")),
                (
                    "dunning_block_reason",
                    models.CharField(blank=True, default="", max_length=255, verbose_name="reason for dunning block"),
                ),
                ("notes", models.TextField(blank=True, default="", verbose_name="notes")),
                (
                    "verification_status",
                    models.CharField(
                        choices=[
                            ("unverified", "unverified"),
                            ("verified", "verified"),
                            ("needs_review", "needs review"),
                        ],
                        default="unverified",
                        max_length=12,
                        verbose_name="verification",
                    ),
                ),
                ("last_verified_at", models.DateTimeField(blank=True, null=True, verbose_name="last verified")),
                ("created_at", models.DateTimeField(verbose_name="created")),
                ("updated_at", models.DateTimeField(verbose_name="updated")),
                (
                    "account_owner",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="owned_customers",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="account owner",
                    ),
                ),
            ],
            options={
                "verbose_name": "customer",
                "verbose_name_plural": "customers",
                "ordering": ["legal_name", "id"],
            },
        ),
        migrations.CreateModel(
            name="HistoricalBankAccount",
            fields=[
                ("id", models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name="ID")),
                ("iban", models.CharField(help_text="stored without spaces", max_length=34, verbose_name="IBAN")),
                ("bic", models.CharField(blank=True, default="", max_length=11, verbose_name="BIC")),
                (
                    "account_holder",
                    models.CharField(blank=True, default="", max_length=200, verbose_name="account holder"),
                ),
                ("bank_name", models.CharField(blank=True, default="", max_length=200, verbose_name="bank")),
                ("is_active", models.BooleanField(default=True, verbose_name="active")),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.CharField(max_length=100, null=True)),
                (
                    "history_type",
                    models.CharField(choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1),
                ),
                (
                    "customer",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="customers.customer",
                        verbose_name="customer",
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "historical bank account",
                "verbose_name_plural": "historical bank accounts",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="HistoricalContact",
            fields=[
                ("id", models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name="ID")),
                ("name", models.CharField(max_length=200, verbose_name="name")),
                ("role", models.CharField(blank=True, default="", max_length=100, verbose_name="role")),
                ("email", models.EmailField(blank=True, default="", max_length=254, verbose_name="e-mail")),
                (
                    "phone",
                    models.CharField(
                        blank=True, default="", help_text="stored as E.164", max_length=32, verbose_name="phone"
                    ),
                ),
                (
                    "language",
                    models.CharField(
                        blank=True,
                        choices=core.languages.language_choices,
                        default="",
                        help_text="empty: the customer's",
                        max_length=5,
                        verbose_name="language",
                    ),
                ),
                ("receives_invoices", models.BooleanField(default=False, verbose_name="receives invoices")),
                ("receives_reminders", models.BooleanField(default=False, verbose_name="receives reminders")),
                (
                    "email_invalid_since",
                    models.DateTimeField(blank=True, null=True, verbose_name="e-mail invalid since"),
                ),
                (
                    "email_invalid_reason",
                    models.CharField(blank=True, default="", max_length=255, verbose_name="why the e-mail is invalid"),
                ),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.CharField(max_length=100, null=True)),
                (
                    "history_type",
                    models.CharField(choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1),
                ),
                (
                    "customer",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="customers.customer",
                        verbose_name="customer",
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "historical contact person",
                "verbose_name_plural": "historical contact persons",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="PaymentTerms",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=100, unique=True, verbose_name="name")),
                (
                    "basis",
                    models.CharField(
                        choices=[
                            ("net", "days after invoice date"),
                            ("end_of_month", "days after the end of the invoice month"),
                        ],
                        default="net",
                        max_length=12,
                        verbose_name="basis",
                    ),
                ),
                ("days", models.PositiveSmallIntegerField(verbose_name="days")),
                ("discount_tiers", models.JSONField(blank=True, default=list, verbose_name="early payment discounts")),
                ("is_default", models.BooleanField(default=False, verbose_name="default for new customers")),
                ("active", models.BooleanField(default=True, verbose_name="active")),
            ],
            options={
                "verbose_name": "payment terms",
                "verbose_name_plural": "payment terms",
                "db_table": "invoicing_paymentterms",
                "ordering": ["name", "id"],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("is_default", True)),
                        fields=("is_default",),
                        name="invoicing_one_default_terms",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="HistoricalCustomer",
            fields=[
                ("id", models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name="ID")),
                (
                    "number",
                    models.CharField(db_index=True, editable=False, max_length=32, verbose_name="customer number"),
                ),
                ("legal_name", models.CharField(max_length=200, verbose_name="legal name")),
                (
                    "kind",
                    models.CharField(
                        choices=[("business", "business"), ("consumer", "consumer"), ("public", "public sector")],
                        default="business",
                        max_length=10,
                        verbose_name="type",
                    ),
                ),
                ("billing_street", models.CharField(max_length=200, verbose_name="street and number")),
                (
                    "billing_street2",
                    models.CharField(blank=True, default="", max_length=200, verbose_name="address line 2"),
                ),
                ("billing_postal_code", models.CharField(max_length=16, verbose_name="postal code")),
                ("billing_city", models.CharField(max_length=100, verbose_name="city")),
                (
                    "billing_country",
                    models.CharField(
                        choices=customers.countries.country_choices, default="DE", max_length=2, verbose_name="country"
                    ),
                ),
                ("has_shipping_address", models.BooleanField(default=False, verbose_name="separate shipping address")),
                (
                    "shipping_name",
                    models.CharField(blank=True, default="", max_length=200, verbose_name="shipping name"),
                ),
                (
                    "shipping_street",
                    models.CharField(blank=True, default="", max_length=200, verbose_name="shipping street and number"),
                ),
                (
                    "shipping_street2",
                    models.CharField(blank=True, default="", max_length=200, verbose_name="shipping address line 2"),
                ),
                (
                    "shipping_postal_code",
                    models.CharField(blank=True, default="", max_length=16, verbose_name="shipping postal code"),
                ),
                (
                    "shipping_city",
                    models.CharField(blank=True, default="", max_length=100, verbose_name="shipping city"),
                ),
                (
                    "shipping_country",
                    models.CharField(
                        blank=True,
                        choices=customers.countries.country_choices,
                        default="",
                        max_length=2,
                        verbose_name="shipping country",
                    ),
                ),
                (
                    "vat_id",
                    models.CharField(blank=True, db_index=True, default="", max_length=20, verbose_name="VAT ID"),
                ),
                ("tax_number", models.CharField(blank=True, default="", max_length=30, verbose_name="tax number")),
                (
                    "register_court",
                    models.CharField(blank=True, default="", max_length=100, verbose_name="register court"),
                ),
                (
                    "register_number",
                    models.CharField(blank=True, default="", max_length=50, verbose_name="register number"),
                ),
                ("leitweg_id", models.CharField(blank=True, default="", max_length=46, verbose_name="Leitweg-ID")),
                (
                    "e_invoice_scheme",
                    models.CharField(
                        blank=True,
                        default="",
                        help_text="EAS code of the e-invoice address (BT-49), e.g. EM for e-mail, 0204 for a Leitweg-ID.",
                        max_length=4,
                        verbose_name="electronic address scheme",
                    ),
                ),
                (
                    "e_invoice_address",
                    models.CharField(blank=True, default="", max_length=255, verbose_name="electronic address"),
                ),
                (
                    "invoice_delivery",
                    models.CharField(
                        choices=[
                            ("email", "by e-mail, automatically when issued"),
                            ("manual", "sent by hand (post, portal)"),
                        ],
                        default="email",
                        max_length=6,
                        verbose_name="invoice delivery",
                    ),
                ),
                (
                    "e_invoice_format",
                    models.CharField(
                        choices=[
                            ("zugferd", "ZUGFeRD / Factur-X (PDF with embedded XML)"),
                            ("xrechnung", "XRechnung (XML) and PDF"),
                        ],
                        default="zugferd",
                        help_text="ZUGFeRD: PDF with the embedded EN 16931 XML. XRechnung: also the standalone XRechnung XML (public-sector buyers and customers with a Leitweg-ID always get it).",
                        max_length=9,
                        verbose_name="e-invoice format",
                    ),
                ),
                (
                    "language",
                    models.CharField(
                        choices=core.languages.language_choices, default="de", max_length=5, verbose_name="language"
                    ),
                ),
                ("currency", models.CharField(default="EUR", max_length=3, verbose_name="currency")),
                (
                    "credit_limit",
                    models.DecimalField(
                        blank=True, decimal_places=2, max_digits=14, null=True, verbose_name="credit limit"
                    ),
                ),
                ("dunning_blocked", models.BooleanField(default=False, verbose_name="dunning blocked")),
                (
                    "dunning_block_reason",
                    models.CharField(blank=True, default="", max_length=255, verbose_name="reason for dunning block"),
                ),
                ("notes", models.TextField(blank=True, default="", verbose_name="notes")),
                ("created_at", models.DateTimeField(verbose_name="created")),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.CharField(max_length=100, null=True)),
                (
                    "history_type",
                    models.CharField(choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1),
                ),
                (
                    "account_owner",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="account owner",
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "payment_terms",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="customers.paymentterms",
                        verbose_name="default payment terms",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical customer",
                "verbose_name_plural": "historical customers",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.AddField(
            model_name="customer",
            name="payment_terms",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="customers.paymentterms",
                verbose_name="default payment terms",
            ),
        ),
        migrations.CreateModel(
            name="VatIdConfirmation",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "service",
                    models.CharField(
                        choices=[("vies", "EU VIES"), ("bzst", "BZSt qualified confirmation")],
                        max_length=4,
                        verbose_name="service",
                    ),
                ),
                ("vat_id", models.CharField(max_length=20, verbose_name="VAT ID")),
                ("requested_at", models.DateTimeField(verbose_name="requested at")),
                (
                    "result",
                    models.CharField(
                        choices=[("valid", "valid"), ("invalid", "invalid"), ("unavailable", "service unavailable")],
                        max_length=12,
                        verbose_name="result",
                    ),
                ),
                (
                    "request_identifier",
                    models.CharField(blank=True, default="", max_length=100, verbose_name="request identifier"),
                ),
                (
                    "answer_date",
                    models.CharField(blank=True, default="", max_length=40, verbose_name="date of the answer"),
                ),
                (
                    "trader_name",
                    models.CharField(blank=True, default="", max_length=255, verbose_name="registered name"),
                ),
                ("trader_address", models.TextField(blank=True, default="", verbose_name="registered address")),
                ("matches", models.JSONField(blank=True, default=dict, verbose_name="name and address match")),
                ("message", models.TextField(blank=True, default="", verbose_name="message")),
                ("raw_response", models.TextField(blank=True, default="", verbose_name="raw answer")),
                (
                    "customer",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="vat_confirmations",
                        to="customers.customer",
                        verbose_name="customer",
                    ),
                ),
                (
                    "check_row",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="confirmations",
                        to="customers.verificationcheck",
                        verbose_name="check",
                    ),
                ),
            ],
            options={
                "verbose_name": "VAT ID confirmation",
                "verbose_name_plural": "VAT ID confirmations",
                "ordering": ["-requested_at", "-id"],
            },
        ),
        migrations.CreateModel(
            name="VerificationRun",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "trigger",
                    models.CharField(
                        choices=[
                            ("manual", "verify now"),
                            ("created", "customer created"),
                            ("changed", "relevant data changed"),
                            ("scheduled", "scheduled re-verification"),
                        ],
                        max_length=10,
                        verbose_name="trigger",
                    ),
                ),
                ("run_at", models.DateTimeField(verbose_name="run at")),
                (
                    "outcome",
                    models.CharField(
                        choices=[
                            ("unverified", "unverified"),
                            ("verified", "verified"),
                            ("needs_review", "needs review"),
                        ],
                        max_length=12,
                        verbose_name="outcome",
                    ),
                ),
                (
                    "customer",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="verification_runs",
                        to="customers.customer",
                        verbose_name="customer",
                    ),
                ),
                (
                    "run_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="run by",
                    ),
                ),
            ],
            options={
                "verbose_name": "verification run",
                "verbose_name_plural": "verification runs",
                "ordering": ["-run_at", "-id"],
            },
        ),
        migrations.AddField(
            model_name="verificationcheck",
            name="run",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="checks",
                to="customers.verificationrun",
                verbose_name="run",
            ),
        ),
        migrations.CreateModel(
            name="Contact",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=200, verbose_name="name")),
                ("role", models.CharField(blank=True, default="", max_length=100, verbose_name="role")),
                ("email", models.EmailField(blank=True, default="", max_length=254, verbose_name="e-mail")),
                (
                    "phone",
                    models.CharField(
                        blank=True, default="", help_text="stored as E.164", max_length=32, verbose_name="phone"
                    ),
                ),
                (
                    "language",
                    models.CharField(
                        blank=True,
                        choices=core.languages.language_choices,
                        default="",
                        help_text="empty: the customer's",
                        max_length=5,
                        verbose_name="language",
                    ),
                ),
                ("receives_invoices", models.BooleanField(default=False, verbose_name="receives invoices")),
                ("receives_reminders", models.BooleanField(default=False, verbose_name="receives reminders")),
                (
                    "email_invalid_since",
                    models.DateTimeField(blank=True, null=True, verbose_name="e-mail invalid since"),
                ),
                (
                    "email_invalid_reason",
                    models.CharField(blank=True, default="", max_length=255, verbose_name="why the e-mail is invalid"),
                ),
                (
                    "customer",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="contacts",
                        to="customers.customer",
                        verbose_name="customer",
                    ),
                ),
            ],
            options={
                "verbose_name": "contact person",
                "verbose_name_plural": "contact persons",
                "ordering": ["customer_id", "name", "id"],
                "indexes": [models.Index(fields=["email"], name="customers_contact_email")],
            },
        ),
        migrations.CreateModel(
            name="BankAccount",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("iban", models.CharField(help_text="stored without spaces", max_length=34, verbose_name="IBAN")),
                ("bic", models.CharField(blank=True, default="", max_length=11, verbose_name="BIC")),
                (
                    "account_holder",
                    models.CharField(blank=True, default="", max_length=200, verbose_name="account holder"),
                ),
                ("bank_name", models.CharField(blank=True, default="", max_length=200, verbose_name="bank")),
                ("is_active", models.BooleanField(default=True, verbose_name="active")),
                (
                    "customer",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="bank_accounts",
                        to="customers.customer",
                        verbose_name="customer",
                    ),
                ),
            ],
            options={
                "verbose_name": "bank account",
                "verbose_name_plural": "bank accounts",
                "ordering": ["customer_id", "-is_active", "id"],
                "indexes": [models.Index(fields=["iban"], name="customers_bank_iban")],
                "constraints": [
                    models.UniqueConstraint(fields=("customer", "iban"), name="customers_one_iban_per_customer")
                ],
            },
        ),
        migrations.CreateModel(
            name="DuplicateDismissal",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("reason", models.CharField(max_length=255, verbose_name="reason")),
                ("dismissed_at", models.DateTimeField(verbose_name="dismissed at")),
                (
                    "dismissed_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "first",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="customers.customer"
                    ),
                ),
                (
                    "second",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="customers.customer"
                    ),
                ),
            ],
            options={
                "verbose_name": "dismissed duplicate",
                "verbose_name_plural": "dismissed duplicates",
                "constraints": [
                    models.UniqueConstraint(fields=("first", "second"), name="customers_dismissal_once"),
                    models.CheckConstraint(
                        condition=models.Q(("first__lt", models.F("second"))), name="customers_dismissal_ordered"
                    ),
                ],
            },
        ),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(fields=["verification_status"], name="customers_verification"),
        ),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(fields=["billing_postal_code"], name="customers_postal_code"),
        ),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(fields=["last_verified_at"], name="customers_last_verified"),
        ),
        migrations.AddConstraint(
            model_name="customer",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("dunning_blocked", False), models.Q(("dunning_block_reason", ""), _negated=True), _connector="OR"
                ),
                name="customers_dunning_block_needs_reason",
            ),
        ),
        migrations.AddConstraint(
            model_name="customer",
            constraint=models.CheckConstraint(
                condition=models.Q(("credit_limit__isnull", True), ("credit_limit__gte", 0), _connector="OR"),
                name="customers_credit_limit_not_negative",
            ),
        ),
        migrations.AddConstraint(
            model_name="customer",
            constraint=models.CheckConstraint(
                condition=models.Q(("kind__in", ["business", "consumer", "public"])), name="customers_kind_valid"
            ),
        ),
        migrations.AddConstraint(
            model_name="customer",
            constraint=models.CheckConstraint(
                condition=models.Q(("verification_status__in", ["unverified", "verified", "needs_review"])),
                name="customers_verification_status_valid",
            ),
        ),
        migrations.AddIndex(
            model_name="verificationrun",
            index=models.Index(fields=["customer", "-run_at"], name="customers_run_latest"),
        ),
        migrations.AddConstraint(
            model_name="verificationcheck",
            constraint=models.UniqueConstraint(fields=("run", "code", "subject"), name="customers_check_once_per_run"),
        ),
        migrations.AddConstraint(
            model_name="verificationcheck",
            constraint=models.CheckConstraint(
                condition=models.Q(("outcome__in", ["passed", "warning", "failed", "pending"])),
                name="customers_check_outcome",
            ),
        ),
        migrations.RunPython(seed_terms, unseed_terms),
    ]
