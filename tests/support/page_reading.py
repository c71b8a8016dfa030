"""How a page reads to a German finance reader: the problems a person would notice in its text.

A minimal version for the browser tour (tests/browser/); the per-page German render test of
issue 16 brings the full one under the same name and signature.
"""

from __future__ import annotations

import re

# "50244.78 EUR", "1341.13 €": an amount printed as a raw decimal, not through the formatter.
RAW_DECIMAL = re.compile(r"(?<![\d.,])\d+\.\d{2}\s?(?:EUR|€)")
# "2026-12-07": an ISO date in running text (German readers expect 07.12.2026).
ISO_DATE = re.compile(r"(?<![\d-])\d{4}-\d{2}-\d{2}(?![\d-])")


def page_text_problems(text: str) -> list[str]:
    """Each problem of the visible ``text`` as a sentence naming the offending piece."""
    problems = [f"raw decimal amount {match!r}" for match in RAW_DECIMAL.findall(text)]
    problems += [f"ISO date {match!r}" for match in ISO_DATE.findall(text)]
    return problems
