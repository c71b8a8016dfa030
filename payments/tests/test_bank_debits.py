"""Debit lines of bank statements: returned direct debits (with reason codes and charges), reversals,
bank charges and outgoing payments, imported from CAMT.053/054 and MT940 files built here, booked
after matching, and the decisions people take on them in the admin and the API."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from core.models import Job
from core.services import job_run
from customers.tests.factories import make_customer
from invoicing.tests.factories import T0, invoicing_setup  # noqa: F401
from payments.bank.debits import (
    RELINK_JOB,
    RETURN_TASK,
    line_kind,
    line_link_return,
    return_reason_text,
    returns_relink,
    statement_book_debits,
)
from payments.bank.importing import statement_import_create, statement_import_run
from payments.bank.matching import line_accept, statement_match
from payments.models import BankStatementLine, Payment, PaymentEvent
from tasks.models import FollowUpTask
from tests.conftest import client_for

from .factories import make_invoice
from .test_bank_import import problem_of

pytestmark = pytest.mark.usefixtures("invoicing_setup")

ACCOUNT = "DE89370400440532013000"
IBAN_A = "DE02120300000000202051"
IBAN_B = "DE02500105170137075030"
IBAN_SUPPLIER = "DE02300209000106531065"
LATER = T0 + timedelta(days=10)
QUEUE = "/admin/payments/bankstatementline/review/"
LINES = "/api/v1/bank-statement-lines/"


# --- Statement files ----------------------------------------------------------------------------------


def camt(statement_id: str, *entries: str, message: str = "camt.053.001.02", comment: str = "") -> bytes:
    """A CAMT.053 statement (or a CAMT.054 notification) of our account with the given entries."""
    root, element = ("BkToCstmrDbtCdtNtfctn", "Ntfctn") if message.startswith("camt.054") else ("BkToCstmrStmt", "Stmt")
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<!-- {comment} -->
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:{message}">
  <{root}>
    <GrpHdr><MsgId>{statement_id}</MsgId><CreDtTm>2026-12-09T06:00:00+01:00</CreDtTm></GrpHdr>
    <{element}>
      <Id>{statement_id}</Id>
      <CreDtTm>2026-12-09T06:00:00+01:00</CreDtTm>
      <Acct><Id><IBAN>{ACCOUNT}</IBAN></Id><Ccy>EUR</Ccy></Acct>
      {"".join(entries)}
    </{element}>
  </{root}>
</Document>""".encode()


def collection(day: str, *transactions: tuple[str, str, str, str, str, str], ref: str = "COLL-1") -> str:
    """A batch credit of SEPA direct debits we collected: (amount, e2e, mandate, name, iban, text)."""
    total = sum((Decimal(t[0]) for t in transactions), Decimal("0"))
    details = "".join(
        f"""<TxDtls>
          <Refs><EndToEndId>{e2e}</EndToEndId><MndtId>{mandate}</MndtId></Refs>
          <AmtDtls><TxAmt><Amt Ccy="EUR">{amount}</Amt></TxAmt></AmtDtls>
          <RltdPties><Dbtr><Nm>{name}</Nm></Dbtr><DbtrAcct><Id><IBAN>{iban}</IBAN></Id></DbtrAcct>
            <Cdtr><Nm>Debitor Test GmbH</Nm></Cdtr><CdtrAcct><Id><IBAN>{ACCOUNT}</IBAN></Id></CdtrAcct></RltdPties>
          <RmtInf><Ustrd>{text}</Ustrd></RmtInf>
        </TxDtls>"""
        for amount, e2e, mandate, name, iban, text in transactions
    )
    return f"""<Ntry>
      <NtryRef>{ref}</NtryRef><Amt Ccy="EUR">{total}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
      <BookgDt><Dt>{day}</Dt></BookgDt><ValDt><Dt>{day}</Dt></ValDt><AcctSvcrRef>{ref}</AcctSvcrRef>
      <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>IDDT</Cd><SubFmlyCd>ESDD</SubFmlyCd></Fmly></Domn></BkTxCd>
      <NtryDtls>{details}</NtryDtls>
    </Ntry>"""


def returned(
    day: str,
    amount: str,
    *,
    e2e: str,
    mandate: str = "",
    reason: str = "MD06",
    charges: str = "",
    name: str = "",
    iban: str = "",
    ref: str = "RET-1",
    reversal: bool = True,
) -> str:
    """A returned direct debit (PMNT/IDDT/UPDD): the entry is the amount plus the charges."""
    booked = Decimal(amount) + (Decimal(charges) if charges else 0)
    fees = f'<Chrgs><Amt Ccy="EUR">{charges}</Amt></Chrgs>' if charges else ""
    mandate_ref = f"<MndtId>{mandate}</MndtId>" if mandate else ""
    party = f"<Dbtr><Nm>{name}</Nm></Dbtr><DbtrAcct><Id><IBAN>{iban}</IBAN></Id></DbtrAcct>" if iban else ""
    return f"""<Ntry>
      <Amt Ccy="EUR">{booked}</Amt><CdtDbtInd>DBIT</CdtDbtInd>{"<RvslInd>true</RvslInd>" if reversal else ""}
      <Sts>BOOK</Sts><BookgDt><Dt>{day}</Dt></BookgDt><ValDt><Dt>{day}</Dt></ValDt><AcctSvcrRef>{ref}</AcctSvcrRef>
      <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>IDDT</Cd><SubFmlyCd>UPDD</SubFmlyCd></Fmly></Domn></BkTxCd>{fees}
      <NtryDtls><TxDtls>
        <Refs><EndToEndId>{e2e}</EndToEndId>{mandate_ref}</Refs>
        <AmtDtls><TxAmt><Amt Ccy="EUR">{amount}</Amt></TxAmt></AmtDtls>
        <RltdPties>{party}</RltdPties>
        <RtrInf><Rsn><Cd>{reason}</Cd></Rsn></RtrInf>
      </TxDtls></NtryDtls>
    </Ntry>"""


def debit(
    day: str, amount: str, *, code: str = "", proprietary: str = "", name: str = "", iban: str = "", text=""
) -> str:
    """Any other debit: a transfer we sent, a bank fee …"""
    iso = code.split("/")
    codes = (
        f"<BkTxCd><Domn><Cd>{iso[0]}</Cd><Fmly><Cd>{iso[1]}</Cd><SubFmlyCd>{iso[2]}</SubFmlyCd></Fmly></Domn></BkTxCd>"
        if code
        else f"<BkTxCd><Prtry><Cd>{proprietary}</Cd><Issr>DK</Issr></Prtry></BkTxCd>"
        if proprietary
        else ""
    )
    party = f"<Cdtr><Nm>{name}</Nm></Cdtr><CdtrAcct><Id><IBAN>{iban}</IBAN></Id></CdtrAcct>" if iban else ""
    details = (
        f"<NtryDtls><TxDtls><RltdPties>{party}</RltdPties><RmtInf><Ustrd>{text}</Ustrd></RmtInf></TxDtls></NtryDtls>"
    )
    return f"""<Ntry>
      <Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts>
      <BookgDt><Dt>{day}</Dt></BookgDt><ValDt><Dt>{day}</Dt></ValDt>{codes}
      {details if (party or text) else ""}
    </Ntry>"""


def mt940(*blocks: str, number: str = "00020") -> bytes:
    """A German MT940 statement of our account with the given :61:/:86: blocks."""
    body = "\n".join(blocks)
    return (
        f":20:STARTUMS\n:25:{ACCOUNT}EUR\n:28C:{number}/001\n:60F:C261201EUR1000,00\n{body}\n:62F:C261210EUR1000,00\n-\n"
    ).encode("cp1252")


_files = iter(range(1, 10_000))


def import_file(data: bytes, *, as_of=LATER, name: str = "") -> list:
    """Upload and import a file, then match and book each of its statements (what the match job does)."""
    statement_import = statement_import_create(data=data, filename=name or f"file{next(_files)}.xml", as_of=as_of)
    done = statement_import_run(import_id=statement_import.pk, as_of=as_of)
    assert done.status == "done", (done.error, done.error_location)
    results = []
    for statement in done.statements.order_by("pk"):
        statement_match(statement=statement, as_of=as_of)
        results.append(statement_book_debits(statement=statement, as_of=as_of))
    return results


def only_line(**filters) -> BankStatementLine:
    return BankStatementLine.objects.get(superseded_by__isnull=True, **filters)


@pytest.fixture
def collected():
    """Two customers paid their invoices by SEPA direct debit, collected in one batch and matched."""
    anna = make_customer(legal_name="Anna Becker", bank_accounts=[{"iban": IBAN_A}])
    bernd = make_customer(legal_name="Bernd Schulz", bank_accounts=[{"iban": IBAN_B}])
    first = make_invoice(customer=anna, gross="59.50")
    second = make_invoice(customer=bernd, gross="119.00")
    import_file(
        camt(
            "COLL-2026-12-01",
            collection(
                "2026-12-01",
                ("59.50", "E2E-DD-1", "MANDATE-1", "Anna Becker", IBAN_A, f"Rechnung {first.number}"),
                ("119.00", "E2E-DD-2", "MANDATE-2", "Bernd Schulz", IBAN_B, f"Rechnung {second.number}"),
            ),
        )
    )
    for invoice in (first, second):
        invoice.refresh_from_db()
        assert invoice.open_amount == 0, "the collection must be matched to the invoices"
    payments = {p.customer_id: p for p in Payment.objects.all()}
    return {
        "anna": anna,
        "bernd": bernd,
        "first": first,
        "second": second,
        **{"anna_payment": payments[anna.pk], "bernd_payment": payments[bernd.pk]},
    }


def return_tasks():
    return FollowUpTask.objects.filter(
        kind=RETURN_TASK, content_type=ContentType.objects.get_for_model(BankStatementLine)
    )


# --- Returns ---------------------------------------------------------------------------------------------


def test_a_returned_direct_debit_reopens_the_invoice_with_its_reason_code_and_charges(collected):
    (counts,) = import_file(
        camt("RET-2026-12-08", returned("2026-12-08", "59.50", e2e="E2E-DD-1", mandate="MANDATE-1", charges="3.00"))
    )

    line = only_line(credit=False)
    assert (line.kind, line.match_status, line.return_reason, line.amount) == (
        "return",
        "matched",
        "MD06",
        Decimal("62.50"),
    )
    assert counts == {"lines": 1, "matched": 1, "review": 0, "ignored": 0, "relinked": 0}
    payment = collected["anna_payment"]
    payment.refresh_from_db()
    assert payment.status == "returned" and payment.returned_amount == Decimal("59.50")
    first = collected["first"]
    first.refresh_from_db()
    assert first.open_amount == Decimal("59.50")
    event = payment.events.get(kind=PaymentEvent.Kind.RETURNED)
    assert event.data["return_code"] == "MD06" and event.data["charges"] == "3.00"
    assert event.data["bank_line"] == line.pk
    assert "MD06 – refund request by the payer" in event.reason
    assert event.reason.startswith("direct debit return on the bank statement of")
    match = line.matches.get()
    assert (match.decision, match.decided_by, match.payment, match.customer) == (
        "accepted",
        None,
        payment,
        collected["anna"],
    )
    assert "end-to-end id E2E-DD-1" in match.explanation and "bank charges 3.00" in match.explanation
    # Booking the statement again touches nothing (only lines still new are booked).
    assert statement_book_debits(statement=line.statement, as_of=LATER)["lines"] == 0
    assert payment.events.filter(kind=PaymentEvent.Kind.RETURNED).count() == 1
    # The other collection is untouched, and nothing waits for a person.
    collected["second"].refresh_from_db()
    assert collected["second"].open_amount == 0
    assert not return_tasks().exists()


def test_the_same_return_imported_twice_returns_the_payment_once(collected):
    entry = returned("2026-12-08", "59.50", e2e="E2E-DD-1", charges="3.00")
    import_file(camt("RET-2026-12-08", entry, comment="first delivery"))
    import_file(camt("RET-2026-12-08", entry, comment="the same again, another file"))
    import_file(camt("RET-NOTE-1", entry, message="camt.054.001.02", comment="and as a notification"))

    assert BankStatementLine.objects.filter(credit=False, superseded_by__isnull=True).count() == 1
    payment = collected["anna_payment"]
    assert payment.events.filter(kind=PaymentEvent.Kind.RETURNED).count() == 1
    payment.refresh_from_db()
    assert payment.returned_amount == Decimal("59.50")


def test_a_return_whose_payment_is_returned_already_does_nothing_more(collected):
    import_file(camt("RET-1", returned("2026-12-08", "59.50", e2e="E2E-DD-1", ref="R-1")))
    # Another line for the same collection (the bank reported it with another reference).
    import_file(camt("RET-2", returned("2026-12-09", "59.50", e2e="E2E-DD-1", ref="R-2")))

    second = only_line(credit=False, account_servicer_reference="R-2")
    assert second.match_status == "review"
    (suggestion,) = second.matches.filter(decision="")
    assert suggestion.payment == collected["anna_payment"] and suggestion.confidence <= 30
    assert "already returned by the statement line" in suggestion.explanation
    assert collected["anna_payment"].events.filter(kind="returned").count() == 1
    assert not return_tasks().exists()  # the invoice is open again already: nothing looks paid


def test_a_return_with_an_unknown_end_to_end_id_waits_in_review_with_a_task(collected):
    import_file(camt("RET-1", returned("2026-12-08", "59.50", e2e="E2E-UNKNOWN", reason="AC04")))

    line = only_line(credit=False)
    assert (line.kind, line.match_status) == ("return", "review")
    assert not line.matches.exists()
    collected["anna_payment"].refresh_from_db()
    assert collected["anna_payment"].status == "completed"
    (task,) = return_tasks()
    assert task.object_id == str(line.pk) and task.created_by_rule == "bank-return-unlinked"
    assert task.status == "open" and task.priority == FollowUpTask.Priority.HIGH
    assert "AC04 – account closed" in task.description
    assert "No payment was found" in task.description


def test_an_ambiguous_return_is_never_linked_automatically(collected):
    # The customer pays the same amount twice by transfer; the return names no known reference.
    anna = collected["anna"]
    again = make_invoice(customer=anna, gross="59.50")
    import_file(
        camt(
            "COLL-2",
            collection("2026-12-03", ("59.50", "E2E-DD-3", "MANDATE-1", "Anna Becker", IBAN_A, f"RE {again.number}")),
        )
    )
    assert Payment.objects.filter(customer=anna, status="completed").count() == 2

    import_file(camt("RET-1", returned("2026-12-08", "59.50", e2e="", mandate="MANDATE-1", iban=IBAN_A, name="Anna")))

    line = only_line(credit=False)
    assert line.match_status == "review"
    suggestions = list(line.matches.filter(decision="").order_by("rank"))
    assert len(suggestions) == 2 and {s.payment.customer for s in suggestions} == {anna}
    assert all("MANDATE-1" in s.explanation for s in suggestions)
    assert [s.payment.value_date.isoformat() for s in suggestions] == ["2026-12-03", "2026-12-01"]
    assert Payment.objects.filter(status="returned").count() == 0
    (task,) = return_tasks()
    assert "2 payments fit" in task.description and task.customer == anna


def test_a_person_chooses_one_of_two_fitting_payments_and_the_other_suggestion_is_rejected(collected, accountant):
    anna = collected["anna"]
    again = make_invoice(customer=anna, gross="59.50")
    import_file(
        camt("COLL-2", collection("2026-12-03", ("59.50", "E2E-DD-3", "MANDATE-1", "Anna", IBAN_A, again.number)))
    )
    import_file(camt("RET-1", returned("2026-12-08", "59.50", e2e="", mandate="MANDATE-1")))
    line = only_line(credit=False)
    first, second = line.matches.filter(decision="").order_by("rank")

    line_link_return(line=line, payment=second.payment, as_of=LATER, by=accountant)

    decisions = {(m.payment_id, m.decision, m.decided_by_id) for m in line.matches.all()}
    assert decisions == {
        (first.payment_id, "rejected", accountant.pk),
        (second.payment_id, "accepted", accountant.pk),
    }
    accepted = line.matches.get(decision="accepted")
    assert "MANDATE-1" in accepted.explanation and "chosen by hand" in accepted.explanation
    assert accepted.explanation.startswith("linked by accountant: ")
    assert Payment.objects.get(pk=second.payment_id).status == "returned"
    assert Payment.objects.get(pk=first.payment_id).status == "completed"


def test_a_return_of_another_amount_waits_in_review_naming_the_difference(collected):
    import_file(camt("RET-1", returned("2026-12-08", "50.00", e2e="E2E-DD-1")))

    line = only_line(credit=False)
    assert line.match_status == "review"
    (suggestion,) = line.matches.filter(decision="")
    assert "amount €59.50 differs from the line's €50.00" in suggestion.explanation
    assert return_tasks().count() == 1


def test_a_reversal_by_the_bank_takes_back_the_credit_it_reverses():
    anna = make_customer(legal_name="Anna Becker", bank_accounts=[{"iban": IBAN_A}])
    invoice = make_invoice(customer=anna, gross="119.00")
    import_file(
        mt940(
            ":61:2612010101CR119,00NTRFNONREF//BANKREF-77",
            f":86:166?00SEPA-GUTSCHRIFT?20SVWZ+{invoice.number}?31{IBAN_A}?32Anna Becker",
            number="00021",
        )
    )
    invoice.refresh_from_db()
    assert invoice.open_amount == 0
    # The bank reverses that booking (RC: reversal of a credit) without a return reason.
    import_file(
        mt940(
            ":61:2612050105RC119,00NTRFNONREF//BANKREF-77",
            ":86:820?00STORNO?20Storno Gutschrift vom 01.12.",
            number="00022",
        )
    )

    line = only_line(credit=False)
    assert (line.kind, line.reversal, line.match_status) == ("reversal", True, "matched")
    payment = Payment.objects.get()
    assert payment.status == "returned"
    assert "bank reference BANKREF-77" in line.matches.get().explanation
    assert payment.events.get(kind="returned").reason.startswith("reversal by the bank")
    invoice.refresh_from_db()
    assert invoice.open_amount == Decimal("119.00")


def test_an_mt940_direct_debit_return_with_charges_reopens_the_invoice(collected):
    import_file(
        mt940(
            ":61:2612080108D122,50NRTINONREF//BANKREF-R3",
            "/CHGS/EUR3,50/",
            ":86:109?00SEPA-DD SOLL RUECKBEL. CORE?20EREF+E2E-DD-2?21MREF+MANDATE-2?22SVWZ+RTRN AM04 Deckung?30"
            f"GENODEF1S04?31{IBAN_B}?32Bernd Schulz?34902",
            number="00024",
        )
    )

    line = only_line(credit=False)
    assert (line.kind, line.return_reason, line.charges, line.match_status) == (
        "return",
        "AM04",
        Decimal("3.50"),
        "matched",
    )
    payment = collected["bernd_payment"]
    payment.refresh_from_db()
    assert payment.status == "returned"
    event = payment.events.get(kind="returned")
    assert event.data["charges"] == "3.50" and "AM04 – insufficient funds" in event.reason


def test_relinking_links_a_return_once_the_collection_is_recorded():
    anna = make_customer(legal_name="Anna Becker", bank_accounts=[{"iban": IBAN_A}])
    invoice = make_invoice(customer=anna, gross="59.50")
    # The collection names no invoice: matching leaves it for review; its return arrives first.
    import_file(
        camt(
            "COLL-1",
            collection("2026-12-01", ("59.50", "E2E-DD-9", "MANDATE-9", "Anna Becker", IBAN_A, "Abo Dezember")),
            collection(
                "2026-12-01", ("59.50", "E2E-DD-10", "MANDATE-9", "Anna Becker", IBAN_A, "Abo Januar"), ref="C2"
            ),
        )
    )
    credit = only_line(credit=True, end_to_end_id="E2E-DD-9")
    assert credit.match_status == "review"
    import_file(camt("RET-1", returned("2026-12-08", "59.50", e2e="E2E-DD-9")))
    line = only_line(credit=False)
    assert line.match_status == "review" and return_tasks().count() == 1

    assert returns_relink(as_of=LATER) == {"lines": 1, "matched": 0}  # still nothing to take back

    line_accept(match=credit.matches.filter(decision="", invoice=invoice).first(), as_of=LATER, by=None)
    # The service that recorded the payment queued the relink itself (no view involved).
    assert Job.objects.filter(kind=RELINK_JOB, status=Job.Status.PENDING).count() == 1
    assert returns_relink(as_of=LATER) == {"lines": 1, "matched": 1}

    line.refresh_from_db()
    assert line.match_status == "matched"
    payment = Payment.objects.get(external_id__startswith="line:", bank_matches__line=credit)
    assert payment.status == "returned"
    invoice.refresh_from_db()
    assert invoice.open_amount == Decimal("59.50")
    (task,) = return_tasks()
    assert task.status == "done" and f"#{payment.pk}" in task.resolution
    assert returns_relink(as_of=LATER) == {"lines": 0, "matched": 0}


def test_relinking_goes_on_past_a_return_line_whose_lookup_is_refused(monkeypatch):
    from django.core.exceptions import ValidationError

    from payments.bank.debits import returns as returns_module

    import_file(
        camt(
            "RET-1",
            returned("2026-12-08", "59.50", e2e="E2E-X-1"),
            returned("2026-12-08", "12.00", e2e="E2E-X-2", ref="R2"),
        )
    )
    first, second = BankStatementLine.objects.filter(credit=False).order_by("pk")
    assert first.match_status == second.match_status == "review"
    real, looked_at = returns_module.line_find_return, []

    def refuse_the_first(*, line, as_of):
        looked_at.append(line.pk)
        if line.pk == first.pk:
            raise ValidationError({"line": ["broken"]})
        return real(line=line, as_of=as_of)

    monkeypatch.setattr(returns_module, "line_find_return", refuse_the_first)

    assert returns_relink(as_of=LATER) == {"lines": 2, "matched": 0}
    assert looked_at == [first.pk, second.pk]


def test_accepting_the_collection_in_the_admin_queues_the_relink_which_links_the_waiting_return(accountant):
    anna = make_customer(legal_name="Anna Becker", bank_accounts=[{"iban": IBAN_A}])
    invoice = make_invoice(customer=anna, gross="59.50")
    make_invoice(customer=anna, gross="59.50")  # the amount fits two invoices: the collection waits in review
    import_file(camt("COLL-1", collection("2026-12-01", ("59.50", "E2E-DD-9", "M-9", "Anna", IBAN_A, "Abo"))))
    credit = only_line(credit=True)
    assert credit.match_status == "review"
    import_file(camt("RET-1", returned("2026-12-08", "59.50", e2e="E2E-DD-9", iban=IBAN_SUPPLIER)))
    line = only_line(credit=False)
    assert line.match_status == "review"

    # The admin takes the wall clock as its as_of: pin it to the statement's day, or the relink job
    # would be due after LATER once the real clock has passed it.
    with time_machine.travel(LATER, tick=False):
        browser(accountant).post(QUEUE, {"action": "accept", "match": credit.matches.get(invoice=invoice).pk})

    (job,) = Job.objects.filter(kind=RELINK_JOB, status=Job.Status.PENDING)
    assert job_run(job_id=job.pk, clock=lambda: LATER) == "done"
    line.refresh_from_db()
    assert line.match_status == "matched"
    invoice.refresh_from_db()
    assert invoice.open_amount == Decimal("59.50")


# --- Charges and outgoing payments ---------------------------------------------------------------------------


def test_bank_charges_and_supplier_payments_are_ignored_with_the_reason(collected):
    import_file(
        camt(
            "OUT-1",
            debit("2026-12-08", "4.90", proprietary="NCHG+805"),
            debit("2026-12-08", "1.20", code="ACMT/MDOP/CHRG"),
            debit("2026-12-08", "250.00", code="PMNT/ICDT/ESCT", name="Bürobedarf Nord", iban=IBAN_SUPPLIER),
        )
    )

    fee, iso_fee, supplier = BankStatementLine.objects.filter(credit=False).order_by("position")
    assert [line.kind for line in (fee, iso_fee, supplier)] == ["charge", "charge", "outgoing"]
    assert all(line.match_status == "ignored" for line in (fee, iso_fee, supplier))
    decisions = [line.matches.get() for line in (fee, iso_fee, supplier)]
    assert [d.explanation_text for d in decisions] == [
        "bank charges (code 805)",
        "bank charges (code CHRG)",
        "outgoing payment",
    ]
    assert all((d.decision, d.decided_by) == ("rejected", None) for d in decisions)
    assert Payment.objects.filter(status="returned").count() == 0


def test_an_outgoing_payment_to_a_customers_iban_waits_in_review_as_a_probable_refund(collected):
    import_file(camt("OUT-1", debit("2026-12-08", "20.00", code="PMNT/ICDT/ESCT", name="Anna Becker", iban=IBAN_A)))

    line = only_line(credit=False)
    assert (line.kind, line.match_status) == ("outgoing", "review")
    (suggestion,) = line.matches.all()
    assert suggestion.customer == collected["anna"] and suggestion.payment is None
    assert "probably a refund of the customer's credit" in suggestion.explanation_text


def test_a_separate_charge_line_of_a_return_is_recorded_on_the_return():
    anna = make_customer(legal_name="Anna Becker", bank_accounts=[{"iban": IBAN_A}])
    make_invoice(customer=anna, gross="59.50")
    import_file(camt("COLL-1", collection("2026-12-01", ("59.50", "E2E-DD-1", "M-1", "Anna", IBAN_A, "Abo"))))
    credit = only_line(credit=True)
    line_accept(match=credit.matches.filter(decision="").first(), as_of=LATER, by=None)
    # The fee is booked as its own entry with the return's entry reference.
    fee = debit("2026-12-08", "3.00", proprietary="NCHG+808").replace("<Amt ", "<NtryRef>RTN-7</NtryRef><Amt ", 1)
    back = returned("2026-12-08", "59.50", e2e="E2E-DD-1").replace("<Amt ", "<NtryRef>RTN-7</NtryRef><Amt ", 1)
    import_file(camt("RET-1", fee, back))

    charge, line = BankStatementLine.objects.filter(credit=False).order_by("position")
    assert (charge.kind, charge.match_status, line.match_status) == ("charge", "ignored", "matched")
    event = line.matches.get().payment.events.get(kind="returned")
    assert event.data["charges"] == "3.00"
    assert f"charged for the return on line #{line.pk}" in charge.matches.get().explanation_text


# --- Kinds and reason codes -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "kind"),
    [
        ({"credit": True}, "payment"),
        ({"credit": True, "reversal": True}, "reversal"),
        ({"credit": True, "return_reason": "901", "bank_transaction_code": "159"}, "return"),
        ({"credit": False, "return_reason": "AC04"}, "return"),
        ({"credit": False, "bank_transaction_code": "PMNT/IDDT/UPDD"}, "return"),
        ({"credit": False, "bank_transaction_code": "181"}, "return"),
        ({"credit": False, "reversal": True}, "reversal"),
        ({"credit": False, "bank_transaction_code": "NCHG+805"}, "charge"),
        ({"credit": False, "bank_transaction_code": "NCOM"}, "charge"),
        ({"credit": False, "bank_transaction_code": "PMNT/CCRD/COMM"}, "charge"),
        ({"credit": False, "charges": Decimal("2.50")}, "charge"),
        ({"credit": False, "bank_transaction_code": "PMNT/ICDT/ESCT"}, "outgoing"),
        ({"credit": False, "bank_transaction_code": "116"}, "outgoing"),
    ],
)
def test_a_lines_kind_is_read_from_its_codes(fields, kind):
    line = BankStatementLine(amount=Decimal("2.50"), **fields)
    assert line_kind(line) == kind


def test_return_reason_codes_are_shown_with_their_meaning():
    assert return_reason_text("MD06") == "MD06 – refund request by the payer"
    assert return_reason_text("am04") == "AM04 – insufficient funds"
    assert return_reason_text("902") == "902"
    assert return_reason_text("") == ""


# --- A person links a return --------------------------------------------------------------------------------


def test_a_person_links_a_return_to_a_payment_and_the_task_is_done(collected, accountant):
    import_file(camt("RET-1", returned("2026-12-08", "119.00", e2e="UNKNOWN")))
    line = only_line(credit=False)
    assert line.match_status == "review"

    decision = line_link_return(line=line, payment=collected["bernd_payment"], as_of=LATER, by=accountant)

    assert (decision.decision, decision.decided_by, decision.payment) == (
        "accepted",
        accountant,
        collected["bernd_payment"],
    )
    line.refresh_from_db()
    assert line.match_status == "matched"
    collected["second"].refresh_from_db()
    assert collected["second"].open_amount == Decimal("119.00")
    assert return_tasks().get().status == "done"
    # Again with the same payment: the same decision, nothing returned twice.
    assert line_link_return(line=line, payment=collected["bernd_payment"], as_of=LATER, by=accountant) == decision
    assert collected["bernd_payment"].events.filter(kind="returned").count() == 1


def test_linking_a_return_to_a_payment_that_does_not_fit_is_refused_with_the_reason(collected, accountant):
    import_file(camt("RET-1", returned("2026-12-08", "119.00", e2e="UNKNOWN")))
    line = only_line(credit=False)

    with pytest.raises(ValidationError) as refused:
        line_link_return(line=line, payment=collected["anna_payment"], as_of=LATER, by=accountant)

    assert refused.value.message_dict == {
        "payment": [
            f"Payment #{collected['anna_payment'].pk} cannot be linked: the payment's amount €59.50 differs "
            "from the line's €119.00."
        ]
    }
    line.refresh_from_db()
    assert line.match_status == "review"
    collected["anna_payment"].refresh_from_db()
    assert collected["anna_payment"].status == "completed"


def test_only_return_and_reversal_lines_take_a_payment_back(collected, accountant):
    import_file(camt("OUT-1", debit("2026-12-08", "20.00", code="PMNT/ICDT/ESCT", name="Anna", iban=IBAN_A)))
    line = only_line(credit=False)
    with pytest.raises(ValidationError) as refused:
        line_link_return(line=line, payment=collected["anna_payment"], as_of=LATER, by=accountant)
    assert "Only return and reversal debit lines" in str(refused.value)


# --- Admin --------------------------------------------------------------------------------------------------


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_the_review_page_shows_a_return_with_its_reason_and_charges_and_links_it(collected, accountant):
    import_file(camt("RET-1", returned("2026-12-08", "59.50", e2e="UNKNOWN", charges="3.00")))
    line = only_line(credit=False)
    client = browser(accountant)

    page = client.get(QUEUE).content.decode()
    assert "MD06 – refund request by the payer" in page and "3.00" in page
    assert 'value="link_return"' in page and "Return this payment" in page

    response = client.post(
        QUEUE, {"action": "link_return", "line": line.pk, "payment": collected["anna_payment"].pk}, follow=True
    )

    assert messages_of(response) == [
        f"Payment #{collected['anna_payment'].pk} is returned; what it paid is open again."
    ]
    line.refresh_from_db()
    assert line.match_status == "matched"


def test_the_review_page_refuses_a_bad_payment_id_with_a_message(collected, accountant):
    import_file(camt("RET-1", returned("2026-12-08", "59.50", e2e="UNKNOWN")))
    line = only_line(credit=False)
    client = browser(accountant)

    for payment, message in (
        ("", "Payment: This field is required."),
        ("abc", "Payment: Enter a whole number."),
        ("999999", "Payment: No payment #999999."),
        (collected["bernd_payment"].pk, "Payment: "),
    ):
        response = client.post(QUEUE, {"action": "link_return", "line": line.pk, "payment": payment}, follow=True)
        assert response.status_code == 200
        (shown,) = messages_of(response)
        assert shown.startswith(message), shown
    line.refresh_from_db()
    assert line.match_status == "review"


def test_the_split_form_spreads_a_credit_over_invoices_and_leaves_the_rest_unapplied(accountant):
    anna = make_customer(legal_name="Anna Becker", bank_accounts=[{"iban": IBAN_A}])
    first = make_invoice(customer=anna, gross="119.00")
    second = make_invoice(customer=anna, gross="238.00")
    import_file(
        camt(
            "IN-1",
            collection("2026-12-01", ("300.00", "E2E-T-1", "", "Anna Becker", IBAN_A, "Sammelzahlung"), ref="T1")
            .replace("IDDT", "RCDT")
            .replace("ESDD", "ESCT"),
        )
    )
    line = only_line(credit=True)
    assert line.match_status == "review"
    match = line.matches.filter(decision="", customer=anna).first()
    client = browser(accountant)

    page = client.get(QUEUE).content.decode()
    assert 'value="split"' in page and first.number in page and second.number in page

    too_much = client.post(
        QUEUE,
        {
            "action": "split",
            "match": match.pk,
            f"pay_{first.pk}": "119.00",
            "number_1": second.number,
            "extra_1": "238.00",
        },
        follow=True,
    )
    assert messages_of(too_much) == ["The amounts add up to €357.00, more than the line's €300.00."]
    bad = client.post(QUEUE, {"action": "split", "match": match.pk, f"pay_{first.pk}": "1,x"}, follow=True)
    assert messages_of(bad) == [f"Amount for {first.number}: Enter a number."]
    unknown = client.post(
        QUEUE, {"action": "split", "match": match.pk, "number_1": "RE-NOPE", "extra_1": "5"}, follow=True
    )
    assert messages_of(unknown) == ["Invoice number 1: no invoice RE-NOPE."]
    line.refresh_from_db()
    assert line.match_status == "review" and not Payment.objects.exists()

    done = client.post(
        QUEUE,
        {"action": "split", "match": match.pk, f"pay_{first.pk}": "119.00", f"pay_{second.pk}": "100.00"},
        follow=True,
    )

    assert messages_of(done) == ["The payment is recorded and split as given; €81.00 stay unapplied."]
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.open_amount, second.open_amount) == (Decimal("0.00"), Decimal("138.00"))
    payment = Payment.objects.get()
    assert payment.unapplied_amount == Decimal("81.00")


def test_match_again_matches_a_credit_line_after_the_customers_iban_was_added(accountant):
    anna = make_customer(legal_name="Anna Becker")
    invoice = make_invoice(customer=anna, gross="119.00")
    mangled = invoice.number.replace("-", "")
    import_file(
        camt(
            "IN-1",
            collection(
                "2026-12-01", ("119.00", "E2E-T-1", "", "Hausverwaltung Nord", IBAN_A, f"Zahlung {mangled}"), ref="T1"
            )
            .replace("IDDT", "RCDT")
            .replace("ESDD", "ESCT"),
        )
    )
    line = only_line(credit=True)
    assert line.match_status == "review"
    anna.bank_accounts.create(iban=IBAN_A)
    client = browser(accountant)

    response = client.post(QUEUE, {"action": "rematch", "lines": [line.pk]}, follow=True)

    assert messages_of(response) == ["Matched again: 1 line(s), 1 matched, 0 still to review, 0 ignored."]
    line.refresh_from_db()
    assert line.match_status == "matched"
    invoice.refresh_from_db()
    assert invoice.open_amount == 0


def test_match_again_without_a_line_says_so(accountant):
    response = browser(accountant).post(QUEUE, {"action": "rematch"}, follow=True)
    assert messages_of(response) == ["Lines: choose at least one line to match again."]


def test_a_finance_viewer_may_not_link_split_or_rematch(collected, viewer):
    import_file(camt("RET-1", returned("2026-12-08", "59.50", e2e="UNKNOWN")))
    line = only_line(credit=False)
    client = browser(viewer)
    page = client.get(QUEUE).content.decode()
    assert 'value="link_return"' not in page
    for data in (
        {"action": "link_return", "line": line.pk, "payment": collected["anna_payment"].pk},
        {"action": "rematch", "lines": [line.pk]},
    ):
        assert client.post(QUEUE, data).status_code == 403
    line.refresh_from_db()
    assert line.match_status == "review"


def test_the_line_list_shows_kind_reason_and_charges(collected, viewer):
    import_file(camt("RET-1", returned("2026-12-08", "59.50", e2e="E2E-DD-1", charges="3.00")))
    page = browser(viewer).get("/admin/payments/bankstatementline/").content.decode()
    assert "MD06 – refund request by the payer" in page and "3.00" in page and ">return<" in page


# --- API ----------------------------------------------------------------------------------------------------


def test_the_api_shows_kind_reason_charges_and_the_linked_payment(collected, viewer):
    import_file(camt("RET-1", returned("2026-12-08", "59.50", e2e="E2E-DD-1", charges="3.00")))
    line = only_line(credit=False)

    body = client_for(viewer).get(f"{LINES}{line.pk}/").json()

    assert (body["kind"], body["return_reason"], body["return_reason_text"], body["charges"]) == (
        "return",
        "MD06",
        "MD06 – refund request by the payer",
        "3.00",
    )
    assert body["linked_payment"] == collected["anna_payment"].pk


def test_the_api_links_a_return_and_refuses_bad_input(collected, accountant):
    import_file(camt("RET-1", returned("2026-12-08", "59.50", e2e="UNKNOWN")))
    line = only_line(credit=False)
    client = client_for(accountant)
    url = f"{LINES}{line.pk}/link-return/"

    missing = problem_of(client.post(url, {}, format="json"))
    unknown = problem_of(client.post(url, {"payment": 999999}, format="json"))
    wrong = problem_of(client.post(url, {"payment": collected["bernd_payment"].pk}, format="json"))
    assert {e["pointer"] for e in missing["errors"]} == {"#/payment"}
    assert {e["pointer"] for e in unknown["errors"]} == {"#/payment"}
    assert "differs from the line's €59.50" in wrong["errors"][0]["message"]

    response = client.post(url, {"payment": collected["anna_payment"].pk}, format="json")
    assert response.status_code == 200, response.content
    assert (
        response.json()["match_status"] == "matched"
        and response.json()["linked_payment"] == collected["anna_payment"].pk
    )

    again = client.post(url, {"payment": collected["anna_payment"].pk}, format="json")
    assert again.status_code == 200 and again.json()["linked_payment"] == collected["anna_payment"].pk
    assert collected["anna_payment"].events.filter(kind="returned").count() == 1
    decided = problem_of(
        client.post(url, {"payment": collected["bernd_payment"].pk}, format="json", HTTP_ACCEPT_LANGUAGE="en"),
        status=409,
    )
    assert "already decided" in decided["detail"]
    for path, data in (("ignore", {"reason": "x"}), ("rematch", {})):
        assert client.post(f"{LINES}{line.pk}/{path}/", data, format="json").status_code == 409


def test_the_api_refuses_to_accept_a_debit_line_as_a_payment(collected, accountant):
    import_file(camt("OUT-1", debit("2026-12-08", "20.00", code="PMNT/ICDT/ESCT", name="Anna", iban=IBAN_A)))
    line = only_line(credit=False)
    problem = problem_of(
        client_for(accountant).post(f"{LINES}{line.pk}/accept/", {"match": line.matches.get().pk}, format="json")
    )
    assert "#/match" in {e["pointer"] for e in problem["errors"]}
    assert not Payment.objects.filter(amount=Decimal("20.00")).exists()


def test_the_api_matches_a_line_again(accountant):
    anna = make_customer(legal_name="Anna Becker")
    invoice = make_invoice(customer=anna, gross="119.00")
    import_file(
        camt(
            "IN-1",
            collection(
                "2026-12-01",
                ("119.00", "E2E-T-1", "", "Hausverwaltung Nord", IBAN_A, f"Zahlung {invoice.number.replace('-', '')}"),
            )
            .replace("IDDT", "RCDT")
            .replace("ESDD", "ESCT"),
        )
    )
    line = only_line(credit=True)
    assert line.match_status == "review"
    client = client_for(accountant)

    still = client.post(f"{LINES}{line.pk}/rematch/", {}, format="json")
    assert still.status_code == 200 and still.json()["match_status"] == "review"
    anna.bank_accounts.create(iban=IBAN_A)
    again = client.post(f"{LINES}{line.pk}/rematch/", {}, format="json")
    assert again.status_code == 200 and again.json()["match_status"] == "matched"


def test_a_finance_viewer_may_not_link_or_rematch_through_the_api(collected, viewer):
    import_file(camt("RET-1", returned("2026-12-08", "59.50", e2e="UNKNOWN")))
    line = only_line(credit=False)
    client = client_for(viewer)
    assert client.post(f"{LINES}{line.pk}/link-return/", {"payment": 1}, format="json").status_code == 403
    assert client.post(f"{LINES}{line.pk}/rematch/", {}, format="json").status_code == 403


def test_the_line_list_needs_the_same_queries_for_one_return_and_for_five(collected, viewer, django_assert_num_queries):
    client = client_for(viewer)
    import_file(camt("RET-0", returned("2026-12-08", "59.50", e2e="E2E-DD-1", charges="3.00", ref="R0")))
    client.get(f"{LINES}?credit=false")  # warms the caches
    with CaptureQueriesContext(connection) as one:
        client.get(f"{LINES}?credit=false")
    for n in range(1, 5):
        import_file(camt(f"RET-{n}", returned("2026-12-08", "9.50", e2e=f"UNKNOWN-{n}", ref=f"R{n}")))
    with django_assert_num_queries(len(one.captured_queries)):
        assert len(client.get(f"{LINES}?credit=false").json()["results"]) == 5
    assert len(one.captured_queries) == LINE_LIST_QUERIES


# session/API auth, the count, the lines, their matches with invoices and payments
LINE_LIST_QUERIES = 3


def test_the_review_page_needs_the_same_queries_for_one_return_and_for_five(collected, accountant):
    client = browser(accountant)
    # Returns of another amount than the collection they name: suggestions with their payments.
    import_file(camt("RET-0", returned("2026-12-08", "9.50", e2e="E2E-DD-1", iban=IBAN_A, ref="R0")))
    client.get(QUEUE)
    with CaptureQueriesContext(connection) as one:
        client.get(QUEUE)
    for n in range(1, 5):
        import_file(camt(f"RET-{n}", returned("2026-12-08", "9.50", e2e="E2E-DD-2", iban=IBAN_B, ref=f"R{n}")))
    with CaptureQueriesContext(connection) as five:
        response = client.get(QUEUE)
    assert len(response.context["entries"]) == 5
    assert len(five.captured_queries) == len(one.captured_queries)


def test_a_linked_return_stores_its_signals_as_messages_worded_in_the_readers_language(collected, accountant):
    from django.utils import translation

    import_file(camt("RET-1", returned("2026-12-08", "59.50", e2e="UNKNOWN", charges="3.00")))
    line = only_line(credit=False)
    decision = line_link_return(line=line, payment=collected["anna_payment"], as_of=LATER, by=accountant)

    assert [s["code"] for s in decision.signals] == ["linked_by", "by_hand", "bank_charges"]
    assert all("message" in s and "detail" not in s for s in decision.signals)
    assert decision.signals[-1]["params"] == {"charges": {"$": "money", "amount": "3.00", "currency": "EUR"}}
    with translation.override("en"):
        assert decision.explanation_text == "linked by accountant; chosen by hand; bank charges €3.00"
    with translation.override("de"):
        assert "3,00\xa0€" in decision.explanation_text


def test_why_a_payment_does_not_fit_a_return_is_worded_in_the_readers_language(collected):
    """The not-fitting signal is stored as a message with typed amounts (issue 13), so the same
    suggestion reads in English and in German; an old row shows the detail stored with it."""
    from django.utils import translation

    import_file(camt("RET-1", returned("2026-12-08", "50.00", e2e="E2E-DD-1")))
    (suggestion,) = only_line(credit=False).matches.filter(decision="")

    (not_fitting,) = [s for s in suggestion.signals if s["code"] == "not_fitting"]
    assert not_fitting["params"]["line"] == {"$": "money", "amount": "50.00", "currency": "EUR"}
    with translation.override("en"):
        assert "the payment's amount €59.50 differs from the line's €50.00" in suggestion.explanation_text
    with translation.override("de"):
        assert "59,50\xa0€" in suggestion.explanation_text and "differs" not in suggestion.explanation_text
    old = {"code": "not_fitting", "weight": 0, "detail": "worded then"}
    suggestion.signals = [s if s["code"] != "not_fitting" else old for s in suggestion.signals]
    with translation.override("en"):
        assert "worded then" in suggestion.explanation_text
