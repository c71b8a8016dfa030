"""Personal data in follow-up tasks (``core.privacy``): what staff or a rule wrote into a task of
the customer (description, resolution, notes) that names the person, or every task of a consumer.
Working notes with no retention duty: the texts are erased, in the task's history too; the task,
its kind, dates and status stay."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.formatting import date_text
from core.privacy import ERASED, NONE, DataSubject, ErasureContext, PersonalDataSource, PersonalRecord, mentions
from core.privacy import privacy_source_register as register

from .models import FollowUpTask, TaskNote


def _tasks(subject: DataSubject):
    tasks = FollowUpTask.objects.filter(customer_id=subject.customer_id)
    if subject.customer_itself:
        return tasks
    notes = TaskNote.objects.filter(task__customer_id=subject.customer_id)
    named_in_notes = notes.filter(mentions(subject, "text")).values("task_id")
    return tasks.filter(mentions(subject, "title", "description", "resolution") | Q(pk__in=named_in_notes))


def tasks_export(subject: DataSubject) -> list[dict]:
    return [
        {
            "id": task.pk,
            "kind": task.kind,
            "title": task.title,
            "description": task.description,
            "resolution": task.resolution,
            "created_at": task.created_at,
            "notes": [{"at": note.created_at, "text": note.text} for note in task.notes.all()],
        }
        for task in _tasks(subject).order_by("created_at", "pk").prefetch_related("notes")
    ]


def tasks_records(subject: DataSubject) -> list[PersonalRecord]:
    return [
        PersonalRecord(
            key=task.pk,
            label=_("task of %(date)s (#%(id)s)") % {"date": date_text(task.created_at), "id": task.pk},
            record_date=None,
            retention=NONE,
        )
        for task in _tasks(subject).order_by("created_at", "pk")
    ]


def tasks_erase(subject: DataSubject, keys: list[int], context: ErasureContext) -> int:
    tasks = FollowUpTask.objects.filter(customer_id=subject.customer_id, pk__in=keys)
    TaskNote.objects.filter(task__in=tasks).update(text=ERASED)
    FollowUpTask.history.filter(id__in=keys).update(title=ERASED, description=ERASED, resolution="")
    return tasks.update(title=ERASED, description=ERASED, resolution="")


register(
    PersonalDataSource(
        name="tasks.tasks",
        label=gettext_lazy("Follow-up tasks"),
        holds=gettext_lazy("task titles, descriptions, resolutions and notes that name the person"),
        export=tasks_export,
        records=tasks_records,
        erase=tasks_erase,
        order=52,
    )
)
