"""The sepa app's event types (written directly by its services) and their sentences."""

from django.utils.translation import gettext_noop

from core.event_sentences import EventSentence, register_event_sentences
from core.events import register_event_types

register_event_types(
    "mandate.created",
    "mandate.amended",
    "mandate.marked_final",
    "mandate.revoked",
    "mandate.expired",
    "sepa_batch.created",
    "sepa_batch.submitted",
    "sepa_batch.cancelled",
    "sepa_item.created",
    "sepa_item.cancelled",
)

register_event_sentences(
    {
        "mandate.created": EventSentence(
            gettext_noop("SEPA mandate created"), (gettext_noop("SEPA mandate %(reference)s created"),)
        ),
        "mandate.amended": EventSentence(
            gettext_noop("SEPA mandate amended"), (gettext_noop("SEPA mandate %(reference)s amended"),)
        ),
        "mandate.marked_final": EventSentence(
            gettext_noop("SEPA mandate marked for a final collection"),
            (gettext_noop("SEPA mandate %(reference)s marked for a final collection"),),
        ),
        "mandate.revoked": EventSentence(
            gettext_noop("SEPA mandate revoked"), (gettext_noop("SEPA mandate %(reference)s revoked"),)
        ),
        "mandate.expired": EventSentence(
            gettext_noop("SEPA mandate expired (36 months without a collection)"),
            (gettext_noop("SEPA mandate %(reference)s expired (36 months without a collection)"),),
        ),
        "sepa_batch.created": EventSentence(
            gettext_noop("SEPA file created"),
            (
                gettext_noop(
                    "SEPA file %(message_id)s created: %(item_count)s items, %(total)s, for %(requested_date)s"
                ),
            ),
        ),
        "sepa_batch.submitted": EventSentence(
            gettext_noop("SEPA file submitted to the bank"),
            (gettext_noop("SEPA file %(message_id)s submitted to the bank"),),
        ),
        "sepa_batch.cancelled": EventSentence(
            gettext_noop("SEPA file cancelled"), (gettext_noop("SEPA file %(message_id)s cancelled"),)
        ),
        "sepa_item.created": EventSentence(
            gettext_noop("Put in a SEPA file"),
            (
                gettext_noop("Invoice %(invoice_number)s: %(amount)s to be collected on %(requested_date)s"),
                gettext_noop("%(amount)s to be refunded by bank transfer on %(requested_date)s"),
            ),
        ),
        "sepa_item.cancelled": EventSentence(
            gettext_noop("Taken out of a SEPA file"), (gettext_noop("%(amount)s taken out of a SEPA file"),)
        ),
    }
)
