"""What the admin's navigation and home show, registered with ``core.admin_navigation``.

Finance order: customers, invoices, payments, bank statements, the review queue, tasks,
messages; each app's other pages follow its main one.
"""

from django.utils.translation import gettext_lazy as _

from core.admin_navigation import NavigationLink, navigation_register

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
            NavigationLink(
                after="payments.bankstatement",
                name=_("Review queue"),
                url_name="admin:payments_bankstatementline_review",
                permission="payments.view_bankstatementline",
                count_key="review",
            ),
        ),
        counts=home.navigation_counts,
        model_counts={"tasks.followuptask": "my_tasks"},
        home=home.home_context,
    )
