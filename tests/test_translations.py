"""Every string of Debitor's own has German wording, and nothing is left fuzzy."""

import re
from pathlib import Path

PO = Path(__file__).resolve().parents[1] / "locale" / "de" / "LC_MESSAGES" / "django.po"
ENTRY = re.compile(r'^msgid ((?:"(?:[^"\\]|\\.)*"\s*)+)msgstr ((?:"(?:[^"\\]|\\.)*"\s*)+)', re.MULTILINE)


def joined(quoted: str) -> str:
    return "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', quoted))


def test_the_german_catalogue_translates_every_message():
    text = PO.read_text(encoding="utf-8")
    entries = [(joined(mid), joined(mstr)) for mid, mstr in ENTRY.findall(text)]
    assert len(entries) > 50
    untranslated = [msgid for msgid, msgstr in entries if msgid and not msgstr]
    assert untranslated == [], f"run scripts/translate_de.py after adding wording for: {untranslated}"
    assert "#, fuzzy" not in text


def test_placeholders_survive_translation():
    text = PO.read_text(encoding="utf-8")
    for msgid, msgstr in ((joined(a), joined(b)) for a, b in ENTRY.findall(text)):
        if msgid:
            assert sorted(re.findall(r"%\(\w+\)[sd]|\{\w+\}", msgid)) == sorted(
                re.findall(r"%\(\w+\)[sd]|\{\w+\}", msgstr)
            ), msgid
