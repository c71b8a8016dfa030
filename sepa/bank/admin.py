"""The bank side of the SEPA admin pages: a batch item shows the bank lines that booked or
returned it. A mixin for the batch item's ModelAdmin (``sepa.admin``, another part of issue 17):
add ``BankLinesOfItemMixin`` to its bases and ``"bank_lines_shown"`` to its read-only fields."""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from .selectors import item_bank_lines


class BankLinesOfItemMixin:
    @admin.display(description=_("bank statement lines"))
    def bank_lines_shown(self, obj):
        lines = item_bank_lines(obj) if obj is not None and obj.pk else []
        if not lines:
            return "—"
        return format_html_join(
            mark_safe("<br>"),
            '<a href="{}">{}</a>',
            ((reverse("admin:payments_bankstatementline_change", args=[line.pk]), str(line)) for line in lines),
        )
