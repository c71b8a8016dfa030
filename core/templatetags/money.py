"""``{% load money %}``: the admin templates' amounts, dates and times (``core.formatting``)."""

from __future__ import annotations

from django import template

from core import formatting

register = template.Library()


@register.filter(name="money")
def money(amount, currency="EUR"):
    """``{{ invoice.open_amount|money:invoice.currency }}`` → ``1.341,13 €``."""
    return formatting.money_text(amount, currency or "EUR")


@register.filter(name="number_text")
def number_text(value, places=None):
    return formatting.number_text(value, places=None if places in (None, "") else int(places))


@register.filter(name="date_text")
def date_text(value):
    """``{{ invoice.issue_date|date_text }}`` → ``07.12.2026``."""
    return formatting.date_text(value)


@register.filter(name="datetime_text")
def datetime_text(value):
    """``{{ message.sent_at|datetime_text }}`` → ``07.12.2026, 03:21`` (configured time zone)."""
    return formatting.datetime_text(value)
