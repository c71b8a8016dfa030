"""What the bank statement says about our SEPA batches: bookings confirm them (``confirm``),
R-transactions return their collections (``returns``). Both are registered with
``payments.bank.confirmations`` in ``SepaConfig.ready`` (``register``): ``payments`` sits below
``sepa`` and calls them for every line before its ordinary matching."""


def register() -> None:
    from payments.bank.confirmations import (
        bank_line_confirmer_register,
        bank_line_describer_register,
        bank_return_linker_register,
        bank_return_listener_register,
    )

    from . import events  # noqa: F401  (registers the event types and their sentences)
    from .confirm import line_confirm_batch
    from .returns import item_returned_by_payment, line_link_collection_return
    from .selectors import line_describe

    bank_line_confirmer_register(line_confirm_batch)
    bank_return_linker_register(line_link_collection_return)
    bank_return_listener_register(item_returned_by_payment)
    bank_line_describer_register(line_describe)
