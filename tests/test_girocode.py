"""GiroCode (EPC QR code, EPC069-12 version 002): what the code says, and when there is none.

No QR decoder is installed, so the payload is checked the other way round: the lines the
standard prescribes are written out here, encoded by segno with the EPC's fixed parameters
(error correction M, no boost), and the resulting symbol must be module-for-module the one
``girocode_svg`` printed. A single differing character gives a different symbol.
"""

from decimal import Decimal

import pytest
import segno

from core.girocode import girocode_svg

SELLER = {"name": "Debitor Test GmbH", "iban": "DE89370400440532013000", "bic": "COBADEFFXXX"}


def symbol_of(payload_lines: list[str], *, charset: str = "iso-8859-1") -> str:
    """The SVG segno draws for exactly these EPC lines, as girocode_svg draws it."""
    data = "\n".join(payload_lines).encode(charset)
    qr = segno.make_qr(data, error="m", boost_error=False)
    assert qr.version <= 13  # EPC069-12: at most version 13
    return qr.svg_inline(omitsize=True, svgclass="girocode", lineclass=None, border=4)


def test_the_code_carries_the_epc_lines_for_a_sepa_credit_transfer_of_the_invoice():
    svg = girocode_svg(**SELLER, amount=Decimal("1234.56"), reference="RE-2026-000001")
    expected = [
        "BCD",  # service tag
        "002",  # version
        "2",  # character set: ISO 8859-1 (segno picks the smallest that fits)
        "SCT",  # SEPA credit transfer
        "COBADEFFXXX",
        "Debitor Test GmbH",
        "DE89370400440532013000",
        "EUR1234.56",
        "",  # purpose
        "",  # structured (ISO 11649) reference: none
        "RE-2026-000001",  # unstructured remittance: the invoice number
    ]
    assert svg == symbol_of(expected)


def test_a_different_invoice_number_or_amount_gives_a_different_code():
    base = girocode_svg(**SELLER, amount=Decimal("238.00"), reference="RE-2026-000001")
    assert base != girocode_svg(**SELLER, amount=Decimal("238.00"), reference="RE-2026-000002")
    assert base != girocode_svg(**SELLER, amount=Decimal("238.01"), reference="RE-2026-000001")


def test_amounts_are_written_without_trailing_zeros_and_names_with_umlauts_fit_latin_1():
    svg = girocode_svg(
        name="Müller & Söhne KG", iban="DE89 3704 0044 0532 0130 00", bic="", amount=Decimal("100.00"), reference="R-1"
    )
    # Spaces in the IBAN are removed; without a BIC the field stays empty (optional in the EEA since version 002).
    expected = ["BCD", "002", "2", "SCT", "", "Müller & Söhne KG", "DE89370400440532013000", "EUR100", "", "", "R-1"]
    assert svg == symbol_of(expected)


def test_the_svg_has_a_viewbox_and_no_fixed_size_so_the_template_sizes_it():
    svg = girocode_svg(**SELLER, amount=Decimal("1.00"), reference="RE-1")
    assert svg.startswith('<svg viewBox="0 0 ') and 'class="girocode"' in svg
    assert "width=" not in svg.split(">", 1)[0]


@pytest.mark.parametrize(
    "changes",
    [
        {"amount": Decimal("0.00")},
        {"amount": Decimal("-5.00")},
        {"amount": Decimal("1000000000.00")},
        {"iban": ""},
        {"name": "  "},
        {"reference": ""},
    ],
    ids=["zero", "negative", "above the EPC maximum", "no IBAN", "no name", "no reference"],
)
def test_no_code_is_printed_where_a_banking_app_could_not_use_it(changes):
    arguments = {**SELLER, "amount": Decimal("238.00"), "reference": "RE-2026-000001", **changes}
    assert girocode_svg(**arguments) is None


def test_the_largest_amount_the_standard_allows_still_gets_a_code():
    assert girocode_svg(**SELLER, amount=Decimal("999999999.99"), reference="RE-1") is not None


def test_money_must_be_a_decimal_in_cents():
    with pytest.raises(TypeError):
        girocode_svg(**SELLER, amount=238.0, reference="RE-1")
    with pytest.raises(ValueError, match="cents"):
        girocode_svg(**SELLER, amount=Decimal("238.005"), reference="RE-1")


def test_an_overlong_name_is_cut_to_the_70_characters_the_standard_allows():
    long_name = "A" * 80
    svg = girocode_svg(name=long_name, iban=SELLER["iban"], bic="", amount=Decimal("5.00"), reference="RE-1")
    assert svg == symbol_of(["BCD", "002", "2", "SCT", "", "A" * 70, SELLER["iban"], "EUR5", "", "", "RE-1"])
