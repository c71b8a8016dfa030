"""The mail backends the outbox hands messages to, and how their errors are read.

One question decides what the outbox does after a failed hand-off: *could the provider have
accepted the message anyway?*

- **No, and asking again may help** (``TRANSIENT``): the connection or login failed before a
  message was transmitted, an SMTP server answered 4xx (RFC 5321 § 4.2.1: "transient negative
  completion"), an API answered 5xx, 429 (slow down) or 401/403 (our credentials, not the message,
  are wrong). The provider refused it, so sending the row again cannot produce a second copy.
- **No, and asking again cannot help** (``PERMANENT``): SMTP 5xx (RFC 5321 "permanent negative
  completion": recipient unknown, message refused), every recipient refused by the API, an
  API answer 4xx (our request is wrong), an address the backend cannot even encode.
- **Maybe** (``UNKNOWN``): the connection broke or timed out *after* the message was
  transmitted (SMTP disconnect during DATA, an HTTP read timeout, an unexpected error inside the
  backend). Resending could deliver a second copy, so a person checks the provider's log.
"""

from __future__ import annotations

import logging
import os
import smtplib
import time
from enum import StrEnum
from pathlib import Path

from django.core.mail.backends import smtp

logger = logging.getLogger(__name__)


class HandOff(StrEnum):
    TRANSIENT = "transient"
    PERMANENT = "permanent"
    UNKNOWN = "unknown"


class SmtpEmailBackend(smtp.EmailBackend):
    """Django's SMTP backend, plus the recipients the server refused while accepting others.

    ``smtplib.SMTP.sendmail`` raises only when *every* recipient is refused; otherwise it returns
    the refused ones, and Django's backend drops that answer. With a BCC archive address the
    archive accepting is then enough for Django to report success although the customer's
    address was refused. This backend keeps the answer on the message (``smtp_refused``:
    ``{address: (code, reply)}``) so the outbox can tell.
    """

    def _send(self, email_message):
        refused: dict[str, tuple[int, bytes]] = {}
        connection = self.connection
        original = connection.sendmail

        def sendmail(*args, **kwargs):
            answer = original(*args, **kwargs)
            refused.update(answer or {})
            return answer

        connection.sendmail = sendmail
        try:
            return super()._send(email_message)
        finally:
            del connection.sendmail  # back to the class's method
            email_message.smtp_refused = refused


def backend_name(connection) -> str:
    """What the outbox records as ``provider``: anymail's ESP name, "smtp", or the backend module."""
    esp_name = getattr(connection, "esp_name", None)
    if isinstance(esp_name, str) and esp_name:
        return esp_name.lower().replace(" ", "_")
    if isinstance(connection, smtp.EmailBackend):
        return "smtp"
    return type(connection).__module__.rsplit(".", 1)[-1]


def is_anymail(connection) -> bool:
    return type(connection).__module__.startswith("anymail.")


def _smtp_code(code: int | None) -> HandOff:
    if code is not None and 400 <= code < 500:
        return HandOff.TRANSIENT
    if code is not None and 500 <= code < 600:
        return HandOff.PERMANENT
    return HandOff.UNKNOWN


def _http_status(status: int | None) -> HandOff:
    if status is None:
        return HandOff.UNKNOWN
    # 401/403: our credentials or account are wrong, not the message; it can go once that is fixed.
    if status in {401, 403, 408, 429} or status >= 500:
        return HandOff.TRANSIENT
    if 400 <= status < 500:
        return HandOff.PERMANENT
    return HandOff.UNKNOWN


def _never_connected(exc: BaseException) -> bool:
    """True when the request provably never reached the provider (refused, DNS, connect timeout)."""
    import requests

    # urllib3 (under requests) and botocore name the failures that happen before a byte is sent.
    before_sending = {"NewConnectionError", "NameResolutionError", "EndpointConnectionError", "ConnectTimeoutError"}
    pending, seen = [exc], set()
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, requests.ConnectTimeout | ConnectionRefusedError):
            return True
        if type(current).__name__ in before_sending:
            return True
        # requests.ConnectionError(MaxRetryError(reason=NewConnectionError(...))) and raise-from chains
        linked = [current.__cause__, current.__context__, getattr(current, "reason", None), *current.args]
        pending += [other for other in linked if isinstance(other, BaseException)]
    return False


def send_error_kind(exc: BaseException) -> HandOff:
    """Classify an error raised while the message was being handed to the backend (see module doc)."""
    from anymail.exceptions import (
        AnymailAPIError,
        AnymailInvalidAddress,
        AnymailRecipientsRefused,
        AnymailSerializationError,
        AnymailUnsupportedFeature,
    )

    if isinstance(exc, AnymailRecipientsRefused | AnymailInvalidAddress | AnymailUnsupportedFeature):
        return HandOff.PERMANENT
    if isinstance(exc, AnymailSerializationError):
        return HandOff.PERMANENT
    if isinstance(exc, AnymailAPIError):
        if exc.status_code is not None:
            return _http_status(exc.status_code)
        cause = exc.__cause__
        response = getattr(cause, "response", None)
        if isinstance(response, dict):  # botocore ClientError: the parsed error answer
            return _http_status(response.get("ResponseMetadata", {}).get("HTTPStatusCode"))
        return HandOff.TRANSIENT if _never_connected(exc) else HandOff.UNKNOWN
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        kinds = {_smtp_code(code) for code, _reply in exc.recipients.values()}
        return HandOff.TRANSIENT if HandOff.TRANSIENT in kinds else HandOff.PERMANENT
    if isinstance(exc, smtplib.SMTPResponseException):  # sender refused, data refused, other replies
        return _smtp_code(exc.smtp_code)
    # SMTPServerDisconnected, socket timeouts, anything unexpected: the server may have the message.
    return HandOff.UNKNOWN


def refused_kind(refused: dict[str, tuple[int, bytes]]) -> HandOff:
    """Classify SMTP recipients refused one by one while the transaction itself went through."""
    kinds = {_smtp_code(code) for code, _reply in refused.values()}
    return HandOff.TRANSIENT if HandOff.TRANSIENT in kinds else HandOff.PERMANENT


# --- Pause points (tests only) ---------------------------------------------------------------
PAUSE_ENV = "DEBITOR_OUTBOX_PAUSE"
PAUSE_FILE_ENV = "DEBITOR_OUTBOX_PAUSE_FILE"


def outbox_pause_point(stage: str) -> None:
    """Stop here for good when the environment names this stage (crash tests kill the process).

    Only exists when ``DEBITOR_OUTBOX_PAUSE`` is set to ``before_handoff`` or ``after_handoff``
    *and* ``DEBITOR_OUTBOX_PAUSE_FILE`` names a marker file: the process writes its pid there and
    sleeps until it is killed. Nothing in Debitor sets these variables.
    """
    if os.environ.get(PAUSE_ENV) != stage:
        return
    marker = os.environ.get(PAUSE_FILE_ENV)
    if not marker:
        return
    logger.warning("Outbox pause point %s reached (pid %s); waiting to be killed.", stage, os.getpid())
    Path(marker).write_text(f"{stage} {os.getpid()}\n")
    while True:
        time.sleep(1)
