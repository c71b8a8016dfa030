"""Printable documents of invoicing: the HTML that the PDF of an invoice or credit note is rendered from."""

from .html import DocumentFormat, consumer_default_notice, invoice_html

__all__ = ["DocumentFormat", "consumer_default_notice", "invoice_html"]
