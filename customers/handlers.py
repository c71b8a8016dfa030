"""Background job handlers of the customers app: thin, load by id, call one service.

Messages a service stores (check results, review tasks) are written in the language active
at the time; a worker has no request, so it uses the site language (settings.LANGUAGE_CODE).
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone, translation

from core.jobs import job_handler

from .models import Customer
from .services import customer_verify, vat_id_confirm


@job_handler("customers.verify")
def handle_verify(*, customer_id: int, trigger: str, user_id: int | None = None) -> dict | None:
    customer = Customer.objects.filter(pk=customer_id).first()
    if customer is None:
        return None  # deleted meanwhile: nothing to verify
    by = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    with translation.override(settings.LANGUAGE_CODE):
        run = customer_verify(customer=customer, trigger=trigger, as_of=timezone.now(), by=by)
    return {"run_id": run.pk, "outcome": run.outcome}


@job_handler("customers.confirm_vat_id")
def handle_confirm_vat_id(*, check_id: int) -> dict:
    with translation.override(settings.LANGUAGE_CODE):
        return {"result": vat_id_confirm(check_id=check_id, as_of=timezone.now())}
