"""State machines declared as tables (STYLE 6): ``{from: {to, ...}}`` next to the status choices.

Each aggregate's ``<noun>_transition`` service checks its table here, then writes the state and
its typed event; a forbidden transition is a conflict with the current state (API: 409).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from django.utils.translation import gettext as _


def transition_check(
    table: Mapping[str, set[str]],
    *,
    current: str,
    to: str,
    labels: Mapping[str, str],
    conflict: Callable[[str], Exception],
) -> None:
    """Raise ``conflict(message)`` unless ``table`` allows ``current`` → ``to``; an unknown state is
    refused too. ``labels``: the status choices' display names, for the message."""
    if to not in table.get(current, ()):
        raise conflict(
            _("The status cannot change from %(from)s to %(to)s.")
            % {"from": labels.get(current, current), "to": labels.get(to, to)}
        )
