"""What the OpenAPI document promises about errors and empty values (issue 13, "The API under a fuzzer")."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from core.api.scopes import ALL_SCOPES
from core.services import api_key_create
from tests import test_api_schema

pytestmark = pytest.mark.django_db

NULLABLE_USERS = [
    ("Allocation", "created_by"),
    ("Allocation", "reversed_by"),
    ("BankImport", "created_by"),
    ("FollowUpTask", "assignee"),
    ("InvoiceEvent", "by"),
    ("PaymentEvent", "by"),
    ("OutboxMessageDetail", "created_by"),
    ("VerificationRun", "run_by"),
]


schema = test_api_schema.schema  # the fixture: the document as `spectacular --validate --fail-on-warn` writes it


def operations(schema):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


@pytest.mark.parametrize(("component", "field"), NULLABLE_USERS)
def test_a_user_who_may_be_absent_is_documented_as_nullable(schema, component, field):
    components = schema["components"]["schemas"]
    name = next(name for name in (component, f"{component}Serializer") if name in components)

    assert components[name]["properties"][field].get("nullable") is True


def test_every_read_only_user_field_that_can_be_null_says_so(schema):
    """A serializer naming a user by username (an API key's writes have none) must allow null."""
    for name, component in schema["components"]["schemas"].items():
        for field, definition in component.get("properties", {}).items():
            if definition.get("title") in ("Benutzername", "Username") and definition.get("readOnly"):
                assert definition.get("nullable") is True, (name, field)


def test_a_contact_without_e_mail_is_allowed_by_the_schema(schema):
    email = schema["components"]["schemas"]["Contact"]["properties"]["email"]

    assert {"type": "string", "maxLength": 0} in email["oneOf"]
    assert {"type": "string", "format": "email"} in email["oneOf"]


def test_every_operation_documents_its_problem_responses(schema):
    for path, method, operation in operations(schema):
        responses = operation["responses"]
        expected = {"401", "403"}
        if method in ("post", "put", "patch", "delete"):
            expected |= {"400", "409", "422"}
        if "{" in path:
            expected.add("404")
        assert expected <= responses.keys(), (method, path, sorted(responses))
        for status in expected:
            assert "application/problem+json" in responses[status]["content"], (method, path, status)
    assert schema["components"]["schemas"]["Problem"]["required"] == ["type", "title", "status", "detail"]


def test_list_operations_document_the_404_of_a_page_past_the_end_and_the_lower_bound_of_paging(schema):
    operation = schema["paths"]["/api/v1/customers/"]["get"]
    parameters = {p["name"]: p for p in operation["parameters"]}

    assert "404" in operation["responses"] and "400" in operation["responses"]
    assert parameters["page"]["schema"]["minimum"] == 1
    assert parameters["page_size"]["schema"]["minimum"] == 1


def test_the_idempotency_key_documents_its_length(schema):
    headers = [
        parameter
        for _path, _method, operation in operations(schema)
        for parameter in operation.get("parameters", [])
        if parameter["name"] == "Idempotency-Key"
    ]

    assert headers
    for header in headers:
        assert header["schema"] == {"type": "string", "minLength": 1, "maxLength": 255}


def test_an_id_filter_says_what_an_unknown_id_answers(schema):
    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/payments/"]["get"]["parameters"]}

    assert "400" in parameters["customer"]["description"]


def _query_parameters(schema, *, kinds):
    for path, method, operation in operations(schema):
        if method != "get" or "{" in path:
            continue
        for parameter in operation.get("parameters", []):
            definition = parameter.get("schema", {})
            if parameter["in"] == "query" and (definition.get("format"), definition.get("type")) in kinds:
                yield path, parameter["name"]


def test_every_malformed_date_or_number_query_parameter_answers_400_naming_it(schema, manager):
    """Generic over the schema: no list silently ignores a date, a datetime or a number it cannot read."""
    raw = api_key_create(name="ERP", scopes=list(ALL_SCOPES), created_by=manager)[1]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    checked = []
    kinds = {("date", "string"), ("date-time", "string"), (None, "integer"), (None, "number")}
    for path, name in _query_parameters(schema, kinds=kinds):
        response = client.get(path, {name: "2026-13-45x"})
        assert response.status_code == 400, (path, name, response.status_code, response.content[:300])
        assert name in [error["field"] for error in response.json().get("errors", [])], (path, name, response.json())
        checked.append((path, name))
    assert len(checked) > 10
