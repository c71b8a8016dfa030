"""Reads across the generic subject links: which messages are about a row, and what a message is about."""

from __future__ import annotations

from collections import defaultdict

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import QuerySet

from .models import InboundMessage, OutboxMessage


def messages_about(obj, *, object_id=None, inbound: bool = False) -> QuerySet:
    """The outbox messages (or, with ``inbound``, received ones) about ``obj``.

    ``obj`` is a model instance, or a model class together with ``object_id`` (a value or an
    expression such as ``OuterRef("pk")``, for a subquery per row). One indexed lookup on the link
    table's (content type, object id).
    """
    model = obj if isinstance(obj, type) else type(obj)
    pk = object_id if object_id is not None else obj.pk
    content_type = ContentType.objects.get_for_model(model)
    messages = InboundMessage if inbound else OutboxMessage
    # A join, not a subquery, so ``object_id=OuterRef(...)`` refers to the caller's query; the link
    # is unique per (message, content type, object id), so no message comes twice.
    return messages.objects.filter(subjects__content_type=content_type, subjects__object_id=pk)


def subjects_of(message) -> list[models.Model]:
    """The rows a message (outgoing or received) is about, in the order they were linked; one query
    per content type. A row deleted since is left out."""
    links = list(message.subjects.order_by("id").values_list("id", "content_type_id", "object_id"))
    ids_by_type: dict[int, list[int]] = defaultdict(list)
    for _link, type_id, object_id in links:
        ids_by_type[type_id].append(object_id)
    found = {}
    for type_id, ids in ids_by_type.items():
        model = ContentType.objects.get_for_id(type_id).model_class()
        if model is None:
            continue
        for row in model._default_manager.filter(pk__in=ids):
            found[(type_id, row.pk)] = row
    return [found[(t, o)] for _link, t, o in links if (t, o) in found]


def subject_links(subjects) -> list[tuple[int, int]]:
    """(content type id, object id) of each subject, duplicates dropped; a row not saved yet is refused."""
    links, seen = [], set()
    for subject in subjects or ():
        if getattr(subject, "pk", None) is None:
            raise ValueError(f"A message subject must be a saved row, not {subject!r}.")
        key = (ContentType.objects.get_for_model(type(subject)).pk, subject.pk)
        if key not in seen:
            seen.add(key)
            links.append(key)
    return links
