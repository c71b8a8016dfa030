"""Builders for the bank-side SEPA tests: mandates, submitted batches and their items (rows as the
batch export writes them; the export's services are another part of the issue), and statement
files of our own in CAMT.052/053/054 (versions .02/.04/.08) and German MT940, the way banks book
a batch we submitted: as one entry with or without its transactions, or one entry per item."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from core.models import CompanyProfile
from invoicing.tests.factories import T0
from payments.bank.debits import statement_book_debits
from payments.bank.importing import statement_import_create, statement_import_run
from payments.bank.matching import statement_match
from sepa.models import Batch, BatchItem, BatchKind, BatchStatus, Mandate

ACCOUNT = "DE89370400440532013000"
CREDITOR_ID = "DE98ZZZ09999999999"
LATER = T0 + timedelta(days=10)
COLLECTION_DAY = date(2026, 12, 2)

_counter = iter(range(1, 1_000_000))


def make_mandate(*, customer, reference: str = "", iban: str = "DE02120300000000202051", **overrides) -> Mandate:
    # Invoices issued to a mandate customer need the company's creditor identifier (payment means 59).
    CompanyProfile.objects.filter(pk=1, sepa_creditor_id="").update(sepa_creditor_id=CREDITOR_ID)
    return Mandate.objects.create(
        customer=customer,
        reference=reference or f"MNDT-{next(_counter)}",
        signed_on=overrides.pop("signed_on", date(2026, 1, 15)),
        debtor_name=overrides.pop("debtor_name", customer.legal_name[:70]),
        debtor_iban=iban,
        created_at=T0,
        updated_at=T0,
        **overrides,
    )


def make_collection_batch(
    *, items: list[tuple], message_id: str = "", payment_info_id: str = "", status: str = BatchStatus.SUBMITTED
) -> Batch:
    """A submitted pain.008 batch: ``items`` are (invoice, mandate, amount) or (invoice, mandate,
    amount, end_to_end_id)."""
    number = next(_counter)
    message_id = message_id or f"MSG-DD-{number}"
    payment_info_id = payment_info_id or f"PMTINF-DD-{number}"
    total = sum((Decimal(str(row[2])) for row in items), Decimal("0"))
    batch = Batch.objects.create(
        kind=BatchKind.DIRECT_DEBIT,
        status=status,
        schema="pain.008.001.08",
        message_id=message_id,
        requested_date=COLLECTION_DAY,
        total=total,
        item_count=len(items),
        creditor_id=CREDITOR_ID,
        created_at=T0,
        submitted_at=T0 if status != BatchStatus.CREATED else None,
    )
    for index, row in enumerate(items, start=1):
        invoice, mandate, amount = row[:3]
        BatchItem.objects.create(
            batch=batch,
            customer=invoice.customer,
            end_to_end_id=row[3] if len(row) > 3 else f"E2E-{number}-{index}",
            payment_info_id=payment_info_id,
            amount=Decimal(str(amount)),
            remittance=f"Rechnung {invoice.number}",
            invoice=invoice,
            mandate=mandate,
            sequence_type=mandate.sequence_type,
            mandate_data={"reference": mandate.reference, "signed_on": mandate.signed_on.isoformat()},
        )
    return batch


def make_refund_batch(*, refunds: list, message_id: str = "", payment_info_id: str = "") -> Batch:
    """A submitted pain.001 batch paying back the given ``payments.Refund`` rows."""
    number = next(_counter)
    batch = Batch.objects.create(
        kind=BatchKind.CREDIT_TRANSFER,
        status=BatchStatus.SUBMITTED,
        schema="pain.001.001.09",
        message_id=message_id or f"MSG-CT-{number}",
        requested_date=COLLECTION_DAY,
        total=sum((refund.amount for refund in refunds), Decimal("0")),
        item_count=len(refunds),
        created_at=T0,
        submitted_at=T0,
    )
    for index, refund in enumerate(refunds, start=1):
        BatchItem.objects.create(
            batch=batch,
            customer=refund.payment.customer,
            end_to_end_id=f"E2E-CT-{number}-{index}",
            payment_info_id=payment_info_id or f"PMTINF-CT-{number}",
            amount=refund.amount,
            source_payment=refund.payment,
            refund=refund,
            counterparty_name=refund.payment.customer.legal_name[:70],
            counterparty_iban="DE02500105170137075030",
        )
    return batch


# --- CAMT ------------------------------------------------------------------------------------------

_ROOTS = {
    "052": ("BkToCstmrAcctRpt", "Rpt"),
    "053": ("BkToCstmrStmt", "Stmt"),
    "054": ("BkToCstmrDbtCdtNtfctn", "Ntfctn"),
}


def camt(statement_id: str, *entries: str, message: str = "053", version: str = "02") -> bytes:
    root, element = _ROOTS[message]
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.{message}.001.{version}">
  <{root}>
    <GrpHdr><MsgId>{statement_id}</MsgId><CreDtTm>2026-12-03T06:00:00+01:00</CreDtTm></GrpHdr>
    <{element}>
      <Id>{statement_id}</Id>
      <CreDtTm>2026-12-03T06:00:00+01:00</CreDtTm>
      <Acct><Id><IBAN>{ACCOUNT}</IBAN></Id><Ccy>EUR</Ccy></Acct>
      {"".join(entries)}
    </{element}>
  </{root}>
</Document>""".encode()


def _status(version: str) -> str:
    return "<Sts><Cd>BOOK</Cd></Sts>" if version == "08" else "<Sts>BOOK</Sts>"


def _party(version: str, role: str, name: str) -> str:
    return f"<{role}><Pty><Nm>{name}</Nm></Pty></{role}>" if version == "08" else f"<{role}><Nm>{name}</Nm></{role}>"


def _transaction(item: BatchItem, *, version: str, refs_pmtinf: bool = False) -> str:
    pmtinf = f"<PmtInfId>{item.payment_info_id}</PmtInfId>" if refs_pmtinf else ""
    mandate = f"<MndtId>{item.mandate.reference}</MndtId>" if item.mandate_id else ""
    debtor_iban = item.mandate.debtor_iban if item.mandate_id else item.counterparty_iban
    return f"""<TxDtls>
          <Refs><MsgId>{item.batch.message_id}</MsgId>{pmtinf}<EndToEndId>{item.end_to_end_id}</EndToEndId>{mandate}</Refs>
          <AmtDtls><TxAmt><Amt Ccy="EUR">{item.amount:.2f}</Amt></TxAmt></AmtDtls>
          <RltdPties>{_party(version, "Dbtr", item.customer.legal_name)}
            <DbtrAcct><Id><IBAN>{debtor_iban}</IBAN></Id></DbtrAcct>
            <CdtrAcct><Id><IBAN>{ACCOUNT}</IBAN></Id></CdtrAcct></RltdPties>
          <RmtInf><Ustrd>{item.remittance}</Ustrd></RmtInf>
        </TxDtls>"""


def batch_entry(
    batch: Batch,
    *,
    amount: Decimal | str | None = None,
    items: list[BatchItem] | None = None,
    details: bool = True,
    version: str = "02",
    day: str = "2026-12-02",
    btch: bool = True,
    refs_pmtinf: bool = False,
    credit: bool = True,
    count: int | None = None,
    ref: str = "",
) -> str:
    """The batch booked as one entry: its total (or ``amount``), ``NtryDtls/Btch`` naming the
    payment information id, and with ``details`` one ``TxDtls`` per booked item."""
    items = list(batch.items.order_by("pk")) if items is None else items
    total = Decimal(str(amount)) if amount is not None else sum((item.amount for item in items), Decimal("0"))
    pmtinf = items[0].payment_info_id if items else batch.items.first().payment_info_id
    batch_block = (
        f"<Btch><MsgId>{batch.message_id}</MsgId><PmtInfId>{pmtinf}</PmtInfId>"
        f"<NbOfTxs>{count if count is not None else len(items)}</NbOfTxs></Btch>"
        if btch
        else ""
    )
    transactions = "".join(_transaction(item, version=version, refs_pmtinf=refs_pmtinf) for item in items)
    family = "IDDT/ESDD" if credit else "ICDT/ESCT"
    ref = ref or batch.message_id
    domain_family, sub = family.split("/")
    return f"""<Ntry>
      <NtryRef>{ref}</NtryRef><Amt Ccy="EUR">{total:.2f}</Amt>
      <CdtDbtInd>{"CRDT" if credit else "DBIT"}</CdtDbtInd>{_status(version)}
      <BookgDt><Dt>{day}</Dt></BookgDt><ValDt><Dt>{day}</Dt></ValDt><AcctSvcrRef>{ref}-B</AcctSvcrRef>
      <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>{domain_family}</Cd><SubFmlyCd>{sub}</SubFmlyCd></Fmly></Domn></BkTxCd>
      <NtryDtls>{batch_block}{transactions if details else ""}</NtryDtls>
    </Ntry>"""


def single_entry(item: BatchItem, *, version: str = "02", day: str = "2026-12-02", amount=None) -> str:
    """One item booked as an entry of its own (the bank splits the batch)."""
    booked = Decimal(str(amount)) if amount is not None else item.amount
    return f"""<Ntry>
      <Amt Ccy="EUR">{booked:.2f}</Amt><CdtDbtInd>CRDT</CdtDbtInd>{_status(version)}
      <BookgDt><Dt>{day}</Dt></BookgDt><ValDt><Dt>{day}</Dt></ValDt><AcctSvcrRef>{item.end_to_end_id}-S</AcctSvcrRef>
      <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>IDDT</Cd><SubFmlyCd>ESDD</SubFmlyCd></Fmly></Domn></BkTxCd>
      <NtryDtls>{_transaction(item, version=version)}</NtryDtls>
    </Ntry>"""


def return_entry(
    item: BatchItem,
    *,
    reason: str,
    charges: str = "",
    amount=None,
    e2e: str | None = None,
    mandate: str | None = None,
    version: str = "02",
    day: str = "2026-12-09",
    ref: str = "",
) -> str:
    """An R-transaction: the collection taken back (PMNT/IDDT/UPDD), with the reason and the fee."""
    principal = Decimal(str(amount)) if amount is not None else item.amount
    booked = principal + (Decimal(charges) if charges else 0)
    if version in ("02", "03"):
        fees = f'<Chrgs><Amt Ccy="EUR">{charges}</Amt></Chrgs>' if charges else ""
    else:
        fees = f'<Chrgs><TtlChrgsAndTaxAmt Ccy="EUR">{charges}</TtlChrgsAndTaxAmt></Chrgs>' if charges else ""
    e2e = item.end_to_end_id if e2e is None else e2e
    ref = ref or "R-" + item.end_to_end_id
    mandate = (item.mandate.reference if item.mandate_id else "") if mandate is None else mandate
    return f"""<Ntry>
      <Amt Ccy="EUR">{booked:.2f}</Amt><CdtDbtInd>DBIT</CdtDbtInd>{_status(version)}
      <BookgDt><Dt>{day}</Dt></BookgDt><ValDt><Dt>{day}</Dt></ValDt><AcctSvcrRef>{ref}</AcctSvcrRef>
      <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>IDDT</Cd><SubFmlyCd>UPDD</SubFmlyCd></Fmly></Domn></BkTxCd>{fees}
      <NtryDtls><TxDtls>
        <Refs><EndToEndId>{e2e}</EndToEndId>{f"<MndtId>{mandate}</MndtId>" if mandate else ""}</Refs>
        <AmtDtls><TxAmt><Amt Ccy="EUR">{principal:.2f}</Amt></TxAmt></AmtDtls>
        <RltdPties>{_party(version, "Dbtr", item.customer.legal_name)}</RltdPties>
        <RtrInf><Rsn><Cd>{reason}</Cd></Rsn></RtrInf>
      </TxDtls></NtryDtls>
    </Ntry>"""


# --- MT940 -----------------------------------------------------------------------------------------


def _purpose(text: str) -> str:
    """SEPA keyed purpose text cut into ?20…?29 pieces of 27 characters, as German banks write it."""
    pieces = [text[start : start + 27] for start in range(0, len(text), 27)][:10]
    return "".join(f"?2{index}{piece}" for index, piece in enumerate(pieces))


def mt940_sammler(batch: Batch, *, amount=None, day: str = "261202", short_reference: bool = False) -> str:
    """GVC 192: the collection batch booked as one credit (SEPA-Lastschrift Sammler), the
    PmtInfId as the customer reference (:61: subfield 7, cut to 16 characters) and KREF+."""
    items = list(batch.items.order_by("pk"))
    total = Decimal(str(amount)) if amount is not None else sum((item.amount for item in items), Decimal("0"))
    pmtinf = items[0].payment_info_id
    kref = "" if short_reference else f"KREF+{pmtinf}"
    purpose = _purpose(f"{kref}SVWZ+SEPA-LS SAMMLER {len(items)} POSTEN")
    return (
        f":61:{day}{day[2:]}CR{str(total).replace('.', ',')}N192{pmtinf[:16]}//B{day}SAM\n"
        f":86:192?00SEPA-LS SAMMLER CORE?100001{purpose}?30COBADEFFXXX?31{ACCOUNT}?32Debitor Test GmbH"
    )


def mt940_single(item: BatchItem, *, day: str = "261202") -> str:
    """GVC 171: one collected item booked on its own, EREF+/MREF+/CRED+ in the purpose."""
    purpose = _purpose(
        f"EREF+{item.end_to_end_id}MREF+{item.mandate.reference}CRED+{CREDITOR_ID}SVWZ+{item.remittance}"
    )
    return (
        f":61:{day}{day[2:]}CR{str(item.amount).replace('.', ',')}N171NONREF//E{day}{item.pk}\n"
        f":86:171?00SEPA-LS EINZELBUCHUNG?100001{purpose}?30GENODEF1XXX?31{item.mandate.debtor_iban}"
        f"?32{item.customer.legal_name[:27]}"
    )


def mt940_return(item: BatchItem, *, reason: str, fee: str = "", day: str = "261209") -> str:
    """GVC 109: a returned collection (Rücklastschrift), booked as the amount plus the bank's fee,
    the ISO reason in the purpose (RTRN+) and the fee in the text (as German banks write it)."""
    booked = item.amount + (Decimal(fee) if fee else 0)
    purpose = _purpose(
        f"EREF+{item.end_to_end_id}MREF+{item.mandate.reference}CRED+{CREDITOR_ID}RTRN+{reason}"
        f"SVWZ+RUECKLASTSCHRIFT {item.remittance}"
    )
    return (
        f":61:{day}{day[2:]}DR{str(booked).replace('.', ',')}N109NONREF//R{day}{item.pk}\n"
        f":86:109?00RUECKLASTSCHRIFT?100001{purpose}?31{item.mandate.debtor_iban}?32{item.customer.legal_name[:27]}"
        f"?34{'901' if reason == 'AC04' else '902'}"
    )


def mt940(*blocks: str, number: str = "00020") -> bytes:
    body = "\n".join(blocks)
    return (
        f":20:STARTUMS\n:25:{ACCOUNT}EUR\n:28C:{number}/001\n:60F:C261201EUR1000,00\n{body}\n:62F:C261210EUR1000,00\n-\n"
    ).encode("cp1252")


# --- Importing -------------------------------------------------------------------------------------

_files = iter(range(1, 1_000_000))


def import_file(data: bytes, *, as_of: datetime = LATER, name: str = "") -> list:
    """Upload and import a file, then match and book each statement (what the match job does)."""
    statement_import = statement_import_create(data=data, filename=name or f"sepa{next(_files)}.xml", as_of=as_of)
    done = statement_import_run(import_id=statement_import.pk, as_of=as_of)
    assert done.status == "done", (done.error_message, done.error_location)
    results = []
    for statement in done.statements.order_by("pk"):
        statement_match(statement=statement, as_of=as_of)
        results.append(statement_book_debits(statement=statement, as_of=as_of))
    return results
