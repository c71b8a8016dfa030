"""Every write to payments and their allocation (STYLE: services; API, admin and jobs call these).

Lock order: payments, then invoices and credit notes (pk order), then open items — see ``common``.
"""

from .allocation import allocation_reverse, payment_allocate, payment_allocate_by_law
from .bad_debts import bad_debt_write_off, bad_debt_write_off_reverse
from .common import skonto_amount_to_pay
from .credit import credit_apply, credit_note_apply, payment_keep_as_credit, payment_refund
from .designation import payment_designation_accept, payment_designation_record, payment_designation_refuse
from .recording import payment_record
from .return_fees import return_fee_assess, return_fee_charge, return_fee_decline, return_fee_waive
from .returns import payment_return
from .status import payment_assign_customer, payment_complete, payment_fail
from .waivers import open_item_waive
from .writeoffs import write_off, write_off_tolerance

__all__ = [
    "allocation_reverse",
    "bad_debt_write_off",
    "bad_debt_write_off_reverse",
    "credit_apply",
    "credit_note_apply",
    "payment_allocate",
    "payment_allocate_by_law",
    "open_item_waive",
    "payment_assign_customer",
    "payment_complete",
    "payment_designation_accept",
    "payment_designation_record",
    "payment_designation_refuse",
    "payment_fail",
    "payment_keep_as_credit",
    "payment_record",
    "payment_refund",
    "payment_return",
    "return_fee_assess",
    "return_fee_charge",
    "return_fee_decline",
    "return_fee_waive",
    "skonto_amount_to_pay",
    "write_off",
    "write_off_tolerance",
]
