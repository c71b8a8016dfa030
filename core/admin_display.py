"""Read-only amounts on admin pages through the one formatter (``core.formatting.money_text``).

Django shows a read-only ``DecimalField`` as a bare number ("1341,13"). ``MoneyFieldsMixin`` shows
every read-only decimal field of a model that has a currency column as an amount in that currency
("1.341,13 €"): the field's place in the fields/fieldsets is taken by a display of the same label.
``money_fields`` names them explicitly where the currency lives elsewhere (``{"amount": "payment.currency"}``).
"""

from __future__ import annotations

from django.db import models
from django.utils.html import format_html

from core.formatting import money_text

SUFFIX = "_in_currency"


def amount_cell(amount, currency: str) -> str:
    """An amount for a change-list column: the one formatter, right-aligned (``.debitor-amount``)."""
    return format_html('<span class="debitor-amount">{}</span>', money_text(amount, currency))


def _currency_of(obj, path: str) -> str:
    value = obj
    for part in path.split("."):
        value = getattr(value, part, None)
        if value is None:
            return "EUR"
    return value


class MoneyFieldsMixin:
    money_fields: dict[str, str] | None = None  # field -> currency attribute path; None: detect

    def _money_map(self) -> dict[str, str]:
        if self.money_fields is not None:
            return self.money_fields
        names = {field.name for field in self.model._meta.fields}
        if "currency" not in names:
            return {}
        return {
            field.name: "currency"
            for field in self.model._meta.fields
            if isinstance(field, models.DecimalField) and field.decimal_places == 2
        }

    def _swap(self, names, readonly):
        swapped = []
        for name in names:
            if isinstance(name, list | tuple):
                swapped.append(type(name)(self._swap(name, readonly)))
            elif isinstance(name, str) and name in readonly and name in self._money_map():
                swapped.append(name + SUFFIX)
            else:
                swapped.append(name)
        return swapped

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        return readonly + [name + SUFFIX for name in readonly if name in self._money_map()]

    def get_fieldsets(self, request, obj=None):
        readonly = set(self.get_readonly_fields(request, obj))
        return [
            (title, {**options, "fields": self._swap(options.get("fields", ()), readonly)})
            for title, options in super().get_fieldsets(request, obj)
        ]

    def __getattr__(self, name):
        if name.endswith(SUFFIX):
            field_name = name[: -len(SUFFIX)]
            currency_path = self._money_map().get(field_name)
            if currency_path is not None:
                field = self.model._meta.get_field(field_name)

                def shown(obj, _field=field_name, _currency=currency_path):
                    return money_text(getattr(obj, _field), _currency_of(obj, _currency))

                shown.short_description = field.verbose_name
                return shown
        raise AttributeError(name)
