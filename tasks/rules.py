"""Task rules: how the system opens tasks of one kind (``TaskRule``, edited by finance managers).

Every cause an app reports through ``core.followups.followup_open`` passes here
(``tasks.causes.open_for_cause``) before a task is written:

- a rule that is off opens nothing (the port returns ``(None, False)``);
- the task is due ``due_in_days`` after the day of the cause, unless the caller named a day;
- the rule's priority, when set, replaces the one the cause suggested;
- the assignee follows the rule's strategy: the customer's account owner (or the person the
  cause names) while that person is active, else the next accountant in turn
  (round-robin, its position kept on the rule row under a lock), or nobody (the team queue).

A kind without a row behaves like a row with the defaults (on, due the same day, account owner
else round-robin); rows are created for every registered kind when someone looks at the rules
(``task_rules_ensure``), and on the first round-robin assignment of a kind.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.followups import followup_kind_label, followup_kinds
from core.roles import Role

from .models import FollowUpTask, TaskRule

Strategy = TaskRule.AssigneeStrategy


def task_rule_label(kind: str) -> str:
    """A rule in words for people: "Rule “e-mail bounced”" (the kind's name, never its code)."""
    return _("Rule “%(kind)s”") % {"kind": followup_kind_label(kind)}


def task_rule_get(kind: str) -> TaskRule | None:
    """The rule row of ``kind``, or None when nobody configured it yet (the defaults apply)."""
    return TaskRule.objects.filter(kind=kind).first()


def task_rules_ensure() -> int:
    """A row for every registered task kind (one INSERT; existing rows untouched). Returns how many
    were missing."""
    known = set(TaskRule.objects.values_list("kind", flat=True))
    missing = [TaskRule(kind=kind) for kind in sorted(followup_kinds()) if kind not in known]
    TaskRule.objects.bulk_create(missing, ignore_conflicts=True)
    return len(missing)


def task_rule_update(
    *,
    rule: TaskRule,
    as_of: datetime,
    by=None,
    enabled: bool | None = None,
    due_in_days: int | None = None,
    priority: int | None | str = "keep",
    assignee_strategy: str | None = None,
) -> TaskRule:
    """Change a rule (finance managers). Fields left out stay; ``priority=None`` means "as the
    cause says". Refused field by field: a due period outside 0–365 days, an unknown priority or
    strategy."""
    errors: dict[str, list[str]] = {}
    if due_in_days is not None and not 0 <= due_in_days <= 365:
        errors["due_in_days"] = [_("Give a number of days between 0 and 365.")]
    if priority not in ("keep", None) and priority not in FollowUpTask.Priority.values:
        errors["priority"] = [_("Unknown priority.")]
    if assignee_strategy is not None and assignee_strategy not in Strategy.values:
        errors["assignee_strategy"] = [_("Unknown assignee strategy.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        rule = TaskRule.objects.select_for_update().get(pk=rule.pk)
        if enabled is not None:
            rule.enabled = enabled
        if due_in_days is not None:
            rule.due_in_days = due_in_days
        if priority != "keep":
            rule.priority = priority
        if assignee_strategy is not None:
            rule.assignee_strategy = assignee_strategy
        rule.updated_at = as_of
        rule._history_user = by
        rule.save()
    return rule


# --- Applying a rule ------------------------------------------------------------------------------


def rule_due_date(rule: TaskRule | None, *, as_of: datetime, given: date | None) -> date:
    """The caller's day if it named one, else the cause's local day plus the rule's period."""
    if given is not None:
        return given
    return timezone.localdate(as_of) + timedelta(days=rule.due_in_days if rule is not None else 0)


def rule_priority(rule: TaskRule | None, *, given: int) -> int:
    return rule.priority if rule is not None and rule.priority is not None else given


def _is_active(user) -> bool:
    # An account owner who left (deactivated) is passed over; anyone active may own accounts.
    return user is not None and user.is_active


def _accountants():
    """Active people with the accountant role, in a fixed order (the round's order)."""
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name=Role.ACCOUNTANT.group_name)
        .order_by("pk")
        .distinct()
    )


def _account_owner(customer_id: int | None):
    if customer_id is None:
        return None
    return get_user_model().objects.filter(owned_customers__pk=customer_id).first()


def rule_assignee(rule: TaskRule | None, *, kind: str, customer_id: int | None = None, preferred=None):
    """Who gets a new task of ``kind`` (None: the team queue).

    ``preferred`` is the person the cause names (e.g. the account owner of the customer who
    replied); otherwise the customer's account owner. Both count only while active.
    Round-robin takes the accountant after the rule's ``last_assignee`` (by id, wrapping round)
    and moves the rule's position, under a row lock so that two tasks opened at once go to two
    people.
    """
    strategy = rule.assignee_strategy if rule is not None else Strategy.ACCOUNT_OWNER
    if strategy == Strategy.TEAM_QUEUE:
        return None
    if strategy == Strategy.ACCOUNT_OWNER:
        owner = preferred if preferred is not None else _account_owner(customer_id)
        if _is_active(owner):
            return owner
    people = list(_accountants().values_list("pk", flat=True))
    if not people:
        return None
    with transaction.atomic():
        locked, _created = TaskRule.objects.select_for_update().get_or_create(kind=kind)
        after = [pk for pk in people if locked.last_assignee_id is None or pk > locked.last_assignee_id]
        chosen = (after or people)[0]
        # The position is bookkeeping, not a change of the rule: no history record for it.
        TaskRule.objects.filter(pk=locked.pk).update(last_assignee_id=chosen)
    return get_user_model().objects.get(pk=chosen)
