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
    # --- Invoicing admin (invoicing/admin.py, forms.py, templates/admin/invoicing), company profile ---
    "website": "Website",
    "Invoices need the VAT ID or the tax number (§ 14 (4) Nr. 2 UStG); give at least one.": (
        "Rechnungen brauchen die USt-IdNr. oder die Steuernummer (§ 14 Abs. 4 Nr. 2 UStG); geben Sie "
        "mindestens eine an."
    ),
    "Company": "Unternehmen",
    "Bank account": "Bankverbindung",
    "Contact": "Kontakt",
    "Exchange rates": "Wechselkurse",
    "managing directors": "Geschäftsführung",
    "company profile": "Unternehmensprofil",
    "company name": "Firmenname",
    "logo": "Logo",
    "tax office permits daily exchange rates": "Finanzamt erlaubt Tageskurse",
    "Sum of line net amounts": "Summe der Positionen (netto)",
    "Allowances": "Nachlässe",
    "Charges": "Zuschläge",
    "Total net": "Gesamtbetrag netto",
    "VAT": "Umsatzsteuer",
    "Total gross": "Gesamtbetrag brutto",
    "Prepaid": "Bereits gezahlt",
    "Amount due": "Zahlbetrag",
    "number": "Nummer",
    "credit note": "Rechnungskorrektur",
    "amount": "Betrag",
    "applied to the open amount": "auf den offenen Betrag angerechnet",
    "open items": "offene Posten",
    "overdue": "überfällig",
    "overdue today": "heute überfällig",
    "not overdue": "nicht überfällig",
    "item number": "Artikelnummer",
    "quantity": "Menge",
    "unit (UN/ECE Rec. 20)": "Einheit (UN/ECE Rec. 20)",
    "unit net price": "Einzelpreis netto",
    "per quantity": "je Menge",
    "line allowance %": "Positionsrabatt %",
    "or amount": "oder Betrag",
    "VAT category": "USt-Kategorie",
    "VAT rate (%)": "Steuersatz (%)",
    "exemption reason": "Befreiungsgrund",
    "exemption code": "Befreiungscode",
    "net amount": "Nettobetrag",
    "charge": "Zuschlag",
    "(else allowance)": "(sonst Nachlass)",
    "reason code": "Grund-Code",
    "or percent": "oder Prozent",
    "of base amount": "vom Grundbetrag",
    "computed amount": "berechneter Betrag",
    "Invoice number, customer number or customer name.": "Rechnungsnummer, Kundennummer oder Kundenname.",
    "number and type": "Nummer und Art",
    "draft %(id)s": "Entwurf %(id)s",
    "invoice date": "Rechnungsdatum",
    "total gross": "brutto",
    "open amount": "offen",
    "settlement": "Zahlungsstand",
    "due %(date)s, %(days)d days ago": "fällig am %(date)s, vor %(days)d Tagen",
    "corrected invoice": "korrigierte Rechnung",
    "seller as issued": "Verkäufer (wie ausgestellt)",
    "register": "Register",
    "buyer as issued": "Käufer (wie ausgestellt)",
    "early payment discounts": "Skonto",
    "%(percent)s %% until %(deadline)s: pay %(pay)s (discount %(discount)s)": (
        "%(percent)s %% bis %(deadline)s: %(pay)s zahlen (Skonto %(discount)s)"
    ),
    "exchange rate": "Wechselkurs",
    "1 EUR = %(rate)s %(currency)s (%(kind)s, %(date)s); VAT in EUR: %(vat)s": (
        "1 EUR = %(rate)s %(currency)s (%(kind)s, %(date)s); Umsatzsteuer in EUR: %(vat)s"
    ),
    "Dates": "Daten",
    "Currency and terms": "Währung und Zahlungsbedingungen",
    "References and note": "Referenzen und Hinweis",
    "Document": "Beleg",
    "Seller and buyer as issued": "Verkäufer und Käufer, wie ausgestellt",
    "Payment terms as issued": "Zahlungsbedingungen, wie ausgestellt",
    "Currency": "Währung",
    "Approvals": "Freigaben",
    "Credited": "Korrigiert",
    "Open amount": "Offener Betrag",
    "Customer balance from this credit note": "Guthaben des Kunden aus dieser Rechnungskorrektur",
    "No such invoice.": "Diese Rechnung gibt es nicht.",
    "%(invoice)s is already issued.": "%(invoice)s ist bereits ausgestellt.",
    "%(type)s %(number)s issued.": "%(type)s %(number)s ausgestellt.",
    "Issue %(invoice)s": "%(invoice)s ausstellen",
    "Only issued invoices can be credited; %(invoice)s is not one.": (
        "Nur ausgestellte Rechnungen lassen sich korrigieren; %(invoice)s ist keine."
    ),
    "Draft credit note for %(invoice)s created; check it and issue it.": (
        "Entwurf einer Rechnungskorrektur zu %(invoice)s angelegt; prüfen und ausstellen."
    ),
    "Credit note %(number)s for %(invoice)s issued.": "Rechnungskorrektur %(number)s zu %(invoice)s ausgestellt.",
    "Credit note for %(invoice)s": "Rechnungskorrektur zu %(invoice)s",
    "Only issued invoices have a due date to change; %(invoice)s is not one.": (
        "Nur ausgestellte Rechnungen haben ein Fälligkeitsdatum, das sich ändern lässt; %(invoice)s ist keine."
    ),
    "%(invoice)s is now due on %(date)s; the notice to the customer is pending.": (
        "%(invoice)s ist jetzt am %(date)s fällig; die Mitteilung an den Kunden steht noch aus."
    ),
    "Change the due date of %(invoice)s": "Fälligkeit von %(invoice)s ändern",
    "No such draft.": "Diesen Entwurf gibt es nicht.",
    "Some fields need attention; totals leave those rows out.": (
        "Einige Felder sind noch fehlerhaft; die Summen lassen diese Zeilen aus."
    ),
    "invoice": "Rechnung",
    "content": "Inhalt",
    "due date %(old)s → %(new)s: %(reason)s": "Fälligkeit %(old)s → %(new)s: %(reason)s",
    "text on invoices": "Text auf Rechnungen",
    "For an invoice dated today over 1,190.00 EUR.": "Für eine Rechnung von heute über 1.190,00 EUR.",
    "euro per unit": "Euro je Einheit",
    "the customer's": "wie beim Kunden",
    "ISO 4217, e.g. EUR; empty: the customer's currency": "ISO 4217, z. B. EUR; leer: die Währung des Kunden",
    "the customer's (or the default)": "wie beim Kunden (oder Standard)",
    "invoice lines": "Rechnungspositionen",
    "reason for issuing despite review": "Begründung für die Ausstellung trotz Prüfung",
    "Only a finance manager may issue to a customer that needs review.": (
        "Nur die Finanzleitung darf an Kunden ausstellen, die geprüft werden müssen."
    ),
    "reason for exceeding the credit limit": "Begründung für das Überschreiten des Kreditlimits",
    "Needed when the customer's open items would exceed the credit limit.": (
        "Nötig, wenn die offenen Posten des Kunden das Kreditlimit überschreiten würden."
    ),
    "new due date": "neues Fälligkeitsdatum",
    "e.g. agreed payment plan; kept in the history and sent to the customer": (
        "z. B. vereinbarte Ratenzahlung; wird in der Historie festgehalten und dem Kunden mitgeteilt"
    ),
    "credit": "Korrigieren",
    "the whole invoice (all lines, allowances and charges)": (
        "die ganze Rechnung (alle Positionen, Nachlässe und Zuschläge)"
    ),
    "selected lines: a quantity or a net amount per line": "einzelne Positionen: Menge oder Nettobetrag je Position",
    "added to the credit note's text “Correction of invoice <number> of <date>”": (
        "wird an den Text der Rechnungskorrektur angefügt („Rechnungskorrektur zu Rechnung <Nummer> vom <Datum>“)"
    ),
    "issue the credit note at once": "Rechnungskorrektur sofort ausstellen",
    "otherwise it is kept as a draft to review and issue later": (
        "sonst bleibt sie ein Entwurf, der später geprüft und ausgestellt wird"
    ),
    "quantity to credit": "zu korrigierende Menge",
    "net amount to credit": "zu korrigierender Nettobetrag",
    "Give a quantity or a net amount, not both.": "Geben Sie eine Menge oder einen Nettobetrag an, nicht beides.",
    "Between 0 and the invoiced quantity %(quantity)s.": "Zwischen 0 und der berechneten Menge %(quantity)s.",
    "Between 0 and the line's net amount %(amount)s.": "Zwischen 0 und dem Nettobetrag der Position %(amount)s.",
    "Enter a quantity or a net amount for at least one line.": (
        "Geben Sie für mindestens eine Position eine Menge oder einen Nettobetrag an."
    ),
    "Some lines cannot be credited like this; see below.": (
        "Einige Positionen lassen sich so nicht korrigieren; siehe unten."
    ),
    "One discount per line: percent and days, e.g. “2 % within 10 days”.": (
        "Ein Skonto je Zeile: Prozent und Tage, z. B. „2 % innerhalb von 10 Tagen“."
    ),
    "Line %(line)d: give a percent and a number of days, e.g. “2 % within 10 days”.": (
        "Zeile %(line)d: Geben Sie Prozent und Tage an, z. B. „2 % innerhalb von 10 Tagen“."
    ),
    "Line %(line)d: days are whole numbers.": "Zeile %(line)d: Tage sind ganze Zahlen.",
    "Line %(line)d": "Zeile %(line)d",
    "%(percent)s %% within %(days)s days": "%(percent)s %% innerhalb von %(days)s Tagen",
    "Category S needs a rate above 0 (BR-S-05).": "Kategorie S braucht einen Steuersatz über 0 (BR-S-05).",
    "Only category S has a rate above 0; this category is 0 %.": (
        "Nur Kategorie S hat einen Steuersatz über 0; diese Kategorie hat 0 %."
    ),
    "The rate cannot end before it starts.": "Der Steuersatz kann nicht enden, bevor er beginnt.",
    "Rates are stated per euro; enter the foreign currency.": "Kurse gelten je Euro; geben Sie die Fremdwährung an.",
    "Monthly averages are entered for the first day of their month.": (
        "Monatsdurchschnitte werden zum Ersten ihres Monats eingetragen."
    ),
    "An exchange rate is above 0.": "Ein Wechselkurs ist größer als 0.",
    "draft": "Entwurf",
    "VAT amount": "Steuerbetrag",
    "VAT breakdown": "Umsatzsteuer-Aufschlüsselung",
    " By %(filter_title)s ": " Nach %(filter_title)s ",
    "Filter": "Filtern",
    "show all": "alle anzeigen",
    "Type": "Art",
    "Invoice date": "Rechnungsdatum",
    "Cancel": "Abbrechen",
    "Change due date": "Fälligkeit ändern",
    "Due date": "Fällig am",
    (
        "The change and its reason are kept in the invoice's history, and a notice to the "
        "customer is recorded; it stays pending until the e-mail outbox sends it."
    ): (
        "Die Änderung und ihre Begründung werden in der Historie der Rechnung festgehalten, und eine "
        "Mitteilung an den Kunden wird angelegt; sie bleibt ausstehend, bis der E-Mail-Versand sie verschickt."
    ),
    "Issue": "Ausstellen",
    "Create credit note": "Rechnungskorrektur erstellen",
    "Totals of what is entered; saved with the next save.": "Summen der Eingaben; gespeichert beim nächsten Sichern.",
    "Credited so far": "Bisher korrigiert",
    (
        "A credit note gets its own number, refers to this invoice and reduces "
        "its open amount. Crediting the whole invoice cancels it."
    ): (
        "Eine Rechnungskorrektur erhält eine eigene Nummer, verweist auf diese Rechnung und mindert ihren "
        "offenen Betrag. Eine Korrektur der ganzen Rechnung storniert sie."
    ),
    "Lines to credit": "Zu korrigierende Positionen",
    "Description": "Beschreibung",
    "Quantity": "Menge",
    "Unit net price": "Einzelpreis netto",
    "Net amount": "Nettobetrag",
    "Quantity to credit": "Menge korrigieren",
    "or net amount to credit": "oder Nettobetrag korrigieren",
    (
        "Only for “selected lines”: a quantity credits it at the invoiced price; a net amount "
        "credits a lump sum (e.g. a price reduction) at the line's VAT rate."
    ): (
        "Nur für „einzelne Positionen“: Eine Menge wird zum berechneten Preis korrigiert, ein Nettobetrag "
        "als Pauschale (z. B. Preisminderung) zum Steuersatz der Position."
    ),
    "Lines": "Positionen",
    "Payment terms": "Zahlungsbedingungen",
    (
        "Issuing assigns the next number and fixes the dates, totals, payment terms and the seller's and buyer's "
        "data. The document cannot be changed afterwards; corrections are made with a credit note."
    ): (
        "Das Ausstellen vergibt die nächste Nummer und legt Daten, Beträge, Zahlungsbedingungen sowie die "
        "Angaben zu Verkäufer und Käufer fest. Danach lässt sich der Beleg nicht mehr ändern; Korrekturen "
        "erfolgen mit einer Rechnungskorrektur."
    ),
    "Without an invoice date, today's date is used.": "Ohne Rechnungsdatum gilt das heutige Datum.",
    "%(customer)s needs review.": "%(customer)s muss geprüft werden.",
    "As a finance manager you may issue anyway, giving a reason; it is recorded.": (
        "Als Finanzleitung dürfen Sie mit Begründung trotzdem ausstellen; das wird festgehalten."
    ),
    "Only a finance manager may issue to this customer.": "Nur die Finanzleitung darf an diesen Kunden ausstellen.",
    "The customer's credit limit is %(limit)s.": "Das Kreditlimit des Kunden beträgt %(limit)s.",
    "Open the company profile": "Unternehmensprofil öffnen",
    "Issue now": "Jetzt ausstellen",
    "Totals": "Summen",
    "Save and recalculate": "Sichern und neu berechnen",
    "As of the last save.": "Stand der letzten Sicherung.",
    "Computed when saved.": "Wird beim Sichern berechnet.",
    "VAT category and rate": "USt-Kategorie und Steuersatz",
    "Taxable amount": "Bemessungsgrundlage",
    "Exemption reason": "Befreiungsgrund",
    "Credit notes": "Rechnungskorrekturen",
    "Number": "Nummer",
    "Notices to the customer": "Mitteilungen an den Kunden",
    "Created": "Angelegt",
    "Kind": "Art",
    "Events": "Ereignisse",
    "When": "Wann",
    "Event": "Ereignis",
    "By": "Von",
    "From → to": "Von → nach",
    "Details": "Details",
    "system": "System",
    "Delete?": "Löschen?",
    # --- Invoicing models (invoicing/models.py), the customer's default terms ---
    "default payment terms": "Standard-Zahlungsbedingungen",
    "S – standard rate": "S – Regelsteuersatz",
    "Z – zero rated": "Z – Nullsatz",
    "E – exempt": "E – steuerfrei",
    "AE – reverse charge (§ 13b UStG)": "AE – Steuerschuldnerschaft des Leistungsempfängers (§ 13b UStG)",
    "K – intra-community supply (§ 4 Nr. 1b UStG)": "K – innergemeinschaftliche Lieferung (§ 4 Nr. 1b UStG)",
    "G – export outside the EU": "G – Ausfuhr in Länder außerhalb der EU",
    "O – not subject to VAT": "O – nicht steuerbar",
    "rate (%)": "Steuersatz (%)",
    "label": "Bezeichnung",
    "valid from": "gültig ab",
    "valid to": "gültig bis",
    "VAT rate": "Steuersatz",
    "VAT rates": "Steuersätze",
    "BMF monthly average": "BMF-Monatsdurchschnitt",
    "daily rate": "Tageskurs",
    "date": "Datum",
    "for monthly averages the first day of the month": "bei Monatsdurchschnitten der Erste des Monats",
    "units per euro": "Einheiten je Euro",
    "exchange rates": "Wechselkurse",
    "days after invoice date": "Tage nach Rechnungsdatum",
    "days after the end of the invoice month": "Tage nach Ende des Rechnungsmonats",
    "basis": "Grundlage",
    "days": "Tage",
    "default for new customers": "Standard für neue Kunden",
    "payment terms": "Zahlungsbedingungen",
    "issued": "ausgestellt",
    "partially paid": "teilweise bezahlt",
    "paid": "bezahlt",
    "document type": "Belegart",
    "for credit notes: the invoice it corrects (BT-25)": "bei Rechnungskorrekturen: die korrigierte Rechnung (BT-25)",
    "delivery/service date": "Liefer-/Leistungsdatum",
    "service period from": "Leistungszeitraum von",
    "service period to": "Leistungszeitraum bis",
    "deliver-to country": "Lieferland",
    "buyer reference": "Käuferreferenz",
    "purchase order": "Bestellnummer",
    "note": "Hinweis",
    "payment terms as issued": "Zahlungsbedingungen bei Ausstellung",
    "payment terms text": "Text der Zahlungsbedingungen",
    "sum of line net amounts": "Summe der Positionen netto",
    "allowances": "Nachlässe",
    "charges": "Zuschläge",
    "total net": "Gesamtbetrag netto",
    "prepaid": "bereits gezahlt",
    "amount due": "Zahlbetrag",
    "VAT in EUR": "Umsatzsteuer in EUR",
    "exchange rate (units per EUR)": "Wechselkurs (Einheiten je EUR)",
    "exchange rate kind": "Art des Wechselkurses",
    "exchange rate date": "Datum des Wechselkurses",
    "credited": "korrigiert",
    "issued by": "ausgestellt von",
    "invoices": "Rechnungen",
    "position": "Position",
    "unit": "Einheit",
    "UN/ECE Rec. 20": "UN/ECE Rec. 20",
    "price per": "Preis je",
    "allowance %": "Rabatt %",
    "allowance amount": "Rabattbetrag",
    "invoice line": "Rechnungsposition",
    "charge (not allowance)": "Zuschlag (kein Nachlass)",
    "percent": "Prozent",
    "base amount": "Grundbetrag",
    "allowance or charge": "Nachlass oder Zuschlag",
    "allowances and charges": "Nachlässe und Zuschläge",
    "taxable amount": "Bemessungsgrundlage",
    "due date changed": "Fälligkeit geändert",
    "issued despite customer review": "trotz Kundenprüfung ausgestellt",
    "credit limit exceeded on purpose": "Kreditlimit bewusst überschritten",
    "settlement changed": "Zahlungsstand geändert",
    "event": "Ereignis",
    "at": "am",
    "by": "von",
    "from": "von",
    "to": "nach",
    "data": "Daten",
    "invoice event": "Rechnungsereignis",
    "invoice events": "Rechnungsereignisse",
    "sent": "gesendet",
    "customer notice": "Kundenmitteilung",
    "customer notices": "Kundenmitteilungen",
    "monthly": "monatlich",
    "quarterly": "vierteljährlich",
    "yearly": "jährlich",
    "frequency": "Rhythmus",
    "day of month": "Tag im Monat",
    "1–31; later than the month's last day means its last day": (
        "1–31; ein Tag nach dem Monatsende bedeutet den letzten Tag des Monats"
    ),
    "first period starts": "erster Zeitraum beginnt",
    "last period starts no later than": "letzter Zeitraum beginnt spätestens",
    "issue automatically": "automatisch ausstellen",
    "lines": "Positionen",
    "recurring invoice": "wiederkehrende Rechnung",
    "recurring invoices": "wiederkehrende Rechnungen",
    "template": "Vorlage",
    "period start": "Zeitraum ab",
    "period end": "Zeitraum bis",
    "problem": "Problem",
    "recurring invoice period": "Zeitraum einer wiederkehrenden Rechnung",
    "recurring invoice periods": "Zeiträume wiederkehrender Rechnungen",
    # Customer verification checks and field validation (customers.validation/checks/services)
    "street": "Straße",
    "Billing address lacks: %(missing)s.": "In der Rechnungsadresse fehlt: %(missing)s.",
    "Billing address is complete.": "Die Rechnungsadresse ist vollständig.",
    "No postal code rule for %(country)s; not checked.": "Keine Postleitzahlregel für %(country)s; nicht geprüft.",
    "%(value)s is a valid %(country)s postal code.": "%(value)s ist eine gültige %(country)s-Postleitzahl.",
    "Consumers need no VAT ID.": "Verbraucher benötigen keine USt-IdNr.",
    "Public bodies acting as authorities need no VAT ID.": (
        "Öffentliche Auftraggeber, die hoheitlich handeln, benötigen keine USt-IdNr."
    ),
    "A business in %(country)s needs a VAT ID: without it, no reverse charge or tax-free intra-community supply "
    "can be invoiced (§ 13b, § 6a UStG).": (
        "Ein Unternehmen in %(country)s benötigt eine USt-IdNr.: Ohne sie kann weder im Reverse-Charge-Verfahren "
        "noch eine steuerfreie innergemeinschaftliche Lieferung abgerechnet werden (§ 13b, § 6a UStG)."
    ),
    "Neither VAT ID nor tax number is recorded.": "Weder USt-IdNr. noch Steuernummer ist erfasst.",
    "No VAT ID needed for this customer.": "Für diesen Kunden ist keine USt-IdNr. erforderlich.",
    "VAT ID %(value)s: format and check digit are valid.": "USt-IdNr. %(value)s: Format und Prüfziffer sind gültig.",
    "VAT ID %(value)s is from %(prefix)s but the billing address is in %(country)s; foreign VAT registrations "
    "exist, check that this is the one to invoice.": (
        "USt-IdNr. %(value)s stammt aus %(prefix)s, die Rechnungsadresse liegt aber in %(country)s; ausländische "
        "umsatzsteuerliche Registrierungen kommen vor, prüfen Sie, ob diese in Rechnung gestellt werden soll."
    ),
    "VAT ID prefix %(prefix)s matches the address.": "Das Länderpräfix %(prefix)s der USt-IdNr. passt zur Adresse.",
    "IBAN %(value)s: check digits are valid.": "IBAN %(value)s: Die Prüfziffern sind gültig.",
    "BIC %(bic)s does not belong to the bank of IBAN %(iban)s (%(derived)s).": (
        "BIC %(bic)s gehört nicht zur Bank der IBAN %(iban)s (%(derived)s)."
    ),
    "Bank: %(bank)s (%(bic)s).": "Bank: %(bank)s (%(bic)s).",
    "No account holder recorded.": "Kein Kontoinhaber erfasst.",
    "%(value)s: valid address.": "%(value)s: gültige Adresse.",
    "%(value)s: valid number.": "%(value)s: gültige Nummer.",
    "%(value)s: not in an assigned number range.": "%(value)s: liegt in keinem vergebenen Nummernbereich.",
    "No contact with an e-mail address receives invoices; they can only be sent by post.": (
        "Kein Ansprechpartner mit E-Mail-Adresse erhält Rechnungen; sie können nur per Post versendet werden."
    ),
    "Invoices have an e-mail recipient.": "Für Rechnungen ist ein E-Mail-Empfänger hinterlegt.",
    "Public-sector customers need a Leitweg-ID: XRechnung invoices without one are rejected (E-Rech-VO).": (
        "Öffentliche Auftraggeber benötigen eine Leitweg-ID: XRechnungen ohne sie werden abgewiesen (E-Rech-VO)."
    ),
    "Leitweg-ID %(value)s is valid.": "Leitweg-ID %(value)s ist gültig.",
    "Same VAT ID %(value)s as customer %(number)s %(name)s: likely the same legal entity twice. Merge them, "
    "or dismiss the duplicate with a reason.": (
        "Gleiche USt-IdNr. %(value)s wie Kunde %(number)s %(name)s: wahrscheinlich dieselbe juristische Person "
        "doppelt. Führen Sie die Kunden zusammen oder verwerfen Sie die Dublette mit Begründung."
    ),
    "IBAN %(value)s is also recorded for customer %(number)s %(name)s.": (
        "IBAN %(value)s ist auch für Kunde %(number)s %(name)s erfasst."
    ),
    "Very similar name at the same postal code: customer %(number)s %(name)s (%(ratio)s alike).": (
        "Sehr ähnlicher Name unter derselben Postleitzahl: Kunde %(number)s %(name)s (%(ratio)s Übereinstimmung)."
    ),
    "No likely duplicate found.": "Keine wahrscheinliche Dublette gefunden.",
    "This field cannot be set.": "Dieses Feld kann nicht gesetzt werden.",
    "This field is required.": "Dieses Feld ist zwingend erforderlich.",
    "Choose one of: %(choices)s.": "Wählen Sie eines von: %(choices)s.",
    "Choose de or en.": "Wählen Sie de oder en.",
    "Required with a separate shipping address.": "Bei abweichender Lieferadresse erforderlich.",
    "Say why dunning is blocked.": "Geben Sie an, warum die Mahnsperre besteht.",
    "Payment terms %(terms)s are not active.": "Die Zahlungsbedingungen %(terms)s sind nicht aktiv.",
    "Give the scheme (EAS code) of the electronic address.": (
        "Geben Sie das Schema (EAS-Code) der elektronischen Adresse an."
    ),
    "At most %(limit)d characters (this has %(length)d).": "Höchstens %(limit)d Zeichen (hier %(length)d).",
    "Credit limit %(value)s: not an amount.": "Kreditlimit %(value)s: kein Betrag.",
    "A credit limit cannot be negative.": "Ein Kreditlimit kann nicht negativ sein.",
    "A credit limit must be below %(limit)s.": "Ein Kreditlimit muss unter %(limit)s liegen.",
    "The same IBAN is listed twice.": "Dieselbe IBAN ist doppelt angegeben.",
    "Customer %(number)s has documents and cannot be deleted.": (
        "Kunde %(number)s hat Belege und kann nicht gelöscht werden."
    ),
    "A contact who receives invoices or reminders needs an e-mail address.": (
        "Ein Ansprechpartner, der Rechnungen oder Mahnungen erhält, benötigt eine E-Mail-Adresse."
    ),
    "IBAN %(value)s is already recorded for this customer.": "IBAN %(value)s ist für diesen Kunden bereits erfasst.",
    "Confirmation of %(value)s with EU VIES queued.": "Bestätigung von %(value)s über EU-VIES eingeplant.",
    "Qualified confirmation of %(value)s (name and address) with the BZSt queued.": (
        "Qualifizierte Bestätigung von %(value)s (Name und Anschrift) beim BZSt eingeplant."
    ),
    "Review customer data: %(number)s %(name)s": "Kundendaten prüfen: %(number)s %(name)s",
    "Verification on %(when)s found no failed check.": (
        "Die Prüfung am %(when)s ergab keine fehlgeschlagene Einzelprüfung."
    ),
    "Not asked: the VAT ID changed to %(value)s meanwhile.": (
        "Nicht angefragt: Die USt-IdNr. wurde inzwischen auf %(value)s geändert."
    ),
    "(none)": "(keine)",
    "Pending, retry scheduled: %(reason)s": "Ausstehend, erneuter Versuch eingeplant: %(reason)s",
    "Pending, not retried, see the failed background job: %(reason)s": (
        "Ausstehend, kein erneuter Versuch, siehe den fehlgeschlagenen Hintergrundauftrag: %(reason)s"
    ),
    "A customer cannot be its own duplicate.": "Ein Kunde kann nicht seine eigene Dublette sein.",
    "Say why these customers are not duplicates.": "Geben Sie an, warum diese Kunden keine Dubletten sind.",
    "VAT ID %(value)s: '%(prefix)s' is not the prefix of an EU VAT ID (Greece uses EL).": (
        "USt-IdNr. %(value)s: „%(prefix)s“ ist kein Länderpräfix einer EU-USt-IdNr. (Griechenland verwendet EL)."
    ),
    "VAT ID %(value)s: '%(prefix)s' is not the prefix of an EU VAT ID.": (
        "USt-IdNr. %(value)s: „%(prefix)s“ ist kein Länderpräfix einer EU-USt-IdNr."
    ),
    "VAT ID %(value)s: check digit does not match.": "USt-IdNr. %(value)s: Die Prüfziffer stimmt nicht.",
    "VAT ID %(value)s: wrong length for a %(prefix)s VAT ID.": (
        "USt-IdNr. %(value)s: falsche Länge für eine USt-IdNr. aus %(prefix)s."
    ),
    "VAT ID %(value)s: not the format of a %(prefix)s VAT ID.": (
        "USt-IdNr. %(value)s: entspricht nicht dem Format einer USt-IdNr. aus %(prefix)s."
    ),
    "VAT ID %(value)s: %(reason)s": "USt-IdNr. %(value)s: %(reason)s",
    "IBAN is required.": "Die IBAN ist erforderlich.",
    "IBAN %(value)s: check digits do not match.": "IBAN %(value)s: Die Prüfziffern stimmen nicht.",
    "IBAN %(value)s: the national account number's check digit does not match.": (
        "IBAN %(value)s: Die Prüfziffer der nationalen Kontonummer stimmt nicht."
    ),
    "IBAN %(value)s: wrong length for an IBAN from %(country)s.": (
        "IBAN %(value)s: falsche Länge für eine IBAN aus %(country)s."
    ),
    "IBAN %(value)s: '%(country)s' is not a country that uses IBANs.": (
        "IBAN %(value)s: „%(country)s“ ist kein Land, das IBANs verwendet."
    ),
    "IBAN %(value)s: %(reason)s.": "IBAN %(value)s: %(reason)s.",
    "BIC %(value)s: %(reason)s.": "BIC %(value)s: %(reason)s.",
    "E-mail %(value)s: %(reason)s": "E-Mail %(value)s: %(reason)s",
    "Phone %(value)s: not a phone number (add the country code, e.g. +49).": (
        "Telefon %(value)s: keine Telefonnummer (Ländervorwahl ergänzen, z. B. +49)."
    ),
    "Phone %(value)s: too short or too long for %(region)s.": "Telefon %(value)s: zu kurz oder zu lang für %(region)s.",
    "Country %(value)s: not an ISO 3166-1 country code (e.g. DE, AT, FR).": (
        "Land %(value)s: kein Ländercode nach ISO 3166-1 (z. B. DE, AT, FR)."
    ),
    "3 digits": "3 Ziffern",
    "4 digits": "4 Ziffern",
    "5 digits": "5 Ziffern",
    "6 digits": "6 Ziffern",
    "5 digits, e.g. 110 00": "5 Ziffern, z. B. 110 00",
    "5 digits starting 01–52": "5 Ziffern, beginnend mit 01–52",
    "a UK postcode, e.g. SW1A 1AA": "eine britische Postleitzahl, z. B. SW1A 1AA",
    "5 digits, e.g. 104 31": "5 Ziffern, z. B. 104 31",
    "an Eircode, e.g. D02 X285": "ein Eircode, z. B. D02 X285",
    "4 digits 9485–9498": "4 Ziffern 9485–9498",
    "5 digits, e.g. LT-01100": "5 Ziffern, z. B. LT-01100",
    "4 digits, e.g. L-1511": "4 Ziffern, z. B. L-1511",
    "4 digits, e.g. LV-1050": "4 Ziffern, z. B. LV-1050",
    "3 letters and 4 digits, e.g. VLT 1117": "3 Buchstaben und 4 Ziffern, z. B. VLT 1117",
    "4 digits and 2 letters, e.g. 1012 AB": "4 Ziffern und 2 Buchstaben, z. B. 1012 AB",
    "NN-NNN, e.g. 00-950": "NN-NNN, z. B. 00-950",
    "NNNN-NNN, e.g. 1000-001": "NNNN-NNN, z. B. 1000-001",
    "5 digits, e.g. 114 55": "5 Ziffern, z. B. 114 55",
    "5 digits, e.g. 811 01": "5 Ziffern, z. B. 811 01",
    "a ZIP code, e.g. 10001 or 10001-1234": "ein ZIP-Code, z. B. 10001 oder 10001-1234",
    "Postal code is required.": "Die Postleitzahl ist erforderlich.",
    "Postal code %(value)s: not a valid %(country)s postal code (%(rule)s).": (
        "Postleitzahl %(value)s: keine gültige %(country)s-Postleitzahl (%(rule)s)."
    ),
    "Leitweg-ID %(value)s: expected 2–12 digits, optionally '-' and up to 30 letters/digits, then '-' and 2 check "
    "digits (e.g. 04011000-1234512345-06).": (
        "Leitweg-ID %(value)s: erwartet werden 2–12 Ziffern, optional „-“ und bis zu 30 Buchstaben/Ziffern, "
        "dann „-“ und 2 Prüfziffern (z. B. 04011000-1234512345-06)."
    ),
    "Leitweg-ID %(value)s: check digits do not match.": "Leitweg-ID %(value)s: Die Prüfziffern stimmen nicht.",
    "Currency %(value)s: not an ISO 4217 currency code (e.g. EUR).": (
        "Währung %(value)s: kein Währungscode nach ISO 4217 (z. B. EUR)."
    ),
    # invoicing services: drafts, issuing, due dates
    "%(value)s is not a number.": "%(value)s ist keine Zahl.",
    "Must be above %(minimum)s.": "Muss größer als %(minimum)s sein.",
    "Must be at least %(minimum)s.": "Muss mindestens %(minimum)s betragen.",
    "Must be below %(maximum)s.": "Muss kleiner als %(maximum)s sein.",
    "At most %(places)d decimal places.": "Höchstens %(places)d Nachkommastellen.",
    "At most %(limit)d characters.": "Höchstens %(limit)d Zeichen.",
    "%(value)s is not a date (YYYY-MM-DD).": "%(value)s ist kein Datum (JJJJ-MM-TT).",
    "%(currency)s has more than 2 decimal places; invoices in it are not supported.": (
        "%(currency)s hat mehr als 2 Nachkommastellen; Rechnungen in dieser Währung werden nicht unterstützt."
    ),
    "The service period ends before it starts.": "Der Leistungszeitraum endet, bevor er beginnt.",
    "No active payment terms %(terms)s.": "Keine aktiven Zahlungsbedingungen %(terms)s.",
    "Unknown VAT category %(category)s; use one of %(categories)s (UNCL 5305).": (
        "Unbekannte Steuerkategorie %(category)s; zulässig sind %(categories)s (UNCL 5305)."
    ),
    "Category S needs a VAT rate (BR-S-05).": "Kategorie S braucht einen Steuersatz (BR-S-05).",
    "%(rate)s %% is not a rate for category %(category)s on %(date)s in the VAT rate table.": (
        "%(rate)s %% ist laut Steuersatztabelle am %(date)s kein Steuersatz der Kategorie %(category)s."
    ),
    "An invoice needs at least one line (BR-16).": "Eine Rechnung braucht mindestens eine Position (BR-16).",
    "Each line is an object with description, quantity, price ...": (
        "Jede Position ist ein Objekt mit Beschreibung, Menge, Preis ..."
    ),
    "Describe what was delivered.": "Beschreiben Sie, was geliefert oder geleistet wurde.",
    "A quantity of zero invoices nothing.": "Mit der Menge null wird nichts berechnet.",
    "%(unit)s is not a UN/ECE Rec. 20 unit code (e.g. C62 piece, HUR hour, KGM kilogram; BR-CL-23).": (
        "%(unit)s ist kein Einheitencode nach UN/ECE Rec. 20 (z. B. C62 Stück, HUR Stunde, KGM Kilogramm; BR-CL-23)."
    ),
    "Exempt lines need the exemption reason, e.g. 'Steuerfrei nach § 4 Nr. 14 UStG' (BR-E-10).": (
        "Steuerfreie Positionen brauchen den Befreiungsgrund, z. B. „Steuerfrei nach § 4 Nr. 14 UStG“ (BR-E-10)."
    ),
    "Each allowance or charge is an object with amount, reason ...": (
        "Jeder Nachlass und jeder Zuschlag ist ein Objekt mit Betrag, Grund ..."
    ),
    "Give an amount, or a percent and its base amount.": (
        "Geben Sie einen Betrag an oder einen Prozentsatz und seinen Grundbetrag."
    ),
    "Say why the charge applies (BR-38).": "Geben Sie den Grund des Zuschlags an (BR-38).",
    "Say why the allowance applies (BR-33).": "Geben Sie den Grund des Nachlasses an (BR-33).",
    "The line amount %(amount)s is too large (at most %(maximum)s − 0.01).": (
        "Der Positionsbetrag %(amount)s ist zu groß (höchstens %(maximum)s − 0,01)."
    ),
    "The amount %(amount)s is too large.": "Der Betrag %(amount)s ist zu groß.",
    "The invoice total is too large (below %(maximum)s).": (
        "Der Rechnungsbetrag ist zu groß (er muss unter %(maximum)s liegen)."
    ),
    "The prepaid amount %(prepaid)s exceeds the invoice total %(total)s.": (
        "Der bereits gezahlte Betrag %(prepaid)s übersteigt den Rechnungsbetrag %(total)s."
    ),
    "A credit note references the invoice it corrects; an invoice references none.": (
        "Eine Rechnungskorrektur verweist auf die Rechnung, die sie korrigiert; eine Rechnung verweist auf keine."
    ),
    "%(document)s is %(status)s: issued documents cannot be changed or deleted (GoBD); correct them with a credit "
    "note.": (
        "%(document)s hat den Status „%(status)s“: Ausgestellte Belege können weder geändert noch gelöscht "
        "werden (GoBD); korrigieren Sie sie mit einer Rechnungskorrektur."
    ),
    "Say why the due date changes (e.g. agreed payment plan).": (
        "Geben Sie an, warum sich die Fälligkeit ändert (z. B. vereinbarte Ratenzahlung)."
    ),
    "Only issued invoices have a due date to change; this one is %(status)s.": (
        "Nur bei ausgestellten Rechnungen kann die Fälligkeit geändert werden; diese hat den Status „%(status)s“."
    ),
    "%(number)s is settled; there is nothing left to fall due.": (
        "%(number)s ist beglichen; es wird nichts mehr fällig."
    ),
    "The due date cannot lie before the invoice date.": "Die Fälligkeit kann nicht vor dem Rechnungsdatum liegen.",
    "The invoice is already due on %(date)s.": "Die Rechnung ist bereits am %(date)s fällig.",
    "Fill in the company profile (name, address, VAT ID or tax number) first.": (
        "Füllen Sie zuerst das Unternehmensprofil aus (Name, Anschrift, USt-IdNr. oder Steuernummer)."
    ),
    "VAT ID or tax number (§ 14 (4) Nr. 2 UStG)": "USt-IdNr. oder Steuernummer (§ 14 (4) Nr. 2 UStG)",
    "our VAT ID, which reverse charge and intra-community supplies state (§ 14a (1), (3) UStG)": (
        "unsere USt-IdNr., die bei Steuerschuldnerschaft des Leistungsempfängers und innergemeinschaftlichen "
        "Lieferungen anzugeben ist (§ 14a (1), (3) UStG)"
    ),
    "The company profile lacks: %(missing)s.": "Im Unternehmensprofil fehlt: %(missing)s.",
    "A service period needs its first and its last day.": (
        "Ein Leistungszeitraum braucht seinen ersten und letzten Tag."
    ),
    "Reverse charge (AE) and intra-community supplies (K) need the buyer's VAT ID (BR-AE-02, BR-IC-02); customer "
    "%(customer)s has none.": (
        "Steuerschuldnerschaft des Leistungsempfängers (AE) und innergemeinschaftliche Lieferungen (K) brauchen "
        "die USt-IdNr. des Käufers (BR-AE-02, BR-IC-02); Kunde %(customer)s hat keine."
    ),
    "Intra-community supplies need the deliver-to country (BR-IC-12).": (
        "Innergemeinschaftliche Lieferungen brauchen das Lieferland (BR-IC-12)."
    ),
    "An invoice with category O has only category O lines (BR-O-11).": (
        "Eine Rechnung mit Kategorie O enthält nur Positionen der Kategorie O (BR-O-11)."
    ),
    "Category E needs a line stating the exemption reason (BR-E-10).": (
        "Kategorie E braucht eine Position, die den Befreiungsgrund nennt (BR-E-10)."
    ),
    "%(rate)s %% is not a rate for category %(category)s on the supply date %(date)s in the VAT rate table.": (
        "%(rate)s %% ist laut Steuersatztabelle am Leistungsdatum %(date)s kein Steuersatz der Kategorie %(category)s."
    ),
    "%(date)s lies before the last issued credit note (%(latest)s); numbers must follow dates.": (
        "Der %(date)s liegt vor der zuletzt ausgestellten Rechnungskorrektur (%(latest)s); die Nummern müssen "
        "der Datumsfolge entsprechen."
    ),
    "%(date)s lies before the last issued invoice (%(latest)s); numbers must follow dates.": (
        "Der %(date)s liegt vor der zuletzt ausgestellten Rechnung (%(latest)s); die Nummern müssen der "
        "Datumsfolge entsprechen."
    ),
    "A credit note must reference the invoice it corrects (BT-25).": (
        "Eine Rechnungskorrektur muss auf die Rechnung verweisen, die sie korrigiert (BT-25)."
    ),
    "%(document)s is %(status)s; only issued invoices can be credited.": (
        "%(document)s hat den Status „%(status)s“; nur ausgestellte Rechnungen können korrigiert werden."
    ),
    "%(number)s belongs to another customer.": "%(number)s gehört zu einem anderen Kunden.",
    "A credit note is in the currency of its invoice (%(currency)s), not %(other)s.": (
        "Eine Rechnungskorrektur lautet auf die Währung ihrer Rechnung (%(currency)s), nicht auf %(other)s."
    ),
    "The credit note (%(amount)s) exceeds what is left to credit on %(number)s (%(remaining)s).": (
        "Die Rechnungskorrektur (%(amount)s) übersteigt den auf %(number)s noch korrigierbaren Betrag (%(remaining)s)."
    ),
    "%(date)s lies in the future; an invoice is dated the day it is issued or before.": (
        "Der %(date)s liegt in der Zukunft; eine Rechnung trägt das Datum ihrer Ausstellung oder ein früheres."
    ),
    "Customer %(customer)s needs review; a finance manager may issue anyway, giving a reason.": (
        "Kunde %(customer)s muss geprüft werden; eine Finanzleitung darf dennoch ausstellen und gibt dafür einen "
        "Grund an."
    ),
    "The invoice total is negative; correct invoices with a credit note.": (
        "Der Rechnungsbetrag ist negativ; Rechnungen werden mit einer Rechnungskorrektur korrigiert."
    ),
    "A credit note credits an amount above zero.": "Eine Rechnungskorrektur schreibt einen Betrag über null gut.",
    "Open items would reach %(exposure)s %(currency)s, above the credit limit of %(limit)s; confirm with a reason "
    "to issue anyway.": (
        "Die offenen Posten würden %(exposure)s %(currency)s erreichen und das Kreditlimit von %(limit)s "
        "überschreiten; bestätigen Sie mit einem Grund, um dennoch auszustellen."
    ),
    "No daily rate up to %(date)s EUR exchange rate for %(currency)s: enter it under Exchange rates (Art. 230 VAT "
    "Directive, § 16 (6) UStG).": (
        "Kein Tageskurs bis %(date)s als Euro-Wechselkurs für %(currency)s: Erfassen Sie ihn unter "
        "Wechselkurse (Art. 230 MwStSystRL, § 16 (6) UStG)."
    ),
    "No BMF monthly average for %(date)s EUR exchange rate for %(currency)s: enter it under Exchange rates "
    "(Art. 230 VAT Directive, § 16 (6) UStG).": (
        "Kein BMF-Monatsdurchschnittskurs für %(date)s als Euro-Wechselkurs für %(currency)s: Erfassen Sie ihn "
        "unter Wechselkurse (Art. 230 MwStSystRL, § 16 (6) UStG)."
    ),
    "credit note %(number)s": "Rechnungskorrektur %(number)s",
    "fully credited by %(number)s": "vollständig korrigiert durch %(number)s",
    "Only issued invoices can be credited; %(document)s is %(type)s %(status)s.": (
        "Nur ausgestellte Rechnungen können korrigiert werden; %(document)s (%(type)s) hat den Status „%(status)s“."
    ),
    "%(number)s has been credited partly (%(amount)s); credit the rest line by line.": (
        "%(number)s wurde bereits teilweise korrigiert (%(amount)s); korrigieren Sie den Rest positionsweise."
    ),
    # Invoice and credit note documents (templates/invoicing/documents/, invoicing/documents/html.py)
    "Phone": "Telefon",
    "Managing directors": "Geschäftsführung",
    "Tax number": "Steuernummer",
    "Invoice": "Rechnung",
    # Not "Gutschrift": in German VAT law that word means self-billing (§ 14 (2) Satz 2 UStG).
    "Credit note": "Rechnungskorrektur",
    "Invoice no.": "Rechnungsnummer",
    "Credit note no.": "Belegnummer",
    "Credit note date": "Ausstellungsdatum",
    "Corrects invoice": "Korrigierte Rechnung",
    "of %(date)s": "vom %(date)s",
    "Customer no.": "Kundennummer",
    "Service period": "Leistungszeitraum",
    "Delivery/service date": "Liefer-/Leistungsdatum",
    "Your reference": "Ihre Referenz",
    "Your order": "Ihre Bestellung",
    "Your VAT ID": "Ihre USt-IdNr.",
    "Country of destination": "Bestimmungsland",
    "This credit note corrects invoice %(number)s of %(date)s.": (
        "Diese Rechnungskorrektur berichtigt die Rechnung %(number)s vom %(date)s."
    ),
    "Pos.": "Pos.",
    "Unit": "Einheit",
    "Unit price": "Einzelpreis",
    "Amount": "Betrag",
    "Item no.": "Art.-Nr.",
    "Total of lines (net)": "Summe der Positionen (netto)",
    "VAT %(rate)s on %(base)s": "Umsatzsteuer %(rate)s auf %(base)s",
    "VAT (%(label)s) on %(base)s": "Umsatzsteuer (%(label)s) auf %(base)s",
    "Paid in advance": "Bereits gezahlt",
    "Amount credited": "Korrekturbetrag",
    "Rate": "Steuersatz",
    "VAT in EUR: %(amount)s (exchange rate 1 EUR = %(rate)s %(currency)s, %(kind)s %(month)s)": (
        "Umsatzsteuer in EUR: %(amount)s (Umrechnungskurs 1 EUR = %(rate)s %(currency)s, %(kind)s %(month)s)"
    ),
    "VAT in EUR: %(amount)s (exchange rate 1 EUR = %(rate)s %(currency)s, %(kind)s of %(date)s)": (
        "Umsatzsteuer in EUR: %(amount)s (Umrechnungskurs 1 EUR = %(rate)s %(currency)s, %(kind)s vom %(date)s)"
    ),
    "Delivery address": "Lieferanschrift",
    "Pay by code": "Bezahlen per Code",
    "We will set off the amount of %(amount)s against open invoices or refund it to you.": (
        "Den Betrag von %(amount)s verrechnen wir mit offenen Rechnungen oder erstatten ihn Ihnen."
    ),
    "%(percent)s early payment discount (%(discount)s) if paid by %(deadline)s: amount to pay %(to_pay)s.": (
        "Bei Zahlung bis %(deadline)s gewähren wir %(percent)s Skonto (%(discount)s), zu zahlen %(to_pay)s."
    ),
    "Please quote the invoice number %(number)s with your payment.": (
        "Bitte geben Sie bei Ihrer Zahlung die Rechnungsnummer %(number)s an."
    ),
    "Please transfer %(amount)s by %(date)s, quoting the invoice number %(number)s.": (
        "Bitte überweisen Sie %(amount)s bis %(date)s unter Angabe der Rechnungsnummer %(number)s."
    ),
    "taxable": "steuerpflichtig",
    "zero rate": "Nullsteuersatz",
    "VAT exempt": "steuerfrei",
    "reverse charge": "Reverse-Charge",
    "intra-community supply": "innergemeinschaftliche Lieferung",
    "export": "Ausfuhrlieferung",
    "not subject to VAT": "nicht steuerbar",
    "less %(percent)s discount": "abzüglich %(percent)s Rabatt",
    "less %(amount)s discount": "abzüglich %(amount)s Rabatt",
    "per %(quantity)s %(unit)s": "je %(quantity)s %(unit)s",
    "allowance": "Nachlass",
    "%(reason)s (%(percent)s of %(base)s)": "%(reason)s (%(percent)s von %(base)s)",
    "Page %(page)s of %(pages)s": "Seite %(page)s von %(pages)s",
    "ZUGFeRD / Factur-X (PDF with embedded XML)": "ZUGFeRD / Factur-X (PDF mit eingebettetem XML)",
    "XRechnung (XML) and PDF": "XRechnung (XML) und PDF",
    "e-invoice format": "E-Rechnungsformat",
    "ZUGFeRD: PDF with the embedded EN 16931 XML. XRechnung: also the standalone XRechnung XML (public-sector buyers and customers with a Leitweg-ID always get it).": "ZUGFeRD: PDF mit eingebettetem EN-16931-XML. XRechnung: zusätzlich das eigenständige XRechnung-XML (öffentliche Auftraggeber und Kunden mit Leitweg-ID erhalten es immer).",
    "PDF / e-invoice": "PDF / E-Rechnung",
    "No such document.": "Dieses Dokument gibt es nicht.",
    "The e-invoice is validated again; the documents follow shortly.": "Die E-Rechnung wird erneut geprüft; die Dokumente folgen in Kürze.",
    "PDF and e-invoice stored": "PDF und E-Rechnung abgelegt",
    "e-invoice invalid": "E-Rechnung ungültig",
    "XRechnung required": "XRechnung erforderlich",
    "problems": "Probleme",
    "summary": "Zusammenfassung",
    "document state": "Dokumentstatus",
    "document states": "Dokumentstatus",
    "PDF/A-3 with ZUGFeRD/Factur-X": "PDF/A-3 mit ZUGFeRD/Factur-X",
    "Factur-X/ZUGFeRD XML (EN 16931)": "Factur-X/ZUGFeRD-XML (EN 16931)",
    "XRechnung XML": "XRechnung-XML",
    "file": "Datei",
    "file name": "Dateiname",
    "SHA-256": "SHA-256",
    "size (bytes)": "Größe (Bytes)",
    "created with": "erstellt mit",
    "stored document": "abgelegtes Dokument",
    "stored documents": "abgelegte Dokumente",
    "A draft has no documents; issue it first.": "Ein Entwurf hat keine Dokumente; stellen Sie ihn zuerst aus.",
    "e-invoice invalid: %(summary)s": "E-Rechnung ungültig: %(summary)s",
    "%(document)s has no %(kind)s document.": "%(document)s hat kein Dokument der Art %(kind)s.",
    "The documents of %(document)s are being created.": "Die Dokumente zu %(document)s werden gerade erstellt.",
    "e-invoice of %(document)s is invalid: not sent": "E-Rechnung %(document)s ist ungültig: nicht versendet",
    "The EN 16931 / XRechnung validation refused the e-invoice, so no PDF was stored or sent. Broken rules: %(summary)s": "Die Prüfung nach EN 16931 / XRechnung hat die E-Rechnung abgelehnt; es wurde kein PDF abgelegt oder versendet. Verletzte Regeln: %(summary)s",
    "Download PDF": "PDF herunterladen",
    "Download XRechnung": "XRechnung herunterladen",
    "PDF and e-invoice": "PDF und E-Rechnung",
    "Nothing was stored or sent. A follow-up task is open.": "Es wurde nichts abgelegt oder versendet. Eine Wiedervorlage ist offen.",
    "Rule": "Regel",
    "Location": "Stelle",
    "No documents yet: this document was issued before documents were created automatically.": "Noch keine Dokumente: dieser Beleg wurde ausgestellt, bevor Dokumente automatisch erstellt wurden.",
    "Being created in the background.": "Wird im Hintergrund erstellt.",
    "File": "Datei",
    "Validate and create again": "Erneut prüfen und erstellen",
    "contact person (BR-DE-5)": "Ansprechpartner (BR-DE-5)",
    "phone (BR-DE-6)": "Telefon (BR-DE-6)",
    "e-mail (BR-DE-7)": "E-Mail (BR-DE-7)",
    "IBAN (BR-DE-1, BR-DE-23)": "IBAN (BR-DE-1, BR-DE-23)",
    "Customer %(customer)s receives XRechnung; the company profile lacks: %(missing)s.": "Kunde %(customer)s erhält XRechnungen; im Unternehmensprofil fehlt: %(missing)s.",
    "An XRechnung needs the buyer reference (BT-10, BR-DE-15): the Leitweg-ID or the customer's reference.": "Eine XRechnung braucht die Käuferreferenz (BT-10, BR-DE-15): die Leitweg-ID oder die Referenz des Kunden.",
    "Customer %(customer)s receives XRechnung but has no electronic address with its scheme (BT-49), e.g. the Leitweg-ID with scheme 0204.": "Kunde %(customer)s erhält XRechnungen, hat aber keine elektronische Adresse mit Schema (BT-49), z. B. die Leitweg-ID mit Schema 0204.",
    "Create missing or invalid PDFs and e-invoices": "Fehlende oder ungültige PDFs und E-Rechnungen erstellen",
    "Documents scheduled for %(scheduled)d document(s); %(skipped)d already have theirs or are drafts.": "Dokumente für %(scheduled)d Beleg(e) eingeplant; %(skipped)d haben ihre bereits oder sind Entwürfe.",
    "Registered office": "Sitz der Gesellschaft",
    "Dear %(name)s,": "Guten Tag %(name)s,",
    "Dear Sir or Madam,": "Sehr geehrte Damen und Herren,",
    "If you have any questions, simply reply to this e-mail.": "Bei Fragen antworten Sie einfach auf diese E-Mail.",
    "Kind regards": "Mit freundlichen Grüßen",
    "Invoice %(number)s from %(company)s": "Rechnung %(number)s von %(company)s",
    "Please find attached our invoice %(number)s of %(date)s for %(amount)s.": "anbei erhalten Sie unsere Rechnung %(number)s vom %(date)s über %(amount)s.",
    "Invoice number": "Rechnungsnummer",
    "Please transfer %(amount)s by %(date)s, quoting the invoice number.": "Bitte überweisen Sie %(amount)s bis zum %(date)s unter Angabe der Rechnungsnummer.",
    "If you pay by %(deadline)s, you may deduct %(percent)s early payment discount and pay %(amount)s.": "Bei Zahlung bis zum %(deadline)s dürfen Sie %(percent)s Skonto abziehen; zu zahlen sind dann %(amount)s.",
    "The invoice is attached as a PDF in ZUGFeRD format: the PDF also carries the invoice data as structured XML (EN 16931) for your accounting software.": "Die Rechnung ist als PDF im ZUGFeRD-Format beigefügt: Das PDF enthält die Rechnungsdaten zusätzlich als strukturiertes XML (EN 16931) für Ihre Buchhaltungssoftware.",
    "As required for you, the XRechnung (XML) is attached as well.": "Wie für Sie erforderlich, ist zusätzlich die XRechnung (XML) beigefügt.",
    "Credit note %(number)s from %(company)s": "Rechnungskorrektur %(number)s von %(company)s",
    "Please find attached our credit note %(number)s of %(date)s for %(amount)s, which corrects invoice %(corrected)s.": "anbei erhalten Sie unsere Rechnungskorrektur %(number)s vom %(date)s über %(amount)s zur Rechnung %(corrected)s.",
    "Please find attached our credit note %(number)s of %(date)s for %(amount)s.": "anbei erhalten Sie unsere Rechnungskorrektur %(number)s vom %(date)s über %(amount)s.",
    "Credit note number": "Nummer der Rechnungskorrektur",
    "We credit the amount to your customer account; you need not do anything.": "Wir schreiben den Betrag Ihrem Kundenkonto gut; Sie müssen nichts weiter tun.",
    "The credit note is attached as a PDF in ZUGFeRD format: the PDF also carries the data as structured XML (EN 16931) for your accounting software.": "Die Rechnungskorrektur ist als PDF im ZUGFeRD-Format beigefügt: Das PDF enthält die Daten zusätzlich als strukturiertes XML (EN 16931) für Ihre Buchhaltungssoftware.",
    "Invoice %(number)s: new due date %(date)s": "Rechnung %(number)s: neues Fälligkeitsdatum %(date)s",
    "The due date of our invoice %(number)s has changed: instead of %(old)s, it is now due on %(new)s.": "das Zahlungsziel unserer Rechnung %(number)s hat sich geändert: Statt am %(old)s ist sie nun am %(new)s fällig.",
    "Our invoice %(number)s is now due on %(new)s.": "unsere Rechnung %(number)s ist nun am %(new)s fällig.",
    "Previous due date": "Bisher fällig am",
    "New due date": "Neu fällig am",
    "Please transfer the open amount of %(amount)s by %(date)s, quoting the invoice number.": "Bitte überweisen Sie den offenen Betrag von %(amount)s bis zum %(date)s unter Angabe der Rechnungsnummer.",
    "Curly braces only enclose a placeholder name, e.g. {number}; write {{ or }} for a brace. Available: %s": "Geschweifte Klammern umschließen nur einen Platzhalternamen, z. B. {number}; für eine Klammer schreiben Sie {{ oder }}. Verfügbar: %s",
    "Unknown placeholder %(unknown)s. Available for this template: %(available)s": "Unbekannter Platzhalter %(unknown)s. Für diese Vorlage verfügbar: %(available)s",
    "Unknown template; choose one of: %s": "Unbekannte Vorlage; wählen Sie eine von: %s",
    "Unknown language; choose one of: %s": "Unbekannte Sprache; wählen Sie eine von: %s",
    "The subject is one line.": "Der Betreff besteht aus einer Zeile.",
    "Customer %(number)s %(name)s has no contact who receives invoices with a valid e-mail address. Add an e-mail address to a contact and tick “receives invoices”, or send the document by hand.": "Kunde %(number)s %(name)s hat keinen Kontakt mit gültiger E-Mail-Adresse, der Rechnungen erhält. Tragen Sie bei einem Kontakt eine E-Mail-Adresse ein und setzen Sie „erhält Rechnungen“, oder versenden Sie das Dokument von Hand.",
    "Only issued documents are sent; %(document)s is %(status)s.": "Nur ausgestellte Dokumente werden versendet; %(document)s ist %(status)s.",
    "this draft": "dieser Entwurf",
    "%(document)s was already e-mailed on %(date)s (%(status)s); use “send again” to send it once more.": "%(document)s wurde bereits am %(date)s per E-Mail verschickt (%(status)s); mit „Erneut senden“ verschicken Sie es noch einmal.",
    "%(document)s was not e-mailed: send it by hand": "%(document)s wurde nicht per E-Mail verschickt: bitte von Hand versenden",
    "The customer wants invoices by e-mail, but the message could not be queued: %(problems)s": "Der Kunde wünscht Rechnungen per E-Mail, die Nachricht konnte aber nicht eingeplant werden: %(problems)s",
    "Tell the customer about the new due date of %(document)s": "Dem Kunden das neue Fälligkeitsdatum von %(document)s mitteilen",
    "The notice could not be e-mailed: %(problems)s": "Die Mitteilung konnte nicht per E-Mail verschickt werden: %(problems)s",
    "Preview": "Vorschau",
    "Envelope": "Umschlag",
    "Content": "Inhalt",
    "Delivery": "Zustellung",
    "actions": "Aktionen",
    "Send again": "Erneut senden",
    "What the provider's log shows": "Was das Protokoll des Anbieters zeigt",
    "Mark as sent (checked in provider log)": "Als gesendet markieren (im Protokoll des Anbieters geprüft)",
    "Why it must not go out": "Warum sie nicht hinausgehen darf",
    "Cancel sending": "Versand abbrechen",
    "Send selected messages again": "Ausgewählte Nachrichten erneut senden",
    "%(count)d message(s) queued again.": "%(count)d Nachricht(en) erneut eingeplant.",
    "No such message.": "Diese Nachricht gibt es nicht.",
    "No such attachment.": "Diesen Anhang gibt es nicht.",
    "The message is queued again as a new message.": "Die Nachricht ist als neue Nachricht erneut eingeplant.",
    "The message is recorded as sent.": "Die Nachricht ist als gesendet vermerkt.",
    "The message is cancelled; it will not be sent.": "Die Nachricht ist abgebrochen; sie wird nicht gesendet.",
    "Subject, recipient, Message-ID or provider message id, customer name or number.": "Betreff, Empfänger, Message-ID oder Nachrichten-ID des Anbieters, Kundenname oder -nummer.",
    "Empty: the shipped subject. Placeholders such as {number} are filled per language.": "Leer: der mitgelieferte Betreff. Platzhalter wie {number} werden je Sprache ausgefüllt.",
    "Empty: the shipped opening text. Placeholders: {contact_name}, {number}, {amount}, …": "Leer: der mitgelieferte Einleitungstext. Platzhalter: {contact_name}, {number}, {amount}, …",
    "%(document)s is queued for sending to %(recipients)s.": "%(document)s ist zum Versand an %(recipients)s eingeplant.",
    "%(invoice)s is now due on %(date)s; the notice to the customer is queued for sending.": "%(invoice)s ist nun am %(date)s fällig; die Mitteilung an den Kunden ist zum Versand eingeplant.",
    "%(invoice)s is now due on %(date)s; the notice could not be e-mailed: a follow-up task is open.": "%(invoice)s ist nun am %(date)s fällig; die Mitteilung konnte nicht per E-Mail verschickt werden: eine Folgeaufgabe ist offen.",
    "E-mails to the customer": "E-Mails an den Kunden",
    "Sent": "Gesendet",
    "Delivered": "Zugestellt",
    "Send invoice": "Rechnung senden",
    "e-mail sender name": "Absendername für E-Mails",
    "e-mail sender address": "Absenderadresse für E-Mails",
    "empty: DEFAULT_FROM_EMAIL": "leer: DEFAULT_FROM_EMAIL",
    "reply-to address": "Antwortadresse",
    "where customers' replies go (the inbound address of your e-mail provider)": "wohin Antworten der Kunden gehen (die Eingangsadresse Ihres E-Mail-Dienstleisters)",
    "BCC archive address": "BCC-Archivadresse",
    "every customer e-mail is copied here": "jede E-Mail an Kunden geht in Kopie hierher",
    "cc": "Cc",
    "bcc": "Bcc",
    "reply to": "Antwort an",
    "resend of": "erneuter Versand von",
    "HTML body": "HTML-Text",
    "text body": "Nur-Text",
    "attachments": "Anhänge",
    "invoice delivery": "Rechnungsversand",
    "by e-mail, automatically when issued": "per E-Mail, automatisch bei Ausstellung",
    "sent by hand (post, portal)": "von Hand (Post, Portal)",
    "e-mail invalid since": "E-Mail-Adresse ungültig seit",
    "why the e-mail is invalid": "warum die E-Mail-Adresse ungültig ist",
    "e.g. invoice, credit_note, due_date_changed": "z. B. invoice, credit_note, due_date_changed",
    "Message-ID": "Message-ID",
    "provider": "Dienstleister",
    "provider message id": "Nachrichten-ID beim Dienstleister",
    "cause": "Anlass",
    "what made us write, e.g. 'invoice issued'": "warum wir geschrieben haben, z. B. „Rechnung ausgestellt“",
    "handed to the provider at": "an den Dienstleister übergeben um",
    "delivered": "zugestellt",
    "first opened": "zuerst geöffnet",
    "bounced": "unzustellbar",
    "outgoing message": "ausgehende Nachricht",
    "outbox": "Postausgang",
    "content type": "Inhaltstyp",
    "document": "Dokument",
    "attachment": "Anhang",
    "provider event id": "Ereignis-ID beim Dienstleister",
    "message event": "Nachrichtenereignis",
    "message events": "Nachrichtenereignisse",
    "reply address of our message": "Antwortadresse unserer Nachricht",
    "In-Reply-To / References of our message": "In-Reply-To / References unserer Nachricht",
    "sender is a known contact": "Absender ist ein bekannter Ansprechpartner",
    "not matched": "nicht zugeordnet",
    "contact": "Ansprechpartner",
    "matched by": "zugeordnet über",
    "sender name": "Name des Absenders",
    "headers": "Kopfzeilen",
    "received": "empfangen",
    "incoming message": "eingehende Nachricht",
    "incoming messages": "eingehende Nachrichten",
    "opening text": "Einleitungstext",
    "updated by": "geändert von",
    "message wording": "Nachrichtentexte",
    "[shortened: the message was longer]": "[gekürzt: die Nachricht war länger]",
    "unreadable": "unlesbar",
    "more than %(count)d attachments": "mehr als %(count)d Anhänge",
    "larger than %(size)s": "größer als %(size)s",
    "all attachments together larger than %(size)s": "alle Anhänge zusammen größer als %(size)s",
    "Attachments not stored: %(list)s": "Nicht gespeicherte Anhänge: %(list)s",
    "E-mail from %(sender)s matches no customer: %(subject)s": "E-Mail von %(sender)s passt zu keinem Kunden: %(subject)s",
    "Assign it to a customer or discard it. From %(sender)s.": "Einem Kunden zuordnen oder verwerfen. Von %(sender)s.",
    "Reply from %(customer)s about %(invoice)s: %(subject)s": "Antwort von %(customer)s zu %(invoice)s: %(subject)s",
    "E-mail from %(customer)s: %(subject)s": "E-Mail von %(customer)s: %(subject)s",
    "From %(sender)s, received %(received)s.": "Von %(sender)s, empfangen %(received)s.",
    "An automatic answer (e.g. out of office).": "Eine automatische Antwort (z. B. Abwesenheitsnotiz).",
    "Every recipient needs an e-mail address.": "Jeder Empfänger braucht eine E-Mail-Adresse.",
    "%(email)s is marked undeliverable since %(date)s (%(reason)s); correct the contact first.": "%(email)s ist seit %(date)s als unzustellbar markiert (%(reason)s); korrigieren Sie zuerst den Ansprechpartner.",
    "no reason recorded": "kein Grund erfasst",
    "No recipient: give %(customer)s a contact with an e-mail address that receives this mail.": "Kein Empfänger: Legen Sie für %(customer)s einen Ansprechpartner mit E-Mail-Adresse an, der diese Post erhält.",
    "The subject must not be empty.": "Der Betreff darf nicht leer sein.",
    "The text body must not be empty.": "Der Text darf nicht leer sein.",
    "Unknown language %(language)s.": "Unbekannte Sprache %(language)s.",
    "Name the template the message was rendered from.": "Nennen Sie die Vorlage, aus der die Nachricht erstellt wurde.",
    "%(file)s: the stored file no longer matches its SHA-256; it was not sent.": "%(file)s: die gespeicherte Datei stimmt nicht mehr mit ihrem SHA-256 überein; sie wurde nicht versendet.",
    "Refused by the provider: %(refused)s": "Vom Dienstleister abgelehnt: %(refused)s",
    "E-mail could not be sent: %(subject)s": "E-Mail konnte nicht versendet werden: %(subject)s",
    "%(recipients)s: %(error)s\\nCorrect the address or the cause, then send the message again.": "%(recipients)s: %(error)s\\nKorrigieren Sie die Adresse oder die Ursache und senden Sie die Nachricht erneut.",
    "Still being handed to the provider since %(at)s.": "Wird seit %(at)s an den Dienstleister übergeben.",
    "Check whether this e-mail was sent: %(subject)s": "Prüfen, ob diese E-Mail versendet wurde: %(subject)s",
    "Sending to %(recipients)s stopped during the hand-off to %(provider)s at %(at)s, so it is not known whether it went out. It is not sent again automatically. Look for Message-ID %(message_id)s in the provider's log, then mark the message as sent or send it again.": "Der Versand an %(recipients)s brach während der Übergabe an %(provider)s um %(at)s ab; ob die E-Mail hinausging, ist unbekannt. Sie wird nicht automatisch erneut versendet. Suchen Sie die Message-ID %(message_id)s im Protokoll des Dienstleisters und markieren Sie die Nachricht dann als versendet oder senden Sie sie erneut.",
    "the mail provider": "den E-Mail-Dienstleister",
    "Only a message whose hand-off stopped (sending for more than %(minutes)s minutes) can be marked as sent; this one is %(status)s.": "Nur eine Nachricht, deren Übergabe abbrach (seit mehr als %(minutes)s Minuten im Versand), kann als versendet markiert werden; diese ist %(status)s.",
    "Say what the provider's log shows.": "Geben Sie an, was das Protokoll des Dienstleisters zeigt.",
    "Only a queued message or one whose hand-off stopped can be cancelled; this one is %(status)s.": "Nur eine wartende Nachricht oder eine mit abgebrochener Übergabe kann storniert werden; diese ist %(status)s.",
    "Give a reason.": "Geben Sie einen Grund an.",
    "A %(status)s message cannot be sent again yet.": "Eine Nachricht im Status %(status)s kann noch nicht erneut versendet werden.",
    "sent again (#%(id)s) by %(user)s": "erneut versendet (#%(id)s) von %(user)s",
    "%(email)s marked our e-mail as spam: check the address": "%(email)s hat unsere E-Mail als Spam markiert: Adresse prüfen",
    "E-mail to %(email)s bounced: correct the address": "E-Mail an %(email)s unzustellbar: Adresse korrigieren",
    "Provider refused the e-mail to %(email)s: check the provider": "Der Dienstleister hat die E-Mail an %(email)s abgelehnt: Dienstleister prüfen",
    'The message \\"%(subject)s\\" could not be delivered to %(email)s (%(reason)s). The address receives no more e-mail until it is corrected; then send the message again.': "Die Nachricht „%(subject)s“ konnte nicht an %(email)s zugestellt werden (%(reason)s). Die Adresse erhält keine E-Mails mehr, bis sie korrigiert ist; senden Sie die Nachricht danach erneut.",
    "delivered to %(email)s": "zugestellt an %(email)s",
    "E-mail to customers": "E-Mails an Kunden",
    "empty: all that is unapplied": "leer: der gesamte nicht zugeordnete Betrag",
    "channel": "Zahlungsweg",
    "reference": "Referenz",
    "return code": "Rückgabegrund (Code)",
    "e.g. SEPA AC04, MD06": "z. B. SEPA AC04, MD06",
    "unallocated": "nicht zugeordnet",
    "with unapplied money": "mit nicht zugeordnetem Betrag",
    "with customer credit": "mit Guthaben des Kunden",
    "fully applied": "vollständig zugeordnet",
    "reversed on %(date)s: %(reason)s": "aufgehoben am %(date)s: %(reason)s",
    "applied to": "zugeordnet zu",
    "Reverse": "Aufheben",
    "Payer": "Zahler",
    "Parts": "Aufteilung",
    "Customer account": "Kundenkonto",
    "allocated": "zugeordnet",
    "customer credit": "Guthaben des Kunden",
    "unapplied": "nicht zugeordnet",
    "refunded / returned": "erstattet / zurückgebucht",
    "Allocate": "Zuordnen",
    "Keep as credit": "Als Guthaben führen",
    "Refund": "Erstatten",
    "Return": "Zurückbuchen",
    "No such payment.": "Diese Zahlung gibt es nicht.",
    "The money is kept as the customer's credit.": "Der Betrag wird als Guthaben des Kunden geführt.",
    "Unapplied money becomes the customer's credit: applied to later invoices or refunded.": "Der nicht zugeordnete Betrag wird zum Guthaben des Kunden: Er wird mit späteren Rechnungen verrechnet oder erstattet.",
    "The refund is recorded.": "Die Erstattung ist erfasst.",
    "Record refund": "Erstattung erfassen",
    "Only the customer's credit can be refunded.": "Nur das Guthaben des Kunden kann erstattet werden.",
    "The payment is returned; its invoices are open again.": "Die Zahlung ist zurückgebucht; die zugehörigen Rechnungen sind wieder offen.",
    "Record return": "Rückbuchung erfassen",
    "The money came back (e.g. a direct-debit return): every allocation is reversed.": "Das Geld ist zurückgeflossen (z. B. Rücklastschrift): Alle Zuordnungen werden aufgehoben.",
    "The allocation is reversed.": "Die Zuordnung ist aufgehoben.",
    "Reverse allocation of %(amount)s to %(target)s": "Zuordnung von %(amount)s zu %(target)s aufheben",
    "The money goes back to the payment; the item is open again.": "Der Betrag geht an die Zahlung zurück; der Posten ist wieder offen.",
    "Assign the payment to a customer first.": "Ordnen Sie die Zahlung zuerst einem Kunden zu.",
    "Enter an amount, e.g. 119.00.": "Geben Sie einen Betrag ein, z. B. 119,00.",
    "Enter an amount above zero.": "Geben Sie einen Betrag größer als null ein.",
    "Enter an amount for at least one item.": "Geben Sie für mindestens einen Posten einen Betrag ein.",
    "The payment is allocated.": "Die Zahlung ist zugeordnet.",
    "Allocate %(amount)s": "%(amount)s zuordnen",
    "Account of %(customer)s": "Konto von %(customer)s",
    "Enter the period as dates, e.g. 2026-11-01.": "Geben Sie den Zeitraum als Datum ein, z. B. 2026-11-01.",
    "The period starts after it ends.": "Der Zeitraum beginnt nach seinem Ende.",
    "bank transfer": "Überweisung",
    "SEPA direct debit": "SEPA-Lastschrift",
    "card / online payment": "Karte / Online-Zahlung",
    "cash": "bar",
    "cheque": "Scheck",
    "other": "sonstige",
    "entered by hand": "manuell erfasst",
    "bank statement": "Kontoauszug",
    "payment provider": "Zahlungsdienstleister",
    "empty while the payer is not known": "leer, solange der Zahler nicht bekannt ist",
    "source": "Herkunft",
    "value date": "Wertstellung",
    "payer": "Zahler",
    "payer IBAN": "IBAN des Zahlers",
    "remittance information": "Verwendungszweck",
    "external id": "externe ID",
    "bank reference or provider id": "Bankreferenz oder ID beim Zahlungsdienstleister",
    "refunded": "erstattet",
    "returned": "zurückgebucht",
    "payment": "Zahlung",
    "payments": "Zahlungen",
    "dunning fee": "Mahngebühr",
    "return fee": "Rücklastschriftgebühr",
    "other costs": "sonstige Kosten",
    "default interest": "Verzugszinsen",
    "the invoice the fee or interest arose from": "die Rechnung, aus der die Gebühr oder die Zinsen entstanden sind",
    "open item": "offener Posten",
    "chosen by a person": "manuell gewählt",
    "designated by the payer (remittance)": "vom Zahler bestimmt (Verwendungszweck)",
    "by law: § 367 and § 366 (2) BGB": "gesetzlich: § 367 und § 366 Abs. 2 BGB",
    "bank statement matching": "Kontoauszugsabgleich",
    "applied by": "zugeordnet nach",
    "explanation": "Erläuterung",
    "reversed": "aufgehoben",
    "reversed by": "aufgehoben von",
    "reason for reversal": "Begründung der Aufhebung",
    "allocation": "Zuordnung",
    "allocations": "Zuordnungen",
    "discount (gross)": "Skonto (brutto)",
    "VAT correction per rate": "USt-Korrektur je Steuersatz",
    "early payment discount": "Skonto",
    "write-off": "Ausbuchung",
    "write-offs": "Ausbuchungen",
    "refund": "Erstattung",
    "refunds": "Erstattungen",
    "recorded": "erfasst",
    "status changed": "Status geändert",
    "allocation reversed": "Zuordnung aufgehoben",
    "kept as customer credit": "als Guthaben des Kunden geführt",
    "difference written off": "Differenz ausgebucht",
    "payment event": "Zahlungsereignis",
    "payment events": "Zahlungsereignisse",
    "By law: § 367 (1) BGB costs, then interest, then principal; within each § 366 (2) BGB due before not yet due, then (security and burden cannot be seen from the data) the older first by due date and invoice date, equal age pro rata.": "Gesetzlich: nach § 367 Abs. 1 BGB zuerst Kosten, dann Zinsen, dann Hauptforderung; innerhalb jeder Gruppe nach § 366 Abs. 2 BGB fällige vor noch nicht fälligen Forderungen, dann (Sicherheit und Lästigkeit sind aus den Daten nicht ersichtlich) die ältere zuerst nach Fälligkeit und Rechnungsdatum, bei gleichem Alter anteilig.",
    "Name exactly one invoice or open item.": "Geben Sie genau eine Rechnung oder einen offenen Posten an.",
    "Only completed payments can be allocated; this one is %(s)s.": "Nur abgeschlossene Zahlungen können zugeordnet werden; diese ist %(s)s.",
    "No such invoice or open item.": "Diese Rechnung oder diesen offenen Posten gibt es nicht.",
    "%(amount)s exceeds the open amount %(open)s.": "%(amount)s übersteigt den offenen Betrag von %(open)s.",
    "unapplied amount": "nicht zugeordneter Betrag",
    "%(total)s exceeds the payment's %(source)s of %(available)s.": "%(total)s übersteigt den verfügbaren Betrag der Zahlung (%(source)s: %(available)s).",
    "Name at least one invoice or open item.": "Geben Sie mindestens eine Rechnung oder einen offenen Posten an.",
    "Give a reason for the reversal.": "Geben Sie eine Begründung für die Aufhebung an.",
    "This allocation has already been reversed.": "Diese Zuordnung wurde bereits aufgehoben.",
    "This would leave a negative open amount.": "Dadurch entstünde ein negativer offener Betrag.",
    "A credit note cannot receive a payment; %(n)s is one.": "Einer Rechnungskorrektur kann keine Zahlung zugeordnet werden; %(n)s ist eine.",
    "Only issued invoices can be paid; %(n)s is %(status)s.": "Nur ausgestellte Rechnungen können bezahlt werden; %(n)s ist %(status)s.",
    "The open item %(n)s is cancelled.": "Der offene Posten %(n)s ist storniert.",
    "%(n)s belongs to another customer.": "%(n)s gehört zu einem anderen Kunden.",
    "Currency mismatch: %(n)s is in %(target)s, the money in %(source)s.": "Abweichende Währung: %(n)s lautet auf %(target)s, der Betrag auf %(source)s.",
    "Enter an amount.": "Geben Sie einen Betrag ein.",
    "The amount must be above zero.": "Der Betrag muss größer als null sein.",
    "The amount has more decimals than %(currency)s allows.": "Der Betrag hat mehr Nachkommastellen, als %(currency)s zulässt.",
    "More than the open amount of %(n)s.": "Mehr als der offene Betrag von %(n)s.",
    "payment allocated": "Zahlung zugeordnet",
    "credit note %(n)s applied": "Rechnungskorrektur %(n)s verrechnet",
    "credit applied to %(n)s": "Guthaben mit %(n)s verrechnet",
    "allocation reversed: %(reason)s": "Zuordnung aufgehoben: %(reason)s",
    "Only completed payments can be kept as credit.": "Nur abgeschlossene Zahlungen können als Guthaben geführt werden.",
    "Nothing of this payment is unapplied.": "Diese Zahlung hat keinen nicht zugeordneten Betrag.",
    "%(a)s exceeds the unapplied amount %(u)s.": "%(a)s übersteigt den nicht zugeordneten Betrag von %(u)s.",
    "customer credit applied": "Guthaben des Kunden verrechnet",
    "Only an issued credit note has credit to apply.": "Nur eine ausgestellte Rechnungskorrektur hat ein Guthaben, das verrechnet werden kann.",
    "%(a)s exceeds the credit note's open credit %(o)s.": "%(a)s übersteigt das offene Guthaben der Rechnungskorrektur von %(o)s.",
    "%(a)s exceeds the open amount %(o)s.": "%(a)s übersteigt den offenen Betrag von %(o)s.",
    "credit of credit note %(n)s": "Guthaben aus Rechnungskorrektur %(n)s",
    "Unknown payment channel %(c)s.": "Unbekannter Zahlungsweg %(c)s.",
    "Only completed payments can be refunded.": "Nur abgeschlossene Zahlungen können erstattet werden.",
    "%(a)s exceeds the customer credit %(c)s.": "%(a)s übersteigt das Guthaben des Kunden von %(c)s.",
    "Unknown payment status %(s)s.": "Unbekannter Zahlungsstatus %(s)s.",
    "Unknown payment source %(s)s.": "Unbekannte Zahlungsherkunft %(s)s.",
    "Enter the value date.": "Geben Sie die Wertstellung ein.",
    "%(c)s is not an ISO 4217 currency code.": "%(c)s ist kein Währungscode nach ISO 4217.",
    "The customer is invoiced in %(customer)s, not %(c)s.": "Der Kunde wird in %(customer)s abgerechnet, nicht in %(c)s.",
    "A different payment with this external id was already recorded for this channel.": "Für diesen Zahlungsweg wurde bereits eine andere Zahlung mit dieser externen ID erfasst.",
    "designated by the payer in the remittance information": "vom Zahler im Verwendungszweck bestimmt",
    "Give a reason for the return.": "Geben Sie eine Begründung für die Rückbuchung an.",
    "Only completed payments can be returned; this one is %(s)s.": "Nur abgeschlossene Zahlungen können zurückgebucht werden; diese ist %(s)s.",
    "payment returned: %(reason)s": "Zahlung zurückgebucht: %(reason)s",
    "Only finance managers may write off differences.": "Nur Finanzverantwortliche dürfen Differenzen ausbuchen.",
    "Give a reason for the write-off.": "Geben Sie eine Begründung für die Ausbuchung an.",
    "%(a)s exceeds the write-off tolerance of %(t)s.": "%(a)s übersteigt die Ausbuchungstoleranz von %(t)s.",
    "The payment belongs to another customer.": "Die Zahlung gehört zu einem anderen Kunden.",
    "written off: %(reason)s": "ausgebucht: %(reason)s",
    "not yet due": "noch nicht fällig",
    "1–30 days": "1–30 Tage",
    "31–60 days": "31–60 Tage",
    "61–90 days": "61–90 Tage",
    "over 90 days": "über 90 Tage",
    "Customer credit": "Guthaben des Kunden",
    "Payment not yet applied": "Noch nicht zugeordnete Zahlung",
    "Account statement": "Kontoauszug",
    "Balance": "Saldo",
    "Open receivables": "Offene Forderungen",
    "Credit": "Guthaben",
    "Customer master data": "Kundenstammdaten",
    "Open items and credits": "Offene Posten und Guthaben",
    "Item": "Posten",
    "Days overdue": "Tage überfällig",
    "Aging": "Fälligkeitsstruktur",
    "Open": "Offen",
    "No open items.": "Keine offenen Posten.",
    "Value date": "Wertstellung",
    "Channel": "Zahlungsweg",
    "Unapplied": "Nicht zugeordnet",
    "No payments yet.": "Noch keine Zahlungen.",
    "From": "Von",
    "To": "Bis",
    "Please correct the errors below.": "Bitte korrigieren Sie die unten aufgeführten Fehler.",
    "Enter the amount for each item this payment settles. All amounts are applied together, or none.": "Geben Sie für jeden Posten, den diese Zahlung ausgleicht, den Betrag ein. Es werden alle Beträge gemeinsam zugeordnet oder keiner.",
    "The customer has no open items in this currency.": "Der Kunde hat keine offenen Posten in dieser Währung.",
    "Recent payments": "Letzte Zahlungen",
    "Statement date": "Datum des Kontoauszugs",
    "Period": "Zeitraum",
    "Your open items as of %(date)s, and the payments and credits of the period.": "Ihre offenen Posten zum %(date)s sowie die Zahlungen und Rechnungskorrekturen im Zeitraum.",
    "Open items": "Offene Posten",
    "Less credit in your favour": "Abzüglich Guthaben zu Ihren Gunsten",
    "Balance in your favour": "Saldo zu Ihren Gunsten",
    "Balance due": "Zu zahlender Saldo",
    "Payments received in the period": "Zahlungseingänge im Zeitraum",
    "Reference": "Referenz",
    "Applied to": "Zugeordnet zu",
    "No payments in the period.": "Keine Zahlungen im Zeitraum.",
    "Credit notes in the period": "Rechnungskorrekturen im Zeitraum",
    "No credit notes in the period.": "Keine Rechnungskorrekturen im Zeitraum.",
    "Please check this statement. If your records differ, let us know within four weeks of its date.": "Bitte prüfen Sie diesen Kontoauszug. Sollten Ihre Unterlagen abweichen, teilen Sie uns dies bitte innerhalb von vier Wochen ab dem Datum des Kontoauszugs mit.",
    "leave empty only if the payer is not known yet": "nur leer lassen, wenn der Zahler noch nicht bekannt ist",
    "empty: the customer's currency": "leer: die Währung des Kunden",
    "invoice numbers named here are settled first": "hier genannte Rechnungsnummern werden zuerst ausgeglichen",
    "bank reference or receipt number; the same one twice is recorded once": "Bankreferenz oder Belegnummer; dieselbe zweimal wird nur einmal erfasst",
    "allocate automatically": "automatisch zuordnen",
    "first the invoices named in the remittance information, the rest by law (§§ 366, 367 BGB)": "zuerst die im Verwendungszweck genannten Rechnungen, der Rest nach Gesetz (§§ 366, 367 BGB)",
    "Record payment": "Zahlung erfassen",
    "Money received by hand, by cheque, by card or seen in online banking. Bank statements and payment providers record their payments themselves.": "Bar, per Scheck, per Karte oder im Online-Banking eingegangenes Geld. Kontoauszüge und Zahlungsdienstleister erfassen ihre Zahlungen selbst.",
    "This payment was already recorded (same channel and external id).": "Diese Zahlung wurde bereits erfasst (gleicher Zahlungsweg und gleiche externe ID).",
    "The payment of %(amount)s is recorded: %(allocated)s allocated, %(unapplied)s unapplied.": "Die Zahlung über %(amount)s ist erfasst: %(allocated)s zugeordnet, %(unapplied)s nicht zugeordnet.",
    "Account": "Kundenkonto",
    "e.g. bank charges deducted, a few cents short": "z. B. abgezogene Bankgebühren, ein paar Cent zu wenig",
    "The difference is written off.": "Die Differenz ist ausgebucht.",
    "Write off on %(invoice)s": "Ausbuchung auf %(invoice)s",
    "Write off": "Ausbuchen",
    "Open: %(open)s. Up to %(tolerance)s per invoice can be written off, never more than is open.": "Offen: %(open)s. Bis zu %(tolerance)s je Rechnung können ausgebucht werden, nie mehr als offen ist.",
    "e.g. card declined": "z. B. Karte abgelehnt",
    "Assign to customer": "Kunden zuordnen",
    "Arrived": "Eingegangen",
    "The payment has arrived and is applied.": "Die Zahlung ist eingegangen und zugeordnet.",
    "Mark as arrived": "Als eingegangen markieren",
    "The announced payment has arrived: it is completed and applied like a new one.": "Die angekündigte Zahlung ist eingegangen: Sie wird abgeschlossen und wie eine neue zugeordnet.",
    "The payment is marked as failed.": "Die Zahlung ist als fehlgeschlagen markiert.",
    "Mark as failed": "Als fehlgeschlagen markieren",
    "The announced payment did not arrive; nothing was applied, nothing reopens.": "Die angekündigte Zahlung ist nicht eingegangen; nichts wurde zugeordnet, nichts wird wieder geöffnet.",
    "The payment is assigned to the customer.": "Die Zahlung ist dem Kunden zugeordnet.",
    "Assign": "Zuordnen",
    "The payer was not recognised: name the customer; invoices named in the remittance come first.": "Der Zahler wurde nicht erkannt: Nennen Sie den Kunden; im Verwendungszweck genannte Rechnungen werden zuerst ausgeglichen.",
    "Only a pending payment can be completed; this one is %(status)s.": "Nur eine ausstehende Zahlung kann abgeschlossen werden; diese ist %(status)s.",
    "Say why the payment failed.": "Geben Sie an, warum die Zahlung fehlschlug.",
    "Only a pending payment can fail; this one is %(status)s.": "Nur eine ausstehende Zahlung kann fehlschlagen; diese ist %(status)s.",
    "The payment already belongs to a customer.": "Die Zahlung gehört bereits zu einem Kunden.",
    "A %(status)s payment cannot be assigned.": "Eine Zahlung im Status %(status)s kann nicht zugeordnet werden.",
    "assigned to customer %(customer)s": "dem Kunden %(customer)s zugeordnet",
}

QUOTED = r'"(?:[^"\\]|\\.)*"'  # one "..." line of a .po file
ENTRY = re.compile(rf'((?:msgctxt "((?:[^"\\]|\\.)*)"\s*)?msgid ((?:{QUOTED}\s*)+)msgstr ((?:{QUOTED}\s*)+))')
# Words whose German depends on what they describe (pgettext contexts): a cancelled invoice is
# "storniert", a cancelled job "abgebrochen".
DE_IN_CONTEXT = {
    ("document status", "cancelled"): "storniert",
    ("document status", "issued"): "ausgestellt",
    ("notice status", "pending"): "ausstehend",
    ("notice status", "sent"): "versendet",
    ("notice status", "cancelled"): "verworfen",
    ("document column", "VAT"): "USt.",
    ("documents", "being created"): "wird erstellt",
    ("documents", "ready"): "bereit",
    ("documents", "e-invoice invalid"): "E-Rechnung ungültig",
    ("e-mail", "Subject"): "Betreff",
    ("e-mail", "To"): "An",
    ("message status", "queued"): "wartend",
    ("message status", "sending"): "wird versendet",
    ("message status", "sent"): "versendet",
    ("message status", "delivered"): "zugestellt",
    ("message status", "bounced"): "unzustellbar",
    ("message status", "failed"): "fehlgeschlagen",
    ("message status", "cancelled"): "storniert",
    ("message event", "queued"): "eingereiht",
    ("message event", "handed to the provider"): "an den Dienstleister übergeben",
    ("message event", "accepted by the provider"): "vom Dienstleister angenommen",
    ("message event", "delayed"): "verzögert",
    ("message event", "delivered"): "zugestellt",
    ("message event", "bounced"): "unzustellbar",
    ("message event", "rejected"): "abgelehnt",
    ("message event", "marked as spam"): "als Spam markiert",
    ("message event", "opened"): "geöffnet",
    ("message event", "link clicked"): "Link geklickt",
    ("message event", "failed"): "fehlgeschlagen",
    ("message event", "outcome unknown (crash during hand-off)"): "Ergebnis unbekannt (Abbruch bei der Übergabe)",
    ("message event", "cancelled"): "storniert",
    ("message event", "other"): "sonstiges",
    ("invoice event", "sent by e-mail"): "per E-Mail versendet",
    ("invoice event", "delivered (received)"): "zugestellt (zugegangen)",
    ("payment status", "pending"): "ausstehend",
    ("payment status", "completed"): "abgeschlossen",
    ("payment status", "failed"): "fehlgeschlagen",
    ("payment status", "returned"): "zurückgebucht",
    ("payment status", "refunded"): "erstattet",
}


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
        rf"^#, fuzzy(?:, [\w-]+)*\n((?:#.*\n)*(?:msgctxt .*\n)?msgid ((?:{QUOTED}\s*)+?)\s*)(msgstr (?:{QUOTED}\s*)+)",
        unfuzzy,
        text,
        flags=re.MULTILINE,
    )
    missing = []

    def fill(match):
        context, msgid, msgstr = match.group(2), join(match.group(3)), join(match.group(4))
        if not msgid or msgstr:
            return match.group(1)
        wording = DE_IN_CONTEXT.get((context, msgid)) if context is not None else DE.get(msgid)
        if wording is None:
            missing.append(f"{context}|{msgid}" if context else msgid)
            return match.group(1)
        prefix = f'msgctxt "{context}"\n' if context is not None else ""
        return f'{prefix}msgid {match.group(3).rstrip()}\nmsgstr "{wording}"\n\n'

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
