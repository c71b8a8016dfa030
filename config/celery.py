"""The Celery application: settings come from Django's (prefix CELERY_)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("debitor")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
