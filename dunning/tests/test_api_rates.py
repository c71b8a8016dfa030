"""The reference rates in the API: every finance role reads them, no one writes them there."""

import importlib

import pytest
from django.apps import apps as django_apps

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def rates_seeded(db):
    """The migration's seeds, again after a committing test elsewhere emptied the tables."""
    importlib.import_module("dunning.migrations.0002_interest_rates").seed(django_apps, None)


URL = "/api/v1/reference-rates/"


def test_a_finance_viewer_reads_the_base_rate_history_filtered_by_series(api_client, viewer):
    api_client.force_authenticate(viewer)
    response = api_client.get(URL, {"series": "de_base", "valid_from__gte": "2024-01-01", "page_size": 100})
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [(r["valid_from"], r["rate"]) for r in rows] == [
        ("2026-01-01", "1.270"),
        ("2025-07-01", "1.270"),
        ("2025-01-01", "2.270"),
        ("2024-07-01", "3.370"),
        ("2024-01-01", "3.620"),
    ]


def test_nobody_writes_rates_through_the_api_and_bad_filters_are_a_400(api_client, manager):
    api_client.force_authenticate(manager)
    assert api_client.post(URL, {"series": "de_base", "valid_from": "2026-07-01", "rate": "1"}).status_code == 405
    assert api_client.get(URL, {"valid_from__gte": "soon"}).status_code == 400
    assert api_client.get(URL, {"series": "nonsense"}).status_code == 400
