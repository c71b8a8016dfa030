"""The admin's navigation: finance order, the counts beside it, and "System" for finance managers
and administrators only (core/admin_navigation.py, registered by analytics/navigation.py)."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.utils import translation

from tests.conftest import make_user

pytestmark = pytest.mark.django_db

SYSTEM_PAGES = [
    "/admin/auth/user/",
    "/admin/auth/group/",
    "/admin/axes/accessattempt/",
    "/admin/django_celery_beat/periodictask/",
    "/admin/core/job/",
    "/admin/core/apikey/",
    "/admin/core/numberseries/",
    "/admin/core/companyprofile/",
]
FINANCE_ORDER = [
    "/admin/customers/customer/",
    "/admin/invoicing/invoice/",
    "/admin/payments/payment/",
    "/admin/payments/bankstatement/",
    "/admin/payments/bankstatementline/review/",
    "/admin/tasks/followuptask/",
    "/admin/communications/outboxmessage/",
]


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def links(page: str) -> list[str]:
    return re.findall(r'<th scope="row"[^>]*>\s*<a href="([^"]+)"', page)


@pytest.fixture
def superuser(django_user_model):
    return make_user(django_user_model, "root", None, is_superuser=True)


def test_the_navigation_starts_with_the_finance_pages_in_the_order_staff_work(accountant):
    with translation.override("en"):
        page = browser(accountant).get("/admin/customers/customer/").content.decode()
    found = [link for link in links(page) if link in FINANCE_ORDER]
    assert found == FINANCE_ORDER
    assert links(page)[0] == FINANCE_ORDER[0]


@pytest.mark.parametrize("role", ["viewer", "accountant"])
def test_viewers_and_accountants_see_no_system_section(role, request):
    user = request.getfixturevalue(role)
    client = browser(user)
    for url in ("/admin/", "/admin/customers/customer/"):
        page = client.get(url).content.decode()
        assert 'class="app-system' not in page
        assert not set(SYSTEM_PAGES) & set(links(page)), (role, url)
    # Nor the technical apps' own index pages.
    assert client.get("/admin/auth/").status_code == 404
    assert client.get("/admin/django_celery_beat/").status_code == 404


@pytest.mark.parametrize("role", ["manager", "superuser"])
def test_finance_managers_and_administrators_find_the_technical_pages_under_system(role, request):
    page = browser(request.getfixturevalue(role)).get("/admin/").content.decode()
    assert 'class="app-system module' in page
    assert '<a href="/admin/#system" class="section"' in page and ">System</a>" in page
    system = page[page.index('class="app-system') :]
    for url in SYSTEM_PAGES:
        assert f'href="{url}"' in system, url
    # Technical apps appear nowhere else, and after every finance page.
    assert 'class="app-auth' not in page and 'class="app-django_celery_beat' not in page
    assert page.index(FINANCE_ORDER[-1]) < page.index('class="app-system')


def test_the_navigation_counts_my_open_tasks_and_the_lines_to_review_in_one_query(
    accountant, manager, django_assert_num_queries
):
    from analytics.home import navigation_counts
    from invoicing.tests.factories import T0
    from tasks.services import task_open_for_cause

    for n in range(3):
        task_open_for_cause(kind=f"k{n}", title="Anrufen", as_of=T0, rule="test", assignee=accountant)
    task_open_for_cause(kind="other", title="Anrufen", as_of=T0, rule="test", assignee=manager)

    class Request:
        user = accountant

    with django_assert_num_queries(1):
        assert navigation_counts(Request(), as_of=T0) == {"my_tasks": 3, "my_overdue": 0, "review": 0}
    page = browser(accountant).get("/admin/customers/customer/").content.decode()
    # Beside "My tasks", the worklist (tasks/worklist/); the overdue ones in a second badge.
    assert re.search(r'followuptask/mine/"[^>]*>[^<]*<span class="debitor-nav-count" title="[^"]+">3</span>', page)


def test_system_reads_system_in_german_too(manager):
    page = browser(manager).get("/admin/").content.decode()
    assert ">System</a>" in page
