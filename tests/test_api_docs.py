"""The API docs: grouped by area, served from our own origin only, under the site's CSP."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from drf_spectacular.generators import SchemaGenerator

pytestmark = pytest.mark.django_db

AREAS = {tag["name"] for tag in settings.SPECTACULAR_SETTINGS["TAGS"]}


def test_every_operation_is_tagged_with_one_area_of_the_documented_list():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    tags = [op["tags"] for ops in schema["paths"].values() for op in ops.values() if isinstance(op, dict)]

    assert tags and all(len(t) == 1 and t[0] in AREAS for t in tags)
    assert {t[0] for t in tags} == AREAS  # every documented area has operations, none is "v1"


@pytest.mark.parametrize("url", ["/api/docs/", "/api/redoc/", "/api/docs/?script="])
def test_the_docs_load_nothing_from_another_host(client, url):
    response = client.get(url)

    assert response.status_code == 200
    body = response.content.decode()
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", body), body[:2000]
    assert "fonts.googleapis" not in body
    assert "<script>" not in body  # no inline script: the CSP would refuse it


def test_every_page_sends_the_content_security_policy(client):
    policy = client.get("/admin/login/")["Content-Security-Policy"]

    assert "default-src 'self'" in policy
    script = re.search(r"script-src ([^;]*)", policy).group(1)
    assert script.startswith("'self'") and "unsafe-inline" not in script  # a nonce only where a page uses one
    assert "object-src 'none'" in policy
