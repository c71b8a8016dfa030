"""The timeline page's forms: the filters (a GET form, so a filtered view is a link) and "Add
note" / "Log a call" (POST, accountants and up)."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from communications.models import Contact, CustomerNote
from core.models import Event

from .categories import CATEGORY_LABELS

DATE_INPUT = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class TimelineFilterForm(forms.Form):
    kinds = forms.MultipleChoiceField(
        label=_("Show"), required=False, choices=list(CATEGORY_LABELS.items()), widget=forms.CheckboxSelectMultiple
    )
    since = forms.DateField(label=_("From"), required=False, widget=DATE_INPUT)
    until = forms.DateField(label=_("To"), required=False, widget=DATE_INPUT)
    actor = forms.ChoiceField(
        label=pgettext_lazy("timeline filter", "Who"),
        required=False,
        choices=[("", _("anyone")), *Event.ActorKind.choices],
    )
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            self.add_error("until", _("The period ends before it starts."))
        return data


class _CustomerNoteForm(forms.Form):
    occurred_at = forms.DateTimeField(
        label=_("When"),
        input_formats=[DATETIME_FORMAT],
        widget=forms.DateTimeInput(format=DATETIME_FORMAT, attrs={"type": "datetime-local"}),
    )
    contact = forms.ModelChoiceField(label=_("Contact"), queryset=Contact.objects.none(), required=False)
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, customer, **kwargs):
        kwargs.setdefault("initial", {"occurred_at": timezone.localtime().replace(second=0, microsecond=0)})
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = Contact.objects.filter(customer=customer).order_by("name", "id")


class NoteForm(_CustomerNoteForm):
    prefix = "note"


class CallForm(_CustomerNoteForm):
    prefix = "call"
    direction = forms.ChoiceField(
        label=_("Direction"), choices=CustomerNote.Direction.choices, widget=forms.RadioSelect
    )
    outcome = forms.ChoiceField(label=_("Outcome"), choices=CustomerNote.Outcome.choices)

    field_order = ["occurred_at", "direction", "contact", "outcome", "summary"]
