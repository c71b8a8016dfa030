"""Who changed a history-recording model (django-simple-history), for every such model.

simple-history takes the actor from the request (its middleware) unless a service set
``instance._history_user``. An API call authenticates as an API key, which is no ``User``:
handed to ``history_user`` it raised ValueError and the whole write answered 500. Every
``HistoricalRecords`` therefore uses :func:`history_user` (``HistoricalRecords(get_user=history_user)``;
tests/test_api_writes.py checks that no model forgets it), and a write through an API key is
recorded without a user, naming the key in ``history_change_reason`` as ``api-key:<prefix>``
(a code, worded when read: :func:`history_actor`).
"""

from __future__ import annotations

from django.dispatch import receiver
from django.utils.translation import pgettext
from simple_history.models import HistoricalRecords
from simple_history.signals import pre_create_historical_record

API_KEY_REASON_PREFIX = "api-key:"


def _api_key_of(user):
    from core.api.authentication import ApiKeyPrincipal  # the API layer imports models; import late

    return user.api_key if isinstance(user, ApiKeyPrincipal) else None


def history_user(request=None, **kwargs):
    """The signed-in person making the change, or None (an API key, a job, no request)."""
    user = getattr(request, "user", None)
    if user is None or _api_key_of(user) is not None or not getattr(user, "pk", None):
        return None
    return user


@receiver(pre_create_historical_record, dispatch_uid="core.history.api_key_reason")
def _name_the_api_key(sender, history_instance, **kwargs) -> None:
    if history_instance.history_user_id is not None or history_instance.history_change_reason:
        return
    request = getattr(HistoricalRecords.context, "request", None)
    api_key = _api_key_of(getattr(request, "user", None))
    if api_key is not None:
        history_instance.history_change_reason = f"{API_KEY_REASON_PREFIX}{api_key.prefix}"


def history_actor(record) -> str | None:
    """Who made a history record, for a reader: the user's name, "API key <prefix>" or None."""
    if record.history_user_id is not None and record.history_user is not None:
        return record.history_user.get_username()
    reason = record.history_change_reason or ""
    if reason.startswith(API_KEY_REASON_PREFIX):
        return pgettext("who changed a record", "API key %(prefix)s") % {"prefix": reason[len(API_KEY_REASON_PREFIX) :]}
    return None


# --- The event log from history records ---------------------------------------------------------

HISTORY_EVENT_VERBS = {"+": "created", "~": "changed", "-": "deleted"}


def connect_history_events(model, *, prefix: str, customer_id_of, data_of=None) -> None:
    """Every history record of ``model`` also writes ``<prefix>.created|changed|deleted`` to the
    event log (core.events): changed field *names* only, never the values (a contact's name,
    e-mail or phone stays in the history table, which the data-protection work can clear).
    A save that changed no recorded field writes no event."""
    from simple_history.signals import post_create_historical_record

    from .events import register_event_types

    register_event_types(*(f"{prefix}.{verb}" for verb in HISTORY_EVENT_VERBS.values()))

    def on_history_record(sender, instance, history_instance, **kwargs) -> None:
        from .events import Actor, event_record

        verb = HISTORY_EVENT_VERBS[history_instance.history_type]
        data = dict(data_of(instance)) if data_of is not None else {}
        if verb == "changed":
            previous = history_instance.prev_record
            if previous is not None:
                fields = sorted(history_instance.diff_against(previous).changed_fields)
                if not fields:
                    return
                data["fields"] = fields
        user = history_instance.history_user
        event_record(
            type=f"{prefix}.{verb}",
            obj=instance,
            customer_id=customer_id_of(instance),
            data=data,
            actor=Actor.for_user(user) if user is not None else None,
            at=history_instance.history_date,
        )

    historical_model = getattr(model, model._meta.simple_history_manager_attribute).model  # the signal's sender
    post_create_historical_record.connect(
        on_history_record,
        sender=historical_model,
        weak=False,
        dispatch_uid=f"core.history.events.{model._meta.label_lower}",
    )
