"""Django's own date output in English as in Britain (7 Dec 2026, 7 Dec 2026, 03:21): ``core.formatting``
formats English with the en_GB locale, so the admin's own columns read the same."""

from django.conf.locale.en_GB.formats import *  # noqa: F403

DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H:i"
SHORT_DATE_FORMAT = "d/m/Y"
SHORT_DATETIME_FORMAT = "d/m/Y, H:i"
TIME_FORMAT = "H:i"
