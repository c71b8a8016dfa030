"""Fees, the € 40 flat fee and default interest a reminder charges (§§ 286, 288 BGB).

CONTRACT (issue 19):

- ``default_starts(invoices=, policies=, profiles=, as_of=)`` → {invoice id: DefaultStart | None}:
  the day default began (§ 286 BGB) as of ``as_of``, and on what basis; one query.
  ``policies`` and ``profiles`` are keyed by customer id (``selectors.policies_of`` /
  ``profiles_of``).
- ``charges_plan_many(items=[(invoice, level)], policies=, starts=, as_of=, warnings=None)`` →
  {invoice id: [Charge]}: the charges a reminder at ``level`` lists for the invoice: earlier
  charges still open (``new=False``) and the ones it adds (``new=True``); seven queries however
  many invoices. ``warnings`` (a list) receives stored messages (``core.messages``) for rates
  that are missing — the run shows them loudly. Call it under the reminder's language: a
  charge's ``note`` is worded in the active language.
- ``charges_record(reminder=, line=, as_of=)`` → [OpenItem]: creates the open items (and interest
  periods, ``ReminderCharge`` rows, flat-fee credits) of ``line``'s new charges; the caller holds
  the invoice's lock.
- ``interest_finalize(invoice=, value_date=, as_of=)``: the last interest item when an invoice
  with interest items is settled (listener on ``invoice.settlement_changed``).

**Default (§ 286 BGB)**, ``DefaultStart.day`` is the day that puts the debtor in default; interest
runs from the day after (§ 187 (1) BGB, ``interest_from_day_after_default``):

- ``agreed_date``: the due date, when the customer's payment date is agreed by contract
  (``DunningProfile.payment_date_agreed``, § 286 (2) Nr. 1 BGB);
- ``reminder``: the day the first reminder sent after the due date reached the debtor: the local
  day of its e-mail's first delivery report, else the day the e-mail was sent, else the day the
  reminder was handed off (§ 286 (1) BGB);
- ``thirty_days``: the 30th day after the later of due date and receipt (``Invoice.received_on``,
  else invoice date + ``policy.receipt_assumed_after_days``) (§ 286 (3) BGB) — for consumers
  only if the issued invoice carried the notice, read from its snapshot (consumer buyer, not a
  credit note, amount due > 0: exactly when ``invoicing.documents.html`` prints it).

The earliest that applies and has happened on ``as_of`` wins.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Max, Min, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core.formatting import date_text, money_text
from core.languages import document_language
from core.messages import Term, message, message_define
from payments.models import Allocation, OpenItem, OpenItemKind, SettlementDiscount

from .interest import ONE_DAY, RateTable, half_year_start, interest_slices, principal_steps, rate_tables
from .models import (
    DebtorKind,
    DunningLevel,
    DunningPolicy,
    FlatFeeCredit,
    ForeignInterestRule,
    InterestPeriod,
    RateSeries,
    ReminderCharge,
    ReminderRecord,
    ReminderStatus,
)
from .snapshot import Charge, InterestSlice, ReminderLine

ZERO = Decimal("0")
FLAT_FEE = Decimal("40.00")  # § 288 (5) BGB
MARGIN_BUSINESS = Decimal("9")  # § 288 (2) BGB: business and public debtors
MARGIN_CONSUMER = Decimal("5")  # § 288 (1) BGB
CHARGE_KINDS = (OpenItemKind.DUNNING_FEE, OpenItemKind.FLAT_FEE, OpenItemKind.DEFAULT_INTEREST)

RATE_MISSING = message_define(
    "dunning.rate_missing",
    gettext_noop(
        "No %(series)s is entered for the half-year from %(half_year)s: default interest is not computed "
        "from %(day)s on until a finance manager enters the published rate."
    ),
)


@dataclass(frozen=True)
class DefaultStart:
    day: date  # the day that puts the debtor in default; interest from the day after
    basis: str  # "agreed_date", "reminder", "thirty_days"


def _day(value: date | datetime) -> date:
    if isinstance(value, datetime):
        return timezone.localtime(value).date()
    return value


def carried_consumer_notice(invoice) -> bool:
    """Whether the issued invoice printed the § 286 (3) notice (``invoicing.documents.html``)."""
    return (
        (invoice.buyer or {}).get("kind") == "consumer"
        and invoice.document_type != "credit_note"
        and invoice.amount_due > 0
    )


def debtor_kind(invoice) -> str:
    """Business, public authority or consumer, as the invoice was issued (its buyer snapshot)."""
    kind = (invoice.buyer or {}).get("kind")
    return kind if kind in DebtorKind.values else DebtorKind.BUSINESS


def _reminder_days(invoice_ids: list[int]) -> dict[int, list[date]]:
    rows = ReminderRecord.objects.filter(
        invoice_id__in=invoice_ids, status="active", reminder__status=ReminderStatus.SENT
    ).values_list("invoice_id", "reminder__message__delivered_at", "reminder__message__sent_at", "reminder__decided_at")
    days: dict[int, list[date]] = {}
    for invoice_id, delivered, sent, decided in rows:
        moment = delivered or sent or decided
        if moment is not None:
            days.setdefault(invoice_id, []).append(_day(moment))
    return days


def default_starts(*, invoices, policies: dict, profiles: dict, as_of: date) -> dict[int, DefaultStart | None]:
    invoices = list(invoices)
    as_of = _day(as_of)
    reminded = _reminder_days([invoice.pk for invoice in invoices])
    result: dict[int, DefaultStart | None] = {}
    for invoice in invoices:
        policy = policies.get(invoice.customer_id)
        profile = profiles.get(invoice.customer_id)
        due = invoice.due_date
        if policy is None or due is None or invoice.document_type == "credit_note":
            result[invoice.pk] = None
            continue
        candidates: list[DefaultStart] = []
        if policy.default_by_agreed_date and profile is not None and profile.payment_date_agreed:
            candidates.append(DefaultStart(due, "agreed_date"))
        if policy.default_by_reminder:
            after_due = [d for d in reminded.get(invoice.pk, ()) if d > due]
            if after_due:
                candidates.append(DefaultStart(min(after_due), "reminder"))
        if policy.default_after_30_days and (debtor_kind(invoice) != "consumer" or carried_consumer_notice(invoice)):
            receipt = invoice.received_on
            if receipt is None and invoice.invoice_date is not None:
                receipt = invoice.invoice_date + timedelta(days=policy.receipt_assumed_after_days)
            if receipt is not None:
                candidates.append(DefaultStart(max(due, receipt) + timedelta(days=30), "thirty_days"))
        happened = [c for c in candidates if c.day <= as_of]
        result[invoice.pk] = min(happened, key=lambda c: c.day) if happened else None
    return result


# --- What a reminder charges ----------------------------------------------------------------------


@dataclass(frozen=True)
class InterestTerms:
    series: str
    margin: Decimal
    compensation: Decimal  # the flat fee / compensation; 0 for consumers


def interest_terms(*, policy: DunningPolicy, invoice, rules: dict) -> InterestTerms | None:
    """The reference rate, margin and flat compensation of the invoice's default interest, or None
    when none is charged (a consumer under another member state's law without a rule entered)."""
    kind = debtor_kind(invoice)
    if policy.interest_jurisdiction == "DE":
        margin = MARGIN_CONSUMER if kind == DebtorKind.CONSUMER else MARGIN_BUSINESS
        return InterestTerms(RateSeries.DE_BASE, margin, ZERO if kind == DebtorKind.CONSUMER else FLAT_FEE)
    rule = rules.get((policy.interest_jurisdiction, kind))
    if kind == DebtorKind.CONSUMER:
        # The Directive covers commercial transactions only; a consumer rule is the member state's own.
        return InterestTerms(rule.series, rule.margin, ZERO) if rule is not None else None
    if rule is None:
        # No rule for the member state (outside the euro area its central bank's rate applies):
        # nothing is charged until a finance manager enters it — never a guessed rate.
        return None
    return InterestTerms(rule.series, rule.margin, rule.compensation)


def _rules() -> dict:
    return {(r.country, r.debtor_kind): r for r in ForeignInterestRule.objects.all()}


def principal_histories(invoices) -> dict[int, tuple]:
    """Each invoice's principal as steps (``interest.principal_steps``), two queries. A payment
    lowers it on its value date (a credit note's allocation on the credit note's date); the
    step takes effect the day after (the payment day still bears interest), see ``_steps``."""
    ids = [invoice.pk for invoice in invoices]
    reductions: dict[int, list[tuple[date, Decimal]]] = {pk: [] for pk in ids}
    for invoice_id, amount, value_date, credit_date in Allocation.objects.filter(
        invoice_id__in=ids, reversed_at__isnull=True
    ).values_list("invoice_id", "amount", "payment__value_date", "credit_note__invoice_date"):
        reductions[invoice_id].append((value_date or credit_date, amount))
    for invoice_id, amount, value_date, credit_date in SettlementDiscount.objects.filter(
        invoice_id__in=ids, reversed_at__isnull=True
    ).values_list("invoice_id", "amount", "allocation__payment__value_date", "allocation__credit_note__invoice_date"):
        reductions[invoice_id].append((value_date or credit_date, amount))
    return {invoice.pk: reductions[invoice.pk] for invoice in invoices}


def _steps(invoice, reductions, policy: DunningPolicy):
    shift = ONE_DAY if policy.interest_includes_payment_day else timedelta(0)
    return principal_steps(
        open_now=invoice.open_amount, reductions=[(day + shift, amount) for day, amount in reductions if day]
    )


def first_interest_day(start: DefaultStart, policy: DunningPolicy) -> date:
    return start.day + ONE_DAY if policy.interest_from_day_after_default else start.day


def _missing(series: str, day: date) -> dict:
    return message(
        RATE_MISSING,
        series=_series_term(series),
        half_year=half_year_start(day),
        day=day,
    )


# The English wording of the series (the model's choices) as catalogue words for stored messages.
SERIES_WORDS = {
    RateSeries.DE_BASE: gettext_noop("German base rate (§ 247 BGB)"),
    RateSeries.ECB_MRO: gettext_noop("ECB main refinancing rate (Directive 2011/7/EU)"),
    RateSeries.AT_BASE: gettext_noop("Austrian base rate (Oesterreichische Nationalbank)"),
}


def _series_term(series: str) -> Term:
    return Term(SERIES_WORDS.get(series, series))


def missing_rate_warning(as_of: date | datetime, *, series: str = RateSeries.DE_BASE, tables=None) -> dict | None:
    """A stored message when the half-year of ``as_of`` has no row of ``series`` (one query
    unless ``tables`` is given): the run shows it loudly; interest for that half-year is not
    computed until the rate is entered."""
    as_of = _day(as_of)
    tables = rate_tables() if tables is None else tables
    table = tables.get(series, RateTable(()))
    if table.rate_of_half_year(half_year_start(as_of)) is not None:
        return None
    return _missing(series, half_year_start(as_of))


def _fee_note(fee: Decimal, credited: Decimal, currency: str) -> str:
    return _(
        "Dunning fee %(fee)s: %(credited)s of it is credited against the flat fee "
        "(§ 288 (5) sentence 3 BGB), %(charged)s is charged."
    ) % {
        "fee": money_text(fee, currency),
        "credited": money_text(credited, currency),
        "charged": money_text(fee - credited, currency),
    }


def charges_plan_many(
    *,
    items: list[tuple[object, DunningLevel]],
    policies: dict[int, DunningPolicy],
    starts: dict[int, DefaultStart | None],
    as_of: date,
    warnings: list | None = None,
) -> dict[int, list[Charge]]:
    as_of = _day(as_of)
    invoices = [invoice for invoice, _level in items]
    ids = [invoice.pk for invoice in invoices]
    tables = rate_tables()
    rules = _rules()
    earlier: dict[int, list] = {pk: [] for pk in ids}
    for item in OpenItem.objects.filter(invoice_id__in=ids, kind__in=CHARGE_KINDS).order_by("due_date", "pk"):
        earlier[item.invoice_id].append(item)
    credits = dict(
        FlatFeeCredit.objects.filter(invoice_id__in=ids)
        .values("invoice_id")
        .annotate(total=Sum("credited"))
        .values_list("invoice_id", "total")
    )
    charged = {
        invoice_id: (first, last)
        for invoice_id, first, last in InterestPeriod.objects.filter(invoice_id__in=ids)
        .values("invoice_id")
        .annotate(first=Min("start"), last=Max("end"))
        .values_list("invoice_id", "first", "last")
    }
    histories = principal_histories(invoices)
    seen_missing: set[tuple[str, date]] = set()
    plan: dict[int, list[Charge]] = {}
    for invoice, level in items:
        policy = policies.get(invoice.customer_id)
        if policy is None:
            plan[invoice.pk] = []
            continue
        start = starts.get(invoice.pk)
        in_default = start is not None and start.day <= as_of
        own = earlier[invoice.pk]
        charges = [
            Charge(kind=item.kind, amount=item.open_amount, new=False, item=item.pk)
            for item in own
            if item.cancelled_at is None and item.open_amount > 0
        ]
        terms = interest_terms(policy=policy, invoice=invoice, rules=rules)
        # The flat fee in force: charged before (not waived) or now.
        flat = ZERO
        flat_items = [item for item in own if item.kind == OpenItemKind.FLAT_FEE]
        if flat_items:
            flat = sum((item.amount for item in flat_items if item.cancelled_at is None), ZERO)
        elif (
            in_default
            and policy.flat_fee_enabled
            and terms is not None
            and terms.compensation > 0
            and invoice.currency == "EUR"
        ):
            flat = terms.compensation
            charges.append(Charge(kind=OpenItemKind.FLAT_FEE, amount=flat, new=True))
        # The level's fee: not for the reminder that first puts the debtor in default.
        fee_chargeable = in_default or (policy.default_by_reminder and not policy.first_default_reminder_free)
        if level.fee > 0 and fee_chargeable:
            fees_charged = sum(
                (i.amount for i in own if i.kind == OpenItemKind.DUNNING_FEE and i.cancelled_at is None), ZERO
            )
            room = max(ZERO, flat - credits.get(invoice.pk, ZERO) - fees_charged)
            credited = min(level.fee, room)
            charges.append(
                Charge(
                    kind=OpenItemKind.DUNNING_FEE,
                    amount=level.fee - credited,
                    new=True,
                    note=_fee_note(level.fee, credited, invoice.currency) if credited else "",
                )
            )
        if level.charges_interest and in_default and terms is not None:
            # Once interest was charged, its first day stays the first day (segments and their
            # rounding start there, so the items keep adding up to one calculation).
            first_day, last = charged.get(invoice.pk, (first_interest_day(start, policy), None))
            begin = last + ONE_DAY if last is not None else first_day
            table = tables.get(terms.series, RateTable(()))
            slices, missing = interest_slices(
                steps=_steps(invoice, histories[invoice.pk], policy),
                table=table,
                margin=terms.margin,
                first_day=first_day,
                start=begin,
                end=as_of,
                currency=invoice.currency,
                day_count=policy.day_count,
            )
            if (
                missing is not None
                and warnings is not None
                and (terms.series, half_year_start(missing)) not in seen_missing
            ):
                seen_missing.add((terms.series, half_year_start(missing)))
                warnings.append(_missing(terms.series, missing))
            total = sum((s.amount for s in slices), ZERO)
            if total > 0:
                charges.append(
                    Charge(kind=OpenItemKind.DEFAULT_INTEREST, amount=total, new=True, periods=tuple(slices))
                )
        plan[invoice.pk] = charges
    return plan


# --- Recording ------------------------------------------------------------------------------------


def _description(kind: str, *, number: str, periods: tuple[InterestSlice, ...] = ()) -> str:
    if kind == OpenItemKind.FLAT_FEE:
        return _("Flat fee for late payment (§ 288 (5) BGB), invoice %(number)s") % {"number": number}
    if kind == OpenItemKind.DEFAULT_INTEREST:
        return _("Default interest %(number)s, %(start)s–%(end)s") % {
            "number": number,
            "start": date_text(periods[0].start),
            "end": date_text(periods[-1].end),
        }
    return _("Dunning fee for invoice %(number)s") % {"number": number}


def _interest_item(*, customer_id, invoice_id, number, currency, slices, language, due, as_of) -> OpenItem:
    with translation.override(document_language(language)):
        description = _description(OpenItemKind.DEFAULT_INTEREST, number=number, periods=tuple(slices))
    total = sum((s.amount for s in slices), ZERO)
    item = OpenItem.objects.create(
        customer_id=customer_id,
        kind=OpenItemKind.DEFAULT_INTEREST,
        invoice_id=invoice_id,
        description=description[:255],
        currency=currency,
        amount=total,
        open_amount=total,
        due_date=due,
        created_at=as_of,
    )
    InterestPeriod.objects.bulk_create(
        InterestPeriod(
            item=item,
            invoice_id=invoice_id,
            start=s.start,
            end=s.end,
            principal=s.principal,
            reference_rate=s.reference_rate,
            margin=s.margin,
            rate=s.rate,
            days=s.days,
            amount=s.amount,
        )
        for s in slices
    )
    return item


def charges_record(*, reminder, line: ReminderLine, as_of: datetime) -> list[OpenItem]:
    """Open items for ``line``'s new charges (fees and interest carry no VAT: an item is the amount
    owed as it is). The database refuses interest periods that overlap earlier ones of the invoice."""
    created = []
    due = _day(as_of)
    with transaction.atomic():
        for charge in line.charges:
            if not charge.new:
                continue
            if charge.kind == OpenItemKind.DUNNING_FEE:
                fee = DunningLevel.objects.get(policy_id=reminder.policy_id, position=line.level).fee
                if fee > charge.amount:
                    FlatFeeCredit.objects.create(
                        reminder=reminder,
                        invoice_id=line.invoice,
                        fee=fee,
                        credited=fee - charge.amount,
                        created_at=as_of,
                    )
            if charge.amount <= 0:
                continue
            if charge.kind == OpenItemKind.DEFAULT_INTEREST:
                item = _interest_item(
                    customer_id=reminder.customer_id,
                    invoice_id=line.invoice,
                    number=line.number,
                    currency=line.currency,
                    slices=charge.periods,
                    language=reminder.language,
                    due=due,
                    as_of=as_of,
                )
            else:
                with translation.override(document_language(reminder.language)):
                    description = _description(charge.kind, number=line.number)
                item = OpenItem.objects.create(
                    customer_id=reminder.customer_id,
                    kind=charge.kind,
                    invoice_id=line.invoice,
                    description=description[:255],
                    currency=line.currency,
                    amount=charge.amount,
                    open_amount=charge.amount,
                    due_date=due,
                    created_at=as_of,
                )
            ReminderCharge.objects.create(reminder=reminder, invoice_id=line.invoice, item=item)
            created.append(item)
    return created


# --- The final item on payment --------------------------------------------------------------------


def interest_finalize(*, invoice, value_date: date, as_of: datetime, warnings: list | None = None) -> OpenItem | None:
    """The last interest item of an invoice that has interest items, from the day after the last
    one up to the value date of the payment that settled it (inclusive, or the day before when
    the policy stops before the payment day). None when nothing is left to charge; the days of
    a half-year without a rate are left out and reported in ``warnings``."""
    from .selectors import policies_of

    periods = InterestPeriod.objects.filter(invoice_id=invoice.pk).aggregate(first=Min("start"), last=Max("end"))
    if periods["last"] is None:
        return None
    first_day = periods["first"]
    policy = policies_of([invoice.customer_id])[invoice.customer_id]
    if policy is None:
        return None
    terms = interest_terms(policy=policy, invoice=invoice, rules=_rules())
    if terms is None:
        return None
    end = value_date if policy.interest_includes_payment_day else value_date - ONE_DAY
    begin = periods["last"] + ONE_DAY
    if begin > end:
        return None
    histories = principal_histories([invoice])
    slices, missing = interest_slices(
        steps=_steps(invoice, histories[invoice.pk], policy),
        table=rate_tables().get(terms.series, RateTable(())),
        margin=terms.margin,
        first_day=first_day,
        start=begin,
        end=end,
        currency=invoice.currency,
        day_count=policy.day_count,
    )
    if missing is not None and warnings is not None:
        warnings.append(_missing(terms.series, missing))
    if sum((s.amount for s in slices), ZERO) <= 0:
        return None
    with transaction.atomic():
        return _interest_item(
            customer_id=invoice.customer_id,
            invoice_id=invoice.pk,
            number=invoice.number or "",
            currency=invoice.currency,
            slices=slices,
            language=invoice.language,
            due=_day(as_of),
            as_of=as_of,
        )


def on_invoice_settlement_changed(events) -> None:
    """``invoice.settlement_changed`` to ``paid``: the final interest item of invoices that have
    interest items (one query when none has), up to the value date of the settling payment."""
    from invoicing.models import Invoice

    paid = {}
    for event in events:
        data = event.data or {}
        if data.get("to_state") == "paid" and event.object_id:
            paid[int(event.object_id)] = event
    if not paid:
        return
    with_interest = set(
        InterestPeriod.objects.filter(invoice_id__in=list(paid)).values_list("invoice_id", flat=True).distinct()
    )
    for invoice_id in sorted(with_interest):
        event = paid[invoice_id]
        invoice = Invoice.objects.get(pk=invoice_id)
        # The principal is nil from the latest value date on: interest up to that day.
        allocations = Allocation.objects.filter(invoice_id=invoice_id, reversed_at__isnull=True)
        days = [
            value or credit
            for value, credit in allocations.values_list("payment__value_date", "credit_note__invoice_date")
            if value or credit
        ]
        if not days:
            continue
        interest_finalize(invoice=invoice, value_date=max(days), as_of=event.created_at)


def interest_listeners_register() -> None:
    from core.events import event_listener_register

    event_listener_register(["invoice.settlement_changed"], on_invoice_settlement_changed)
