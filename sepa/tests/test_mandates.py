"""Mandates: created with the SEPA rules checked, amended (what the next collection must tell the
debtor's bank), marked final, revoked, expired after 36 months without a collection."""

from datetime import date, datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import translation

from core.models import Event
from customers.tests.factories import make_customer
from invoicing.tests.factories import BERLIN
from sepa.models import MandateStatus, SequenceType
from sepa.services import mandate_amend, mandate_mark_final, mandate_revoke, mandates_expire
from sepa.services.errors import SepaConflict

from .factories import IBANS, T0, make_mandate

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sepa_setup")]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def refusal(**kwargs) -> dict:
    with pytest.raises(ValidationError) as caught:
        make_mandate(**kwargs)
    return caught.value.message_dict


def test_a_recurring_mandate_starts_with_a_first_collection_and_is_logged():
    mandate = make_mandate(debtor_iban="DE02 1203 0000 0000 2020 51", debtor_bic="byladem1001")
    assert (mandate.status, mandate.sequence_type) == (MandateStatus.ACTIVE, SequenceType.FIRST)
    assert mandate.debtor_iban == "DE02120300000000202051" and mandate.debtor_bic == "BYLADEM1001"
    event = Event.objects.get(type="mandate.created")
    assert event.customer_id == mandate.customer_id and event.data["reference"] == mandate.reference
    assert mandate.history.count() == 1


def test_a_one_off_mandate_collects_once():
    assert make_mandate(recurring=False).sequence_type == SequenceType.ONE_OFF


@pytest.mark.parametrize(
    ("reference", "why"),
    [
        ("   ", "required"),
        ("A" * 36, "at most 35"),
        ("MANDAT_1", "SEPA character set"),
        ("MANDAT€1", "SEPA character set"),
    ],
)
def test_a_mandate_reference_outside_the_sepa_rules_is_refused(reference, why):
    assert why in refusal(reference=reference)["reference"][0]


def test_every_sepa_character_is_allowed_in_a_reference():
    assert make_mandate(reference="A-z 0+?/:().,'9").reference == "A-z 0+?/:().,'9"


def test_a_mandate_reference_is_unique_whatever_its_case():
    make_mandate(reference="KD-100")
    assert "already used" in refusal(reference="kd-100")["reference"][0]


def test_a_mandate_signed_tomorrow_is_refused():
    assert "future" in refusal(signed_on=date(2026, 11, 28))["signed_on"][0]


def test_a_consumer_cannot_sign_a_b2b_mandate_a_business_can():
    consumer = make_customer(kind="consumer", tax_number="")
    assert "consumer" in refusal(customer=consumer, scheme="B2B")["scheme"][0]
    assert make_mandate(scheme="B2B").scheme == "B2B"


def test_a_wrong_iban_and_bic_are_named():
    errors = refusal(debtor_iban="DE02120300000000202052", debtor_bic="NOTABIC")
    assert "check digits" in errors["debtor_iban"][0]
    assert "NOTABIC" in errors["debtor_bic"][0]


def test_an_iban_outside_the_sepa_area_is_refused():
    assert "SEPA area" in refusal(debtor_iban="BR1800360305000010009795493C1")["debtor_iban"][0]


def test_a_change_before_the_first_collection_is_no_amendment():
    mandate = make_mandate()
    mandate = mandate_amend(mandate=mandate, as_of=T0, reference="NEU-1", debtor_iban=IBANS[1])
    assert (mandate.original_reference, mandate.original_debtor_iban, mandate.debtor_bank_changed) == ("", "", False)
    assert Event.objects.filter(type="mandate.amended").get().data["fields"] == ["reference", "debtor_iban"]


def used(mandate):
    """As if a collection had been sent under it (what collection_batch_create does)."""
    mandate.last_collected_on = date(2026, 10, 1)
    mandate.sequence_type = SequenceType.RECURRING
    mandate.save()
    return mandate


def test_a_new_iban_at_the_same_bank_keeps_the_original_iban_for_the_next_collection():
    mandate = used(make_mandate(debtor_iban="DE02120300000000202051"))
    mandate = mandate_amend(mandate=mandate, as_of=T0, debtor_iban="DE45120300001234567890")
    assert mandate.original_debtor_iban == "DE02120300000000202051"
    assert mandate.debtor_bank_changed is False


def test_a_new_bank_is_sent_as_smnda_and_the_originals_survive_a_second_change():
    mandate = used(make_mandate(reference="ALT-1", debtor_iban=IBANS[0]))
    mandate = mandate_amend(mandate=mandate, as_of=T0, debtor_iban=IBANS[1], reference="NEU-1")
    mandate = mandate_amend(mandate=mandate, as_of=T0, reference="NEU-2")
    assert (mandate.original_reference, mandate.original_debtor_iban) == ("ALT-1", IBANS[0])
    assert mandate.debtor_bank_changed is True


def test_changing_back_to_what_the_bank_knows_clears_the_amendment():
    mandate = used(make_mandate(reference="ALT-1", debtor_iban=IBANS[0]))
    mandate = mandate_amend(mandate=mandate, as_of=T0, debtor_iban=IBANS[1], reference="NEU-1")
    mandate = mandate_amend(mandate=mandate, as_of=T0, debtor_iban=IBANS[0], reference="ALT-1")
    assert (mandate.original_reference, mandate.original_debtor_iban, mandate.debtor_bank_changed) == ("", "", False)


def test_a_revoked_mandate_can_neither_be_changed_nor_revoked_again():
    mandate = mandate_revoke(mandate=make_mandate(), as_of=T0, reason="Kunde hat widerrufen")
    assert mandate.status == MandateStatus.REVOKED and mandate.status_reason == "Kunde hat widerrufen"
    with pytest.raises(SepaConflict):
        mandate_amend(mandate=mandate, as_of=T0, reference="X")
    with pytest.raises(SepaConflict, match="cannot change from revoked to revoked"):
        mandate_revoke(mandate=mandate, as_of=T0)
    assert Event.objects.filter(type="mandate.revoked").count() == 1


def test_only_a_used_recurring_mandate_can_be_marked_final():
    fresh = make_mandate()
    with pytest.raises(SepaConflict, match="already used once"):
        mandate_mark_final(mandate=fresh, as_of=T0)
    assert mandate_mark_final(mandate=used(fresh), as_of=T0).sequence_type == SequenceType.FINAL


def test_mandates_expire_36_months_after_the_last_collection_or_the_signature():
    collected = make_mandate(signed_on=date(2020, 1, 1))
    collected.last_collected_on = date(2023, 12, 1)
    collected.save()
    never_used = make_mandate(signed_on=date(2023, 11, 30))
    young = make_mandate(signed_on=date(2023, 12, 2))
    with time_machine.travel(datetime(2026, 12, 1, 6, 15, tzinfo=BERLIN), tick=False):
        from django.utils import timezone

        assert mandates_expire(as_of=timezone.now()) == 2
        assert mandates_expire(as_of=timezone.now()) == 0  # idempotent
    statuses = {m.pk: m.status for m in type(young).objects.all()}
    assert statuses == {collected.pk: "expired", never_used.pk: "expired", young.pk: "active"}
    assert Event.objects.filter(type="mandate.expired").count() == 2


def test_the_expiry_job_is_declared_in_the_schedule_registry():
    from core.schedules import registered

    assert any(schedule.task == "sepa.expire_mandates" for schedule in registered())


def test_the_expiry_task_expires_at_the_time_it_runs():
    from sepa.tasks import expire_mandates

    make_mandate(signed_on=date(2023, 1, 2))
    with time_machine.travel(datetime(2026, 1, 1, 6, 15, tzinfo=BERLIN), tick=False):
        assert expire_mandates() == 0  # 36 months are not over yet
    with time_machine.travel(datetime(2026, 1, 2, 6, 15, tzinfo=BERLIN), tick=False):
        assert expire_mandates() == 1
