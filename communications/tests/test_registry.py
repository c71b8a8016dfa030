"""Purposes and reactions come from the apps that own them; the outbox imports none of them."""

import re
from pathlib import Path

import pytest

from communications import registry
from communications.registry import Purpose, purpose_named, purpose_of, react, reaction

APP = Path(__file__).resolve().parents[1]


def test_invoicing_registers_its_purposes_and_an_unnamed_template_goes_to_the_default():
    assert purpose_named("invoices").contact_flag == "receives_invoices"
    assert purpose_named("reminders").contact_flag == "receives_reminders"
    assert purpose_of("credit_note").name == "invoices"
    assert purpose_of("reminder").name == "reminders"
    assert purpose_of("something_new").name == "invoices"


def test_a_purpose_registered_twice_with_another_meaning_is_refused():
    with pytest.raises(RuntimeError, match="registered twice"):
        registry.purpose_register(Purpose(name="invoices", contact_flag="receives_reminders"))


def test_an_unknown_purpose_or_event_is_refused():
    with pytest.raises(ValueError, match="Unknown purpose 'newsletter'"):
        purpose_named("newsletter")
    with pytest.raises(ValueError, match="Unknown message event 'opened'"):
        reaction("opened")


def test_a_reaction_runs_with_the_facts_in_registration_order(monkeypatch):
    monkeypatch.setitem(registry._REACTIONS, "reply", [])
    seen = []
    reaction("reply")(lambda **facts: seen.append(("first", facts)))
    reaction("reply")(lambda **facts: seen.append(("second", facts)))
    react("reply", inbound="i", as_of="t")
    assert seen == [("first", {"inbound": "i", "as_of": "t"}), ("second", {"inbound": "i", "as_of": "t"})]


def test_the_owning_apps_registered_the_outbox_reactions():
    owners = {event: {f.__module__ for f in funcs} for event, funcs in registry._REACTIONS.items()}
    assert owners["sent"] == {"invoicing.messaging"}
    assert owners["delivered"] == {"invoicing.messaging"}
    assert set(owners) == {"sent", "delivered", "bounced", "reply"}  # follow-ups go through core.followups


def test_communications_imports_no_domain_app_but_customers():
    pattern = re.compile(r"^\s*(from|import) (invoicing|payments|tasks|analytics)\b", re.MULTILINE)
    offenders = [
        str(path.relative_to(APP))
        for path in APP.rglob("*.py")
        if "tests" not in path.parts and "migrations" not in path.parts and pattern.search(path.read_text())
    ]
    assert offenders == []
