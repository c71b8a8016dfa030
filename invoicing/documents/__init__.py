"""Printable documents of invoicing: the HTML that the PDF of an invoice or credit note is rendered from."""

from .html import CONSUMER_DEFAULT_NOTICE, DocumentFormat, invoice_html

__all__ = ["CONSUMER_DEFAULT_NOTICE", "DocumentFormat", "invoice_html"]
