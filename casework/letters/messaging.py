"""What letters register with the outbox: their purpose (who receives them by default) and the
templates' names in the admin's outbox list."""

from communications.registry import Purpose, purpose_register
from communications.services.wording import TEMPLATE_LABELS

from .services import PURPOSE, LetterTemplate

# Letters go by default to the contacts who receive invoices; the person may choose others.
purpose_register(Purpose(name=PURPOSE, contact_flag="receives_invoices", templates=tuple(LetterTemplate.values)))
TEMPLATE_LABELS.update({template.value: template.label for template in LetterTemplate})
