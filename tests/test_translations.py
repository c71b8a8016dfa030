"""Every string of Debitor's own has German wording, and nothing is left fuzzy."""

import re
from pathlib import Path

PO = Path(__file__).resolve().parents[1] / "locale" / "de" / "LC_MESSAGES" / "django.po"
ENTRY = re.compile(r'^msgid ((?:"(?:[^"\\]|\\.)*"\s*)+)msgstr ((?:"(?:[^"\\]|\\.)*"\s*)+)', re.MULTILINE)
QUOTED = r'"(?:[^"\\]|\\.)*"'
PLURAL = re.compile(
    rf"^msgid ((?:{QUOTED}\s*)+)msgid_plural ((?:{QUOTED}\s*)+)"
    rf"msgstr\[0\] ((?:{QUOTED}\s*)+)msgstr\[1\] ((?:{QUOTED}\s*)+)",
    re.MULTILINE,
)


def joined(quoted: str) -> str:
    return "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', quoted))


def test_the_german_catalogue_translates_every_message():
    text = PO.read_text(encoding="utf-8")
    entries = [(joined(mid), joined(mstr)) for mid, mstr in ENTRY.findall(text)]
    assert len(entries) > 50
    untranslated = [msgid for msgid, msgstr in entries if msgid and not msgstr]
    assert untranslated == [], f"run scripts/translate_de.py after adding wording for: {untranslated}"
    plurals = [[joined(part) for part in entry] for entry in PLURAL.findall(text)]
    assert plurals, "the catalogue has plural messages (ngettext, blocktranslate count)"
    untranslated = [msgid for msgid, _plural, one, many in plurals if not (one and many)]
    assert untranslated == [], f"add the plural wording to DE_PLURAL in scripts/translate_de.py: {untranslated}"
    assert "#, fuzzy" not in text


def test_placeholders_survive_translation():
    text = PO.read_text(encoding="utf-8")
    for msgid, msgstr in ((joined(a), joined(b)) for a, b in ENTRY.findall(text)):
        if msgid:
            assert sorted(re.findall(r"%\(\w+\)[sd]|\{\w+\}", msgid)) == sorted(
                re.findall(r"%\(\w+\)[sd]|\{\w+\}", msgstr)
            ), msgid
    for msgid, plural, one, many in ([joined(part) for part in entry] for entry in PLURAL.findall(text)):
        for source, wording in ((msgid, one), (plural, many)):
            assert sorted(re.findall(r"%\(\w+\)[sd]", source)) == sorted(re.findall(r"%\(\w+\)[sd]", wording)), msgid


def test_every_message_in_the_code_and_templates_is_in_the_catalogue(tmp_path, settings, monkeypatch):
    """makemessages over the project finds no message the catalogue lacks. It runs on links to the
    apps in a scratch folder, so the project's own catalogue is not touched."""
    import shutil

    from django.core.management import call_command

    root = PO.parents[3]
    for name in ("config", "core", "customers", "invoicing", "payments", "tasks", "analytics", "templates"):
        (tmp_path / name).symlink_to(root / name, target_is_directory=True)
    catalogue = tmp_path / "catalogue" / "de" / "LC_MESSAGES" / "django.po"
    catalogue.parent.mkdir(parents=True)
    shutil.copy(PO, catalogue)
    settings.LOCALE_PATHS = [tmp_path / "catalogue"]
    monkeypatch.chdir(tmp_path)

    call_command("makemessages", locale=["de"], symlinks=True, ignore_patterns=["tests", "*/tests/*"], verbosity=0)

    text = catalogue.read_text(encoding="utf-8")
    missing = [
        msgid for msgid, msgstr in ((joined(a), joined(b)) for a, b in ENTRY.findall(text)) if msgid and not msgstr
    ]
    missing += [
        joined(msgid) for msgid, _plural, one, many in PLURAL.findall(text) if not (joined(one) and joined(many))
    ]
    assert missing == [], f"new messages: run makemessages, add their wording to scripts/translate_de.py: {missing}"
