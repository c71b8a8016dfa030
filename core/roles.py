"""The three finance roles and what each may do.

Roles are Django groups (created by migration ``core.0002``); their model permissions
are derived from the table below after every migrate, so a model added by a later
issue is covered the day it lands. The API checks roles directly (see
``core.api.permissions``); the admin checks the derived model permissions.
"""

from __future__ import annotations

import enum

from django.apps import apps as django_apps
from django.contrib.auth.models import AnonymousUser, Group, Permission
from django.utils.translation import pgettext_lazy


class Role(enum.IntEnum):
    """Ordered: each role may do everything the roles below it may."""

    FINANCE_VIEWER = 1
    ACCOUNTANT = 2
    FINANCE_MANAGER = 3

    @property
    def group_name(self) -> str:
        return self.name.lower()

    @property
    def label(self) -> str:
        """The role as a reader's word (messages), not the group's code."""
        return str(ROLE_LABELS[self])


ROLE_BY_GROUP = {role.group_name: role for role in Role}
ROLE_LABELS = {
    Role.FINANCE_VIEWER: pgettext_lazy("role", "finance viewer (read only)"),
    Role.ACCOUNTANT: pgettext_lazy("role", "accountant"),
    Role.FINANCE_MANAGER: pgettext_lazy("role", "finance manager"),
}

# Models whose changes are settings, policies, users or keys: finance managers only.
MANAGER_ONLY_MODELS = {
    ("auth", "user"),
    ("auth", "group"),
    ("core", "apikey"),
    ("core", "numberseries"),
    ("core", "companyprofile"),
    ("customers", "paymentterms"),
    ("invoicing", "vatrate"),
    ("invoicing", "exchangerate"),
    ("communications", "messagewording"),
    # Which return fees are charged on (a claim for damages, § 280 BGB) is a policy; the decisions
    # on single fees are an accountant's, like every other booking.
    ("payments", "returnfeerule"),
    # How the system opens tasks (on/off, due period, who gets them) is the team's policy.
    ("tasks", "taskrule"),
    # How and when customers are reminded, and what default costs (dunning), is the team's policy;
    # pausing dunning for a customer or an invoice is an accountant's decision.
    ("dunning", "dunningpolicy"),
    ("dunning", "dunninglevel"),
    # Reference rates and member states' interest rules decide what default interest costs.
    ("dunning", "referencerate"),
    ("dunning", "foreigninterestrule"),
    ("django_celery_beat", "periodictask"),
    ("django_celery_beat", "intervalschedule"),
    ("django_celery_beat", "crontabschedule"),
    ("django_celery_beat", "solarschedule"),
    ("django_celery_beat", "clockedschedule"),
    ("axes", "accessattempt"),
    ("axes", "accesslog"),
    ("axes", "accessfailurelog"),
}
# Apps finance managers alone may even look at: data-protection requests and exports hold
# everything stored about a person (Art. 5 (1) f DSGVO: need to know).
MANAGER_ONLY_APPS = {"privacy"}
# Apps whose models no role edits in the admin (internal bookkeeping).
INTERNAL_APPS = {"contenttypes", "sessions", "admin", "rest_framework_api_key"}
# Models no role edits: permissions come from this module, never from a person.
INTERNAL_MODELS = {("auth", "permission")}
# Models only the system writes; staff may look at them.
SYSTEM_WRITTEN_MODELS = {
    ("core", "job"),
    ("core", "idempotencyrecord"),
    # The scheduled notices' once-only marks (dunning.notices): the jobs' record of what they did.
    ("dunning", "overduemark"),
    ("dunning", "duedatenotice"),
    ("dunning", "statementdispatch"),
    ("dunning", "interestperiod"),
    ("dunning", "flatfeecredit"),
}


def permissions_for(role: Role) -> list[Permission]:
    """The model permissions a role's group holds."""
    chosen = []
    for perm in Permission.objects.select_related("content_type").order_by("pk"):
        app_model = (perm.content_type.app_label, perm.content_type.model)
        action = perm.codename.split("_", 1)[0]
        if perm.content_type.app_label in INTERNAL_APPS or app_model in INTERNAL_MODELS:
            continue
        if perm.content_type.app_label in MANAGER_ONLY_APPS:
            allowed = role >= Role.FINANCE_MANAGER
        elif perm.content_type.model.startswith("historical"):
            allowed = action == "view"  # history is read-only for everyone
        elif app_model in SYSTEM_WRITTEN_MODELS:
            allowed = action == "view" or (role >= Role.FINANCE_MANAGER and action == "change")
        elif app_model in MANAGER_ONLY_MODELS:
            allowed = role >= (Role.ACCOUNTANT if action == "view" else Role.FINANCE_MANAGER)
        elif action == "view":
            allowed = True
        elif action in {"add", "change", "delete"}:
            allowed = role >= Role.ACCOUNTANT
        else:  # custom permissions guard special powers (overrides, write-offs)
            allowed = role >= Role.FINANCE_MANAGER
        if allowed:
            chosen.append(perm)
    return chosen


def sync_role_permissions(sender=None, **kwargs) -> None:
    """post_migrate: give each role group exactly the permissions of the table above.

    post_migrate is sent once per app; permissions of all apps exist only when it is
    sent for the last one. The groups are (re)created here too, because a database
    flush (tests, ``manage.py flush``) empties them after their migration ran.
    """
    with_models = [config for config in django_apps.get_app_configs() if config.models_module is not None]
    if sender is not None and sender is not with_models[-1]:
        return
    for role in Role:
        group, _ = Group.objects.get_or_create(name=role.group_name)
        group.permissions.set(permissions_for(role))


def role_of(user) -> Role | None:
    """The highest finance role of a user; superusers are finance managers."""
    if user is None or isinstance(user, AnonymousUser) or not user.is_authenticated:
        return None
    if not user.is_active:
        return None
    if getattr(user, "is_superuser", False):
        return Role.FINANCE_MANAGER
    cached = getattr(user, "_debitor_role", False)
    if cached is not False:
        return cached
    names = set(user.groups.values_list("name", flat=True))
    roles = [ROLE_BY_GROUP[name] for name in names if name in ROLE_BY_GROUP]
    role = max(roles) if roles else None
    user._debitor_role = role
    return role
