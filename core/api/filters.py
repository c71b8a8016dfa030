"""The base FilterSet of every API list: a bad filter value is a 400, never a 500."""

from __future__ import annotations

from datetime import UTC

from django import forms
from django.db import models
from django.db.models import F
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from django_filters.fields import IsoDateTimeField
from django_filters.rest_framework.filterset import FILTER_FOR_DBFIELD_DEFAULTS
from rest_framework.filters import OrderingFilter


class BoundedIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 datetime that still exists in UTC, handed to the database in UTC.

    ``0001-01-01T00:00`` in Europe/Berlin (LMT +00:53) is before ``datetime.min`` in UTC:
    converting it raises OverflowError, a 400 here rather than a 500 later. PostgreSQL refuses
    an offset past ±15:59 that Python accepts (``-21:25``: a 500), so the value goes to the
    query as the same instant in UTC.
    """

    def to_python(self, value):
        result = super().to_python(value)
        if result is not None:
            try:
                result = result.astimezone(UTC)
            except OverflowError:
                raise forms.ValidationError(_("Enter a date and time between the years 1 and 9999."), code="invalid")
        return result


class BoundedIsoDateTimeFilter(filters.IsoDateTimeFilter):
    field_class = BoundedIsoDateTimeField


class ChoiceInFilter(filters.BaseInFilter, filters.ChoiceFilter):
    """``?status__in=open,waiting``, each value checked against the field's choices."""


class ApiFilterSet(filters.FilterSet):
    FILTER_DEFAULTS = {
        **FILTER_FOR_DBFIELD_DEFAULTS,
        models.DateTimeField: {"filter_class": BoundedIsoDateTimeFilter},
    }

    @classmethod
    def filter_for_field(cls, field, field_name, lookup_expr=None):
        result = super().filter_for_field(field, field_name, lookup_expr)
        if isinstance(result, filters.ModelChoiceFilter) and not result.extra.get("help_text"):
            # The schema can only say "an integer"; say what an unknown id does.
            result.extra["help_text"] = format_lazy(
                _("The id of a {model}; an id that does not exist answers 400 naming this parameter."),
                model=field.related_model._meta.verbose_name,
            )
        return result

    @classmethod
    def filter_for_lookup(cls, field, lookup_type):
        # django-filter builds ``<field>__in`` on a choices field from a CharFilter, so an
        # unknown value silently matched nothing instead of being rejected like ``<field>=``.
        if lookup_type == "in" and getattr(field, "choices", None):
            return ChoiceInFilter, {"choices": field.choices}
        return super().filter_for_lookup(field, lookup_type)


class TieBreakOrderingFilter(OrderingFilter):
    """``?ordering=`` that always ends with the id, so pages never overlap or skip rows.

    Empty values sort where the view says: ``nulls_smallest`` (e.g. never verified: oldest) or
    ``nulls_largest`` (e.g. a draft's missing number or date: after every real one).
    """

    nulls_smallest: frozenset[str] = frozenset()
    nulls_largest: frozenset[str] = frozenset()

    def filter_queryset(self, request, queryset, view):
        ordering = self.get_ordering(request, queryset, view)
        if not ordering:
            return queryset
        terms = []
        for term in ordering:
            name, descending = term.lstrip("-"), term.startswith("-")
            if name in self.nulls_smallest:
                terms.append(F(name).desc(nulls_last=True) if descending else F(name).asc(nulls_first=True))
            elif name in self.nulls_largest:
                terms.append(F(name).desc(nulls_first=True) if descending else F(name).asc(nulls_last=True))
            else:
                terms.append(term)
        if not {"id", "-id", "pk", "-pk"} & set(ordering):
            terms.append("id")
        return queryset.order_by(*terms)
