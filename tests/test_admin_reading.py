"""Every admin page reads like German: no raw decimals, ISO dates, UTC, untranslated codes or
English words (tests/support/page_reading.py), as a finance manager with the site's language.

On the quick start's demo data (without the generator's bulk history): customers of every kind,
drafts, issued invoices, payments applied in full, in part, with Skonto, over-paid and returned,
a bank statement with a review queue, follow-up tasks, messages and their events. Each registered
model's change list, its add form where the manager may add, and the change form and history of
one object are rendered through the test client and read.
"""

from __future__ import annotations

import io

import pytest
from django.conf import settings
from django.contrib import admin
from django.core.management import call_command
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import translation

from tests.support.page_reading import page_text_problems, visible_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_manager(django_user_model, monkeypatch):
    monkeypatch.setattr("invoicing.demo.generate", lambda **kwargs: None)
    # Loaded in the site's language, as `manage.py load_demo_data` and the jobs run: some texts
    # (verification results, event reasons) are stored worded, in the language of their writer.
    with translation.override(settings.LANGUAGE_CODE):
        call_command("load_demo_data", force=True, stdout=io.StringIO())
    return django_user_model.objects.get(username="manager")


# Objects whose pages differ with their state: every one of them is read (the demo's paid with
# Skonto, partly paid, over-paid and returned invoices and payments, each task kind).
READ_EVERY = {"invoicing.Invoice", "payments.Payment", "tasks.FollowUpTask", "payments.BankStatementLine"}


def admin_pages() -> list[tuple[str, str]]:
    """(name, URL) of every page to read: change lists, add forms, one change form and one history
    page per registered model (with an object to show), every change form of ``READ_EVERY``."""
    pages = []
    for model, _model_admin in sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label):
        info = (model._meta.app_label, model._meta.model_name)
        pages.append((f"{model._meta.label} list", reverse("admin:{}_{}_changelist".format(*info))))
        try:
            pages.append((f"{model._meta.label} add", reverse("admin:{}_{}_add".format(*info))))
        except NoReverseMatch:
            pass
        if model._meta.label in READ_EVERY:
            for pk in model._default_manager.order_by("pk").values_list("pk", flat=True)[:40]:
                pages.append((f"{model._meta.label} {pk}", reverse("admin:{}_{}_change".format(*info), args=[pk])))
        first = model._default_manager.order_by("-pk").first()
        if first is not None:
            pages.append((f"{model._meta.label} change", reverse("admin:{}_{}_change".format(*info), args=[first.pk])))
            pages.append(
                (f"{model._meta.label} history", reverse("admin:{}_{}_history".format(*info), args=[first.pk]))
            )
    return pages


def test_every_admin_page_reads_as_german_to_a_finance_manager(demo_manager):
    client = Client(raise_request_exception=False)
    client.force_login(demo_manager)
    problems = []
    read = 0
    for name, url in [("home", reverse("admin:index")), *admin_pages()]:
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="de", follow=True)
        if response.status_code == 403:  # an add form the manager may not use (issued documents …)
            continue
        assert response.status_code == 200, f"{name} {url}: {response.status_code}"
        read += 1
        problems += [f"{name} ({url}): {problem}" for problem in page_text_problems(visible_text(response.text))]
    assert read > 50
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)


def test_the_reading_check_finds_what_a_database_page_shows():
    page = "<html><body><p>Betrag 50244.78 EUR am 2026-12-07, 10:00 UTC</p><p>Save</p></body></html>"
    problems = page_text_problems(visible_text(page))
    assert [problem.split(":")[0] for problem in problems] == [
        "raw amount with currency code",
        "amount without thousands grouping",
        "ISO date",
        "UTC shown",
        "English word",
    ]


def test_the_reading_check_leaves_what_a_details_toggle_folds_away():
    page = "<html><body><p>Gesendet</p><details><summary>Details</summary><code>2026-12-07 outbox-7</code></details>"
    assert page_text_problems(visible_text(page)) == []
