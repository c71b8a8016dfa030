"""Fill German translations into locale/de/LC_MESSAGES/django.po from the table below.

Run after `manage.py makemessages -l de`; entries already translated are kept. The table is
the single place the German wording of Debitor's own strings lives.
"""

import re
import sys
from pathlib import Path

DE = {
    "Analytics": "Auswertungen",
    "German": "Deutsch",
    "English": "Englisch",
    "last error": "letzter Fehler",
    "%(count)d job(s) %(verb)s.": "%(count)d Auftrag/Aufträge %(verb)s.",
    "Retry selected failed jobs": "Ausgewählte fehlgeschlagene Aufträge erneut ausführen",
    "queued again": "erneut eingeplant",
    "Cancel selected jobs": "Ausgewählte Aufträge abbrechen",
    "cancelled": "abgebrochen",
    "scopes": "Berechtigungsbereiche",
    "The API key for %(name)s is %(key)s — copy it now: it is stored hashed and will not be shown again.": (
        "Der API-Schlüssel für %(name)s lautet %(key)s — kopieren Sie ihn jetzt: er wird nur als Hash "
        "gespeichert und nicht noch einmal angezeigt."
    ),
    "Debitor": "Debitor",
    "Accounts receivable": "Debitorenbuchhaltung",
    "Platform": "Plattform",
    "pending": "wartend",
    "running": "läuft",
    "done": "erledigt",
    "failed": "fehlgeschlagen",
    "kind": "Art",
    "payload": "Nutzdaten",
    "status": "Status",
    "deduplication key": "Deduplizierungsschlüssel",
    "attempts": "Versuche",
    "max attempts": "maximale Versuche",
    "run after": "frühestens ausführen",
    "last dispatched": "zuletzt übergeben",
    "started": "begonnen",
    "finished": "beendet",
    "result": "Ergebnis",
    "created": "angelegt",
    "created by": "angelegt von",
    "background job": "Hintergrundauftrag",
    "background jobs": "Hintergrundaufträge",
    "in progress": "in Bearbeitung",
    "completed": "abgeschlossen",
    "principal": "Aufrufer",
    "idempotency key": "Idempotenzschlüssel",
    "request fingerprint": "Anfrage-Fingerabdruck",
    "state": "Zustand",
    "response status": "Antwortstatus",
    "response body": "Antwortinhalt",
    "response headers": "Antwort-Header",
    "idempotency record": "Idempotenz-Eintrag",
    "idempotency records": "Idempotenz-Einträge",
    "last used": "zuletzt verwendet",
    "API key": "API-Schlüssel",
    "API keys": "API-Schlüssel",
    "Customers": "Kunden",
    "Invoicing": "Rechnungen",
    "Payments": "Zahlungen",
    "Mark selected tasks done": "Ausgewählte Aufgaben als erledigt markieren",
    "Reopen selected tasks": "Ausgewählte Aufgaben wieder öffnen",
    "Follow-up tasks": "Nachverfolgung",
    "open": "offen",
    "waiting": "wartet",
    "low": "niedrig",
    "normal": "normal",
    "high": "hoch",
    "urgent": "dringend",
    "title": "Titel",
    "description": "Beschreibung",
    "about (type)": "betrifft (Typ)",
    "about (id)": "betrifft (ID)",
    "assignee": "zuständig",
    "due date": "fällig am",
    "priority": "Priorität",
    "created by rule": "angelegt durch Regel",
    "closed": "geschlossen",
    "resolution": "Erledigungsvermerk",
    "follow-up task": "Aufgabe",
    "follow-up tasks": "Aufgaben",
    "Language": "Sprache",
    "Enter a date and time between the years 1 and 9999.": (
        "Geben Sie Datum und Uhrzeit zwischen den Jahren 1 und 9999 an."
    ),
    "Number of results per page (default {default}, at most {max}; larger values are capped).": (
        "Anzahl der Ergebnisse je Seite (Standard {default}, höchstens {max}; größere Werte werden begrenzt)."
    ),
    "Change language": "Sprache wechseln",
}

ENTRY = re.compile(r'(msgid ((?:"(?:[^"\\]|\\.)*"\s*)+)msgstr ((?:"(?:[^"\\]|\\.)*"\s*)+))')


def join(quoted: str) -> str:
    return "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', quoted))


def main(path: str = "locale/de/LC_MESSAGES/django.po") -> int:
    po = Path(path)
    text = po.read_text(encoding="utf-8")
    missing = []

    def fill(match):
        msgid, msgstr = join(match.group(2)), join(match.group(3))
        if not msgid or msgstr:
            return match.group(1)
        if msgid not in DE:
            missing.append(msgid)
            return match.group(1)
        return f'msgid {match.group(2).rstrip()}\nmsgstr "{DE[msgid]}"\n\n'

    text = ENTRY.sub(fill, text).replace("#, fuzzy\n", "", 1)
    text = re.sub(r'"\n(#[:,])', r'"\n\n\1', text)  # the entry pattern eats blank lines
    text = text.replace(
        '"Content-Type: text/plain; charset=CHARSET\\n"', '"Content-Type: text/plain; charset=UTF-8\\n"'
    )
    po.write_text(text, encoding="utf-8")
    for msgid in missing:
        print(f"untranslated: {msgid!r}", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
