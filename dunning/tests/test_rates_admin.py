"""The reference rates in the admin: finance managers edit them, the list says what is missing."""

import importlib
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.apps import apps as django_apps
from django.urls import reverse
from django.utils import translation

from dunning.models import RateSeries, ReferenceRate

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def rates_seeded(db):
    """The migration's seeds, again after a committing test elsewhere emptied the tables."""
    importlib.import_module("dunning.migrations.0002_interest_rates").seed(django_apps, None)


TODAY = datetime(2026, 12, 7, 9, 0, tzinfo=ZoneInfo("Europe/Berlin"))
LIST = "admin:dunning_referencerate_changelist"


def test_the_list_shows_the_series_in_words_and_that_2026_07_01_is_missing(client, manager):
    client.force_login(manager)
    with time_machine.travel(TODAY, tick=False), translation.override("en"):
        page = client.get(reverse(LIST), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "German base rate (§ 247 BGB): missing from 1 Jul 2026." in page
    assert "Austrian base rate (Oesterreichische Nationalbank): no rate entered yet." in page
    assert "German base rate (§ 247 BGB)</a>" in page  # the series as words (the link), not its code
    assert "de_base</a>" not in page


def test_finance_managers_enter_a_rate_only_on_a_half_years_first_day(client, manager):
    client.force_login(manager)
    add = reverse("admin:dunning_referencerate_add")
    data = {"series": RateSeries.DE_BASE, "valid_from": "2026-07-02", "rate": "1.27", "source": "Bundesbank"}
    with translation.override("en"):
        refused = client.post(add, data, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 200
    assert "1 January and 1 July only" in refused.content.decode()
    assert client.post(add, {**data, "valid_from": "2026-07-01"}).status_code == 302
    assert ReferenceRate.objects.filter(series=RateSeries.DE_BASE, valid_from=date(2026, 7, 1)).exists()


def test_accountants_read_the_rates_and_viewers_do_not_change_them(client, accountant, viewer):
    client.force_login(accountant)
    assert client.get(reverse(LIST)).status_code == 200
    assert client.get(reverse("admin:dunning_referencerate_add")).status_code == 403
    client.force_login(viewer)
    assert client.get(reverse("admin:dunning_referencerate_add")).status_code == 403
