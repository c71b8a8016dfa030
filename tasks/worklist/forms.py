"""The worklist's forms: its filters (GET) and the quick actions on one task (POST).

The quick actions check what the services would refuse first, so the reader gets a translated
sentence naming the field instead of the service's refusal (the services stay the authority:
a refusal that slips through, e.g. after a concurrent change, is shown as it is).
"""

from __future__ import annotations

from datetime import date

from django import forms
from django.contrib.admin.widgets import AutocompleteSelect
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.followups import followup_kind_label, followup_kinds
from core.formatting import date_text
from customers.models import Customer

from ..models import FollowUpTask
from .selectors import ASSIGNEE_QUEUE, SORT_DUE, SORT_PRIORITY, WorklistFilters

DATE_INPUT = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
SUBMIT_ON_CHANGE = {"data-submit-on-change": "1"}


def user_name(user) -> str:
    """A colleague as the lists name them: full name where there is one, else the login."""
    return (user.get_full_name() or user.get_username()) if user is not None else ""


class WorklistFilterForm(forms.Form):
    """Overdue, kind (in words), customer (the admin's autocomplete, never a list of all
    customers), status, assignee (team view only) and the sort order."""

    overdue = forms.BooleanField(label=_("only overdue"), required=False)
    kind = forms.ChoiceField(label=_("kind"), required=False)
    customer = forms.ModelChoiceField(label=_("customer"), queryset=Customer.objects.all(), required=False)
    status = forms.ChoiceField(
        label=_("status"),
        required=False,
        choices=[
            ("", _("to do (open or in progress)")),
            (FollowUpTask.Status.OPEN, FollowUpTask.Status.OPEN.label),
            (FollowUpTask.Status.IN_PROGRESS, FollowUpTask.Status.IN_PROGRESS.label),
            (FollowUpTask.Status.WAITING, _("waiting (put aside until a day)")),
        ],
    )
    assignee = forms.ChoiceField(label=_("assignee"), required=False)
    sort = forms.ChoiceField(
        label=_("sort by"),
        required=False,
        choices=[(SORT_DUE, _("due date, then priority")), (SORT_PRIORITY, _("priority, then due date"))],
    )

    def __init__(self, data, *, admin_site, users: list | None = None):
        data = data.copy()
        # A customer id that is no number would break the autocomplete widget's own query while
        # rendering: it is taken out here and reported as the field's error (filters()).
        self.bad_customer = bool(data.get("customer")) and not str(data.get("customer")).strip().isdigit()
        if self.bad_customer:
            data.pop("customer")
        super().__init__(data)
        kinds = {kind: followup_kind_label(kind) for kind in followup_kinds()}
        chosen = (data.get("kind") or "").strip()
        if chosen and chosen not in kinds:
            kinds[chosen] = followup_kind_label(chosen)  # a kind typed by a person: as it is
        self.fields["kind"].choices = [("", _("all kinds")), *sorted(kinds.items(), key=lambda pair: str(pair[1]))]
        widget = AutocompleteSelect(
            FollowUpTask._meta.get_field("customer"),
            admin_site,
            attrs={"data-placeholder": _("customer"), **SUBMIT_ON_CHANGE},
        )
        self.fields["customer"].widget = widget
        widget.choices = self.fields["customer"].choices
        if users is None:
            del self.fields["assignee"]
        else:
            self.fields["assignee"].choices = [
                ("", _("everyone")),
                (ASSIGNEE_QUEUE, _("team queue (nobody yet)")),
                *((str(user.pk), user_name(user)) for user in users),
            ]
            self.fields["assignee"].widget.attrs.update(SUBMIT_ON_CHANGE)
        for name in ("overdue", "kind", "status", "sort"):
            self.fields[name].widget.attrs.update(SUBMIT_ON_CHANGE)

    def filters(self) -> WorklistFilters:
        """The valid filters (a field with bad input is left out and shown with its error)."""
        self.is_valid()
        if self.bad_customer and "customer" not in self.errors:
            field = self.fields["customer"]
            self.add_error("customer", forms.ValidationError(field.error_messages["invalid_choice"]))
        data = self.cleaned_data
        customer = data.get("customer")
        return WorklistFilters(
            overdue=bool(data.get("overdue")),
            kind=data.get("kind") or "",
            customer_id=customer.pk if customer is not None else None,
            status=data.get("status") or "",
            assignee=data.get("assignee") or "",
            sort=data.get("sort") or SORT_DUE,
        )


# --- Quick actions -------------------------------------------------------------------------------

DONE, ASSIGN, SNOOZE, NOTE = "done", "assign", "snooze", "note"


class TaskActionForm(forms.Form):
    """A quick action on ``task``, posted by someone who may change tasks."""

    def __init__(self, data=None, *, task: FollowUpTask, today: date, users: list, **kwargs):
        super().__init__(data, **kwargs)
        self.task, self.today, self.users = task, today, users

    def clean(self):
        data = super().clean()
        if not self.task.is_open:
            raise forms.ValidationError(
                _("The task is %(status)s already; reopen it first.") % {"status": self.task.get_status_display()}
            )
        return data


class DoneForm(TaskActionForm):
    resolution = forms.CharField(
        label=_("resolution (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 30}),
    )


class AssignForm(TaskActionForm):
    assignee = forms.ChoiceField(label=_("give to"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [
            ("", _("team queue (nobody yet)")),
            *((str(user.pk), user_name(user)) for user in self.users),
        ]

    def clean_assignee(self):
        value = self.cleaned_data["assignee"]
        if not value:
            return None
        return next(user for user in self.users if str(user.pk) == value)


class SnoozeForm(TaskActionForm):
    until = forms.DateField(label=pgettext_lazy("put a task aside", "until"), widget=DATE_INPUT)
    note = forms.CharField(
        label=_("note (optional)"), required=False, max_length=2000, widget=forms.TextInput(attrs={"size": 24})
    )

    def clean_until(self):
        until = self.cleaned_data["until"]
        if until <= self.today:
            raise forms.ValidationError(
                _("Choose a day after today (%(today)s): the task comes back on that day.")
                % {"today": date_text(self.today)}
            )
        return until


class NoteForm(TaskActionForm):
    text = forms.CharField(label=_("note"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2, "cols": 30}))

    def clean(self):
        # A note may be added to a closed task too (what happened afterwards).
        return forms.Form.clean(self)


ACTION_FORMS = {DONE: DoneForm, ASSIGN: AssignForm, SNOOZE: SnoozeForm, NOTE: NoteForm}


def action_forms(*, task: FollowUpTask, today: date, users: list, prefix: str = "") -> dict:
    """Unbound forms for the quick actions on ``task`` (ids distinct per task on a list page)."""
    auto_id = f"id_{prefix or task.pk}_%s"
    forms_ = {
        name: form(task=task, today=today, users=users, auto_id=f"{auto_id}_{name}")
        for name, form in ACTION_FORMS.items()
    }
    forms_[SNOOZE].fields["until"].widget.attrs["min"] = today.isoformat()
    if task.assignee_id:
        forms_[ASSIGN].initial["assignee"] = str(task.assignee_id)
    return forms_


def form_errors(form: forms.Form) -> list[str]:
    """A form's errors as sentences naming the field: "Until: Choose a day after today …"."""
    found = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else None
        for error in errors:
            found.append(f"{str(label)[:1].upper()}{str(label)[1:]}: {error}" if label else str(error))
    return found
