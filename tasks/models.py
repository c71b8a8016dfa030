from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.history import history_user
from core.languages import language_choices


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
    # Status "waiting": snoozed until this day, when the wake-up job opens it again.
    waiting_until = models.DateField(_("waiting until"), null=True, blank=True)
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
                condition=Q(status="waiting", waiting_until__isnull=False)
                | (~Q(status="waiting") & Q(waiting_until__isnull=True)),
                name="tasks_waiting_has_a_day",
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
            models.Index(fields=["assignee", "status", "due_date"], name="tasks_assignee_worklist"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class TaskNote(models.Model):
    """A line in a task's log: a person's note, or a rule saying its cause happened again."""

    task = models.ForeignKey(FollowUpTask, verbose_name=_("task"), on_delete=models.CASCADE, related_name="notes")
    text = models.TextField(_("note"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    rule = models.CharField(_("rule"), max_length=100, blank=True, default="")
    created_at = models.DateTimeField(_("written"))

    class Meta:
        verbose_name = _("task note")
        verbose_name_plural = _("task notes")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(author__isnull=True) | Q(rule=""), name="tasks_note_by_person_or_rule"),
        ]

    def __str__(self) -> str:
        return self.text[:80]


class TaskRule(models.Model):
    """How tasks of one kind are opened by the system: finance managers switch a rule off, set when
    its tasks are due and who gets them. One row per task kind (``core.followups`` kinds); a kind
    without a row uses the defaults (on, due today, the customer's account owner, else round-robin)."""

    class AssigneeStrategy(models.TextChoices):
        ACCOUNT_OWNER = "account_owner", _("the customer's account owner, else round-robin among accountants")
        ROUND_ROBIN = "round_robin", _("round-robin among accountants")
        TEAM_QUEUE = "team_queue", _("the team queue (nobody until someone takes it)")

    kind = models.CharField(_("task kind"), max_length=64, unique=True)
    enabled = models.BooleanField(_("on"), default=True)
    due_in_days = models.PositiveSmallIntegerField(_("due in days"), default=0)
    priority = models.PositiveSmallIntegerField(
        _("priority"),
        choices=FollowUpTask.Priority.choices,
        null=True,
        blank=True,
        help_text=_("empty: as the rule says"),
    )
    assignee_strategy = models.CharField(
        _("assign to"), max_length=16, choices=AssigneeStrategy.choices, default=AssigneeStrategy.ACCOUNT_OWNER
    )
    # Round-robin position: the user who got the last task of this kind.
    last_assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    updated_at = models.DateTimeField(_("changed"), null=True, blank=True)

    history = HistoricalRecords(get_user=history_user)

    class Meta:
        verbose_name = _("task rule")
        verbose_name_plural = _("task rules")
        ordering = ["kind"]

    def __str__(self) -> str:
        from core.followups import followup_kind_label

        return followup_kind_label(self.kind)


class TaskPreferences(models.Model):
    """What a staff member wants to hear about their tasks by e-mail."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="task_preferences"
    )
    daily_digest = models.BooleanField(_("daily digest of due and overdue tasks"), default=True)
    email_on_assignment = models.BooleanField(_("e-mail when a task is assigned to me"), default=False)
    # Empty: the site's default language (settings.LANGUAGE_CODE).
    language = models.CharField(
        _("language of the e-mails"), max_length=8, choices=language_choices, blank=True, default=""
    )

    class Meta:
        verbose_name = _("task e-mail settings")
        verbose_name_plural = _("task e-mail settings")

    def __str__(self) -> str:
        return str(self.user)


class TaskDigest(models.Model):
    """One digest per person and day: the row is the exactly-once guard of the daily job."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField(_("day"))
    message = models.ForeignKey(
        "communications.OutboxMessage",
        verbose_name=_("e-mail"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    task_count = models.PositiveIntegerField(_("tasks"), default=0)
    created_at = models.DateTimeField(_("created"))

    class Meta:
        verbose_name = _("task digest")
        verbose_name_plural = _("task digests")
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="tasks_one_digest_per_user_and_day")]

    def __str__(self) -> str:
        return f"{self.user} {self.day}"
