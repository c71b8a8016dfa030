"""Does a page read like German (or English) rather than like a database?

``page_text_problems(text)`` takes the visible text of a page (``visible_text(html)`` extracts it:
no scripts, styles, attributes, nor what a closed ``<details>`` hides) and returns one line per
finding, each with the offending text:

- raw decimals: ``50244.78 EUR``, ``1.341,13 EUR`` (the code where the formatter writes the symbol),
  ``83621,74`` / ``50244.78`` (four digits or more without thousands grouping);
- ISO dates (``2026-12-07``) and the word ``UTC``: dates are ``07.12.2026``, times local;
- untranslated codes: the snake_case values of every model field's choices
  (``bank_line_unmatched``) and the registered event types (``invoice.issued``);
- English words that an untranslated interface shows (``DENY_WORDS``).

``tests/test_admin_reading.py`` runs it on every admin page; the browser tour calls it too.
"""

from __future__ import annotations

import re
from functools import lru_cache

import lxml.html

# English words an untranslated admin shows; matched as whole words, case-sensitive.
DENY_WORDS = (
    "Save",
    "Delete",
    "History",
    "Add",
    "Change",
    "Select",
    "Search",  # ("Filter" is German too: "Filter ein- oder ausblenden")
    "None",
    "True",
    "False",
    "Unknown",
    "Invoice",
    "Invoices",
    "Payment",
    "Payments",
    "Customer",
    "Customers",
    "Amount",
    "pending",
    "overdue",
    "unmatched",
    "unpaid",
    "paid",
    "issued",
    "draft",
    "queued",
    "failed",
    "allocated",
)

RAW_AMOUNT_WITH_CODE = re.compile(r"(?<![\w.,])\d[\d.,]*\d\s?EUR\b")
UNGROUPED_AMOUNT = re.compile(r"(?<![\d.,])\d{4,}[.,]\d{2}(?![\d.,]?\d)")
ISO_DATE = re.compile(r"(?<![\w-])\d{4}-\d{2}-\d{2}(?![\d])")
UTC_WORD = re.compile(r"\bUTC\b")
DENY = re.compile(r"(?<![\w.-])(" + "|".join(re.escape(word) for word in DENY_WORDS) + r")(?![\w-])")
BLOCKS = (
    "p",
    "div",
    "li",
    "tr",
    "td",
    "th",
    "h1",
    "h2",
    "h3",
    "h4",
    "br",
    "dt",
    "dd",
    "summary",
    "option",
    "label",
    "caption",
    "table",
    "ul",
    "ol",
    "section",
    "header",
    "footer",
    "nav",
    "pre",
    "a",
    "button",
)
CODE_SHAPE = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)+")


@lru_cache(maxsize=1)
def untranslated_codes() -> frozenset[str]:
    """Snake_case choice values of every installed model's fields, and the event types: words
    that must reach the reader as their label, never as the code."""
    from core.event_sentences import choice_labels
    from core.events import registered_event_types

    return frozenset(registered_event_types()) | {code for code in choice_labels() if CODE_SHAPE.fullmatch(code)}


@lru_cache(maxsize=1)
def _codes_pattern() -> re.Pattern:
    codes = sorted(untranslated_codes(), key=len, reverse=True)
    return re.compile(r"(?<![\w.:/-])(" + "|".join(re.escape(code) for code in codes) + r")(?![\w-])")


def _around(text: str, match: re.Match, width: int = 30) -> str:
    start, end = max(0, match.start() - width), min(len(text), match.end() + width)
    return " ".join(text[start:end].split())


def page_text_problems(text: str) -> list[str]:
    """One line per finding in the visible ``text`` of a page, naming the offending text."""
    problems = []
    checks = [
        ("raw amount with currency code", RAW_AMOUNT_WITH_CODE),
        ("amount without thousands grouping", UNGROUPED_AMOUNT),
        ("ISO date", ISO_DATE),
        ("UTC shown", UTC_WORD),
        ("English word", DENY),
        ("untranslated code", _codes_pattern()),
    ]
    for what, pattern in checks:
        for match in pattern.finditer(text):
            problems.append(f"{what}: {match.group(0)!r} in …{_around(text, match)}…")
    return problems


def visible_text(html: str) -> str:
    """The text a reader sees: without scripts, styles and templates, without the inside of a
    ``<details>`` element (its ``<summary>`` stays: technical details are folded away on purpose),
    and of a drop-down only its chosen option."""
    document = lxml.html.document_fromstring(html)
    for element in document.iter(*BLOCKS):
        element.tail = "\n" + (element.tail or "")
    for element in document.xpath(
        "//script | //style | //template | //noscript | //head | //*[@hidden] | //details/*[not(self::summary)]"
        # a closed drop-down shows its chosen option only (a time-zone list names "UTC" among 600)
        " | //select[not(@multiple)]/option[not(@selected)] | //select[not(@multiple)]/optgroup/option[not(@selected)]"
    ):
        element.drop_tree()
    for element in document.xpath("//details"):
        # a bare text node inside <details> is folded away too
        for child in element:
            child.tail = None
        element.text = None
    return "\n".join(line.strip() for line in document.text_content().splitlines() if line.strip())
