"""Every string of Debitor's own has wording in each catalogue (German today), nothing left fuzzy.

The catalogue (locale/de/LC_MESSAGES/django.po) is the source of the German wording: it is edited
directly or in a translator's tool, and read here with Babel's .po reader.
"""

import re
import shutil
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

LOCALE = Path(__file__).resolve().parents[1] / "locale"
PO = LOCALE / "de" / "LC_MESSAGES" / "django.po"
CATALOGUES = sorted(LOCALE.glob("*/LC_MESSAGES/django.po"))  # every language's, German included
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w+\}")
HINT = "write the wording into locale/<language>/LC_MESSAGES/django.po (see README, Translations)"


def catalogue(path: Path = PO):
    with path.open("rb") as handle:
        return read_po(handle, locale=path.parents[1].name)


def label(message) -> str:
    msgid = message.id[0] if message.pluralizable else message.id
    return f"{message.context} | {msgid}" if message.context else msgid


def untranslated(messages) -> list[str]:
    """Messages with an empty translation, or a plural with any form empty."""
    missing = []
    for message in messages:
        if not message.id:
            continue  # the header
        forms = message.string if message.pluralizable else (message.string,)
        if not all(forms):
            missing.append(label(message))
    return missing


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda po: po.parents[1].name)
def test_the_catalogue_translates_every_message(po):
    cat = catalogue(po)
    messages = list(cat)
    assert len(messages) > 50
    assert untranslated(messages) == [], HINT
    plurals = [message for message in messages if message.pluralizable]
    assert plurals, "the catalogue has plural messages (ngettext, blocktranslate count)"
    assert all(len(message.string) == cat.num_plurals for message in plurals), "every plural has all its forms"
    assert [label(m) for m in messages if m.fuzzy and m.id] == [], "no fuzzy entries: check them and clear the flag"
    assert not cat.obsolete, "no obsolete (#~) entries: remove them (msgattrib --no-obsolete)"


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda po: po.parents[1].name)
def test_placeholders_survive_translation(po):
    for message in catalogue(po):
        if not message.id:
            continue
        if message.pluralizable:
            # every form but the first is the plural (languages with three forms repeat it)
            pairs = [(message.id[0], message.string[0]), *((message.id[1], form) for form in message.string[1:])]
        else:
            pairs = [(message.id, message.string)]
        for source, wording in pairs:
            assert sorted(PLACEHOLDER.findall(source)) == sorted(PLACEHOLDER.findall(wording)), label(message)


def test_the_babel_reader_sees_a_missing_translation(tmp_path):
    """The check above is not vacuous: an untranslated and a half-translated plural are found."""
    po = tmp_path / "de" / "LC_MESSAGES" / "django.po"
    po.parent.mkdir(parents=True)
    po.write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
        '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n\n'
        'msgctxt "payment terms"\nmsgid "by %(date)s"\nmsgstr ""\n\n'
        'msgid "%(count)d day"\nmsgid_plural "%(count)d days"\nmsgstr[0] "%(count)d Tag"\nmsgstr[1] ""\n',
        encoding="utf-8",
    )
    assert untranslated(catalogue(po)) == ["payment terms | by %(date)s", "%(count)d day"]


def test_every_message_in_the_code_and_templates_is_in_the_catalogue(tmp_path, settings, monkeypatch):
    """makemessages over the project finds no message the catalogue lacks. It runs on links to the
    apps in a scratch folder, so the project's own catalogue is not touched."""
    from django.core.management import call_command

    root = PO.parents[3]
    # Every app of ours (a folder with apps.py: a new app is included without touching this test).
    apps_of_ours = sorted(path.parent.name for path in root.glob("*/apps.py"))
    assert {"core", "invoicing", "payments"} <= set(apps_of_ours)
    for name in ["config", "templates", *apps_of_ours]:
        (tmp_path / name).symlink_to(root / name, target_is_directory=True)
    scratch = tmp_path / "catalogue" / "de" / "LC_MESSAGES" / "django.po"
    scratch.parent.mkdir(parents=True)
    shutil.copy(PO, scratch)
    settings.LOCALE_PATHS = [tmp_path / "catalogue"]
    monkeypatch.chdir(tmp_path)

    call_command("makemessages", locale=["de"], symlinks=True, ignore_patterns=["tests", "*/tests/*"], verbosity=0)

    cat = catalogue(scratch)
    missing = untranslated(cat) + [label(m) for m in cat if m.fuzzy and m.id]
    assert missing == [], f"new or changed messages: run makemessages (README, Translations), then {HINT}"
    assert sorted(label(m) for m in cat.obsolete.values()) == [], "messages the code no longer uses: remove them"
