"""Which customers' legal names resemble a payer name: a trigram index in front of difflib.

``name_similarity`` (difflib's ratio of the normalised names) decides, as it always did; the
index only picks the names worth comparing. Comparing every customer with every payer name
would cost a difflib run per customer and line.
"""

from __future__ import annotations

import difflib
import math
import unicodedata
from collections import Counter

from . import text
from .scoring import NAME_SIMILAR

NAME_MIN_SHARED = 0.4  # share of the payer name's trigrams a customer name must have to be compared
_TRANSLITERATE = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def _gram_name(normal: str) -> str:
    """The name as the trigrams see it: umlauts transliterated (Müller = Mueller), accents dropped."""
    plain = unicodedata.normalize("NFKD", normal.translate(_TRANSLITERATE))
    return "".join(char for char in plain if not unicodedata.combining(char))


def name_ratio(payer_normal: str, customer_normal: str) -> float:
    """``text.name_similarity`` of two names already normalised."""
    if not payer_normal or not customer_normal:
        return 0.0
    return difflib.SequenceMatcher(None, payer_normal, customer_normal).ratio()


class NameIndex:
    """The legal names of some customers (pk → name), indexed by character trigrams on first use."""

    def __init__(self, names: dict[int, str]):
        self._names = names
        self._grams: dict[int, frozenset] | None = None
        self._normal: dict[int, str] = {}
        self._letters: dict[int, Counter] = {}
        self._postings: dict[str, list[int]] = {}
        self._similar: dict[str, dict[int, float]] = {}

    def prepare(self) -> None:
        if self._grams is not None:
            return
        self._grams = {}
        for pk, legal_name in self._names.items():
            normal = text.normal_name(legal_name)
            if not normal:
                continue
            grams = text.name_grams(_gram_name(normal))
            self._grams[pk] = grams
            self._normal[pk] = normal
            self._letters[pk] = Counter(normal)
            for gram in grams:
                self._postings.setdefault(gram, []).append(pk)

    def similar(self, payer: str) -> dict[int, float]:
        """Customers whose legal name is similar to the payer's (``name_similarity`` ≥ 0.75), with
        the similarity. Only names sharing at least 40 % of the payer name's character trigrams
        are compared (after transliterating umlauts and dropping accents on both sides). That can
        miss a name difflib still finds similar when the likeness is spread thinly over the
        name: a short name with several typos ("MIlA WOkF" for "Mia Wolf", "L. Baer" for "Lea
        Bauer") or two names that share one word and some letters ("Hanse Druck 4277" and "Alpen
        Druck 2757", similarity 0.75). Matching compares the payer name in full with every
        customer another signal (IBAN, customer number, invoice number) points at, so a miss only
        drops a suggestion that rests on the name alone: at most 45 points (name 20 + amount
        25), which never changes whether a line is applied automatically at a threshold of 60 or
        more (the best needs the threshold, the second must stay ``LEAD`` = 15 points below)."""
        normal = text.normal_name(payer)
        cached = self._similar.get(normal)
        if cached is not None:
            return cached
        result: dict[int, float] = {}
        if normal:
            self.prepare()
            wanted = text.name_grams(_gram_name(normal))
            needed = max(1, math.ceil(NAME_MIN_SHARED * len(wanted)))
            # Prefix filtering: a name sharing `needed` trigrams shares one of the rarest
            # len(wanted) - needed + 1 of them.
            rarest = sorted(wanted, key=lambda gram: (len(self._postings.get(gram, ())), gram))
            seen: set[int] = set()
            for gram in rarest[: len(wanted) - needed + 1]:
                seen.update(self._postings.get(gram, ()))
            letters = Counter(normal)
            for pk in seen:
                if len(wanted & self._grams[pk]) < needed:
                    continue
                other = self._normal[pk]
                total = len(normal) + len(other)
                # difflib's real_quick_ratio and quick_ratio: upper bounds of ratio() that rule
                # out a name by its length, then by the letters both names have.
                if 2.0 * min(len(normal), len(other)) / total < NAME_SIMILAR:
                    continue
                theirs = self._letters[pk]
                if 2.0 * sum(min(n, theirs.get(c, 0)) for c, n in letters.items()) / total < NAME_SIMILAR:
                    continue
                ratio = name_ratio(normal, other)
                if ratio >= NAME_SIMILAR:
                    result[pk] = ratio
        self._similar[normal] = result
        return result
