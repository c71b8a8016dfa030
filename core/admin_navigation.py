"""The admin's navigation and home page, in the order finance staff work.

``core`` knows no domain app, so the app at the top (``analytics``) registers what the
navigation needs in its ``AppConfig.ready`` (``navigation_register``): the models in finance
order, extra links such as the bank review queue, the counts shown beside them (read in one
query per page), and the numbers of the finance home. The site (``core.admin_site``) applies
it in ``get_app_list`` and ``index``.

Technical sections — users and groups, login throttling, periodic schedules, background jobs,
API keys, number series, the company profile — are grouped under "System" and shown to finance
managers (and superusers) only; what a role may *do* there is still decided by its permissions
(``core.roles``), this only decides what the navigation offers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .roles import Role, role_of

# Apps whose models are technical: the platform (core) and the libraries below it.
SYSTEM_APPS = ("auth", "axes", "django_celery_beat", "core", "rest_framework_api_key")


@dataclass(frozen=True)
class NavigationLink:
    """A page that is no model's change list (e.g. a review queue), shown after ``after``."""

    after: str  # "app_label.model_name" of the model it follows
    name: object  # a (lazy) label
    url_name: str  # "admin:..." route
    permission: str  # "app_label.codename" the user needs to see it
    count_key: str = ""
    count_meaning: object = None  # what the count says (its tooltip); default "to review"
    alert_key: str = ""  # a second count shown as a warning beside the first (e.g. overdue)
    alert_meaning: object = None
    visible: Callable | None = None  # request -> bool, asked beside the permission (e.g. a role)


@dataclass
class Navigation:
    order: tuple[str, ...] = ()
    links: tuple[NavigationLink, ...] = ()
    # request -> {"app_label.model_name" or a link's count_key: number}; one query.
    counts: Callable | None = None
    # request -> the finance home's context (a few queries, constant in the data's size).
    home: Callable | None = None
    count_keys: dict[str, str] = field(default_factory=dict)  # model label -> count key


navigation = Navigation()


def navigation_register(
    *,
    order: tuple[str, ...],
    links: tuple[NavigationLink, ...] = (),
    counts: Callable | None = None,
    model_counts: dict[str, str] | None = None,
    home: Callable | None = None,
) -> None:
    """Called once by the top app's ``AppConfig.ready``; a second call replaces the first."""
    navigation.order = tuple(order)
    navigation.links = tuple(links)
    navigation.counts = counts
    navigation.count_keys = dict(model_counts or {})
    navigation.home = home


def sees_system(user) -> bool:
    role = role_of(user)
    return role is not None and role >= Role.FINANCE_MANAGER


def navigation_counts(request) -> dict[str, int]:
    """The counts beside the navigation, read once per request (the sidebar and the index both ask)."""
    if navigation.counts is None or not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    cached = getattr(request, "_debitor_navigation_counts", None)
    if cached is None:
        cached = navigation.counts(request)
        request._debitor_navigation_counts = cached
    return cached


def _with_count(name, count: int, meaning: str):
    """The entry's name with its count beside it (Django's app list shows ``name`` as given)."""
    return format_html('{} <span class="debitor-nav-count" title="{}">{}</span>', name, meaning, count)


def _label(model_entry: dict) -> str:
    return model_entry["model"]._meta.label_lower if model_entry.get("model") else model_entry.get("label", "")


def arrange(request, app_dict: dict, *, app_label: str | None = None) -> list[dict]:
    """``app_dict`` (``AdminSite._build_app_dict``) as the navigation: domain apps in finance order,
    each with its main model first, extra links after the model they belong to, then "System"."""
    rank = {label: index for index, label in enumerate(navigation.order)}
    last = len(rank)
    system_visible = sees_system(request.user)
    counts = navigation_counts(request) if app_label is None else {}
    domain, system = [], []
    for app in app_dict.values():
        if app["app_label"] in SYSTEM_APPS:
            system.extend(app["models"])
            if app_label is not None and system_visible:
                domain.append(app)  # the app's own page, for those who see System
            continue
        models = []
        for entry in sorted(app["models"], key=lambda m: (rank.get(_label(m), last), str(m["name"]))):
            label = _label(entry)
            key = navigation.count_keys.get(label)
            if key and counts.get(key):
                entry["name"] = _with_count(entry["name"], counts[key], gettext("my open tasks"))
            models.append(entry)
            for link in navigation.links:
                if link.after == label and request.user.has_perm(link.permission):
                    if link.visible is not None and not link.visible(request):
                        continue
                    count = counts.get(link.count_key) if link.count_key else None
                    name = (
                        _with_count(link.name, count, link.count_meaning or gettext("to review"))
                        if count
                        else link.name
                    )
                    alert = counts.get(link.alert_key) if link.alert_key else None
                    if alert:
                        name = format_html(
                            '{} <span class="debitor-nav-count debitor-nav-alert" title="{}">{}</span>',
                            name,
                            link.alert_meaning or "",
                            alert,
                        )
                    models.append(
                        {
                            "name": name,
                            "object_name": link.url_name.rsplit(":", 1)[-1],
                            "label": link.url_name,
                            "admin_url": reverse(link.url_name),
                            "add_url": None,
                            "view_only": True,
                            "perms": {"view": True},
                        }
                    )
        app["models"] = models
        app["rank"] = min((rank.get(_label(m), last) for m in models), default=last)
        domain.append(app)
    domain.sort(key=lambda app: (app.get("rank", last), str(app["name"]).lower()))
    if app_label is None and system and system_visible:
        domain.append(
            {
                "name": _("System"),
                "app_label": "system",
                "app_url": reverse("admin:index") + "#system",
                "has_module_perms": True,
                "models": sorted(system, key=lambda m: str(m["name"]).lower()),
            }
        )
    return domain
