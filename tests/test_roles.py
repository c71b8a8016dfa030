import pytest
from django.contrib.auth.models import Group

from core.roles import Role, role_of

pytestmark = pytest.mark.django_db


def test_migrations_create_the_three_role_groups_with_permissions():
    viewer = Group.objects.get(name="finance_viewer")
    accountant = Group.objects.get(name="accountant")
    manager = Group.objects.get(name="finance_manager")
    viewer_perms = set(viewer.permissions.values_list("codename", flat=True))
    accountant_perms = set(accountant.permissions.values_list("codename", flat=True))
    manager_perms = set(manager.permissions.values_list("codename", flat=True))
    assert "view_followuptask" in viewer_perms
    assert not any(p.split("_", 1)[0] in {"add", "change", "delete"} for p in viewer_perms)
    assert {"add_followuptask", "change_followuptask"} <= accountant_perms
    assert "add_apikey" not in accountant_perms and "add_apikey" in manager_perms
    assert "change_periodictask" in manager_perms and "change_periodictask" not in accountant_perms
    assert viewer_perms < accountant_perms < manager_perms


def test_role_of_takes_the_highest_group_and_superusers_are_managers(django_user_model):
    user = django_user_model.objects.create_user("both", password="x")
    user.groups.add(Group.objects.get(name="finance_viewer"), Group.objects.get(name="accountant"))
    assert role_of(user) is Role.ACCOUNTANT
    boss = django_user_model.objects.create_superuser("boss", password="x")
    assert role_of(boss) is Role.FINANCE_MANAGER
    nobody = django_user_model.objects.create_user("nobody", password="x")
    assert role_of(nobody) is None
