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
    "role": "Rolle",
    "example": "Beispiel",
    "series": "Nummernkreis",
    "first number": "erste Nummer",
    "next number": "nächste Nummer",
    "restart every year": "jährlich neu beginnen",
    "current year": "aktuelles Jahr",
    "number series": "Nummernkreise",
    "Billing address complete": "Rechnungsanschrift vollständig",
    "Postal code": "Postleitzahl",
    "VAT ID present": "USt-IdNr. vorhanden",
    "VAT ID format and check digit": "USt-IdNr.: Format und Prüfziffer",
    "VAT ID country": "USt-IdNr.: Land",
    "VAT ID confirmation (EU VIES)": "USt-IdNr.-Bestätigung (EU-VIES)",
    "Qualified VAT ID confirmation (BZSt)": "Qualifizierte USt-IdNr.-Bestätigung (BZSt)",
    "IBAN": "IBAN",
    "BIC": "BIC",
    "Contact e-mail": "E-Mail des Ansprechpartners",
    "Contact phone": "Telefon des Ansprechpartners",
    "Leitweg-ID": "Leitweg-ID",
    "Duplicates": "Dubletten",
    "Duplicate: same VAT ID": "Dublette: gleiche USt-IdNr.",
    "Duplicate: same IBAN": "Dublette: gleiche IBAN",
    "Duplicate: similar name": "Dublette: ähnlicher Name",
    "billing address": "Rechnungsanschrift",
    "shipping address": "Lieferanschrift",
    "country": "Land",
    "Legal name, customer number, VAT ID, contact e-mail or IBAN.": (
        "Firmenname, Kundennummer, USt-IdNr., E-Mail eines Ansprechpartners oder IBAN."
    ),
    "Master data": "Stammdaten",
    "Billing address": "Rechnungsanschrift",
    "Shipping address": "Lieferanschrift",
    "Tax and register": "Steuer und Register",
    "Terms and credit": "Konditionen und Kredit",
    "Notes": "Notizen",
    "Record": "Datensatz",
    "Nothing was saved: %(problems)s": "Nichts wurde gespeichert: %(problems)s",
    "Verify selected customers": "Ausgewählte Kunden verifizieren",
    "No such customer.": "Diesen Kunden gibt es nicht.",
    "Verification finished: %(outcome)s": "Verifizierung abgeschlossen: %(outcome)s",
    "Not dismissed: %(problems)s": "Nicht verworfen: %(problems)s",
    "%(other)s is no longer flagged as a duplicate; both customers are verified again shortly.": (
        "%(other)s gilt nicht mehr als Dublette; beide Kunden werden in Kürze erneut verifiziert."
    ),
    "outcome": "Ergebnis",
    "dismissed by": "verworfen von",
    "reason": "Begründung",
    "unverified": "nicht verifiziert",
    "verified": "verifiziert",
    "needs review": "zu prüfen",
    "business": "Unternehmen",
    "consumer": "Verbraucher",
    "public sector": "öffentlicher Auftraggeber",
    "customer number": "Kundennummer",
    "legal name": "Firmenname",
    "type": "Art",
    "street and number": "Straße und Hausnummer",
    "address line 2": "Adresszusatz",
    "postal code": "Postleitzahl",
    "city": "Ort",
    "separate shipping address": "abweichende Lieferanschrift",
    "shipping name": "Name (Lieferung)",
    "shipping street and number": "Straße und Hausnummer (Lieferung)",
    "shipping address line 2": "Adresszusatz (Lieferung)",
    "shipping postal code": "Postleitzahl (Lieferung)",
    "shipping city": "Ort (Lieferung)",
    "shipping country": "Land (Lieferung)",
    "VAT ID": "USt-IdNr.",
    "tax number": "Steuernummer",
    "register court": "Registergericht",
    "register number": "Registernummer",
    "electronic address scheme": "Schema der elektronischen Adresse",
    "EAS code of the e-invoice address (BT-49), e.g. EM for e-mail, 0204 for a Leitweg-ID.": (
        "EAS-Code der E-Rechnungs-Adresse (BT-49), z. B. EM für E-Mail, 0204 für eine Leitweg-ID."
    ),
    "electronic address": "elektronische Adresse",
    "currency": "Währung",
    "credit limit": "Kreditlimit",
    "account owner": "Kundenbetreuer",
    "dunning blocked": "Mahnsperre",
    "reason for dunning block": "Grund der Mahnsperre",
    "notes": "Notizen",
    "name": "Name",
    "e-mail": "E-Mail",
    "phone": "Telefon",
    "stored as E.164": "gespeichert im Format E.164",
    "empty: the customer's": "leer: die des Kunden",
    "receives invoices": "erhält Rechnungen",
    "receives reminders": "erhält Mahnungen",
    "contact person": "Ansprechpartner",
    "contact persons": "Ansprechpartner",
    "stored without spaces": "gespeichert ohne Leerzeichen",
    "account holder": "Kontoinhaber",
    "bank": "Bank",
    "active": "aktiv",
    "bank account": "Bankverbindung",
    "bank accounts": "Bankverbindungen",
    "verify now": "jetzt verifizieren",
    "relevant data changed": "relevante Daten geändert",
    "scheduled re-verification": "planmäßige Wiederholung",
    "trigger": "Anlass",
    "run by": "ausgeführt von",
    "verification run": "Verifizierungslauf",
    "verification runs": "Verifizierungsläufe",
    "passed": "bestanden",
    "check": "Prüfung",
    "subject": "Gegenstand",
    "message": "Meldung",
    "details": "Details",
    "verification check": "Prüfung",
    "verification checks": "Prüfungen",
    "EU VIES": "EU-VIES",
    "BZSt qualified confirmation": "qualifizierte Bestätigung (BZSt)",
    "valid": "gültig",
    "invalid": "ungültig",
    "service unavailable": "Dienst nicht erreichbar",
    "service": "Dienst",
    "requested at": "angefragt am",
    "date of the answer": "Datum der Antwort",
    "registered name": "registrierter Name",
    "registered address": "registrierte Anschrift",
    "name and address match": "Übereinstimmung von Name und Anschrift",
    "raw answer": "Rohantwort",
    "VAT ID confirmation": "USt-IdNr.-Bestätigung",
    "VAT ID confirmations": "USt-IdNr.-Bestätigungen",
    "dismissed at": "verworfen am",
    "dismissed duplicates": "verworfene Dubletten",
    "This object doesn't have a change history.": "Dieses Objekt hat keine Änderungsgeschichte.",
    "Contact persons and bank accounts": "Ansprechpartner und Bankverbindungen",
    "Date/time": "Datum/Uhrzeit",
    "Object": "Objekt",
    "Action": "Aktion",
    "Changes": "Änderungen",
    "None": "Niemand",
    "No contact person or bank account has been recorded for this customer.": (
        "Für diesen Kunden wurden noch keine Ansprechpartner oder Bankverbindungen erfasst."
    ),
    "Latest run": "Letzter Lauf",
    "automatically": "automatisch",
    "Outcome": "Ergebnis",
    "Verify now": "Jetzt verifizieren",
    "Checks of the latest run": "Prüfungen des letzten Laufs",
    "Check": "Prüfung",
    "Subject": "Gegenstand",
    "Message": "Meldung",
    "This run recorded no checks.": "Dieser Lauf hat keine Prüfungen aufgezeichnet.",
    "Likely duplicates": "Mögliche Dubletten",
    "Why they are not duplicates": "Warum es keine Dubletten sind",
    "Reason": "Begründung",
    "e.g. two branches with their own accounts": "z. B. zwei Niederlassungen mit eigener Buchhaltung",
    "Dismiss duplicate": "Dublette verwerfen",
    "This customer has not been verified yet.": "Dieser Kunde wurde noch nicht verifiziert.",
    "Earlier runs": "Frühere Läufe",
    "Date": "Datum",
    "Trigger": "Anlass",
    "Run by": "Ausgeführt von",
    "Passed": "Bestanden",
    "Requested at": "Angefragt am",
    "Service": "Dienst",
    "Request identifier": "Abfragekennung",
    "Registered name": "Registrierter Name",
    "format": "Format",
    "Account holder": "Kontoinhaber",
    "Invoice recipient": "Rechnungsempfänger",
    "E-invoicing": "E-Rechnung",
    "Dunning": "Mahnwesen",
    "verification": "Verifizierung",
    "last verified": "zuletzt verifiziert",
    "Customers verified: %(count)d (verified: %(verified)d, needs review: %(review)d).": (
        "Kunden verifiziert: %(count)d (verifiziert: %(verified)d, zu prüfen: %(review)d)."
    ),
    "customer": "Kunde",
    "other customer": "anderer Kunde",
    "language": "Sprache",
    "updated": "geändert",
    "customers": "Kunden",
    "customer created": "Kunde angelegt",
    "run at": "ausgeführt am",
    "warning": "Warnung",
    "run": "Lauf",
    "request identifier": "Abfragekennung",
    "dismissed duplicate": "verworfene Dublette",
    "Verification": "Verifizierung",
    "Changed by": "Geändert von",
    "Status": "Status",
    "Online checks still pending: %(pending)s. Their results appear here once the confirmation service has answered.": (
        "Noch ausstehende Online-Prüfungen: %(pending)s. Ihre Ergebnisse erscheinen hier, sobald der "
        "Bestätigungsdienst geantwortet hat."
    ),
    "Customer": "Kunde",
    "Warnings": "Warnungen",
    "Failed": "Fehlgeschlagen",
    "Pending": "Ausstehend",
    "Result": "Ergebnis",
    "dunning block": "Mahnsperre",
    "blocked": "gesperrt",
    "History of %(customer)s": "Änderungen an %(customer)s",
    "Version": "Version",
    "View": "Ansehen",
    "Home": "Start",
    "History": "Geschichte",
}

ENTRY = re.compile(r'(msgid ((?:"(?:[^"\\]|\\.)*"\s*)+)msgstr ((?:"(?:[^"\\]|\\.)*"\s*)+))')


def join(quoted: str) -> str:
    return "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', quoted))


def main(path: str = "locale/de/LC_MESSAGES/django.po") -> int:
    po = Path(path)
    text = po.read_text(encoding="utf-8")
    # makemessages guesses fuzzy translations from similar strings ("warning" → "läuft"):
    # never trust them; drop the guess (and its previous-msgid comments) and use the table.
    text = re.sub(r"^#\| .*\n", "", text, flags=re.MULTILINE)

    def unfuzzy(match):
        if match.group(2).strip() == '""':  # the header: keep it, just not fuzzy
            return match.group(1) + match.group(3)
        return match.group(1) + 'msgstr ""\n\n'

    text = re.sub(
        r'^#, fuzzy(?:, [\w-]+)*\n((?:#.*\n)*msgid ((?:"(?:[^"\\]|\\.)*"\s*)+?)\s*)(msgstr (?:"(?:[^"\\]|\\.)*"\s*)+)',
        unfuzzy,
        text,
        flags=re.MULTILINE,
    )
    missing = []

    def fill(match):
        msgid, msgstr = join(match.group(2)), join(match.group(3))
        if not msgid or msgstr:
            return match.group(1)
        if msgid not in DE:
            missing.append(msgid)
            return match.group(1)
        return f'msgid {match.group(2).rstrip()}\nmsgstr "{DE[msgid]}"\n\n'

    text = ENTRY.sub(fill, text)
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
