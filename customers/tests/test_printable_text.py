"""Text that invoices and letters print is refused where it is typed when no document font can draw
a character of it (issue 13): the customer and contact forms of the admin and the API, naming the
character. core.fonts decides from the fonts' own cmaps."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from customers.forms import ContactForm, CustomerForm
from customers.models import Contact, Customer
from customers.tests.factories import customer_data, make_customer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

CUSTOMERS = "/api/v1/customers/"
EMOJI = "🤝"  # HANDSHAKE, U+1F91D


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def pointers(response) -> dict[str, str]:
    assert response.status_code == 400, response.content
    return {e["pointer"]: e["message"] for e in response.json()["errors"]}


@pytest.mark.parametrize("field", ["legal_name", "billing_street", "billing_city"])
def test_the_api_refuses_a_customer_whose_printed_text_has_an_emoji_and_names_it(accountant, field):
    body = customer_data(**{field: f"Blumen {EMOJI} Haus"})

    response = api(accountant).post(CUSTOMERS, body, format="json")

    message = pointers(response)[f"#/{field}"]
    assert "HANDSHAKE" in message and "U+1F91D" in message and EMOJI in message
    assert not Customer.objects.exists()


def test_the_api_accepts_names_in_other_scripts(accountant):
    for name in ("山田商事株式会社", "Ελληνική Εταιρεία Α.Ε.", "ООО Ромашка", "שלום בע״מ", "Łódź Sp. z o.o."):
        response = api(accountant).post(CUSTOMERS, customer_data(legal_name=name), format="json")
        assert response.status_code == 201, (name, response.content)


def test_internal_notes_are_not_printed_and_may_hold_anything(accountant):
    response = api(accountant).post(CUSTOMERS, customer_data(notes=f"Nett {EMOJI}"), format="json")

    assert response.status_code == 201, response.content


def test_the_api_refuses_a_contact_name_with_an_emoji(accountant):
    customer = make_customer()

    response = api(accountant).post(f"{CUSTOMERS}{customer.pk}/contacts/", {"name": f"Anna {EMOJI}"}, format="json")

    assert "HANDSHAKE" in pointers(response)["#/name"]
    assert not Contact.objects.filter(name=f"Anna {EMOJI}").exists()


def test_the_admin_customer_form_refuses_an_emoji_on_its_field():
    extra = {"kind": "business", "language": "de", "currency": "EUR", "invoice_delivery": "email"}
    form = CustomerForm(data={**customer_data(legal_name=f"Blumen {EMOJI}"), **extra, "e_invoice_format": "facturx"})

    assert not form.is_valid()
    assert "HANDSHAKE" in " ".join(form.errors["legal_name"])


def test_the_admin_contact_form_refuses_an_emoji_on_its_field():
    customer = make_customer()
    form = ContactForm(data={"name": f"Anna {EMOJI}", "language": "de"}, customer=customer)

    assert not form.is_valid()
    assert "HANDSHAKE" in " ".join(form.errors["name"])
