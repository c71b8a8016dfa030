from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.history import history_user


class FollowUpTask(models.Model):
    """Something a person has to do, about one object, opened by a person or a rule."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        IN_PROGRESS = "in_progress", _("in progress")
        WAITING = "waiting", _("waiting")
        DONE = "done", _("done")
        CANCELLED = "cancelled", _("cancelled")

    class Priority(models.IntegerChoices):
        LOW = 10, _("low")
        NORMAL = 20, _("normal")
        HIGH = 30, _("high")
        URGENT = 40, _("urgent")

    OPEN_STATUSES = (Status.OPEN, Status.IN_PROGRESS, Status.WAITING)
    # One table of allowed transitions (STYLE 6); tasks_transition checks it.
    TRANSITIONS = {
        Status.OPEN: {Status.IN_PROGRESS, Status.WAITING, Status.DONE, Status.CANCELLED},
        Status.IN_PROGRESS: {Status.OPEN, Status.WAITING, Status.DONE, Status.CANCELLED},
        Status.WAITING: {Status.OPEN, Status.IN_PROGRESS, Status.DONE, Status.CANCELLED},
        Status.DONE: {Status.OPEN},
        Status.CANCELLED: {Status.OPEN},
    }

    kind = models.CharField(_("kind"), max_length=64)
    title = models.CharField(_("title"), max_length=255)
    description = models.TextField(_("description"), blank=True, default="")
    content_type = models.ForeignKey(
        ContentType, verbose_name=_("about (type)"), null=True, blank=True, on_delete=models.PROTECT
    )
    object_id = models.CharField(_("about (id)"), max_length=64, blank=True, default="")
    about = GenericForeignKey("content_type", "object_id")
    # The customer a task concerns, also when it is about one of the customer's documents.
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="follow_up_tasks",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="follow_up_tasks",
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices, default=Priority.NORMAL)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by_rule = models.CharField(_("created by rule"), max_length=100, blank=True, default="")
    created_at = models.DateTimeField(_("created"))
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    resolution = models.TextField(_("resolution"), blank=True, default="")

    history = HistoricalRecords(get_user=history_user)

    class Meta:
        verbose_name = _("follow-up task")
        verbose_name_plural = _("follow-up tasks")
        ordering = ["-priority", "due_date", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "content_type", "object_id"],
                condition=Q(status__in=["open", "in_progress", "waiting"]),
                name="tasks_one_open_task_per_kind_and_object",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["open", "in_progress", "waiting", "done", "cancelled"]),
                name="tasks_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(created_by__isnull=True) | Q(created_by_rule=""),
                name="tasks_created_by_person_or_rule",
            ),
            models.CheckConstraint(
                condition=(Q(content_type__isnull=True) & Q(object_id=""))
                | (Q(content_type__isnull=False) & ~Q(object_id="")),
                name="tasks_about_complete_or_empty",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "due_date"], name="tasks_status_due"),
            models.Index(fields=["content_type", "object_id"], name="tasks_about"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES
