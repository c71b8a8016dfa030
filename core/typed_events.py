"""The apps' typed event tables (``InvoiceEvent``, ``PaymentEvent``…) write through to the log.

The typed tables stay (their admin, API and tests read them); every row written to one also
becomes a ``core.Event`` in the same transaction, typed ``<prefix>.<kind>``. The write-through
hangs off ``post_save`` (created rows only: an audit side effect, STYLE rule 2) so that no call
site can forget it; ``bulk_create`` sends no signal, so the two services that bulk-create typed
events call :func:`record_typed_events` on the rows they created.

Actor: the typed row's ``by`` (a user) when the service named one, else the context's
(``core.events``). Data: the typed row's data without personal keys, its from/to states and
its reason, with e-mail addresses replaced (``private_reason_kinds``: kinds whose reason is a
list of recipients, not staff's words, are not copied at all).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import models
from django.db.models import Model
from django.db.models.signals import post_save

from .events import (
    PERSONAL_KEYS,
    Actor,
    event_build,
    events_bulk_record,
    events_recorded,
    register_event_types,
    scrub_free_text,
)


@dataclass(frozen=True)
class TypedEventSource:
    prefix: str
    obj_model: type[Model]
    obj_id_attr: str
    customer_id_of: Callable[[Model], int | None]
    private_reason_kinds: frozenset[str]
    state_fields: tuple[str, str]
    private_data_keys: frozenset[str] = frozenset()


_SOURCES: dict[type[Model], TypedEventSource] = {}


def connect_typed_events(
    model: type[Model],
    *,
    prefix: str,
    obj_model: type[Model],
    obj_id_attr: str,
    customer_id_of: Callable[[Model], int | None],
    private_reason_kinds: Iterable[str] = (),
    state_fields: tuple[str, str] = ("from_state", "to_state"),
    private_data_keys: Iterable[str] = (),
) -> None:
    """Register ``<prefix>.<kind>`` for every kind of ``model`` and write its new rows through
    (``private_data_keys``: keys of the typed row's data never copied, e.g. a provider's raw payload)."""
    register_event_types(*(f"{prefix}.{kind}" for kind in model.Kind.values))
    _SOURCES[model] = TypedEventSource(
        prefix,
        obj_model,
        obj_id_attr,
        customer_id_of,
        frozenset(private_reason_kinds),
        state_fields,
        frozenset(private_data_keys),
    )
    post_save.connect(
        _on_typed_event_saved, sender=model, weak=False, dispatch_uid=f"core.typed_events.{model._meta.label_lower}"
    )


def _on_typed_event_saved(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    if created and not raw:  # raw: loaddata, whose rows were logged where they came from
        record_typed_event(instance)


def record_typed_events(instances: Iterable[Model]) -> None:
    """For rows made with ``bulk_create`` (which sends no ``post_save``): one INSERT for all."""
    events_bulk_record([_typed_event_entry(instance) for instance in instances])


def typed_event_type(instance: Model) -> str:
    return f"{_SOURCES[type(instance)].prefix}.{instance.kind}"


def typed_event_data(instance: Model, source: TypedEventSource) -> dict:
    data = _without_personal({k: v for k, v in (instance.data or {}).items() if k not in source.private_data_keys})
    from_field, to_field = source.state_fields
    if getattr(instance, from_field, ""):
        data["from_state"] = getattr(instance, from_field)
    if getattr(instance, to_field, ""):
        data["to_state"] = getattr(instance, to_field)
    reason = getattr(instance, "reason", "")
    if reason and instance.kind not in source.private_reason_kinds:
        data["reason"] = scrub_free_text(reason)
    return data


def record_typed_event(instance: Model):
    entry = _typed_event_entry(instance)
    entry.save(force_insert=True)
    events_recorded([entry])
    return entry


def _typed_event_entry(instance: Model):
    source = _SOURCES[type(instance)]
    user = instance.by if getattr(instance, "by_id", None) else None
    return event_build(
        type=typed_event_type(instance),
        obj=source.obj_model(pk=getattr(instance, source.obj_id_attr)),
        customer_id=source.customer_id_of(instance),
        data={**typed_event_data(instance, source), "typed_event": instance.pk},
        actor=Actor.for_user(user) if user is not None else None,
        at=instance.at,
    )


def _without_personal(value):
    if isinstance(value, dict):
        return {key: _without_personal(item) for key, item in value.items() if str(key).lower() not in PERSONAL_KEYS}
    if isinstance(value, list):
        return [_without_personal(item) for item in value]
    if isinstance(value, str):
        return scrub_free_text(value)
    return value


def backfill_typed_events(
    apps,
    *,
    model: str,
    prefix: str,
    obj_model: str,
    obj_id_attr: str,
    customer_path: str | None,
    private_reason_kinds: Iterable[str] = (),
    state_fields: tuple[str, str] = ("from_state", "to_state"),
) -> int:
    """Copy typed event rows written before the log existed into it (for data migrations).

    Historical models only; the actor is the row's user, else ``system:backfill`` (who acted
    through an API key or a job was not recorded). Rows already in the log are skipped, so the
    migration can run again. Returns the number of entries written.
    """
    typed = apps.get_model(model)
    event_model = apps.get_model("core", "Event")
    content_type_model = apps.get_model("contenttypes", "ContentType")
    app_label, model_name = obj_model.lower().split(".")
    content_type, _ = content_type_model.objects.get_or_create(app_label=app_label, model=model_name)
    done = set(
        event_model.objects.filter(type__startswith=f"{prefix}.", data__has_key="typed_event").values_list(
            "data__typed_event", flat=True
        )
    )
    source = TypedEventSource(prefix, None, obj_id_attr, None, frozenset(private_reason_kinds), state_fields)
    rows = typed.objects.order_by("pk")
    if customer_path:
        rows = rows.annotate(_customer_id=models.F(customer_path))
    written = []
    for row in rows.iterator(chunk_size=2000):
        if row.pk in done:
            continue
        actor = (
            {"actor_kind": "user", "actor_user_id": row.by_id}
            if row.by_id
            else {"actor_kind": "system", "actor_name": "system:backfill"}
        )
        written.append(
            event_model(
                type=f"{prefix}.{row.kind}",
                created_at=row.at,
                content_type=content_type,
                object_id=getattr(row, obj_id_attr),
                customer_id=row._customer_id if customer_path else None,
                data={**typed_event_data(row, source), "typed_event": row.pk},
                **actor,
            )
        )
    event_model.objects.bulk_create(written, batch_size=2000)
    return len(written)
