"""Which characters the document fonts can draw, read from the font files' own character maps.

PDF/A (ISO 19005-3, 6.2.11.8) forbids text drawn with the ``.notdef`` glyph: a character none of
the embedded fonts has would print as an empty box and the file would still claim PDF/A-3b. So
text that ends up on a document (customer and seller data, contacts, invoice lines) is checked
where it is typed and again before an invoice is issued; whatever no document font covers is
refused with the character named.

The families are those of ``templates/documents/document.css`` (a test keeps both lists equal),
in the order the renderer tries them. Their files are found through fontconfig (as Pango, and so
WeasyPrint, finds them) and their cmaps read with fontTools once per process. Debian packages:
fonts-liberation2, fonts-dejavu-core, fonts-noto-core, fonts-noto-cjk (WeasyPrint embeds only the
glyphs used, so a 20 MB CJK font adds some kilobytes to an invoice).
"""

from __future__ import annotations

import logging
import subprocess
import unicodedata
from functools import cache

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils.translation import ngettext

logger = logging.getLogger(__name__)

DOCUMENT_FONT_FAMILIES = (
    "Liberation Sans",
    "Noto Sans",
    "DejaVu Sans",
    "Noto Sans Symbols",
    "Noto Sans Symbols2",
    "Noto Sans Arabic",
    "Noto Sans Hebrew",
    "Noto Sans Devanagari",
    "Noto Sans Thai",
    "Noto Sans CJK SC",
)
# Line breaks and tabs are layout, not glyphs: multi-line descriptions and notes keep them. Every
# other control character is refused.
_LAYOUT = frozenset("\n\r\t")


def _font_files() -> list[tuple[str, str, int]]:
    """(family, file, index in a collection) of the regular face of each document family."""
    try:
        listing = subprocess.run(  # noqa: S603 - fixed arguments, no shell
            ["fc-list", "--format", "%{family[0]}\t%{style[0]}\t%{file}\t%{index}\n"],  # noqa: S607
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        ).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        raise ImproperlyConfigured(f"fontconfig (fc-list) is needed to find the document fonts: {exc}") from exc
    found = {}
    for row in listing.splitlines():
        family, style, path, index = (row.split("\t") + ["", "", "", "0"])[:4]
        if family in DOCUMENT_FONT_FAMILIES and style in ("Regular", "Book") and family not in found:
            found[family] = (family, path, int(index or 0))
    missing = [family for family in DOCUMENT_FONT_FAMILIES if family not in found]
    if missing:
        logger.warning("Document fonts not installed: %s (make system-deps)", ", ".join(missing))
    return [found[family] for family in DOCUMENT_FONT_FAMILIES if family in found]


@cache
def document_coverage() -> frozenset[int]:
    """Every code point some document font maps to a glyph (read once per process)."""
    from fontTools.ttLib import TTFont

    covered: set[int] = set()
    for _family, path, index in _font_files():
        font = TTFont(path, fontNumber=index, lazy=True)
        try:
            covered.update(code for code, glyph in font.getBestCmap().items() if glyph != ".notdef")
        finally:
            font.close()
    if not covered:
        raise ImproperlyConfigured(
            f"None of the document fonts is installed ({', '.join(DOCUMENT_FONT_FAMILIES)}); run make system-deps."
        )
    return frozenset(covered)


def undrawable(text: str) -> list[str]:
    """The characters of ``text`` no document font can draw, each once, in order of appearance."""
    if not text:
        return []
    coverage = document_coverage()
    seen: dict[str, None] = {}
    for char in text:
        if char in _LAYOUT:
            continue
        # Control characters print nothing even where a font maps them (to an empty .null glyph).
        if ord(char) not in coverage or unicodedata.category(char) == "Cc":
            seen.setdefault(char, None)
    return list(seen)


def character_label(char: str) -> str:
    """``“😀” (GRINNING FACE, U+1F600)``: the character, its Unicode name and code point."""
    code = f"U+{ord(char):04X}"
    name = unicodedata.name(char, "")
    shown = char if unicodedata.category(char)[0] not in "CZ" else ""
    parts = ", ".join(filter(None, [name, code]))
    return f"“{shown}” ({parts})" if shown else parts


def undrawable_message(chars: list[str]) -> str:
    """Why text with these characters cannot go on a document, worded for the person who typed it."""
    return ngettext(
        "The character %(characters)s cannot be printed on invoices and letters (no font has it); "
        "remove it or write it differently.",
        "The characters %(characters)s cannot be printed on invoices and letters (no font has them); "
        "remove them or write them differently.",
        len(chars),
    ) % {"characters": ", ".join(character_label(c) for c in chars)}


def check_drawable(errors: dict, data: dict, fields=None) -> None:
    """Add an error to each text field of ``data`` (``fields``: all of them) holding an undrawable character."""
    for field, value in data.items():
        if (fields is None or field in fields) and isinstance(value, str):
            if chars := undrawable(value):
                errors.setdefault(field, []).append(undrawable_message(chars))


def validate_drawable(value: str) -> None:
    """A form or serializer validator: refuse text the documents could not print."""
    if isinstance(value, str) and (chars := undrawable(value)):
        raise ValidationError(undrawable_message(chars), code="undrawable")
