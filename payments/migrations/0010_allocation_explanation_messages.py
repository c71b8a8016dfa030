"""Issue 13: explanations stored as messages, worded when read (core.messages).

What changes in stored data:

- ``Allocation.explanation_messages`` (new): why the money went where it did, as
  ``[{"code", "params"}]``. Every existing non-empty ``Allocation.explanation`` is moved there,
  wrapped as ``{"code": "payments.text", "params": {"text": <old text>}}`` (shown as it was written),
  and the column is emptied; from now on it holds only what a person typed.
- ``BankLineMatch.signals``: new rows store ``{"code", "weight", "message", "params"}``. Old
  signals ``{"code", "weight", "detail"}`` whose detail carries no parameters (e.g. "amount equals
  the open amount", "bank charges", "outgoing payment", in English or German) get their message
  code; the others keep their ``detail``, which is shown as the fallback. Nothing is deleted.
"""

from django.db import migrations, models

TEXT = "payments.text"

# Old details without parameters, in English and German, and the message each one is.
PLAIN = {
    "amount equals the open amount": "bank.match.amount_exact",
    "Betrag entspricht dem offenen Betrag": "bank.match.amount_exact",
    "amount equals the sum of the open amounts": "bank.match.sum_exact",
    "Betrag entspricht der Summe der offenen Beträge": "bank.match.sum_exact",
    "amount equals the sum of the amounts to pay with early payment discount": "bank.match.sum_skonto",
    "Betrag entspricht der Summe der Zahlbeträge mit Skonto": "bank.match.sum_skonto",
    "no open invoice of the customer fits; record as a payment of the customer": "bank.match.customer_only",
    "keine offene Rechnung des Kunden passt; als Zahlung des Kunden erfassen": "bank.match.customer_only",
    "the bank marks this credit as the reversal of an earlier debit (for example a refund that came back): check "
    "before applying": "bank.match.reversal",
    "die Bank kennzeichnet diese Gutschrift als Storno einer früheren Belastung (zum Beispiel einer "
    "zurückgekommenen Erstattung): vor dem Zuordnen prüfen": "bank.match.reversal",
    "bank charges": "bank.debit.charges",
    "Bankgebühren": "bank.debit.charges",
    "outgoing payment": "bank.debit.outgoing",
    "Zahlungsausgang": "bank.debit.outgoing",
    "chosen by hand": "bank.return.by_hand",
    "von Hand ausgewählt": "bank.return.by_hand",
}


def forwards(apps, schema_editor):
    Allocation = apps.get_model("payments", "Allocation")
    for allocation in Allocation.objects.exclude(explanation="").only("id", "explanation").iterator():
        allocation.explanation_messages = [{"code": TEXT, "params": {"text": allocation.explanation}}]
        allocation.explanation = ""
        allocation.save(update_fields=["explanation_messages", "explanation"])
    BankLineMatch = apps.get_model("payments", "BankLineMatch")
    for match in BankLineMatch.objects.exclude(signals=[]).only("id", "signals").iterator():
        changed = False
        for signal in match.signals:
            code = PLAIN.get(signal.get("detail", ""))
            if code and not signal.get("message"):
                signal["message"], signal["params"] = code, {}
                changed = True
        if changed:
            match.save(update_fields=["signals"])


def backwards(apps, schema_editor):
    Allocation = apps.get_model("payments", "Allocation")
    for allocation in Allocation.objects.exclude(explanation_messages=[]).iterator():
        texts = [m["params"].get("text", "") for m in allocation.explanation_messages if m.get("code") == TEXT]
        if texts and not allocation.explanation:
            allocation.explanation = "; ".join(texts)[:500]
            allocation.save(update_fields=["explanation"])


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0009_statement_messages_only"),
    ]

    operations = [
        migrations.AddField(
            model_name="allocation",
            name="explanation_messages",
            field=models.JSONField(blank=True, default=list, verbose_name="explanation"),
        ),
        migrations.AlterField(
            model_name="allocation",
            name="explanation",
            field=models.CharField(blank=True, default="", max_length=500, verbose_name="note"),
        ),
        migrations.RunPython(forwards, backwards),
    ]
