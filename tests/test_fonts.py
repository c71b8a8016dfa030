"""core.fonts: which characters the document fonts draw, read from their cmaps (issue 13)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.utils import translation

from core.fonts import DOCUMENT_FONT_FAMILIES, _font_files, character_label, document_coverage, undrawable
from customers.admin.company import CompanyProfileForm

ROOT = Path(__file__).resolve().parents[1]
EMOJI = "🤝"


def test_the_stylesheet_uses_exactly_the_families_whose_coverage_is_checked():
    css = (ROOT / "templates" / "documents" / "document.css").read_text(encoding="utf-8")
    lists = re.findall(r"font-family:\s*([^;]+);", css)
    assert lists
    for declared in lists:
        assert tuple(part.strip().strip('"') for part in declared.split(",")) == DOCUMENT_FONT_FAMILIES


def test_every_document_font_is_installed():
    assert [family for family, _path, _index in _font_files()] == list(DOCUMENT_FONT_FAMILIES)


def test_coverage_is_read_once_per_process():
    assert document_coverage() is document_coverage()


def test_latin_cjk_and_other_scripts_are_drawn_an_emoji_is_not():
    assert undrawable("Müller & Söhne – 19 % · € ½ „Angebot“ 山田 Ελλάδα Москва שלום مرحبا नमस्ते สวัสดี") == []
    assert undrawable(f"Danke {EMOJI}{EMOJI} und \U000f0000") == [EMOJI, "\U000f0000"]


def test_line_breaks_are_layout_but_other_controls_are_refused():
    assert undrawable("Zeile 1\nZeile 2\r\n\tEingerückt") == []
    assert undrawable("Glocke\x07") == ["\x07"]


def test_a_character_is_named_by_its_unicode_name_and_code_point():
    assert character_label(EMOJI) == f"“{EMOJI}” (HANDSHAKE, U+1F91D)"
    assert character_label("\x07") == "U+0007"


def company_form(**overrides) -> CompanyProfileForm:
    data = {
        "name": "Debitor Test GmbH",
        "street": "Marienplatz 1",
        "postal_code": "80331",
        "city": "München",
        "country": "DE",
        "tax_number": "143/123/45678",
        **overrides,
    }
    return CompanyProfileForm(data=data)


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["name", "street", "managing_directors", "bank_name", "contact_name"])
def test_the_company_profile_refuses_an_emoji_naming_it(field):
    with translation.override("en"):
        form = company_form(**{field: f"Debitor {EMOJI}"})
        assert not form.is_valid()
        assert "HANDSHAKE" in " ".join(form.errors[field])


@pytest.mark.django_db
def test_the_company_profile_accepts_a_name_in_another_script():
    assert company_form(name="山田商事株式会社").is_valid()
