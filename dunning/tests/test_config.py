"""Dunning's configuration: policies with their levels (the rules: one default, levels 1..n, days,
fees, template and task kind by name), customers' settings, pauses (one open per target, events),
through the services, the API and the admin."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client

from core.models import Event
from customers.tests.factories import make_customer
from dunning.models import DunningPause, DunningPolicy, DunningProfile
from dunning.pauses import PauseConflict, dunning_pause, dunning_resume
from dunning.policies import dunning_policy_save
from invoicing.tests.factories import T0, invoicing_setup  # noqa: F401
from payments.tests.factories import make_invoice
from tests.conftest import client_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("invoicing_setup")]

LEVEL = {"position": 1, "name": "Erinnerung", "days": 7, "counted_from": "due_date", "template": "payment_reminder"}


def level(**overrides) -> dict:
    return {**LEVEL, **overrides}


# --- Policies -------------------------------------------------------------------------------------


def test_a_policy_is_saved_with_its_levels():
    policy = dunning_policy_save(
        data={"name": "Kulant"},
        levels=[
            level(),
            level(position=2, name="Mahnung", counted_from="previous", template="dunning_notice", fee="2.50"),
        ],
        as_of=T0,
    )

    assert [(lv.position, lv.fee) for lv in policy.levels.order_by("position")] == [(1, 0), (2, Decimal("2.50"))]
    assert Event.objects.filter(type="dunning.policy_saved", object_id=policy.pk).exists()


@pytest.mark.parametrize(
    ("levels", "field"),
    [
        ([level(), level(position=3)], "levels"),  # a gap
        ([level(), level(position=1)], "levels"),  # twice
        ([level(days=0)], "levels[0].days"),
        ([level(fee="-1.00")], "levels[0].fee"),
        ([level(template="invoice")], "levels[0].template"),
        ([level(task_kind="no_such_kind")], "levels[0].task_kind"),
        ([level(counted_from="previous")], "levels[0].counted_from"),
        ([], "levels"),
    ],
)
def test_broken_levels_are_refused_naming_the_field(levels, field):
    with pytest.raises(ValidationError) as refused:
        dunning_policy_save(data={"name": "Kaputt"}, levels=levels, as_of=T0)

    assert field in refused.value.message_dict
    assert not DunningPolicy.objects.filter(name="Kaputt").exists()


def test_there_is_exactly_one_default_policy():
    standard = DunningPolicy.objects.get(is_default=True)

    with pytest.raises(ValidationError) as second:
        dunning_policy_save(data={"name": "Zweiter", "is_default": True}, levels=[level()], as_of=T0)
    with pytest.raises(ValidationError) as none:
        dunning_policy_save(policy=standard, data={"is_default": False}, levels=None, as_of=T0)

    assert "Standard" in second.value.message_dict["is_default"][0]
    assert "is_default" in none.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():  # the database holds the rule too
        DunningPolicy.objects.create(name="Dritter", is_default=True, created_at=T0, updated_at=T0)


# --- Pauses ---------------------------------------------------------------------------------------


def test_a_customer_is_paused_once_and_resumed_with_events():
    customer = make_customer()

    pause = dunning_pause(customer=customer, reason="  Kunde ruft zurück ", as_of=T0)
    with pytest.raises(PauseConflict) as twice:
        dunning_pause(customer=customer, reason="nochmal", as_of=T0)
    dunning_resume(pause=pause, reason="Rückruf erfolgt", as_of=T0 + timedelta(hours=1))
    with pytest.raises(PauseConflict):
        dunning_resume(pause=pause, reason="nochmal", as_of=T0 + timedelta(hours=2))
    again = dunning_pause(customer=customer, reason="neue Klärung", as_of=T0 + timedelta(hours=3))

    pause.refresh_from_db()
    assert (pause.reason, pause.end_reason) == ("Kunde ruft zurück", "Rückruf erfolgt")
    assert "customer" in twice.value.message_dict
    assert again.pk != pause.pk
    types = list(
        Event.objects.filter(customer_id=customer.pk, type__startswith="dunning.").values_list("type", flat=True)
    )
    assert sorted(types) == ["dunning.paused", "dunning.paused", "dunning.resumed"]


def test_the_database_allows_one_open_pause_per_invoice():
    invoice = make_invoice(customer=make_customer())
    dunning_pause(invoice=invoice, reason="Prüfung", as_of=T0)

    with pytest.raises(IntegrityError), transaction.atomic():
        DunningPause.objects.create(invoice=invoice, reason="zweite", created_at=T0)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"reason": " "}, "reason"),
        ({"reason": "x", "customer": None}, "customer"),
        ({"reason": "x", "until": (T0 - timedelta(days=1)).date()}, "until"),
    ],
)
def test_a_pause_needs_a_reason_one_target_and_no_past_end(kwargs, field):
    customer = make_customer()
    arguments = {"customer": customer, **kwargs}

    with pytest.raises(ValidationError) as refused:
        dunning_pause(as_of=T0, **arguments)

    assert field in refused.value.message_dict
    assert not DunningPause.objects.exists()


# --- API ------------------------------------------------------------------------------------------


def test_the_api_pauses_refuses_a_second_pause_with_409_and_resumes(accountant):
    client = client_for(accountant)
    customer = make_customer()

    first = client.post("/api/v1/dunning/pauses/", {"customer": customer.pk, "reason": "Klärung"}, format="json")
    second = client.post("/api/v1/dunning/pauses/", {"customer": customer.pk, "reason": "Klärung"}, format="json")
    missing = client.post("/api/v1/dunning/pauses/", {"customer": customer.pk}, format="json")
    resumed = client.post(f"/api/v1/dunning/pauses/{first.json()['id']}/resume/", {"reason": "geklärt"}, format="json")
    listed = client.get("/api/v1/dunning/pauses/", {"customer": customer.pk, "open": "false"})

    assert first.status_code == 201, first.content
    assert second.status_code == 409, second.content
    assert missing.status_code == 400 and "reason" in missing.content.decode()
    assert resumed.status_code == 200 and resumed.json()["end_reason"] == "geklärt"
    assert [row["id"] for row in listed.json()["results"]] == [first.json()["id"]]


def test_policies_are_written_by_finance_managers_only(accountant, manager):
    body = {"name": "Kulant", "levels": [level()]}

    refused = client_for(accountant).post("/api/v1/dunning-policies/", body, format="json")
    created = client_for(manager).post("/api/v1/dunning-policies/", body, format="json")
    broken = client_for(manager).post(
        "/api/v1/dunning-policies/", {"name": "Lücke", "levels": [level(), level(position=3)]}, format="json"
    )
    read = client_for(accountant).get("/api/v1/dunning-policies/")

    assert refused.status_code == 403
    assert created.status_code == 201, created.content
    assert created.json()["levels"][0]["template"] == "payment_reminder"
    assert broken.status_code == 400 and "levels" in broken.content.decode()
    assert {row["name"] for row in read.json()["results"]} >= {"Standard", "Kulant"}


def test_customer_dunning_settings_read_as_defaults_and_are_set(accountant):
    client = client_for(accountant)
    customer = make_customer()
    url = f"/api/v1/customers/{customer.pk}/dunning-settings/"

    before = client.get(url)
    put = client.put(url, {"payment_date_agreed": True, "due_date_notice_days": 3}, format="json")
    bad = client.put(url, {"due_date_notice_days": 0}, format="json")

    assert before.json() == {
        "policy": None,
        "payment_date_agreed": False,
        "due_date_notice_days": None,
        "updated_at": None,
    }
    assert put.status_code == 200, put.content
    profile = DunningProfile.objects.get(customer=customer)
    assert (profile.policy, profile.payment_date_agreed, profile.due_date_notice_days) == (None, True, 3)
    assert bad.status_code == 400 and "due_date_notice_days" in bad.content.decode()
    assert client.get(f"/api/v1/customers/{customer.pk + 999}/dunning-settings/").status_code == 404


# --- Admin ----------------------------------------------------------------------------------------


def test_the_admin_refuses_a_second_default_and_a_gap_in_the_levels(manager):
    client = Client()
    client.force_login(manager)
    form = {
        "name": "Zweiter",
        "is_default": "on",
        "active": "on",
        "minimum_amount": "5",
        "receipt_assumed_after_days": "3",
        "interest_jurisdiction": "DE",
        "day_count": "act/365",
        "levels-TOTAL_FORMS": "2",
        "levels-INITIAL_FORMS": "0",
        "levels-MIN_NUM_FORMS": "0",
        "levels-MAX_NUM_FORMS": "1000",
        **{f"levels-0-{k}": v for k, v in {**LEVEL, "fee": "0"}.items()},
        **{f"levels-1-{k}": v for k, v in {**LEVEL, "position": 3, "fee": "0"}.items()},
    }

    response = client.post("/admin/dunning/dunningpolicy/add/", form)

    assert response.status_code == 200  # the form again, with the errors
    text = response.content.decode()
    assert "„Standard“ ist das Standardverfahren" in text or "“Standard” is the default policy" in text
    assert "ohne Lücken" in text or "without gaps" in text
    assert not DunningPolicy.objects.filter(name="Zweiter").exists()


def test_the_admin_pauses_and_resumes_with_a_reason(accountant):
    client = Client()
    client.force_login(accountant)
    customer = make_customer()

    added = client.post("/admin/dunning/dunningpause/add/", {"customer": customer.pk, "reason": "Klärung"})
    pause = DunningPause.objects.get(customer=customer)
    no_reason = client.post(f"/admin/dunning/dunningpause/{pause.pk}/change/", {"resume": "on", "resume_reason": ""})
    resumed = client.post(f"/admin/dunning/dunningpause/{pause.pk}/change/", {"resume": "on", "resume_reason": "ok"})

    assert added.status_code == 302, added.content.decode()[:2000]
    assert no_reason.status_code == 200
    assert resumed.status_code == 302
    pause.refresh_from_db()
    assert pause.ended_at is not None and pause.end_reason == "ok"


def test_policies_are_a_finance_managers_an_accountant_reads_them(viewer, accountant):
    """Policies are MANAGER_ONLY_MODELS (core.roles): accountants see them in the admin, viewers
    read them through the API."""
    policy = DunningPolicy.objects.get(is_default=True)
    as_accountant = Client()
    as_accountant.force_login(accountant)

    assert as_accountant.get(f"/admin/dunning/dunningpolicy/{policy.pk}/change/").status_code == 200
    assert client_for(viewer).get(f"/api/v1/dunning-policies/{policy.pk}/").status_code == 200
    assert as_accountant.post(f"/admin/dunning/dunningpolicy/{policy.pk}/change/", {}).status_code == 403


def test_the_demo_sets_an_agreed_payment_date_and_a_pause_once():
    from dunning import demo

    first, second = make_customer(legal_name="Brauerei Alpenblick GmbH"), make_customer(legal_name="Zweite GmbH")

    demo.load(as_of=T0)
    demo.load(as_of=T0)

    assert DunningProfile.objects.get(customer=first).payment_date_agreed is True
    assert DunningPause.objects.filter(customer=second, ended_at__isnull=True).count() == 1


def test_the_pause_list_takes_the_same_queries_for_many_pauses(accountant, django_assert_max_num_queries):
    client = client_for(accountant)
    for number in range(2):
        dunning_pause(customer=make_customer(), reason=f"Klärung {number}", as_of=T0, by=accountant)
    client.get("/api/v1/dunning/pauses/")  # warm: sessions, permissions, content types
    with django_assert_max_num_queries(50) as few:
        assert len(client.get("/api/v1/dunning/pauses/").json()["results"]) == 2
    for number in range(8):
        dunning_pause(customer=make_customer(), reason=f"mehr {number}", as_of=T0, by=accountant)

    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get("/api/v1/dunning/pauses/").json()["results"]) == 10
