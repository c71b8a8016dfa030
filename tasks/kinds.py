"""The generic task kinds a person (or the casework rules) opens, named for people.

The kinds of causes found by the apps below (a failed verification, a bounce, a reply, an
unmatched bank line …) are registered where they are found; these are the kinds of the
collector's own work. ``core.followups.followup_open`` accepts any of them, so the casework
app opens ``dispute`` and ``promise_broken`` tasks through the port without importing tasks.
"""

from django.utils.translation import gettext_lazy as _

from core.followups import followup_kind_register

CALL_CUSTOMER = followup_kind_register("call_customer", _("call the customer"))
DISPUTE = followup_kind_register("dispute", _("resolve a dispute"))
CHECK_PROMISE = followup_kind_register("check_promise", _("check a promise to pay"))
PROMISE_BROKEN = followup_kind_register("promise_broken", _("promise to pay broken"))
HAND_OVER = followup_kind_register("hand_over_to_collection", _("hand over to a collection agency"))
OTHER = followup_kind_register("other", _("other"))

# What a person may choose when opening a task by hand.
PERSONAL_KINDS = (CALL_CUSTOMER, DISPUTE, CHECK_PROMISE, HAND_OVER, OTHER)
