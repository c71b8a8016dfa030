"""The data-protection work's event types. Their data holds ids, counts, dates and source names,
never the person's data (the requests they record are about exactly that)."""

from django.utils.translation import gettext_noop

from core.event_sentences import EventSentence, register_event_sentences
from core.events import register_event_types

register_event_types(
    "privacy.request_received",
    "privacy.exported",
    "privacy.erased",
    "privacy.restricted",
    "privacy.rejected",
    "privacy.retention_changed",
)

register_event_sentences(
    {
        "privacy.request_received": gettext_noop("Data-protection request received"),
        "privacy.exported": gettext_noop("Personal data exported (access request)"),
        "privacy.erased": gettext_noop("Personal data erased (erasure request)"),
        "privacy.restricted": EventSentence(
            gettext_noop("Personal data kept under retention, processing restricted"),
            (gettext_noop("Personal data kept under retention until %(until)s, processing restricted"),),
        ),
        "privacy.rejected": gettext_noop("Data-protection request rejected"),
        "privacy.retention_changed": gettext_noop("Retention periods changed"),
    }
)
