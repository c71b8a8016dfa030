"""Page links: made for an issued invoice or an account, expiring, revocable, visits counted."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.models import Event
from invoicing.tests.factories import make_draft
from portal.models import PageLink, PageLinkStatus
from portal.selectors import LinkState, first_viewed_at, page_link_for_token
from portal.services import (
    PageLinkConflict,
    page_link_revoke,
    page_link_visit,
    page_links_revoke_all,
)
from portal.tokens import secret_hash

from .conftest import T0, at, customer_with_invoice, link_for

pytestmark = pytest.mark.django_db


def test_an_invoice_link_works_until_ninety_days_after_the_due_date(setup):
    _customer, invoice = customer_with_invoice()
    new = link_for(invoice)

    last_day = invoice.due_date + timedelta(days=90)
    assert timezone.localtime(new.link.expires_at) == datetime(
        last_day.year, last_day.month, last_day.day, tzinfo=timezone.get_current_timezone()
    ) + timedelta(days=1)
    assert page_link_for_token(new.token, as_of=at(last_day, 23))[1] == LinkState.OPEN
    assert page_link_for_token(new.token, as_of=at(last_day + timedelta(days=1), 0))[1] == LinkState.EXPIRED


def test_a_link_made_long_after_the_due_date_still_works_thirty_days(setup):
    _customer, invoice = customer_with_invoice()
    late = at(invoice.due_date + timedelta(days=200))

    assert link_for(invoice, as_of=late).link.expires_at == late + timedelta(days=30)


def test_an_account_link_works_ninety_days_and_the_setting_changes_it(setup, settings):
    customer, _invoice = customer_with_invoice()
    assert link_for(customer=customer).link.expires_at == T0 + timedelta(days=90)

    settings.DEBITOR_PORTAL = {**settings.DEBITOR_PORTAL, "ACCOUNT_LINK_DAYS": 14}
    assert link_for(customer=customer).link.expires_at == T0 + timedelta(days=14)


def test_only_the_hash_of_the_token_is_stored(setup):
    _customer, invoice = customer_with_invoice()
    new = link_for(invoice)
    secret = new.token.rsplit(".", 1)[0]

    stored = PageLink.objects.get()
    assert stored.token_hash == secret_hash(secret)
    assert secret not in str(PageLink.objects.values().get())
    assert new.url.endswith(new.path) and new.path.startswith("/p/")


@pytest.mark.parametrize(
    "change",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),  # signature altered
        lambda token: ("A" if token[0] != "A" else "B") + token[1:],  # secret altered
        lambda token: token.rsplit(".", 1)[0],  # signature left off
        lambda token: "",
    ],
)
def test_an_altered_token_opens_nothing(setup, change):
    _customer, invoice = customer_with_invoice()
    new = link_for(invoice)

    assert page_link_for_token(change(new.token), as_of=T0) == (None, LinkState.UNKNOWN)


def test_links_are_refused_for_drafts_and_for_another_customers_invoice(setup):
    other, invoice = customer_with_invoice()
    draft = make_draft()

    with pytest.raises(ValidationError) as refused:
        link_for(draft)
    assert "invoice" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        link_for(invoice, customer=draft.customer)
    assert "customer" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        link_for(invoice, expires_at=T0 - timedelta(minutes=1))
    assert "expires_at" in refused.value.message_dict
    with pytest.raises(ValidationError):
        link_for()
    assert not PageLink.objects.exists()


def test_a_revoked_link_opens_nothing_and_cannot_be_revoked_again(setup, accountant):
    _customer, invoice = customer_with_invoice()
    new = link_for(invoice)

    page_link_revoke(link=new.link, as_of=T0 + timedelta(hours=1), by=accountant)

    link = PageLink.objects.get()
    assert (link.status, link.revoked_at, link.revoked_by) == (
        PageLinkStatus.REVOKED,
        T0 + timedelta(hours=1),
        accountant,
    )
    assert page_link_for_token(new.token, as_of=T0 + timedelta(hours=2)) == (None, LinkState.REVOKED)
    with pytest.raises(PageLinkConflict):
        page_link_revoke(link=link, as_of=T0 + timedelta(hours=3))
    assert list(Event.objects.filter(type__startswith="page_link.").values_list("type", flat=True).order_by("id")) == [
        "page_link.created",
        "page_link.revoked",
    ]


def test_revoking_all_of_a_customers_links_leaves_other_customers_links_open(setup):
    customer, invoice = customer_with_invoice()
    _other, other_invoice = customer_with_invoice(name="Südwind Handel GmbH")
    mine = [link_for(invoice), link_for(customer=customer)]
    theirs = link_for(other_invoice)

    assert page_links_revoke_all(customer=customer, as_of=T0) == 2
    assert page_links_revoke_all(customer=customer, as_of=T0) == 0

    assert all(page_link_for_token(new.token, as_of=T0)[1] == LinkState.REVOKED for new in mine)
    assert page_link_for_token(theirs.token, as_of=T0)[1] == LinkState.OPEN


def test_visits_set_first_viewed_once_and_write_one_event_per_day(setup):
    customer, invoice = customer_with_invoice()
    link = link_for(invoice).link
    monday, later, tuesday = at(date(2026, 11, 30), 9), at(date(2026, 11, 30), 18), at(date(2026, 12, 1), 8)

    for moment in (monday, later, later, tuesday):
        page_link_visit(link=link, as_of=moment)

    link.refresh_from_db()
    assert (link.first_viewed_at, link.last_viewed_at, link.view_count) == (monday, tuesday, 4)
    events = Event.objects.filter(type="invoice.page_viewed").order_by("created_at")
    assert [(e.created_at, e.customer_id, e.object_id, e.actor_name) for e in events] == [
        (monday, customer.pk, invoice.pk, "customer page"),
        (tuesday, customer.pk, invoice.pk, "customer page"),
    ]
    assert first_viewed_at(invoice) == monday


def test_an_account_link_visit_is_a_customer_event(setup):
    customer, _invoice = customer_with_invoice()
    page_link_visit(link=link_for(customer=customer).link, as_of=T0)

    assert Event.objects.filter(type="customer.page_viewed", customer_id=customer.pk).count() == 1
