"""What an issued document keeps of its parties and tax notes: seller and buyer snapshots, the
VAT notes and exemption codes printed and sent in the e-invoice."""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from core.fonts import check_drawable
from core.models import CompanyProfile

from ..models import (
    VatCategory,
)
from ..vatex import normalise_vatex, vatex_text
from .issue_checks import InvoiceIssueError

# The note printed on the breakdown row of a category that is not taxed here; the German wording is
# in the catalogue. Stored on the issued document, so a later rewording never changes it (GoBD).
NOTES = {
    VatCategory.REVERSE_CHARGE: pgettext_lazy(
        "VAT note", "Reverse charge: the recipient is liable for VAT (§ 13b UStG, Art. 196 VAT Directive)."
    ),
    VatCategory.INTRA_COMMUNITY: pgettext_lazy(
        "VAT note", "VAT-exempt intra-community supply (§ 4 Nr. 1b, § 6a UStG; Art. 138 VAT Directive)."
    ),
    VatCategory.EXPORT: pgettext_lazy("VAT note", "VAT-exempt export delivery (§ 4 Nr. 1a, § 6 UStG)."),
    VatCategory.NOT_SUBJECT: pgettext_lazy("VAT note", "Not subject to German VAT."),
}


# VATEX codes (CEF code list) for the breakdown rows of categories that are not taxed here:
# EN 16931 wants a reason text or code on each of them (BR-AE-10, BR-IC-10, BR-G-10, BR-O-10).
EXEMPTION_CODES = {
    VatCategory.REVERSE_CHARGE: "VATEX-EU-AE",
    VatCategory.INTRA_COMMUNITY: "VATEX-EU-IC",
    VatCategory.EXPORT: "VATEX-EU-G",
    VatCategory.NOT_SUBJECT: "VATEX-EU-O",
}


def _seller_snapshot(*, needs_vat_id: bool) -> dict:
    profile = CompanyProfile.objects.filter(pk=1).first()
    if profile is None:
        raise InvoiceIssueError(
            {"seller": [_("Fill in the company profile (name, address, VAT ID or tax number) first.")]}
        )
    missing = [
        label
        for label, value in (
            (_("name"), profile.name),
            (_("street"), profile.street),
            (_("postal code"), profile.postal_code),
            (_("city"), profile.city),
        )
        if not value
    ]
    if not (profile.vat_id or profile.tax_number):
        missing.append(_("VAT ID or tax number (§ 14 (4) Nr. 2 UStG)"))
    elif needs_vat_id and not profile.vat_id:
        missing.append(_("our VAT ID, which reverse charge and intra-community supplies state (§ 14a (1), (3) UStG)"))
    if missing:
        raise InvoiceIssueError(
            {"seller": [_("The company profile lacks: %(missing)s.") % {"missing": ", ".join(missing)}]}
        )
    snapshot = profile.snapshot()
    # Checked when typed (customers.admin.company), and again here for a profile stored before that check.
    problems: dict[str, list[str]] = {}
    check_drawable(problems, {field: value for field, value in snapshot.items() if field != "logo"})
    if problems:
        raise InvoiceIssueError(
            {
                "seller": [
                    _("Company profile, %(field)s: %(problem)s")
                    % {"field": CompanyProfile._meta.get_field(field).verbose_name, "problem": message}
                    for field, messages in problems.items()
                    for message in messages
                ]
            }
        )
    return snapshot


def _buyer_snapshot(customer) -> dict:
    return {
        "number": customer.number,
        "name": customer.legal_name,
        "kind": customer.kind,
        "street": customer.billing_street,
        "street2": customer.billing_street2,
        "postal_code": customer.billing_postal_code,
        "city": customer.billing_city,
        "country": customer.billing_country,
        "vat_id": customer.vat_id,
        "tax_number": customer.tax_number,
        "leitweg_id": customer.leitweg_id,
        "e_invoice_scheme": customer.e_invoice_scheme,
        "e_invoice_address": customer.e_invoice_address,
        "e_invoice_format": customer.e_invoice_format,
        "language": customer.language,
        "shipping": {
            "name": customer.shipping_name,
            "street": customer.shipping_street,
            "street2": customer.shipping_street2,
            "postal_code": customer.shipping_postal_code,
            "city": customer.shipping_city,
            "country": customer.shipping_country,
        }
        if customer.has_shipping_address
        else None,
    }


def line_exemption_reason(line, language: str) -> str:
    """The legal basis an exempt line states (§ 14 (4) Nr. 8 UStG): its own reason, else the text of
    its VATEX code in the document's language."""
    return (line.exemption_reason or "").strip() or vatex_text(line.exemption_code, language)


def exemption_of(lines: list, language: str) -> dict:
    """BT-120 and BT-121 of the one category E breakdown row (E has rate 0 only, BR-E-05).

    EN 16931 allows one breakdown row per category and rate, so lines exempt on different legal
    bases share it: BT-120 carries each distinct reason once, in line order, joined by "; ";
    BT-121 carries a code only when every exempt line has that same code (a single code that
    fits them all), else none, since the reason text names them (BR-E-10 wants one of the two).
    """
    exempt = sorted(
        (x for x in lines if x.vat_category == VatCategory.EXEMPT), key=lambda x: (x.position or 0, x.pk or 0)
    )
    reasons: dict[str, None] = {}
    for line in exempt:
        if reason := line_exemption_reason(line, language):
            reasons.setdefault(reason, None)
    codes = {normalise_vatex(line.exemption_code) for line in exempt}
    return {"exemption_reason": "; ".join(reasons), "exemption_code": codes.pop() if len(codes) == 1 else ""}


def vat_note(category: str, language: str) -> str:
    """The note of a category that is not taxed here, in ``language``; "" for any other category."""
    if category not in NOTES:
        return ""
    with translation.override(language):
        return str(NOTES[category])


def _exemption_for(lines: list, category: str, language: str) -> dict:
    if category in EXEMPTION_CODES:
        return {"exemption_reason": vat_note(category, language), "exemption_code": EXEMPTION_CODES[category]}
    if category != VatCategory.EXEMPT:
        return {}
    return exemption_of(lines, language)
