"""Invoicing's tables as fifteen migrations (0001–0015, issues 2–15) left them, in one migration.

Squashed in issue 15 (see customers' squashed 0001 for why): the tables, constraints and indexes
of today's models; the database triggers that keep issued documents and stored originals
immutable (GoBD), with today's list of columns that may change after issue; the German VAT rates
every new database starts with. The old data migrations (backfills of the date of receipt and of
the event log, the recurring-template status) had nothing to do on a new database and ran on
every existing one, so they are gone. A database that applied all of 0001–0015 counts this one
as applied (``replaces``).
"""

import datetime

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# German VAT rates every new database starts with; finance managers edit them.
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
RATES_VALID_FROM = datetime.date(2007, 1, 1)


def seed_rates(apps, schema_editor):
    VatRate = apps.get_model("invoicing", "VatRate")
    for category, rate, label in RATES:
        VatRate.objects.get_or_create(
            country="DE", category=category, rate=rate, valid_from=RATES_VALID_FROM, defaults={"label": label}
        )


def unseed_rates(apps, schema_editor):
    apps.get_model("invoicing", "VatRate").objects.filter(country="DE", valid_from=RATES_VALID_FROM).delete()


# Issued invoices and credit notes cannot be changed or deleted, nor their lines, allowances and
# VAT breakdown (GoBD). The trigger compares the whole row (as jsonb) minus the columns that may
# change after issue, so a column added later is frozen without touching it. Keep the list in
# step with Invoice.MUTABLE_AFTER_ISSUE (invoicing/tests/test_immutability.py checks both).
INVOICE_TABLE = "invoicing_invoice"
CHILD_TABLES = ("invoicing_invoiceline", "invoicing_invoiceallowancecharge", "invoicing_invoicevatbreakdown")
MUTABLE_AFTER_ISSUE = (
    "status",
    "cancelled_at",
    "open_amount",
    "settlement_state",
    "due_date",
    "credited_amount",
    "updated_at",
    "received_on",
    "received_on_basis",
)
ISSUED_MESSAGE = "issued documents are immutable (GoBD): correct them with a credit note"
DOCUMENT_TABLE = "invoicing_invoicedocument"
DOCUMENT_MESSAGE = "stored documents are archived originals (GoBD): they cannot be changed or deleted"

GUARDS_INSTALL = (
    f"""
CREATE OR REPLACE FUNCTION invoicing_guard_issued_invoice() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.status <> 'draft' THEN
            RAISE EXCEPTION 'invoice %: {ISSUED_MESSAGE}', OLD.number USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN OLD;
    END IF;
    IF OLD.status <> 'draft' THEN
        IF (to_jsonb(NEW) - ARRAY{list(MUTABLE_AFTER_ISSUE)!r}::text[])
           IS DISTINCT FROM (to_jsonb(OLD) - ARRAY{list(MUTABLE_AFTER_ISSUE)!r}::text[]) THEN
            RAISE EXCEPTION 'invoice %: {ISSUED_MESSAGE}', OLD.number USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        IF NOT ((OLD.status = 'issued' AND NEW.status IN ('issued', 'cancelled'))
                OR (OLD.status = 'cancelled' AND NEW.status = 'cancelled')) THEN
            RAISE EXCEPTION 'invoice %: status % cannot become %', OLD.number, OLD.status, NEW.status
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER invoicing_invoice_immutable BEFORE UPDATE OR DELETE ON {INVOICE_TABLE}
    FOR EACH ROW EXECUTE FUNCTION invoicing_guard_issued_invoice();

CREATE OR REPLACE FUNCTION invoicing_guard_issued_child() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND EXISTS (
        SELECT 1 FROM {INVOICE_TABLE} WHERE id = OLD.invoice_id AND status <> 'draft'
    ) THEN
        RAISE EXCEPTION 'invoice %: {ISSUED_MESSAGE}', OLD.invoice_id USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND EXISTS (
        SELECT 1 FROM {INVOICE_TABLE} WHERE id = NEW.invoice_id AND status <> 'draft'
    ) THEN
        RAISE EXCEPTION 'invoice %: {ISSUED_MESSAGE}', NEW.invoice_id USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN COALESCE(NEW, OLD);
END;
$$ LANGUAGE plpgsql;
"""
    + "".join(
        f"""
CREATE TRIGGER {table}_immutable BEFORE INSERT OR UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION invoicing_guard_issued_child();
"""
        for table in CHILD_TABLES
    )
    + f"""
CREATE OR REPLACE FUNCTION invoicing_guard_document() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'document %: {DOCUMENT_MESSAGE}', OLD.id USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER {DOCUMENT_TABLE}_immutable BEFORE UPDATE OR DELETE ON {DOCUMENT_TABLE}
    FOR EACH ROW EXECUTE FUNCTION invoicing_guard_document();
"""
)

GUARDS_REMOVE = (
    f"DROP TRIGGER IF EXISTS invoicing_invoice_immutable ON {INVOICE_TABLE};"
    + "".join(f"DROP TRIGGER IF EXISTS {table}_immutable ON {table};" for table in CHILD_TABLES)
    + f"DROP TRIGGER IF EXISTS {DOCUMENT_TABLE}_immutable ON {DOCUMENT_TABLE};"
    + "DROP FUNCTION IF EXISTS invoicing_guard_issued_invoice(); DROP FUNCTION IF EXISTS invoicing_guard_issued_child();"
    + "DROP FUNCTION IF EXISTS invoicing_guard_document();"
)


def install_guards(apps, schema_editor):
    schema_editor.execute(GUARDS_INSTALL, params=None)  # no placeholders: % is PL/pgSQL's


def remove_guards(apps, schema_editor):
    schema_editor.execute(GUARDS_REMOVE, params=None)


class Migration(migrations.Migration):
    initial = True

    replaces = [
        ("invoicing", "0001_initial"),
        ("invoicing", "0002_immutable_issued_documents"),
        ("invoicing", "0003_seed_rates_and_terms"),
        ("invoicing", "0004_recurring_invoices"),
        ("invoicing", "0005_recurring_schedule"),
        ("invoicing", "0006_invoice_documents"),
        ("invoicing", "0007_documents_immutable"),
        ("invoicing", "0008_event_sent_delivered"),
        ("invoicing", "0009_line_charges_references_contact"),
        ("invoicing", "0010_exemption_reasons_render_version"),
        ("invoicing", "0011_invoice_received_on"),
        ("invoicing", "0012_db_defaults_for_new_text_fields"),
        ("invoicing", "0013_recurring_template_status"),
        ("invoicing", "0014_backfill_event_log"),
        ("invoicing", "0015_payment_terms_in_customers"),
    ]

    dependencies = [
        ("customers", "0001_squashed_0009_payment_terms"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Invoice",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "document_type",
                    models.CharField(
                        choices=[("invoice", "invoice"), ("credit_note", "credit note")],
                        max_length=11,
                        verbose_name="document type",
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[("draft", "draft"), ("issued", "issued"), ("cancelled", "cancelled")],
                        default="draft",
                        max_length=9,
                        verbose_name="status",
                    ),
                ),
                ("number", models.CharField(blank=True, max_length=40, null=True, unique=True, verbose_name="number")),
                ("currency", models.CharField(default="EUR", max_length=3, verbose_name="currency")),
                ("language", models.CharField(default="de", max_length=5, verbose_name="language")),
                ("invoice_date", models.DateField(blank=True, null=True, verbose_name="invoice date")),
                ("service_date", models.DateField(blank=True, null=True, verbose_name="delivery/service date")),
                ("service_period_start", models.DateField(blank=True, null=True, verbose_name="service period from")),
                ("service_period_end", models.DateField(blank=True, null=True, verbose_name="service period to")),
                (
                    "deliver_to_country",
                    models.CharField(blank=True, default="", max_length=2, verbose_name="deliver-to country"),
                ),
                (
                    "buyer_reference",
                    models.CharField(blank=True, default="", max_length=200, verbose_name="buyer reference"),
                ),
                (
                    "purchase_order_reference",
                    models.CharField(blank=True, default="", max_length=200, verbose_name="purchase order"),
                ),
                (
                    "contract_reference",
                    models.CharField(
                        blank=True,
                        db_default="",
                        default="",
                        help_text="the buyer's contract number (BT-12)",
                        max_length=200,
                        verbose_name="contract",
                    ),
                ),
                (
                    "project_reference",
                    models.CharField(
                        blank=True,
                        db_default="",
                        default="",
                        help_text="the buyer's project number (BT-11)",
                        max_length=200,
                        verbose_name="project",
                    ),
                ),
                (
                    "project_name",
                    models.CharField(
                        blank=True,
                        db_default="",
                        default="",
                        help_text="empty: the word “project”",
                        max_length=200,
                        verbose_name="project name",
                    ),
                ),
                (
                    "buyer_contact_name",
                    models.CharField(
                        blank=True, db_default="", default="", max_length=200, verbose_name="buyer's contact person"
                    ),
                ),
                (
                    "buyer_contact_phone",
                    models.CharField(
                        blank=True, db_default="", default="", max_length=32, verbose_name="buyer's contact phone"
                    ),
                ),
                (
                    "buyer_contact_email",
                    models.CharField(
                        blank=True, db_default="", default="", max_length=254, verbose_name="buyer's contact e-mail"
                    ),
                ),
                ("note", models.TextField(blank=True, default="", verbose_name="note")),
                ("terms_snapshot", models.JSONField(blank=True, default=dict, verbose_name="payment terms as issued")),
                ("payment_terms_text", models.TextField(blank=True, default="", verbose_name="payment terms text")),
                ("due_date", models.DateField(blank=True, null=True, verbose_name="due date")),
                ("discount_offers", models.JSONField(blank=True, default=list, verbose_name="early payment discounts")),
                ("seller", models.JSONField(blank=True, default=dict, verbose_name="seller as issued")),
                ("buyer", models.JSONField(blank=True, default=dict, verbose_name="buyer as issued")),
                (
                    "line_total",
                    models.DecimalField(
                        decimal_places=2, default=0, max_digits=14, verbose_name="sum of line net amounts"
                    ),
                ),
                (
                    "allowance_total",
                    models.DecimalField(decimal_places=2, default=0, max_digits=14, verbose_name="allowances"),
                ),
                (
                    "charge_total",
                    models.DecimalField(decimal_places=2, default=0, max_digits=14, verbose_name="charges"),
                ),
                (
                    "tax_exclusive_total",
                    models.DecimalField(decimal_places=2, default=0, max_digits=14, verbose_name="total net"),
                ),
                ("tax_total", models.DecimalField(decimal_places=2, default=0, max_digits=14, verbose_name="VAT")),
                (
                    "tax_inclusive_total",
                    models.DecimalField(decimal_places=2, default=0, max_digits=14, verbose_name="total gross"),
                ),
                (
                    "prepaid_amount",
                    models.DecimalField(decimal_places=2, default=0, max_digits=14, verbose_name="prepaid"),
                ),
                (
                    "amount_due",
                    models.DecimalField(decimal_places=2, default=0, max_digits=14, verbose_name="amount due"),
                ),
                (
                    "tax_total_eur",
                    models.DecimalField(
                        blank=True, decimal_places=2, max_digits=14, null=True, verbose_name="VAT in EUR"
                    ),
                ),
                (
                    "exchange_rate",
                    models.DecimalField(
                        blank=True,
                        decimal_places=8,
                        max_digits=18,
                        null=True,
                        verbose_name="exchange rate (units per EUR)",
                    ),
                ),
                (
                    "exchange_rate_kind",
                    models.CharField(blank=True, default="", max_length=7, verbose_name="exchange rate kind"),
                ),
                ("exchange_rate_date", models.DateField(blank=True, null=True, verbose_name="exchange rate date")),
                (
                    "open_amount",
                    models.DecimalField(decimal_places=2, default=0, max_digits=14, verbose_name="open amount"),
                ),
                (
                    "credited_amount",
                    models.DecimalField(decimal_places=2, default=0, max_digits=14, verbose_name="credited"),
                ),
                (
                    "settlement_state",
                    models.CharField(
                        choices=[("open", "open"), ("partially_paid", "partially paid"), ("paid", "paid")],
                        default="open",
                        max_length=14,
                        verbose_name="settlement",
                    ),
                ),
                (
                    "review_override_reason",
                    models.CharField(
                        blank=True, default="", max_length=255, verbose_name="reason for issuing despite review"
                    ),
                ),
                (
                    "credit_limit_confirmation",
                    models.CharField(
                        blank=True, default="", max_length=255, verbose_name="reason for exceeding the credit limit"
                    ),
                ),
                ("created_at", models.DateTimeField(verbose_name="created")),
                ("updated_at", models.DateTimeField(verbose_name="updated")),
                ("issued_at", models.DateTimeField(blank=True, null=True, verbose_name="issued")),
                ("cancelled_at", models.DateTimeField(blank=True, null=True, verbose_name="cancelled")),
                ("received_on", models.DateField(blank=True, null=True, verbose_name="received by the customer on")),
                (
                    "received_on_basis",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("confirmed", "confirmed by the delivery report"),
                            ("assumed", "assumed (no delivery report)"),
                        ],
                        default="",
                        max_length=9,
                        verbose_name="date of receipt",
                    ),
                ),
                (
                    "corrected_invoice",
                    models.ForeignKey(
                        blank=True,
                        help_text="for credit notes: the invoice it corrects (BT-25)",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="credit_notes",
                        to="invoicing.invoice",
                        verbose_name="corrected invoice",
                    ),
                ),
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
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="invoices",
                        to="customers.customer",
                        verbose_name="customer",
                    ),
                ),
                (
                    "issued_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="issued by",
                    ),
                ),
                (
                    "payment_terms",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        to="customers.paymentterms",
                        verbose_name="payment terms",
                    ),
                ),
            ],
            options={
                "verbose_name": "invoice",
                "verbose_name_plural": "invoices",
                "ordering": ["-invoice_date", "-id"],
            },
        ),
        migrations.CreateModel(
            name="ExchangeRate",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("currency", models.CharField(max_length=3, verbose_name="currency")),
                (
                    "kind",
                    models.CharField(
                        choices=[("monthly", "BMF monthly average"), ("daily", "daily rate")],
                        default="monthly",
                        max_length=7,
                        verbose_name="kind",
                    ),
                ),
                (
                    "date",
                    models.DateField(help_text="for monthly averages the first day of the month", verbose_name="date"),
                ),
                ("units_per_eur", models.DecimalField(decimal_places=8, max_digits=18, verbose_name="units per euro")),
            ],
            options={
                "verbose_name": "exchange rate",
                "verbose_name_plural": "exchange rates",
                "ordering": ["currency", "-date", "kind", "id"],
                "constraints": [
                    models.UniqueConstraint(fields=("currency", "kind", "date"), name="invoicing_exchange_rate_once"),
                    models.CheckConstraint(
                        condition=models.Q(("units_per_eur__gt", 0)), name="invoicing_exchange_rate_positive"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("kind", "monthly"), _negated=True), ("date__day", 1), _connector="OR"
                        ),
                        name="invoicing_monthly_rate_first_of_month",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="CustomerNotice",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "kind",
                    models.CharField(
                        choices=[("due_date_changed", "due date changed")], max_length=20, verbose_name="kind"
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[("pending", "pending"), ("sent", "sent"), ("cancelled", "cancelled")],
                        default="pending",
                        max_length=9,
                        verbose_name="status",
                    ),
                ),
                ("data", models.JSONField(blank=True, default=dict, verbose_name="data")),
                ("created_at", models.DateTimeField(verbose_name="created")),
                (
                    "invoice",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="notices",
                        to="invoicing.invoice",
                        verbose_name="invoice",
                    ),
                ),
            ],
            options={
                "verbose_name": "customer notice",
                "verbose_name_plural": "customer notices",
                "ordering": ["-created_at", "-id"],
            },
        ),
        migrations.CreateModel(
            name="InvoiceAllowanceCharge",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("position", models.PositiveSmallIntegerField(verbose_name="position")),
                ("is_charge", models.BooleanField(default=False, verbose_name="charge (not allowance)")),
                ("reason", models.CharField(blank=True, default="", max_length=255, verbose_name="reason")),
                ("reason_code", models.CharField(blank=True, default="", max_length=10, verbose_name="reason code")),
                (
                    "amount",
                    models.DecimalField(blank=True, decimal_places=2, max_digits=14, null=True, verbose_name="amount"),
                ),
                (
                    "percent",
                    models.DecimalField(blank=True, decimal_places=2, max_digits=5, null=True, verbose_name="percent"),
                ),
                (
                    "base_amount",
                    models.DecimalField(
                        blank=True, decimal_places=2, max_digits=14, null=True, verbose_name="base amount"
                    ),
                ),
                (
                    "vat_category",
                    models.CharField(
                        choices=[
                            ("S", "S – standard rate"),
                            ("Z", "Z – zero rated"),
                            ("E", "E – exempt"),
                            ("AE", "AE – reverse charge (§ 13b UStG)"),
                            ("K", "K – intra-community supply (§ 4 Nr. 1b UStG)"),
                            ("G", "G – export outside the EU"),
                            ("O", "O – not subject to VAT"),
                        ],
                        max_length=2,
                        verbose_name="VAT category",
                    ),
                ),
                (
                    "vat_rate",
                    models.DecimalField(
                        blank=True, decimal_places=2, max_digits=5, null=True, verbose_name="VAT rate (%)"
                    ),
                ),
                (
                    "computed_amount",
                    models.DecimalField(decimal_places=2, default=0, max_digits=14, verbose_name="computed amount"),
                ),
                (
                    "invoice",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="allowances_charges",
                        to="invoicing.invoice",
                        verbose_name="invoice",
                    ),
                ),
            ],
            options={
                "verbose_name": "allowance or charge",
                "verbose_name_plural": "allowances and charges",
                "ordering": ["invoice_id", "position", "id"],
            },
        ),
        migrations.CreateModel(
            name="InvoiceDocument",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("pdf", "PDF/A-3 with ZUGFeRD/Factur-X"),
                            ("facturx", "Factur-X/ZUGFeRD XML (EN 16931)"),
                            ("xrechnung", "XRechnung XML"),
                        ],
                        max_length=9,
                        verbose_name="kind",
                    ),
                ),
                ("file", models.FileField(max_length=255, upload_to="", verbose_name="file")),
                ("filename", models.CharField(max_length=120, verbose_name="file name")),
                ("sha256", models.CharField(max_length=64, verbose_name="SHA-256")),
                ("size", models.PositiveIntegerField(verbose_name="size (bytes)")),
                ("renderer", models.CharField(max_length=100, verbose_name="created with")),
                ("render_version", models.PositiveSmallIntegerField(verbose_name="renderer version")),
                ("created_at", models.DateTimeField(verbose_name="created")),
                (
                    "invoice",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="documents",
                        to="invoicing.invoice",
                        verbose_name="invoice",
                    ),
                ),
            ],
            options={
                "verbose_name": "stored document",
                "verbose_name_plural": "stored documents",
                "ordering": ["invoice_id", "kind", "id"],
            },
        ),
        migrations.CreateModel(
            name="InvoiceEvent",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("created", "created"),
                            ("issued", "issued"),
                            ("cancelled", "cancelled"),
                            ("credited", "credited"),
                            ("due_date_changed", "due date changed"),
                            ("review_overridden", "issued despite customer review"),
                            ("credit_limit_confirmed", "credit limit exceeded on purpose"),
                            ("settlement_changed", "settlement changed"),
                            ("documents_created", "PDF and e-invoice stored"),
                            ("e_invoice_invalid", "e-invoice invalid"),
                            ("sent", "sent by e-mail"),
                            ("delivered", "delivered (received)"),
                            ("receipt_assumed", "receipt assumed"),
                        ],
                        max_length=24,
                        verbose_name="event",
                    ),
                ),
                ("at", models.DateTimeField(verbose_name="at")),
                ("from_state", models.CharField(blank=True, default="", max_length=30, verbose_name="from")),
                ("to_state", models.CharField(blank=True, default="", max_length=30, verbose_name="to")),
                ("reason", models.TextField(blank=True, default="", verbose_name="reason")),
                ("data", models.JSONField(blank=True, default=dict, verbose_name="data")),
                (
                    "by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="by",
                    ),
                ),
                (
                    "invoice",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="events",
                        to="invoicing.invoice",
                        verbose_name="invoice",
                    ),
                ),
            ],
            options={
                "verbose_name": "invoice event",
                "verbose_name_plural": "invoice events",
                "ordering": ["invoice_id", "at", "id"],
            },
        ),
        migrations.CreateModel(
            name="InvoiceLine",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("position", models.PositiveSmallIntegerField(verbose_name="position")),
                ("description", models.CharField(max_length=500, verbose_name="description")),
                ("item_number", models.CharField(blank=True, default="", max_length=100, verbose_name="item number")),
                ("quantity", models.DecimalField(decimal_places=4, max_digits=16, verbose_name="quantity")),
                (
                    "unit_code",
                    models.CharField(default="C62", help_text="UN/ECE Rec. 20", max_length=3, verbose_name="unit"),
                ),
                ("unit_price", models.DecimalField(decimal_places=4, max_digits=16, verbose_name="unit net price")),
                (
                    "price_base_quantity",
                    models.DecimalField(decimal_places=4, default=1, max_digits=16, verbose_name="price per"),
                ),
                (
                    "allowance_percent",
                    models.DecimalField(
                        blank=True, decimal_places=2, max_digits=5, null=True, verbose_name="allowance %"
                    ),
                ),
                (
                    "allowance_amount",
                    models.DecimalField(
                        blank=True, decimal_places=2, max_digits=14, null=True, verbose_name="allowance amount"
                    ),
                ),
                (
                    "allowance_reason",
                    models.CharField(
                        blank=True, db_default="", default="", max_length=255, verbose_name="allowance reason"
                    ),
                ),
                (
                    "allowance_reason_code",
                    models.CharField(
                        blank=True,
                        db_default="",
                        default="",
                        help_text="UNTDID 5189, e.g. 95 discount",
                        max_length=3,
                        verbose_name="allowance reason code",
                    ),
                ),
                (
                    "charge_percent",
                    models.DecimalField(blank=True, decimal_places=2, max_digits=5, null=True, verbose_name="charge %"),
                ),
                (
                    "charge_amount",
                    models.DecimalField(
                        blank=True, decimal_places=2, max_digits=14, null=True, verbose_name="charge amount"
                    ),
                ),
                (
                    "charge_reason",
                    models.CharField(
                        blank=True, db_default="", default="", max_length=255, verbose_name="charge reason"
                    ),
                ),
                (
                    "charge_reason_code",
                    models.CharField(
                        blank=True,
                        db_default="",
                        default="",
                        help_text="UNTDID 7161, e.g. FC freight",
                        max_length=3,
                        verbose_name="charge reason code",
                    ),
                ),
                (
                    "vat_category",
                    models.CharField(
                        choices=[
                            ("S", "S – standard rate"),
                            ("Z", "Z – zero rated"),
                            ("E", "E – exempt"),
                            ("AE", "AE – reverse charge (§ 13b UStG)"),
                            ("K", "K – intra-community supply (§ 4 Nr. 1b UStG)"),
                            ("G", "G – export outside the EU"),
                            ("O", "O – not subject to VAT"),
                        ],
                        max_length=2,
                        verbose_name="VAT category",
                    ),
                ),
                (
                    "vat_rate",
                    models.DecimalField(
                        blank=True, decimal_places=2, max_digits=5, null=True, verbose_name="VAT rate (%)"
                    ),
                ),
                (
                    "exemption_reason",
                    models.CharField(blank=True, default="", max_length=255, verbose_name="exemption reason"),
                ),
                (
                    "exemption_code",
                    models.CharField(blank=True, default="", max_length=30, verbose_name="exemption code"),
                ),
                (
                    "note",
                    models.CharField(blank=True, db_default="", default="", max_length=1000, verbose_name="line note"),
                ),
                ("period_start", models.DateField(blank=True, null=True, verbose_name="line period from")),
                ("period_end", models.DateField(blank=True, null=True, verbose_name="line period to")),
                (
                    "net_amount",
                    models.DecimalField(decimal_places=2, default=0, max_digits=14, verbose_name="net amount"),
                ),
                (
                    "invoice",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="lines",
                        to="invoicing.invoice",
                        verbose_name="invoice",
                    ),
                ),
            ],
            options={
                "verbose_name": "invoice line",
                "verbose_name_plural": "invoice lines",
                "ordering": ["invoice_id", "position", "id"],
            },
        ),
        migrations.CreateModel(
            name="InvoiceVatBreakdown",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "vat_category",
                    models.CharField(
                        choices=[
                            ("S", "S – standard rate"),
                            ("Z", "Z – zero rated"),
                            ("E", "E – exempt"),
                            ("AE", "AE – reverse charge (§ 13b UStG)"),
                            ("K", "K – intra-community supply (§ 4 Nr. 1b UStG)"),
                            ("G", "G – export outside the EU"),
                            ("O", "O – not subject to VAT"),
                        ],
                        max_length=2,
                        verbose_name="VAT category",
                    ),
                ),
                (
                    "vat_rate",
                    models.DecimalField(
                        blank=True, decimal_places=2, max_digits=5, null=True, verbose_name="VAT rate (%)"
                    ),
                ),
                ("taxable_amount", models.DecimalField(decimal_places=2, max_digits=14, verbose_name="taxable amount")),
                ("tax_amount", models.DecimalField(decimal_places=2, max_digits=14, verbose_name="VAT amount")),
                ("exemption_reason", models.TextField(blank=True, default="", verbose_name="exemption reason")),
                (
                    "exemption_code",
                    models.CharField(blank=True, default="", max_length=30, verbose_name="exemption code"),
                ),
                (
                    "invoice",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="vat_breakdown",
                        to="invoicing.invoice",
                        verbose_name="invoice",
                    ),
                ),
            ],
            options={
                "verbose_name": "VAT breakdown",
                "verbose_name_plural": "VAT breakdown",
                "ordering": ["invoice_id", "vat_category", "vat_rate", "id"],
            },
        ),
        migrations.CreateModel(
            name="RecurringInvoiceTemplate",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=200, verbose_name="name")),
                (
                    "frequency",
                    models.CharField(
                        choices=[("monthly", "monthly"), ("quarterly", "quarterly"), ("yearly", "yearly")],
                        max_length=9,
                        verbose_name="frequency",
                    ),
                ),
                (
                    "day_of_month",
                    models.PositiveSmallIntegerField(
                        default=1,
                        help_text="1–31; later than the month's last day means its last day",
                        verbose_name="day of month",
                    ),
                ),
                ("start_date", models.DateField(verbose_name="first period starts")),
                ("end_date", models.DateField(blank=True, null=True, verbose_name="last period starts no later than")),
                ("auto_issue", models.BooleanField(default=False, verbose_name="issue automatically")),
                ("note", models.TextField(blank=True, default="", verbose_name="note")),
                (
                    "buyer_reference",
                    models.CharField(blank=True, default="", max_length=200, verbose_name="buyer reference"),
                ),
                ("lines", models.JSONField(default=list, verbose_name="lines")),
                (
                    "status",
                    models.CharField(
                        choices=[("active", "active"), ("paused", "paused"), ("ended", "ended")],
                        default="active",
                        max_length=6,
                        verbose_name="status",
                    ),
                ),
                ("created_at", models.DateTimeField(verbose_name="created")),
                ("updated_at", models.DateTimeField(blank=True, null=True, verbose_name="updated")),
                (
                    "customer",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="recurring_invoices",
                        to="customers.customer",
                        verbose_name="customer",
                    ),
                ),
                (
                    "payment_terms",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        to="customers.paymentterms",
                        verbose_name="payment terms",
                    ),
                ),
            ],
            options={
                "verbose_name": "recurring invoice",
                "verbose_name_plural": "recurring invoices",
                "ordering": ["customer_id", "name", "id"],
            },
        ),
        migrations.CreateModel(
            name="RecurringInvoiceRun",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("period_start", models.DateField(verbose_name="period start")),
                ("period_end", models.DateField(verbose_name="period end")),
                ("created_at", models.DateTimeField(verbose_name="created")),
                ("problem", models.TextField(blank=True, default="", verbose_name="problem")),
                (
                    "invoice",
                    models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="invoicing.invoice",
                        verbose_name="invoice",
                    ),
                ),
                (
                    "template",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="runs",
                        to="invoicing.recurringinvoicetemplate",
                        verbose_name="template",
                    ),
                ),
            ],
            options={
                "verbose_name": "recurring invoice period",
                "verbose_name_plural": "recurring invoice periods",
                "ordering": ["template_id", "period_start", "id"],
            },
        ),
        migrations.CreateModel(
            name="RecurringInvoiceTemplateEvent",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("created", "created"),
                            ("changed", "changed"),
                            ("paused", "paused"),
                            ("resumed", "resumed"),
                            ("ended", "ended"),
                        ],
                        max_length=7,
                        verbose_name="event",
                    ),
                ),
                ("at", models.DateTimeField(verbose_name="at")),
                ("actor", models.CharField(blank=True, default="", max_length=100, verbose_name="actor")),
                ("from_state", models.CharField(blank=True, default="", max_length=6, verbose_name="from")),
                ("to_state", models.CharField(blank=True, default="", max_length=6, verbose_name="to")),
                ("reason", models.TextField(blank=True, default="", verbose_name="reason")),
                ("data", models.JSONField(blank=True, default=dict, verbose_name="data")),
                (
                    "by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="by",
                    ),
                ),
                (
                    "template",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="events",
                        to="invoicing.recurringinvoicetemplate",
                        verbose_name="template",
                    ),
                ),
            ],
            options={
                "verbose_name": "recurring invoice event",
                "verbose_name_plural": "recurring invoice events",
                "ordering": ["template_id", "at", "id"],
            },
        ),
        migrations.CreateModel(
            name="VatRate",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("country", models.CharField(default="DE", max_length=2, verbose_name="country")),
                (
                    "category",
                    models.CharField(
                        choices=[
                            ("S", "S – standard rate"),
                            ("Z", "Z – zero rated"),
                            ("E", "E – exempt"),
                            ("AE", "AE – reverse charge (§ 13b UStG)"),
                            ("K", "K – intra-community supply (§ 4 Nr. 1b UStG)"),
                            ("G", "G – export outside the EU"),
                            ("O", "O – not subject to VAT"),
                        ],
                        max_length=2,
                        verbose_name="VAT category",
                    ),
                ),
                ("rate", models.DecimalField(decimal_places=2, max_digits=5, verbose_name="rate (%)")),
                ("label", models.CharField(max_length=100, verbose_name="label")),
                ("valid_from", models.DateField(verbose_name="valid from")),
                ("valid_to", models.DateField(blank=True, null=True, verbose_name="valid to")),
            ],
            options={
                "verbose_name": "VAT rate",
                "verbose_name_plural": "VAT rates",
                "ordering": ["country", "category", "-rate", "valid_from", "id"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("country", "category", "rate", "valid_from"), name="invoicing_vat_rate_once"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("rate__gte", 0), ("rate__lt", 100)), name="invoicing_vat_rate_range"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("category", "S"), ("rate__gt", 0)),
                            models.Q(models.Q(("category", "S"), _negated=True), ("rate", 0)),
                            _connector="OR",
                        ),
                        name="invoicing_vat_rate_fits_category",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("valid_to__isnull", True), ("valid_to__gte", models.F("valid_from")), _connector="OR"
                        ),
                        name="invoicing_vat_rate_period",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="InvoiceDocumentState",
            fields=[
                (
                    "invoice",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        primary_key=True,
                        related_name="document_state",
                        serialize=False,
                        to="invoicing.invoice",
                        verbose_name="invoice",
                    ),
                ),
                (
                    "state",
                    models.CharField(
                        choices=[("pending", "being created"), ("ready", "ready"), ("invalid", "e-invoice invalid")],
                        default="pending",
                        max_length=7,
                        verbose_name="state",
                    ),
                ),
                ("xrechnung", models.BooleanField(default=False, verbose_name="XRechnung required")),
                ("problems", models.JSONField(blank=True, default=list, verbose_name="problems")),
                ("summary", models.CharField(blank=True, default="", max_length=500, verbose_name="summary")),
                ("attempts", models.PositiveIntegerField(default=0, verbose_name="attempts")),
                ("updated_at", models.DateTimeField(verbose_name="updated")),
            ],
            options={
                "verbose_name": "document state",
                "verbose_name_plural": "document states",
                "indexes": [models.Index(fields=["state"], name="invoicing_document_state")],
            },
        ),
        migrations.AddIndex(
            model_name="invoice",
            index=models.Index(
                condition=models.Q(("status", "issued"), models.Q(("settlement_state", "paid"), _negated=True)),
                fields=["due_date", "id"],
                name="invoicing_unpaid_by_due",
            ),
        ),
        migrations.AddIndex(
            model_name="invoice",
            index=models.Index(fields=["customer", "status"], name="invoicing_customer_status"),
        ),
        migrations.AddIndex(
            model_name="invoice",
            index=models.Index(fields=["status", "invoice_date"], name="invoicing_status_date"),
        ),
        migrations.AddIndex(
            model_name="invoice",
            index=models.Index(fields=["settlement_state"], name="invoicing_settlement"),
        ),
        migrations.AddConstraint(
            model_name="invoice",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("status", "draft"),
                    models.Q(("number__isnull", False), ("invoice_date__isnull", False)),
                    _connector="OR",
                ),
                name="invoicing_issued_has_number_and_date",
            ),
        ),
        migrations.AddConstraint(
            model_name="invoice",
            constraint=models.CheckConstraint(
                condition=models.Q(("document_type", "invoice"), ("corrected_invoice__isnull", False), _connector="OR"),
                name="invoicing_credit_note_references_invoice",
            ),
        ),
        migrations.AddConstraint(
            model_name="invoice",
            constraint=models.CheckConstraint(
                condition=models.Q(("open_amount__gte", 0)), name="invoicing_open_amount_not_negative"
            ),
        ),
        migrations.AddConstraint(
            model_name="invoice",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("service_period_start__isnull", True),
                    ("service_period_end__isnull", True),
                    ("service_period_end__gte", models.F("service_period_start")),
                    _connector="OR",
                ),
                name="invoicing_service_period_order",
            ),
        ),
        migrations.AddConstraint(
            model_name="invoice",
            constraint=models.CheckConstraint(
                condition=models.Q(("status__in", ["draft", "issued", "cancelled"])), name="invoicing_status_valid"
            ),
        ),
        migrations.AddConstraint(
            model_name="invoice",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("received_on__isnull", True), ("received_on_basis", "")),
                    models.Q(("received_on__isnull", False), ("received_on_basis__in", ["confirmed", "assumed"])),
                    _connector="OR",
                ),
                name="invoicing_received_on_has_basis",
            ),
        ),
        migrations.AddConstraint(
            model_name="invoice",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("project_name", ""), models.Q(("project_reference", ""), _negated=True), _connector="OR"
                ),
                name="invoicing_project_name_with_reference",
            ),
        ),
        migrations.AddIndex(
            model_name="customernotice",
            index=models.Index(fields=["status", "created_at"], name="invoicing_notice_status"),
        ),
        migrations.AddConstraint(
            model_name="invoiceallowancecharge",
            constraint=models.UniqueConstraint(
                fields=("invoice", "position"), name="invoicing_allowance_position_once"
            ),
        ),
        migrations.AddConstraint(
            model_name="invoicedocument",
            constraint=models.UniqueConstraint(fields=("invoice", "kind"), name="invoicing_one_original_per_kind"),
        ),
        migrations.AddConstraint(
            model_name="invoicedocument",
            constraint=models.CheckConstraint(
                condition=models.Q(("sha256__regex", "^[0-9a-f]{64}$")), name="invoicing_document_sha256"
            ),
        ),
        migrations.AddConstraint(
            model_name="invoiceline",
            constraint=models.UniqueConstraint(fields=("invoice", "position"), name="invoicing_line_position_once"),
        ),
        migrations.AddConstraint(
            model_name="invoiceline",
            constraint=models.CheckConstraint(
                condition=models.Q(("unit_price__gte", 0)), name="invoicing_line_price_not_negative"
            ),
        ),
        migrations.AddConstraint(
            model_name="invoiceline",
            constraint=models.CheckConstraint(
                condition=models.Q(("price_base_quantity__gt", 0)), name="invoicing_line_base_quantity"
            ),
        ),
        migrations.AddConstraint(
            model_name="invoiceline",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("period_start__isnull", True),
                    ("period_end__isnull", True),
                    ("period_end__gte", models.F("period_start")),
                    _connector="OR",
                ),
                name="invoicing_line_period_order",
            ),
        ),
        migrations.AddConstraint(
            model_name="invoiceline",
            constraint=models.CheckConstraint(
                condition=models.Q(("charge_percent__isnull", True), ("charge_amount__isnull", True), _connector="OR"),
                name="invoicing_line_charge_percent_or_amount",
            ),
        ),
        migrations.AddConstraint(
            model_name="invoiceline",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("charge_percent__isnull", True),
                    models.Q(("charge_percent__gte", 0), ("charge_percent__lte", 100)),
                    _connector="OR",
                ),
                name="invoicing_line_charge_percent_range",
            ),
        ),
        migrations.AddConstraint(
            model_name="invoiceline",
            constraint=models.CheckConstraint(
                condition=models.Q(("charge_amount__isnull", True), ("charge_amount__gte", 0), _connector="OR"),
                name="invoicing_line_charge_not_negative",
            ),
        ),
        migrations.AddConstraint(
            model_name="invoiceline",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("charge_percent__isnull", True), ("charge_amount__isnull", True)),
                    models.Q(("charge_reason", ""), _negated=True),
                    models.Q(("charge_reason_code", ""), _negated=True),
                    _connector="OR",
                ),
                name="invoicing_line_charge_has_reason",
            ),
        ),
        migrations.AddConstraint(
            model_name="invoiceline",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("allowance_reason", ""), ("allowance_reason_code", "")),
                    ("allowance_percent__isnull", False),
                    ("allowance_amount__isnull", False),
                    _connector="OR",
                ),
                name="invoicing_line_allowance_reason_needs_allowance",
            ),
        ),
        migrations.AddConstraint(
            model_name="invoiceline",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("charge_reason", ""), ("charge_reason_code", "")),
                    ("charge_percent__isnull", False),
                    ("charge_amount__isnull", False),
                    _connector="OR",
                ),
                name="invoicing_line_charge_reason_needs_charge",
            ),
        ),
        migrations.AddIndex(
            model_name="recurringinvoicetemplate",
            index=models.Index(fields=["status", "id"], name="invoicing_recurring_status"),
        ),
        migrations.AddConstraint(
            model_name="recurringinvoicetemplate",
            constraint=models.CheckConstraint(
                condition=models.Q(("day_of_month__gte", 1), ("day_of_month__lte", 31)),
                name="invoicing_recurring_day_of_month",
            ),
        ),
        migrations.AddConstraint(
            model_name="recurringinvoicetemplate",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("end_date__isnull", True), ("end_date__gte", models.F("start_date")), _connector="OR"
                ),
                name="invoicing_recurring_period",
            ),
        ),
        migrations.AddConstraint(
            model_name="recurringinvoicetemplate",
            constraint=models.CheckConstraint(
                condition=models.Q(("status__in", ["active", "paused", "ended"])),
                name="invoicing_recurring_status_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="recurringinvoicerun",
            constraint=models.UniqueConstraint(
                fields=("template", "period_start"), name="invoicing_recurring_once_per_period"
            ),
        ),
        migrations.RunPython(install_guards, remove_guards),
        migrations.RunPython(seed_rates, unseed_rates),
    ]
