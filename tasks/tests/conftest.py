"""Builders of the tasks tests: people with roles, causes reported through the port."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group

from core.roles import Role

BERLIN = ZoneInfo("Europe/Berlin")
T0 = datetime(2026, 11, 27, 9, 0, tzinfo=BERLIN)  # a Friday


def person(django_user_model, username: str, role: Role | None = Role.ACCOUNTANT, **extra):
    extra.setdefault("email", f"{username}@debitor.example")
    user = django_user_model.objects.create_user(username=username, password="x", is_staff=True, **extra)
    if role is not None:
        user.groups.add(Group.objects.get(name=role.group_name))
    return user


@pytest.fixture
def about(db):
    """Something a cause is about (any saved row will do; a group has no customer)."""
    return Group.objects.create(name="about")
