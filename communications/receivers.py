"""anymail's webhook signals, handed to the communications services (thin: no rules here).

anymail has authenticated the webhook (basic auth, Mailgun's signature) and normalised the
provider's payload before it sends these signals. An exception here answers 500 and the provider
retries later, which is what we want for a database hiccup; an event for a message that is not
ours returns quietly (200), so the provider does not retry it forever.

Everything a webhook changes is logged with the provider and its event id as the actor
(core.events). Task titles are written in the site language (settings.LANGUAGE_CODE): the provider's request
carries no user's language.
"""

from anymail.signals import inbound, tracking
from django.conf import settings
from django.dispatch import receiver
from django.utils import timezone, translation

from core.events import actor_for_provider

from .services.inbound import inbound_receive
from .services.tracking import message_track


@receiver(tracking, dispatch_uid="communications.receivers.on_tracking")
def on_tracking(sender, event, esp_name: str, **kwargs) -> None:
    with translation.override(settings.LANGUAGE_CODE), actor_for_provider(esp_name, event.event_id or ""):
        message_track(
            provider=esp_name,
            event_type=event.event_type,
            message_id=event.message_id or "",
            metadata=event.metadata or {},
            timestamp=event.timestamp,
            event_id=event.event_id or "",
            recipient=event.recipient or "",
            description=event.description or "",
            mta_response=event.mta_response or "",
            reject_reason=event.reject_reason,
            raw=event.esp_event,
            as_of=timezone.now(),
        )


@receiver(inbound, dispatch_uid="communications.receivers.on_inbound")
def on_inbound(sender, event, esp_name: str, **kwargs) -> None:
    with translation.override(settings.LANGUAGE_CODE), actor_for_provider(esp_name, event.event_id or ""):
        inbound_receive(
            provider=esp_name,
            message=event.message,
            provider_message_id=event.event_id or "",
            as_of=timezone.now(),
        )
