"""The services' field errors and refusals speak the staff's language: German by default, English on request."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from invoicing.services import invoice_draft_update
from invoicing.services.drafts import DocumentNotEditable

from .factories import T0, invoicing_setup, line, make_draft, make_issued  # noqa: F401  (fixture)

pytestmark = pytest.mark.usefixtures("invoicing_setup")


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("de", "Unbekannte Steuerkategorie 'XX'; zulässig sind S, Z, E, AE, K, G, O (UNCL 5305)."),
        ("en", "Unknown VAT category 'XX'; use one of S, Z, E, AE, K, G, O (UNCL 5305)."),
    ],
)
def test_an_unknown_vat_category_is_refused_in_the_active_language(language, message):
    with translation.override(language), pytest.raises(ValidationError) as error:
        make_draft(lines=[line(vat_category="XX")])
    assert error.value.message_dict["lines.0.vat_category"] == [message]


def test_an_issued_document_refuses_changes_in_german_under_de():
    invoice = make_issued()
    with translation.override("de"), pytest.raises(DocumentNotEditable) as refused:
        invoice_draft_update(invoice=invoice, as_of=T0, data={"note": "x"})
    assert str(refused.value) == (
        f"{invoice.number} hat den Status „ausgestellt“: Ausgestellte Belege können weder geändert noch gelöscht "
        "werden (GoBD); korrigieren Sie sie mit einer Rechnungskorrektur."
    )
