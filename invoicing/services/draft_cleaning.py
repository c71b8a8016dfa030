"""Checking a draft's header, lines and allowances field by field before anything is written: every
problem at once, each naming its field (``lines.2.quantity``), amounts and rates within bounds."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from core.fonts import undrawable, undrawable_message
from core.languages import is_language, language_codes
from core.money import minor_unit
from customers.models import PaymentTerms
from customers.validation import FieldProblem, clean_country, clean_currency, clean_email, clean_phone

from ..einvoice.code_lists import allowance_reason_codes, charge_reason_codes
from ..models import (
    Invoice,
    VatCategory,
    VatRate,
)
from ..vatex import is_vatex, normalise_vatex, vatex_category
from .unit_codes import is_unit_code

# BT-12, BT-11 (with the name CII requires), BG-9: copied onto credit notes as well.
REFERENCE_AND_CONTACT_FIELDS = (
    "contract_reference",
    "project_reference",
    "project_name",
    "buyer_contact_name",
    "buyer_contact_phone",
    "buyer_contact_email",
)
HEADER_FIELDS = (
    "currency",
    "invoice_date",
    "service_date",
    "service_period_start",
    "service_period_end",
    "deliver_to_country",
    "buyer_reference",
    "purchase_order_reference",
    *REFERENCE_AND_CONTACT_FIELDS,
    "note",
    "payment_terms",
    "prepaid_amount",
    "language",
)
LINE_FIELDS = (
    "description",
    "item_number",
    "quantity",
    "unit_code",
    "unit_price",
    "price_base_quantity",
    "allowance_percent",
    "allowance_amount",
    "allowance_reason",
    "allowance_reason_code",
    "charge_percent",
    "charge_amount",
    "charge_reason",
    "charge_reason_code",
    "vat_category",
    "vat_rate",
    "exemption_reason",
    "exemption_code",
    "note",
    "period_start",
    "period_end",
)
ALLOWANCE_FIELDS = (
    "is_charge",
    "reason",
    "reason_code",
    "amount",
    "percent",
    "base_amount",
    "vat_category",
    "vat_rate",
)
MAX_QUANTITY = Decimal("1e11")
MAX_PRICE = Decimal("1e11")
MAX_AMOUNT = Decimal("1e11")
# Amount columns hold 14 digits with 2 decimals: every computed amount must stay below this.
MAX_STORED_AMOUNT = Decimal("1e12")
# Decimal places the columns keep (models.QUANTITY, PRICE, RATE, MONEY): more would be rounded
# silently by the database, so the stored document would differ from the one totalled.
QUANTITY_PLACES = PRICE_PLACES = 4
RATE_PLACES = MONEY_PLACES = 2
# Text columns and their lengths: longer input would fail in the database instead of on its field.
LINE_TEXT_FIELDS = {
    "item_number": 100,
    "exemption_reason": 255,
    "exemption_code": 30,
    "allowance_reason": 255,
    "allowance_reason_code": 3,
    "charge_reason": 255,
    "charge_reason_code": 3,
    "note": 1000,
}
HEADER_TEXT_FIELDS = {
    "buyer_reference": 200,
    "purchase_order_reference": 200,
    "contract_reference": 200,
    "project_reference": 200,
    "project_name": 200,
    "buyer_contact_name": 200,
}
ALLOWANCE_TEXT_FIELDS = {"reason": 255, "reason_code": 10}
# The UN/ECE Recommendation 20 codes finance teams use most (for pick lists); every code of
# Recommendations 20 and 21 is accepted (unit_codes.py).
COMMON_UNITS = {
    "C62": "piece",
    "H87": "piece",
    "HUR": "hour",
    "DAY": "day",
    "MON": "month",
    "ANN": "year",
    "KGM": "kilogram",
    "MTR": "metre",
    "LTR": "litre",
    "MTK": "square metre",
    "KWH": "kilowatt hour",
    "LS": "lump sum",
    "MIN": "minute",
    "WEE": "week",
    "TNE": "tonne",
}


def _decimal(
    errors: dict, path: str, value, *, minimum=None, maximum=None, required=False, exclusive_min=False, places=None
):
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors.setdefault(path, []).append(_("This field is required."))
        return None
    try:
        number = Decimal(str(value))
        if not number.is_finite():
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        errors.setdefault(path, []).append(_("%(value)s is not a number.") % {"value": repr(value)})
        return None
    if minimum is not None and (number <= minimum if exclusive_min else number < minimum):
        message = _("Must be above %(minimum)s.") if exclusive_min else _("Must be at least %(minimum)s.")
        errors.setdefault(path, []).append(message % {"minimum": minimum})
        return None
    if maximum is not None and abs(number) >= maximum:
        errors.setdefault(path, []).append(_("Must be below %(maximum)s.") % {"maximum": _grouped(maximum)})
        return None
    if places is not None and number != number.quantize(Decimal(1).scaleb(-places)):
        errors.setdefault(path, []).append(_("At most %(places)d decimal places.") % {"places": places})
        return None
    return number


def _text(errors: dict, path: str, value, *, max_length: int) -> str:
    text = "" if value is None else str(value).strip()
    if len(text) > max_length:
        errors.setdefault(path, []).append(_too_long(max_length))
    _drawable(errors, path, text)
    return text


def _drawable(errors: dict, path: str, text: str) -> None:
    """Text the documents' fonts cannot draw is refused here, naming the character (core.fonts)."""
    if chars := undrawable(text):
        errors.setdefault(path, []).append(undrawable_message(chars))


def exemption_problems(reason: str, code: str, category: str = VatCategory.EXEMPT) -> list[tuple[str, str]]:
    """(field, message) for a line's exemption: a VATEX code it cannot carry, or an exempt line
    (category E) without a stated legal basis.

    BR-E-10 wants a reason text or a code, and § 14 (4) Nr. 8 UStG the legal basis on the printed
    invoice: a reason text, or a VATEX code whose text is printed (invoicing.vatex). A code that is
    not on the VATEX list would be refused by BR-CL-22 and could print nothing; a code of another
    category (VATEX-EU-AE on an exempt line) would print a legal basis the line does not have.
    """
    code = normalise_vatex(code)
    if code and not is_vatex(code):
        return [
            (
                "exemption_code",
                _(
                    "%(code)s is not a VATEX exemption code; use a code of the EU list, e.g. VATEX-EU-132-1I "
                    "for education, or state the reason as text (BR-CL-22)."
                )
                % {"code": repr(code)},
            )
        ]
    if code and (belongs := vatex_category(code)) != category:
        words = {"code": code, "belongs": VatCategory(belongs).label, "category": VatCategory(category).label}
        if category == VatCategory.EXEMPT:
            message = _(
                "%(code)s is the code for category %(belongs)s, not for an exempt line (%(category)s); use an "
                "exemption code, e.g. VATEX-EU-132-1I for education, or state the reason as text."
            )
        else:
            message = _(
                "%(code)s is the code for category %(belongs)s, but this line is %(category)s; remove the "
                "exemption code or change the line's VAT category."
            )
        return [("exemption_code", message % words)]
    if category != VatCategory.EXEMPT:
        return []
    if not ((reason or "").strip() or code):
        return [
            (
                "exemption_reason",
                _("Exempt lines need the exemption reason, e.g. 'Steuerfrei nach § 4 Nr. 14 UStG' (BR-E-10)."),
            )
        ]
    return []


def _too_long(limit: int) -> str:
    return _("At most %(limit)d characters.") % {"limit": limit}


def _grouped(number) -> str:
    """A large number with thousands separators of the active language (1,000,000 / 1.000.000)."""
    return formats.number_format(number, use_l10n=True, force_grouping=True)


def _date(errors: dict, path: str, value) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        errors.setdefault(path, []).append(_("%(value)s is not a date (YYYY-MM-DD).") % {"value": repr(value)})
        return None


def vat_rate_known(*, category: str, rate: Decimal | None, on: date, country: str = "DE") -> bool:
    if category == VatCategory.NOT_SUBJECT and rate is None:
        return True
    return (
        VatRate.objects.filter(country=country, category=category, rate=rate or Decimal("0"), valid_from__lte=on)
        .exclude(valid_to__lt=on)
        .exists()
    )


def clean_header(data: dict, *, instance: Invoice | None = None) -> dict:
    unknown = set(data) - set(HEADER_FIELDS)
    if unknown:
        raise ValidationError({field: [_("This field cannot be set.")] for field in sorted(unknown)})
    errors: dict[str, list[str]] = {}
    clean = dict(data)
    if "currency" in data:
        try:
            clean["currency"] = clean_currency(data["currency"] or "")
            if minor_unit(clean["currency"]) < Decimal("0.01"):
                # Amount columns keep 2 decimals; BHD, KWD, OMR ... would be rounded silently.
                errors.setdefault("currency", []).append(
                    _("%(currency)s has more than 2 decimal places; invoices in it are not supported.")
                    % {"currency": clean["currency"]}
                )
        except FieldProblem as problem:
            errors.setdefault("currency", []).append(str(problem))
    for field in ("invoice_date", "service_date", "service_period_start", "service_period_end"):
        if field in data:
            clean[field] = _date(errors, field, data[field])
    start = clean.get("service_period_start", getattr(instance, "service_period_start", None))
    end = clean.get("service_period_end", getattr(instance, "service_period_end", None))
    if start and end and end < start:
        errors.setdefault("service_period_end", []).append(_("The service period ends before it starts."))
    if data.get("deliver_to_country"):
        try:
            clean["deliver_to_country"] = clean_country(data["deliver_to_country"])
        except FieldProblem as problem:
            errors.setdefault("deliver_to_country", []).append(str(problem))
    if "prepaid_amount" in data:
        clean["prepaid_amount"] = _decimal(
            errors, "prepaid_amount", data["prepaid_amount"], minimum=0, maximum=MAX_AMOUNT, places=MONEY_PLACES
        ) or Decimal("0")
    if "language" in data and not is_language(data["language"]):
        errors.setdefault("language", []).append(
            _("Choose one of: %(choices)s.") % {"choices": ", ".join(language_codes())}
        )
    terms = data.get("payment_terms")
    if terms is not None and not isinstance(terms, PaymentTerms):
        found = PaymentTerms.objects.filter(pk=terms, active=True).first() if str(terms).isdigit() else None
        if found is None:
            errors.setdefault("payment_terms", []).append(
                _("No active payment terms %(terms)s.") % {"terms": repr(terms)}
            )
        clean["payment_terms"] = found
    for field, max_length in HEADER_TEXT_FIELDS.items():
        if field in data:
            clean[field] = _text(errors, field, data[field], max_length=max_length)
    if "note" in data:
        _drawable(errors, "note", str(data["note"] or ""))
    project = clean.get("project_reference", getattr(instance, "project_reference", ""))
    if clean.get("project_name", getattr(instance, "project_name", "")) and not project:
        errors.setdefault("project_name", []).append(_("A project name needs the project reference (BT-11)."))
    _clean_buyer_contact(errors, data, clean, instance=instance)
    if errors:
        raise ValidationError(errors)
    return clean


def _clean_buyer_contact(errors: dict, data: dict, clean: dict, *, instance: Invoice | None) -> None:
    """BG-9: the buyer's contact person (BT-56), phone (BT-57, E.164) and e-mail (BT-58)."""
    if data.get("buyer_contact_phone"):
        # National numbers are read in the customer's country; a new draft's customer is not known here.
        country = instance.customer.billing_country if instance is not None else "DE"
        try:
            clean["buyer_contact_phone"] = clean_phone(str(data["buyer_contact_phone"]), country=country)
        except FieldProblem as problem:
            errors.setdefault("buyer_contact_phone", []).append(str(problem))
    elif "buyer_contact_phone" in data:
        clean["buyer_contact_phone"] = ""
    if data.get("buyer_contact_email"):
        try:
            clean["buyer_contact_email"] = clean_email(str(data["buyer_contact_email"]))
        except FieldProblem as problem:
            errors.setdefault("buyer_contact_email", []).append(str(problem))
        else:
            if len(clean["buyer_contact_email"]) > 254:
                errors.setdefault("buyer_contact_email", []).append(_too_long(254))
    elif "buyer_contact_email" in data:
        clean["buyer_contact_email"] = ""


def _clean_vat(errors: dict, path: str, data: dict, *, on: date) -> tuple[str, Decimal | None]:
    """Category (UNCL 5305) and a rate the VAT rate table holds for it on the supply date.

    Rates come from the table finance managers edit, never from code; O takes no rate, the
    other zero-rate categories default to 0.
    """
    category = str(data.get("vat_category") or "").strip().upper()
    rate = _decimal(
        errors, f"{path}.vat_rate", data.get("vat_rate"), minimum=0, maximum=Decimal("100"), places=RATE_PLACES
    )
    if category not in VatCategory.values:
        errors.setdefault(f"{path}.vat_category", []).append(
            _("Unknown VAT category %(category)s; use one of %(categories)s (UNCL 5305).")
            % {"category": repr(category), "categories": ", ".join(VatCategory.values)}
        )
        return category, rate
    if f"{path}.vat_rate" in errors:
        return category, rate
    if category == VatCategory.NOT_SUBJECT:
        rate = None
    elif rate is None and category != VatCategory.STANDARD:
        rate = Decimal("0")
    if category == VatCategory.STANDARD and rate is None:
        errors.setdefault(f"{path}.vat_rate", []).append(_("Category S needs a VAT rate (BR-S-05)."))
    elif not vat_rate_known(category=category, rate=rate, on=on):
        errors.setdefault(f"{path}.vat_rate", []).append(
            _("%(rate)s %% is not a rate for category %(category)s on %(date)s in the VAT rate table.")
            % {"rate": rate, "category": category, "date": f"{on:%d.%m.%Y}"}
        )
    return category, rate


def _clean_line_charge_and_reasons(errors: dict, path: str, data: dict, row: dict) -> None:
    """BG-28 line charge (BT-141 amount or BT-143 percent of the line amount) and the reasons of the
    line's allowance (BT-139 text, BT-140 UNTDID 5189 code) and charge (BT-144, BT-145 UNTDID 7161).

    A charge needs a reason as text or code (BR-44); an allowance without one is sent with code 95
    "discount" (BR-42). A reason without an allowance or charge to explain is refused.
    """
    for field, maximum, places in (
        ("charge_percent", Decimal("100.01"), RATE_PLACES),
        ("charge_amount", MAX_AMOUNT, MONEY_PLACES),
    ):
        row[field] = _decimal(errors, f"{path}.{field}", data.get(field), minimum=0, maximum=maximum, places=places)
    if row["charge_percent"] is not None and row["charge_amount"] is not None:
        errors.setdefault(f"{path}.charge_amount", []).append(
            _("Give the line charge as a percentage or as an amount, not both.")
        )
    if row["allowance_percent"] is not None and row["allowance_amount"] is not None:
        errors.setdefault(f"{path}.allowance_amount", []).append(
            _("Give the line allowance as a percentage or as an amount, not both.")
        )
    for kind, codes, code_list in (
        ("allowance", allowance_reason_codes, "UNTDID 5189"),
        ("charge", charge_reason_codes, "UNTDID 7161"),
    ):
        code_path = f"{path}.{kind}_reason_code"
        row[f"{kind}_reason_code"] = code = row[f"{kind}_reason_code"].upper()
        if code and code not in codes():
            errors.setdefault(code_path, []).append(
                _("%(code)s is not a reason code EN 16931 allows here (%(list)s, e.g. %(example)s).")
                % {"code": repr(code), "list": code_list, "example": "95" if kind == "allowance" else "FC"}
            )
        given = row[f"{kind}_percent"] is not None or row[f"{kind}_amount"] is not None
        has_reason = bool(row[f"{kind}_reason"] or code)
        if has_reason and not given and f"{path}.{kind}_amount" not in errors:
            errors.setdefault(f"{path}.{kind}_reason", []).append(
                _("A reason for a line allowance needs the allowance (a percentage or an amount).")
                if kind == "allowance"
                else _("A reason for a line charge needs the charge (a percentage or an amount).")
            )
    charged = row["charge_percent"] is not None or row["charge_amount"] is not None
    if charged and not (row["charge_reason"] or row["charge_reason_code"]):
        errors.setdefault(f"{path}.charge_reason", []).append(
            _("Say why the line charge applies, as text or as a UNTDID 7161 code (BR-44).")
        )


def clean_lines(lines: list[dict], *, on: date) -> list[dict]:
    errors: dict[str, list[str]] = {}
    clean_rows = []
    if not lines:
        errors.setdefault("lines", []).append(_("An invoice needs at least one line (BR-16)."))
    for index, data in enumerate(lines):
        path = f"lines.{index}"
        if not isinstance(data, dict):
            errors.setdefault(path, []).append(_("Each line is an object with description, quantity, price ..."))
            continue
        unknown = set(data) - set(LINE_FIELDS)
        for field in sorted(unknown):
            errors.setdefault(f"{path}.{field}", []).append(_("This field cannot be set."))
        row = {}
        description = str(data.get("description") or "").strip()
        if not description:
            errors.setdefault(f"{path}.description", []).append(_("Describe what was delivered."))
        elif len(description) > 500:
            errors.setdefault(f"{path}.description", []).append(_too_long(500))
        row["description"] = description
        _drawable(errors, f"{path}.description", description)
        for field, max_length in LINE_TEXT_FIELDS.items():
            row[field] = _text(errors, f"{path}.{field}", data.get(field), max_length=max_length)
        row["exemption_code"] = normalise_vatex(row["exemption_code"])
        row["quantity"] = _decimal(
            errors,
            f"{path}.quantity",
            data.get("quantity"),
            maximum=MAX_QUANTITY,
            required=True,
            places=QUANTITY_PLACES,
        )
        if row["quantity"] == 0:
            errors.setdefault(f"{path}.quantity", []).append(_("A quantity of zero invoices nothing."))
        row["unit_price"] = _decimal(
            errors,
            f"{path}.unit_price",
            data.get("unit_price"),
            minimum=0,
            maximum=MAX_PRICE,
            required=True,
            places=PRICE_PLACES,
        )
        row["price_base_quantity"] = _decimal(
            errors,
            f"{path}.price_base_quantity",
            data.get("price_base_quantity", 1),
            minimum=0,
            maximum=MAX_QUANTITY,
            exclusive_min=True,
            places=QUANTITY_PLACES,
        ) or Decimal("1")
        row["allowance_percent"] = _decimal(
            errors,
            f"{path}.allowance_percent",
            data.get("allowance_percent"),
            minimum=0,
            maximum=Decimal("100.01"),
            places=RATE_PLACES,
        )
        row["allowance_amount"] = _decimal(
            errors,
            f"{path}.allowance_amount",
            data.get("allowance_amount"),
            minimum=0,
            maximum=MAX_AMOUNT,
            places=MONEY_PLACES,
        )
        _clean_line_charge_and_reasons(errors, path, data, row)
        row["period_start"] = _date(errors, f"{path}.period_start", data.get("period_start"))
        row["period_end"] = _date(errors, f"{path}.period_end", data.get("period_end"))
        if row["period_start"] and row["period_end"] and row["period_end"] < row["period_start"]:
            errors.setdefault(f"{path}.period_end", []).append(_("The line period ends before it starts (BR-30)."))
        unit = str(data.get("unit_code") or "C62").strip().upper()
        if not is_unit_code(unit):
            errors.setdefault(f"{path}.unit_code", []).append(
                _("%(unit)s is not a UN/ECE Rec. 20 unit code (e.g. C62 piece, HUR hour, KGM kilogram; BR-CL-23).")
                % {"unit": repr(unit)}
            )
        row["unit_code"] = unit
        category, rate = _clean_vat(errors, path, data, on=on)
        row["vat_category"], row["vat_rate"] = category, rate
        if category in VatCategory.values:
            for field, message in exemption_problems(row["exemption_reason"], row["exemption_code"], category):
                errors.setdefault(f"{path}.{field}", []).append(message)
        clean_rows.append(row)
    if errors:
        raise ValidationError(errors)
    return clean_rows


def clean_allowances(rows: list[dict], *, on: date) -> list[dict]:
    errors: dict[str, list[str]] = {}
    clean_rows = []
    for index, data in enumerate(rows):
        path = f"allowances_charges.{index}"
        if not isinstance(data, dict):
            errors.setdefault(path, []).append(_("Each allowance or charge is an object with amount, reason ..."))
            continue
        for field in sorted(set(data) - set(ALLOWANCE_FIELDS)):
            errors.setdefault(f"{path}.{field}", []).append(_("This field cannot be set."))
        row = {}
        row["is_charge"] = bool(data.get("is_charge", False))
        for field, max_length in ALLOWANCE_TEXT_FIELDS.items():
            row[field] = _text(errors, f"{path}.{field}", data.get(field), max_length=max_length)
        row["amount"] = _decimal(
            errors, f"{path}.amount", data.get("amount"), minimum=0, maximum=MAX_AMOUNT, places=MONEY_PLACES
        )
        row["percent"] = _decimal(
            errors, f"{path}.percent", data.get("percent"), minimum=0, maximum=Decimal("100.01"), places=RATE_PLACES
        )
        row["base_amount"] = _decimal(
            errors, f"{path}.base_amount", data.get("base_amount"), minimum=0, maximum=MAX_AMOUNT, places=MONEY_PLACES
        )
        if row["amount"] is None and (row["percent"] is None or row["base_amount"] is None):
            errors.setdefault(f"{path}.amount", []).append(_("Give an amount, or a percent and its base amount."))
        if not (row["reason"] or row["reason_code"]):
            errors.setdefault(f"{path}.reason", []).append(
                _("Say why the charge applies (BR-38).")
                if row["is_charge"]
                else _("Say why the allowance applies (BR-33).")
            )
        category, rate = _clean_vat(errors, path, data, on=on)
        row["vat_category"], row["vat_rate"] = category, rate
        clean_rows.append(row)
    if errors:
        raise ValidationError(errors)
    return clean_rows


def _rate_date(header: dict, instance: Invoice | None, as_of: datetime) -> date:
    """Rates are those in force on the supply date (§ 27 UStG), else the invoice date, else today."""
    for field in ("service_date", "service_period_end", "invoice_date"):
        value = header.get(field, getattr(instance, field, None) if instance else None)
        if value:
            return value
    return timezone.localdate(as_of)  # the German date, not UTC's, decides which rates apply


def _clean_all(
    *, data: dict, lines: list | None, allowances: list | None, instance: Invoice | None, as_of: datetime
) -> tuple[dict, list[dict] | None, list[dict] | None]:
    """Clean header, lines and allowances, raising one ValidationError with every problem found."""
    errors: dict[str, list[str]] = {}
    header: dict = {}
    try:
        header = clean_header(data, instance=instance)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    on = _rate_date(header, instance, as_of)
    results = []
    for func, rows in ((clean_lines, lines), (clean_allowances, allowances)):
        if rows is None:
            results.append(None)
            continue
        try:
            results.append(func(list(rows), on=on))
        except ValidationError as exc:
            errors.update(exc.message_dict)
            results.append(None)
    if errors:
        raise ValidationError(errors)
    return header, results[0], results[1]
