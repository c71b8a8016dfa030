"""Limitation of claims (§§ 195, 199, 212 BGB): which open claims become time-barred soon, a
follow-up task for each, and an export of the claims and their evidence for court dunning
(Mahnbescheid, § 688 ZPO) or a collection agency.

**When a claim is barred.** The regular period is three years (§ 195) and begins at the end of
the year in which the claim arose (§ 199 (1)). A price claim *arises* in the sense of § 199 when
it can be demanded — when it falls due; so the year is the invoice's due date's year (its invoice
date where it has none). A claim due on 2023-03-15 is barred from 2027-01-01 (the last day to act
is 2026-12-31). Fees and interest are claims of their own; each item's year is its own due date's
(shown separately in the export; the list is per invoice, which is what a Mahnbescheid names).

A reminder does **not** stop the period. What does restart it is an acknowledgement (§ 212 (1)
Nr. 1 BGB), and a part payment, interest payment or payment of costs on the claim is one: the new
three-year period runs from the day after the payment's value date, to the same date three years
later (§§ 187 (1), 188 (2); 29 February → 28 February, § 188 (3)), not to a year's end. So a claim
is barred from the later of 1 January of (year arisen + 4) and (last payment on it + 3 years + 1
day). Suspension (§§ 203, 204 BGB: negotiations, a Mahnbescheid served) is not in the data and is
not modelled: a claim handed to court is closed by the person who hands it over.

``claims_expiring`` reads in one query; ``limitation_tasks_open`` (daily) opens one follow-up task
per claim once per barred date (``LimitationWarning``, unique); ``claims_export_zip`` builds the
ZIP (claims.csv, reminders.csv, the stored invoice PDFs and every sent reminder PDF, each checked
against its SHA-256).
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from celery import shared_task
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import DecimalField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.admin_exports import csv_bytes, word
from core.documents import document_read
from core.followups import followup_kind_register, followup_open
from invoicing.models import DocumentStatus, DocumentType, Invoice, InvoiceDocument
from payments.models import Allocation, OpenItem, OpenItemKind

from .models import LimitationWarning, Reminder, ReminderRecord, ReminderStatus
from .snapshot import lines_from_json

LIMITATION_TASK = followup_kind_register("limitation", gettext_lazy("claim about to become time-barred"))
LIMITATION_RULE = "limitation-warning"
DEFAULT_WARN_MONTHS = 6
ZERO = Decimal("0.00")
COSTS = [OpenItemKind.DUNNING_FEE, OpenItemKind.FLAT_FEE, OpenItemKind.RETURN_FEE, OpenItemKind.OTHER_COST]


def warn_months() -> int:
    """``settings.DEBITOR_LIMITATION_WARN_MONTHS`` (default 6)."""
    return int(getattr(settings, "DEBITOR_LIMITATION_WARN_MONTHS", DEFAULT_WARN_MONTHS))


def add_years(day: date, years: int) -> date:
    """The same date ``years`` later; 29 February becomes 28 February (§ 188 (3) BGB)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover - every month has 28 days


def barred_on(*, arose: date, acknowledged: date | None = None) -> date:
    """The first day the claim is time-barred (see the module): §§ 195, 199 (1), 212 (1) Nr. 1 BGB."""
    by_year = date(arose.year + 4, 1, 1)
    if acknowledged is None:
        return by_year
    return max(by_year, add_years(acknowledged, 3) + timedelta(days=1))


@dataclass(frozen=True)
class Claim:
    invoice_id: int
    number: str
    customer_id: int
    buyer: dict
    invoice_date: date
    due_date: date | None
    currency: str
    gross: Decimal
    principal: Decimal
    interest: Decimal
    costs: Decimal
    arose: date
    acknowledged: date | None
    barred_on: date

    @property
    def last_day(self) -> date:
        """The last day to act (file the Mahnbescheid) before the claim is barred."""
        return self.barred_on - timedelta(days=1)


def _open_sum(kinds) -> Subquery:
    items = (
        OpenItem.objects.filter(invoice=OuterRef("pk"), kind__in=kinds, open_amount__gt=0, cancelled_at__isnull=True)
        .order_by()
        .values("invoice")
        .annotate(total=Sum("open_amount"))
        .values("total")
    )
    return Coalesce(Subquery(items, output_field=DecimalField()), Value(ZERO), output_field=DecimalField())


def _claims_queryset(*, latest_year: int):
    last_payment = (
        Allocation.objects.filter(
            Q(invoice=OuterRef("pk")) | Q(item__invoice=OuterRef("pk")),
            payment__isnull=False,
            reversed_at__isnull=True,
        )
        .order_by("-payment__value_date")
        .values("payment__value_date")
    )
    return (
        Invoice.objects.filter(document_type=DocumentType.INVOICE, status=DocumentStatus.ISSUED, open_amount__gt=0)
        .annotate(arose=Coalesce("due_date", "invoice_date"))
        # barred_on ≥ 1 January (year arisen + 4): nothing younger can be barred by then.
        .filter(arose__year__lte=latest_year)
        .annotate(
            acknowledged=Subquery(last_payment[:1]),
            interest_open=_open_sum([OpenItemKind.DEFAULT_INTEREST]),
            costs_open=_open_sum(COSTS),
        )
        .order_by("arose", "id")
        .values(
            "pk",
            "number",
            "customer_id",
            "buyer",
            "invoice_date",
            "due_date",
            "currency",
            "amount_due",
            "open_amount",
            "interest_open",
            "costs_open",
            "arose",
            "acknowledged",
        )
    )


def claims_expiring(*, within_months: int, as_of: date) -> list[Claim]:
    """Open claims (issued invoices with an open principal) not yet barred on ``as_of`` that are
    barred within ``within_months`` months, soonest first (one query)."""
    horizon = add_months(as_of, within_months)
    claims = []
    for row in _claims_queryset(latest_year=horizon.year - 4):
        barred = barred_on(arose=row["arose"], acknowledged=row["acknowledged"])
        if not (as_of < barred <= horizon):
            continue
        claims.append(
            Claim(
                invoice_id=row["pk"],
                number=row["number"],
                customer_id=row["customer_id"],
                buyer=row["buyer"] or {},
                invoice_date=row["invoice_date"],
                due_date=row["due_date"],
                currency=row["currency"],
                gross=row["amount_due"],
                principal=row["open_amount"],
                interest=row["interest_open"],
                costs=row["costs_open"],
                arose=row["arose"],
                acknowledged=row["acknowledged"],
                barred_on=barred,
            )
        )
    return sorted(claims, key=lambda c: (c.barred_on, c.invoice_id))


def limitation_tasks_open(*, as_of: datetime, within_months: int | None = None) -> int:
    """The daily job: one follow-up task per claim barred within ``DEBITOR_LIMITATION_WARN_MONTHS``,
    once per (invoice, barred date) — a person who closed it is not asked again, unless a payment
    moved the date (§ 212 BGB) and it comes close again. Run twice (or at once), it opens each
    task once (``LimitationWarning`` is unique). Returns how many tasks it opened."""
    months = warn_months() if within_months is None else within_months
    claims = claims_expiring(within_months=months, as_of=timezone.localdate(as_of))
    warned = set(
        LimitationWarning.objects.filter(invoice_id__in=[c.invoice_id for c in claims]).values_list(
            "invoice_id", "barred_on"
        )
    )
    invoices = Invoice.objects.in_bulk([c.invoice_id for c in claims if (c.invoice_id, c.barred_on) not in warned])
    opened = 0
    for claim in claims:
        invoice = invoices.get(claim.invoice_id)
        if invoice is None:
            continue
        try:
            with transaction.atomic():
                LimitationWarning.objects.create(invoice=invoice, barred_on=claim.barred_on, created_at=as_of)
                followup_open(
                    kind=LIMITATION_TASK,
                    title=_("Invoice %(number)s becomes time-barred on %(day)s") % {
                        "number": claim.number, "day": claim.barred_on.isoformat()
                    },
                    description=_(
                        "Open: %(principal)s principal, %(interest)s interest, %(costs)s costs. The claim is "
                        "time-barred from %(day)s (§§ 195, 199 BGB; a reminder does not stop this). Apply for a "
                        "Mahnbescheid or hand it to a collection agency before then, or write it off."
                    ) % {
                        "principal": claim.principal, "interest": claim.interest, "costs": claim.costs,
                        "day": claim.barred_on.isoformat(),
                    },
                    rule=LIMITATION_RULE,
                    as_of=as_of,
                    about=invoice,
                    customer=invoice.customer,
                    priority="high",
                    due_date=_task_due(claim, timezone.localdate(as_of)),
                )  # fmt: skip
        except IntegrityError:
            continue  # another run warned about it meanwhile
        opened += 1
    return opened


def _task_due(claim: Claim, today: date) -> date:
    """A month before the last day (a Mahnbescheid needs time), but never in the past."""
    return max(today, claim.last_day - timedelta(days=30))


# --- The export (Mahnbescheid / collection agency) -----------------------------------------------------

CLAIM_COLUMNS = [
    ("customer_number", gettext_lazy("debtor number")),
    ("debtor", gettext_lazy("debtor")),
    ("street", gettext_lazy("street")),
    ("postal_code", gettext_lazy("postal code")),
    ("city", gettext_lazy("city")),
    ("country", gettext_lazy("country")),
    ("number", gettext_lazy("claim (invoice number)")),
    ("invoice_date", gettext_lazy("invoice date")),
    ("due_date", gettext_lazy("due date")),
    ("currency", gettext_lazy("currency")),
    ("gross", gettext_lazy("invoice amount")),
    ("principal", gettext_lazy("principal open")),
    ("interest", gettext_lazy("interest open")),
    ("costs", gettext_lazy("costs open")),
    ("default_since", gettext_lazy("in default since")),
    ("last_payment", gettext_lazy("last payment (§ 212 BGB)")),
    ("barred_on", gettext_lazy("time-barred from")),
    ("reminders", gettext_lazy("reminders sent")),
]
REMINDER_COLUMNS = [
    ("number", gettext_lazy("claim (invoice number)")),
    ("reminder", gettext_lazy("reminder")),
    ("level", gettext_lazy("level")),
    ("created", gettext_lazy("created")),
    ("delivery", gettext_lazy("delivery status")),
    ("sent_at", gettext_lazy("sent")),
    ("delivered_at", gettext_lazy("delivered")),
    ("file", gettext_lazy("file")),
    ("sha256", gettext_lazy("SHA-256")),
]


def _sent_reminders(invoice_ids: list[int]) -> dict[int, list[Reminder]]:
    """Every reminder sent about each invoice, oldest first (one query)."""
    records = (
        ReminderRecord.objects.filter(invoice_id__in=invoice_ids, reminder__status=ReminderStatus.SENT)
        .select_related("reminder__message", "reminder__level")
        .order_by("reminder__created_at", "reminder_id", "id")
    )
    found: dict[int, list[Reminder]] = {}
    for record in records:
        mine = found.setdefault(record.invoice_id, [])
        if record.reminder not in mine:
            mine.append(record.reminder)
    return found


def _default_since(reminders: list[Reminder], invoice_id: int) -> date | None:
    """The day default began as the latest reminder about the invoice stated it, if any."""
    for reminder in reversed(reminders):
        for line in lines_from_json(reminder.lines or []):
            if line.invoice == invoice_id and line.default_since is not None:
                return line.default_since
    return None


def claims_export_zip(*, claims: list[Claim]) -> bytes:
    """A ZIP for court dunning or a collection agency: ``claims.csv`` (one row per claim: debtor
    and address as issued on the invoice, principal, interest and costs separately),
    ``reminders.csv`` (every reminder sent, with its delivery status), ``invoices/<number>.pdf``
    (the stored originals) and ``reminders/<id>.pdf``, each file checked against its SHA-256.
    CSV cells are escaped against formula injection (``core.admin_exports.csv_text``)."""
    ids = [c.invoice_id for c in claims]
    reminders = _sent_reminders(ids)
    pdfs = {d.invoice_id: d for d in InvoiceDocument.objects.filter(invoice_id__in=ids, kind=InvoiceDocument.Kind.PDF)}
    claim_rows, reminder_rows = [], []
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for claim in claims:
            sent = reminders.get(claim.invoice_id, [])
            buyer = claim.buyer
            claim_rows.append(
                [
                    buyer.get("number", ""),
                    buyer.get("name", ""),
                    " ".join(part for part in (buyer.get("street"), buyer.get("street2")) if part),
                    buyer.get("postal_code", ""),
                    buyer.get("city", ""),
                    buyer.get("country", ""),
                    claim.number,
                    claim.invoice_date,
                    claim.due_date,
                    claim.currency,
                    claim.gross,
                    claim.principal,
                    claim.interest,
                    claim.costs,
                    _default_since(sent, claim.invoice_id),
                    claim.acknowledged,
                    claim.barred_on,
                    len(sent),
                ]
            )
            document = pdfs.get(claim.invoice_id)
            if document is not None:
                data = document_read(name=document.file.name, sha256=document.sha256, label=document.filename)
                archive.writestr(f"invoices/{_safe(claim.number)}.pdf", data)
            for reminder in sent:
                path = ""
                if reminder.document_name:
                    path = f"reminders/{reminder.pk}.pdf"
                    if path not in archive.namelist():
                        archive.writestr(
                            path, document_read(name=reminder.document_name, sha256=reminder.document_sha256)
                        )
                message = reminder.message
                reminder_rows.append(
                    [
                        claim.number,
                        reminder.pk,
                        reminder.level.position,
                        reminder.created_at,
                        word(_message_status(), message.status) if message else "",
                        getattr(message, "sent_at", None) if message else None,
                        getattr(message, "delivered_at", None) if message else None,
                        path,
                        reminder.document_sha256,
                    ]
                )
        archive.writestr("claims.csv", csv_bytes([str(label) for _key, label in CLAIM_COLUMNS], claim_rows))
        archive.writestr("reminders.csv", csv_bytes([str(label) for _key, label in REMINDER_COLUMNS], reminder_rows))
    return out.getvalue()


def _message_status():
    from communications.models import MessageStatus

    return MessageStatus


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name or "claim")


# --- The daily job (a thin Celery task; registered when ``DunningConfig.ready`` imports this module) ---


@shared_task(name="dunning.limitation_tasks_open", ignore_result=True, acks_late=True)
def limitation_tasks_open_task(as_of: str | None = None) -> int:
    """Open the follow-up tasks for claims about to become time-barred (``as_of``: ISO date, default today)."""
    when = timezone.now()
    if as_of:
        day = date.fromisoformat(as_of)
        when = datetime(day.year, day.month, day.day, 6, tzinfo=timezone.get_current_timezone())
    # Task texts are written in the site language (a worker has no request).
    with translation.override(settings.LANGUAGE_CODE):
        return limitation_tasks_open(as_of=when)
