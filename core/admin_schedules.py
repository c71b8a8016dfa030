"""django-celery-beat's admin pages, worded for finance managers (core.schedules writes the rows).

The library's pages speak of UTC and of ``False``/``None`` in their help texts, and list the
schedules by the English names the registry stores. Here the time-zone field says what our
schedules do (local time, ``TIME_ZONE``), the last run is shown in local time without the help
text, and a registered schedule is listed by its translated name (the stored name stays the key
``setup_schedules`` finds it by).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.utils.translation import gettext, gettext_lazy, pgettext_lazy
from django_celery_beat import admin as beat_admin
from django_celery_beat.models import ClockedSchedule, CrontabSchedule, IntervalSchedule, PeriodicTask, SolarSchedule

from .formatting import datetime_text
from .schedules import registered


class SchedulesUsingInline(beat_admin.PeriodicTaskInline):
    verbose_name = pgettext_lazy("schedules", "Periodic tasks using this schedule")
    verbose_name_plural = verbose_name


class TimeZoneHelp:
    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "timezone" and field is not None:
            field.help_text = gettext(
                "The time zone the times above are read in. Debitor's schedules run in local time "
                "(%(zone)s), daylight saving included."
            ) % {"zone": settings.TIME_ZONE}
        return field


class CrontabScheduleAdmin(TimeZoneHelp, beat_admin.CrontabScheduleAdmin):
    inlines = [SchedulesUsingInline]


class IntervalScheduleAdmin(beat_admin.IntervalScheduleAdmin):
    inlines = [SchedulesUsingInline]


class SolarScheduleAdmin(beat_admin.SolarScheduleAdmin):
    inlines = [SchedulesUsingInline]


class ClockedScheduleAdmin(beat_admin.ClockedScheduleAdmin):
    inlines = [SchedulesUsingInline]


class PeriodicTaskAdmin(beat_admin.PeriodicTaskAdmin):
    list_display = ("name_shown", "enabled", "scheduler", "interval", "start_time", "last_run_shown", "one_off")

    @admin.display(description=gettext_lazy("name"), ordering="name")
    def name_shown(self, obj):
        """A schedule Debitor declares by its translated name; one a person added as typed."""
        return gettext(obj.name) if obj.name in _declared_names() else obj.name

    @admin.display(description=pgettext_lazy("schedules", "last run"), ordering="last_run_at")
    def last_run_shown(self, obj):
        return datetime_text(obj.last_run_at)

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "last_run_shown"]

    def get_fieldsets(self, request, obj=None):
        # The last run in local time, without the library's help text about "None" and "False".
        return [
            (
                title,
                {**options, "fields": tuple("last_run_shown" if f == "last_run_at" else f for f in options["fields"])},
            )
            for title, options in super().get_fieldsets(request, obj)
        ]


def _declared_names() -> set[str]:
    return {schedule.name for schedule in registered()}


for model, model_admin in (
    (CrontabSchedule, CrontabScheduleAdmin),
    (IntervalSchedule, IntervalScheduleAdmin),
    (SolarSchedule, SolarScheduleAdmin),
    (ClockedSchedule, ClockedScheduleAdmin),
    (PeriodicTask, PeriodicTaskAdmin),
):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, model_admin)
