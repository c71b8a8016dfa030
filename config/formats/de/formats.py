"""Django's own date output in German as finance staff write it (DIN 5008): 07.12.2026, 07.12.2026, 03:21.

Matches ``core.formatting`` (Babel, de_DE medium), so the admin's own columns and our helpers agree.
"""

from django.conf.locale.de.formats import *  # noqa: F403

DATE_FORMAT = "d.m.Y"
DATETIME_FORMAT = "d.m.Y, H:i"
SHORT_DATETIME_FORMAT = "d.m.Y, H:i"
