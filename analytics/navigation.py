"""What the admin's navigation and home show, registered with ``core.admin_navigation``.

Finance order: customers, invoices, payments, bank statements, the review queue, tasks,
messages; each app's other pages follow its main one.
"""

from django.utils.translation import gettext_lazy as _

from core.admin_navigation import NavigationLink, navigation_register
from tasks.worklist.views import sees_team

from . import home

ORDER = (
    "customers.customer",
    "invoicing.invoice",
    "payments.payment",
    "payments.bankstatement",
    "payments.bankstatementline",
    "tasks.followuptask",
    "communications.outboxmessage",
    "communications.inboundmessage",
)


def register() -> None:
    navigation_register(
        order=ORDER,
        links=(
            # The dashboard sits with the invoices: it is about what they still owe.
            NavigationLink(
                after="invoicing.invoice",
                name=_("Dashboard"),
                url_name="analytics:overview",
                permission="invoicing.view_invoice",
            ),
            NavigationLink(
                after="payments.bankstatement",
                name=_("Review queue"),
                url_name="admin:payments_bankstatementline_review",
                permission="payments.view_bankstatementline",
                count_key="review",
            ),
            # The worklists come first among the tasks' pages: where the day's work is done.
            NavigationLink(
                after="tasks.followuptask",
                name=_("My tasks"),
                url_name="admin:tasks_followuptask_mine",
                permission="tasks.view_followuptask",
                count_key="my_tasks",
                count_meaning=_("my open tasks"),
                alert_key="my_overdue",
                alert_meaning=_("of them overdue"),
            ),
            NavigationLink(
                after="tasks.followuptask",
                name=_("Team tasks"),
                url_name="admin:tasks_followuptask_team",
                permission="tasks.view_followuptask",
                visible=sees_team,
            ),
        ),
        counts=home.navigation_counts,
        home=home.home_context,
    )
