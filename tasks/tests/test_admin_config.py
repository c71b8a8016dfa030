"""Admin pages of the task rules (finance managers change them) and of one's own e-mail settings."""

from __future__ import annotations

import pytest
from django.test import Client

from tasks.models import TaskPreferences, TaskRule

pytestmark = pytest.mark.django_db

RULES = "/admin/tasks/taskrule/"
PREFERENCES = "/admin/tasks/taskpreferences/"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_rules_list_shows_every_kind_in_words(accountant):
    page = signed_in(accountant).get(RULES, HTTP_ACCEPT_LANGUAGE="de")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Regel „E-Mail unzustellbar“" in text and "Regel „Reklamation klären“" in text
    assert TaskRule.objects.filter(kind="promise_broken").exists()


def test_a_finance_manager_changes_a_rule_through_the_service(manager, accountant):
    signed_in(accountant).get(RULES)
    rule = TaskRule.objects.get(kind="email_bounced")
    form = {"enabled": "", "due_in_days": "4", "priority": "30", "assignee_strategy": "round_robin"}
    assert signed_in(accountant).post(f"{RULES}{rule.pk}/change/", form).status_code == 403
    response = signed_in(manager).post(f"{RULES}{rule.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    rule.refresh_from_db()
    assert (rule.enabled, rule.due_in_days, rule.priority, rule.assignee_strategy) == (False, 4, 30, "round_robin")
    assert rule.updated_at is not None and rule.history.latest().history_user == manager


def test_each_person_sets_their_own_email_settings_once(accountant, manager):
    client = signed_in(accountant)
    response = client.post(f"{PREFERENCES}add/", {"daily_digest": "on", "email_on_assignment": "on", "language": "en"})
    assert response.status_code == 302
    own = TaskPreferences.objects.get(user=accountant)
    assert (own.daily_digest, own.email_on_assignment, own.language) == (True, True, "en")
    # A second "add" leads to the row one has.
    assert client.get(f"{PREFERENCES}add/")["Location"] == f"{PREFERENCES}{own.pk}/change/"
    # Nobody sees or edits another person's settings.
    assert signed_in(manager).get(f"{PREFERENCES}{own.pk}/change/").status_code == 302  # "does not exist"
    assert accountant.username not in signed_in(manager).get(PREFERENCES).content.decode()
