"""Reading a statement line: its free texts, invoice and customer numbers in them, payer names,
IBANs, and whether the money came in through one of our direct debits.

Everything here is pure (no database). ``index.py`` builds its lookup keys with the functions
below, and ``candidates.py`` verifies every hit with the same patterns, so the index can only
make the search faster, never different.
"""

from __future__ import annotations

import difflib
import functools
import re

from . import wording

SEPARATORS = r"[\s\-/._]*"
# A number written without the leading zeros of its last group must join that group with one of
# these: "2026-123" is RE-2026-000123, "2026 123" and "2026123" are not.
JOINERS = r"[\-/.]"
LEGAL_FORMS = re.compile(
    r"\b(gmbh|mbh|ag|kg|kgaa|ohg|ug|gbr|se|ek|e\.?\s?k|e\.?\s?v|ev|co|ltd|inc|llc|plc|sarl|bv|haftungsbeschränkt)\b\.?"
)
TYPO_TOKEN = re.compile(r"(?<![0-9A-Za-z])(?:[A-Za-z]{1,4}[\-/.]?)?(?<![0-9])\d+(?:[\-/.]\d+)*(?![0-9])")
TYPO_MIN_DIGITS = 6
_DIGIT_RUN = re.compile(r"[0-9]+")
_GROUPS = re.compile(r"[A-Za-z]+|\d+")
_ASCII_ALNUM = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
# re.IGNORECASE lets an ASCII letter match these too (Python's re documentation): folding them
# keeps the customer-number lookup a superset of the regular expression's matches.
_FOLD = str.maketrans(
    {
        **{chr(c): chr(c + 32) for c in range(ord("A"), ord("Z") + 1)},
        "\u0130": "i",  # İ, capital I with dot
        "\u0131": "i",  # ı, dotless i
        "\u017f": "s",  # ſ, long s
        "\u212a": "k",  # K, Kelvin sign
    }
)

# German business transaction codes (GVC) of SEPA direct debits we collect.
DIRECT_DEBIT_GVC = frozenset({"105", "106", "107", "171", "174"})


def texts(line) -> list[tuple[str, str]]:
    """The free-text fields of a line a payer can write numbers into, with their names (English
    msgids: ``core.messages.Term`` translates them when an explanation is read)."""
    fields = [
        (line.remittance, wording.REMITTANCE),
        (line.end_to_end_id, wording.END_TO_END),
        (line.structured_reference, wording.STRUCTURED),
        (line.customer_reference, wording.CUSTOMER_REFERENCE),
        (line.additional_info, wording.ADDITIONAL),
    ]
    return [(text, name) for text, name in fields if text and text.upper() != "NOTPROVIDED"]


# --- invoice numbers --------------------------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def number_pattern(number: str) -> re.Pattern:
    """Where an invoice number is written in a text, as printed or mangled.

    With its full last group of digits, any separators (or none) and no letter prefix:
    RE-2026-000123, RE2026000123, "RE 2026 000123", 2026-000123, "2026 000123". Without the
    leading zeros of the last group, that group must be joined by "-", "/" or ".": 2026-123,
    2026/123, RE-123 for RE-000123 — never by a space or nothing, or "2026 1" would name
    RE-2026-000001 in almost every text of the year. A number that ends in letters is matched
    group by group as printed."""
    groups = _GROUPS.findall(number)
    letters = []
    while groups and groups[0].isalpha():
        letters.append(re.escape(groups.pop(0)))
    prefix = SEPARATORS.join(letters)
    optional_prefix = f"(?:{prefix}{SEPARATORS})?" if letters else ""
    if not groups or not groups[-1].isdigit():
        body = SEPARATORS.join(re.escape(group) for group in groups)
        return re.compile(rf"(?<![0-9A-Za-z]){optional_prefix}(?<![0-9]){body}(?![0-9])", re.IGNORECASE)
    last = groups[-1]
    full = re.escape(last)
    short = "0*" + re.escape(last.lstrip("0") or "0")
    head = SEPARATORS.join(re.escape(group) for group in groups[:-1])
    if head:
        body = f"{optional_prefix}(?<![0-9]){head}(?:{SEPARATORS}{full}|{JOINERS}{short})"
    elif letters:
        body = f"(?:{optional_prefix}(?<![0-9]){full}|{prefix}{JOINERS}{short})"
    else:
        body = full
    return re.compile(rf"(?<![0-9A-Za-z]){body}(?![0-9])", re.IGNORECASE)


def number_key(number: str) -> int | None:
    """The index key of an invoice number: the value of its last group of (ASCII) digits. Where
    ``number_pattern`` matches, those digits end a run of digits in the text, so the key is among
    ``text_keys``. None: the number has no such group and is checked against every text."""
    digit_groups = [group for group in _GROUPS.findall(number) if group.isdigit()]
    if not digit_groups or not digit_groups[-1].isascii():
        return None
    return int(digit_groups[-1])


def text_keys(text: str) -> set[int]:
    """The values of every suffix of every run of digits in the text: "RE2026000123" gives 2026000123,
    026000123, …, 123, 23, 3 (a number's last group can follow the rest of it without a separator)."""
    keys = set()
    for run in _DIGIT_RUN.findall(text):
        for start in range(len(run)):
            keys.add(int(run[start:]))
    return keys


# --- look-alike characters ----------------------------------------------------------------------

# Characters typed for one another in numbers (a letter O for a zero …), folded to the digit. Only
# inside a run of such characters and digits that holds a digit: "2O26" is 2026, "SO" and "Oslo"
# stay words. The same fold applied to the invoice number and to the text lets either side carry
# the letter ("RE-2O26-000035" for RE-2026-000035, "80035" for B0035).
LOOKALIKES = {"O": "0", "o": "0", "I": "1", "l": "1", "S": "5", "s": "5", "B": "8", "Z": "2", "z": "2"}
_LOOKALIKE_TABLE = str.maketrans(LOOKALIKES)
_LOOKALIKE_RUN = re.compile("[0-9" + "".join(LOOKALIKES) + "]+")


def _fold_run(match: re.Match) -> str:
    run = match.group(0)
    return run.translate(_LOOKALIKE_TABLE) if any(char.isdigit() for char in run) else run


def lookalike_fold(text: str) -> str:
    """The text with look-alike letters next to digits read as the digits they resemble; the same
    length as the text, so a match in the folded text is a span of the text."""
    return _LOOKALIKE_RUN.sub(_fold_run, text)


def lookalike_pairs(written: str, number: str) -> list[tuple[str, str]]:
    """Which look-alike characters the payer wrote for which of the number's: [("O", "0")], in
    the order written, each pair once. The two are aligned (difflib) as read with look-alikes
    folded, where they agree, and compared as written, separators dropped."""
    a = re.sub(r"[^0-9A-Za-z]", "", written)
    b = re.sub(r"[^0-9A-Za-z]", "", number)
    pairs: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(None, lookalike_fold(a).upper(), lookalike_fold(b).upper(), autojunk=False)
    for i, j, size in matcher.get_matching_blocks():
        for seen, meant in zip(a[i : i + size], b[j : j + size], strict=True):
            if seen.upper() != meant.upper() and (seen, meant) not in pairs:
                pairs.append((seen, meant))
    return pairs


def digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def within_one_edit(a: str, b: str) -> bool:
    """Levenshtein distance ≤ 1 (one character replaced, inserted or deleted)."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    if len(a) == len(b):
        return a[i + 1 :] == b[i + 1 :]
    return a[i:] == b[i + 1 :]


def one_deleted(value: str) -> set[str]:
    """The string and every string with one character deleted: two strings are within one edit
    only if these sets of theirs share an element (the deletion-neighbourhood)."""
    return {value} | {value[:i] + value[i + 1 :] for i in range(len(value))}


# --- customer numbers -------------------------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def customer_number_pattern(number: str) -> re.Pattern:
    return re.compile(rf"(?<![0-9A-Za-z]){re.escape(number)}(?![0-9A-Za-z])", re.IGNORECASE)


def customer_number_key(number: str) -> str | None:
    """The lookup key of a customer number, or None when it is not plain ASCII (then it is checked
    against every text with its pattern)."""
    if not number or not number.isascii():
        return None
    return number.translate(_FOLD)


def text_spans(text: str, lengths: set[int]) -> set[str]:
    """The folded pieces of the text of the given lengths that start and end at a word boundary
    as ``customer_number_pattern`` sees it: the keys a customer number written there would have."""
    folded = text.translate(_FOLD)
    size = len(text)
    found = set()
    for start in range(size):
        if start and text[start - 1] in _ASCII_ALNUM:
            continue
        for length in lengths:
            end = start + length
            if end <= size and (end == size or text[end] not in _ASCII_ALNUM):
                found.add(folded[start:end])
    return found


# --- names ------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=16384)
def normal_name(name: str) -> str:
    text = name.casefold().replace("&", " ")
    text = LEGAL_FORMS.sub(" ", text)
    text = re.sub(r"[^\w]+", " ", text)
    return " ".join(text.split())


def name_similarity(a: str, b: str) -> float:
    """difflib ratio of the two names, case and legal forms (GmbH, AG, KG …) ignored."""
    a, b = normal_name(a), normal_name(b)
    if not a or not b:
        return 0.0
    return difflib.SequenceMatcher(None, a, b).ratio()


def name_grams(normal: str) -> frozenset[str]:
    """The character trigrams of a normalised name, padded with a space at both ends."""
    padded = f" {normal} "
    return frozenset(padded[i : i + 3] for i in range(len(padded) - 2))


# --- accounts and channels --------------------------------------------------------------------


def compact_iban(iban: str) -> str:
    try:
        from schwifty import IBAN

        return IBAN(iban, allow_invalid=True).compact
    except (ImportError, ValueError):
        return re.sub(r"\s+", "", iban or "").upper()


def is_direct_debit_collection(line) -> bool:
    """A credit that is the collection of one of our SEPA direct debits: it names a mandate, its
    ISO bank transaction code is of the family ``PMNT/IDDT`` (issued direct debits), or its German
    business transaction code is 105, 106, 107, 171 or 174 (MT940 ``:86:``, CAMT proprietary
    ``NDDT+171``); MT940's SWIFT type ``NDDT`` without a GVC counts too."""
    from ..debits.codes import transaction_code_parts

    if (line.mandate_id or "").strip():
        return True
    parts = transaction_code_parts(line.bank_transaction_code)
    if (parts["domain"], parts["family"]) == ("PMNT", "IDDT"):
        return True
    return parts["gvc"] in DIRECT_DEBIT_GVC or (parts["swift"] == "NDDT" and not parts["gvc"])
