"""The quick start's demo data has a mandate customer and a collection of its invoice, once."""

import io

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import translation

from sepa.models import Batch, Mandate
from sepa.services.pain import xsd_errors

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_mandate_customer_and_a_valid_collection_and_loads_once(monkeypatch):
    monkeypatch.setattr("invoicing.demo.generate", lambda **kwargs: None)
    with translation.override(settings.LANGUAGE_CODE):
        call_command("load_demo_data", force=True, stdout=io.StringIO())
        call_command("load_demo_data", force=True, stdout=io.StringIO())
    mandate = Mandate.objects.get()
    batch = Batch.objects.get()
    assert mandate.sequence_type == "RCUR" and batch.items.get().mandate == mandate
    assert xsd_errors(batch.xml, batch.schema) == []
