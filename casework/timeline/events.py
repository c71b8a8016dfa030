"""Replies on the timeline: a received e-mail becomes a ``reply.received`` event of its customer.

The outbox stores inbound mail (``communications.services.inbound``) and tells the apps above it
through its ``reply`` reaction, in the transaction that stored the mail; this reaction writes the
event there, so the timeline (which reads only the event log) shows every reply exactly once. The
data holds ids and the match only: the sender, subject and text stay in the stored message (and
the data-protection work clears them there).
"""

from django.utils.translation import gettext_noop

from communications.registry import reaction
from core.event_sentences import register_event_sentences
from core.events import event_record, register_event_types

register_event_types("reply.received")
register_event_sentences({"reply.received": gettext_noop("Reply received from the customer")})


@reaction("reply")
def reply_on_timeline(*, inbound, subjects, as_of) -> None:
    if inbound.customer_id is None:
        return  # no customer matched: nothing to show on a timeline
    event_record(
        type="reply.received",
        obj=inbound,
        customer_id=inbound.customer_id,
        data={"in_reply_to": inbound.in_reply_to_id, "matched_by": inbound.matched_by},
        at=inbound.received_at,
    )
